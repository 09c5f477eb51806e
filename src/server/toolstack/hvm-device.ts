import type { DtbDevice } from '../../vmm/domain-config.ts';
import type { IoreqServerSpec } from '../../vmm/ioreq.ts';

/**
 * A device model the VM server runs for an HVM guest, as the toolstack wires
 * it: the ioreq servers it registers with the VMM, its DTB node, its access
 * counts, and what a guest reboot does to it (back to its power-on state).
 */
export interface HvmDeviceModel {
  /** Short name ("com1", "vga", "ps2", "rtc"). */
  readonly id: string;
  readonly dtb: DtbDevice;
  readonly ioreqs: readonly IoreqServerSpec[];
  reset(): void;
  /** The guest is gone: stop any timers. */
  dispose(): void;
  /** Guest accesses so far, and per register. */
  readonly accesses: number;
  accessCounts(): Record<string, number>;
}

/** What the models in src/server/device-models have in common. */
export interface SavableModel<S> {
  ioreqSpecs(): IoreqServerSpec[];
  readonly accessCount: number;
  accessCounts(): Record<string, number>;
  saveState(): S;
  restoreState(s: S): void;
}

/** A device model wired for one guest; reset restores the state it had when wired. */
export class WiredDevice<
  M extends SavableModel<S>,
  S = ReturnType<M['saveState']>,
> implements HvmDeviceModel {
  readonly ioreqs: readonly IoreqServerSpec[];
  private readonly powerOn: S;

  constructor(
    readonly id: string,
    readonly model: M,
    readonly dtb: DtbDevice,
    private readonly hooks: {
      readonly afterWrite?: () => void;
      readonly dispose?: () => void;
    } = {},
  ) {
    const after = hooks.afterWrite;
    this.ioreqs = model.ioreqSpecs().map((spec) =>
      after
        ? {
            ...spec,
            handler: {
              read: (addr, size) => spec.handler.read(addr, size),
              write: (addr, size, value) => {
                spec.handler.write(addr, size, value);
                after();
              },
            },
          }
        : spec,
    );
    this.powerOn = model.saveState();
  }

  reset(): void {
    this.model.restoreState(this.powerOn);
    this.hooks.afterWrite?.();
  }

  dispose(): void {
    this.hooks.dispose?.();
  }

  get accesses(): number {
    return this.model.accessCount;
  }

  accessCounts(): Record<string, number> {
    return this.model.accessCounts();
  }
}
