import type { IdeController } from '../device-models/ide.ts';
import { isaDevice, isaDtbDevice } from '../device-models/isa-port-map.ts';
import type { DtbDevice } from '../../vmm/domain-config.ts';
import type { IoreqServerSpec } from '../../vmm/ioreq.ts';
import type { HvmDeviceModel } from './hvm-device.ts';

/**
 * The primary IDE channel of an HVM guest as the toolstack wires it. The
 * ioreq server is registered once, with the domain; the controller behind
 * it is the one Storage.attachHvm made, replaced after a reboot (the disk
 * is detached and attached again). A command that went to the host disk
 * leaves the controller BSY: then the VM server must run before the guest
 * goes on (Vmm.requestService), as a Xen vCPU waits on its ioreq — asking
 * only then, not on every data-port word, keeps PIO transfers cheap.
 */
export class WiredIde implements HvmDeviceModel {
  readonly id = 'ide0';
  readonly dtb: DtbDevice = isaDtbDevice('ide0');
  readonly ioreqs: readonly IoreqServerSpec[];
  private controller: IdeController | null = null;
  /** Accesses of controllers replaced by reboots. */
  private earlier = 0;

  constructor(requestService: () => void) {
    this.ioreqs = [
      {
        name: 'ide0',
        ranges: this.dtbRanges(),
        handler: {
          read: (addr, size) => {
            const c = this.controller;
            // An empty channel floats high, as a PC's does.
            if (!c) return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
            const v = c.read(addr, size);
            if (c.busy) requestService();
            return v;
          },
          write: (addr, size, value) => {
            const c = this.controller;
            if (!c) return;
            c.write(addr, size, value);
            if (c.busy) requestService();
          },
        },
      },
    ];
  }

  /** The ports of isa-port-map's ide0 entry (0x1F0–0x1F7, 0x3F6), as the controller decodes them. */
  private dtbRanges(): IoreqServerSpec['ranges'] {
    return isaDevice('ide0').ports.map((p) => ({ type: 'port', start: p.start, size: p.size }));
  }

  /** The controller now behind the ports (null: no disk attached yet). */
  get model(): IdeController | null {
    return this.controller;
  }

  attach(controller: IdeController): void {
    if (this.controller) this.earlier += this.controller.accesses;
    this.controller = controller;
  }

  reset(): void {
    this.controller?.reset();
  }

  dispose(): void {
    this.controller = null;
  }

  get accesses(): number {
    return this.earlier + (this.controller?.accesses ?? 0);
  }

  accessCounts(): Record<string, number> {
    return this.controller?.accessCounts() ?? {};
  }
}
