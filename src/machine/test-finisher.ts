import { BusError } from '../cpu/bus';
import type { MmioDevice } from './mmio-device';

/**
 * SiFive test finisher ("sifive,test0/test1", QEMU hw/misc/sifive_test.c): a
 * 32-bit write at offset 0 whose low 16 bits are a command and high 16 bits a
 * code. Linux drives it through syscon-poweroff (0x5555) and syscon-reboot (0x7777).
 */
export const FinisherCommand = { FAIL: 0x3333, PASS: 0x5555, RESET: 0x7777 } as const;

export type FinisherEvent =
  | { readonly kind: 'pass' }
  | { readonly kind: 'fail'; readonly code: number }
  | { readonly kind: 'reset' };

export interface TestFinisherState {
  accessCount: number;
}

export class TestFinisher implements MmioDevice {
  readonly name = 'test';
  accessCount = 0;

  constructor(public onEvent: (event: FinisherEvent) => void = () => {}) {}

  load(offset: number, size: 1 | 2 | 4): number {
    this.accessCount++;
    if (size === 1) throw new BusError(offset);
    return 0;
  }

  store(offset: number, size: 1 | 2 | 4, value: number): void {
    this.accessCount++;
    // QEMU decodes 2- and 4-byte accesses; only offset 0 is a register.
    if (size === 1) throw new BusError(offset);
    if (offset !== 0) return;
    const command = value & 0xffff;
    const code = (value >>> 16) & 0xffff;
    switch (command) {
      case FinisherCommand.PASS:
        this.onEvent({ kind: 'pass' });
        break;
      case FinisherCommand.FAIL:
        this.onEvent({ kind: 'fail', code });
        break;
      case FinisherCommand.RESET:
        this.onEvent({ kind: 'reset' });
        break;
      default:
        break; // other values are ignored
    }
  }

  saveState(): TestFinisherState {
    return { accessCount: this.accessCount };
  }

  restoreState(s: TestFinisherState): void {
    this.accessCount = s.accessCount;
  }
}
