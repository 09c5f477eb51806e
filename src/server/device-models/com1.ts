import { Ns16550a, type Ns16550aOptions, type Ns16550aState } from '../../machine/ns16550a';
import type { IoreqHandler, IoreqRange, IoreqServerSpec } from '../../vmm/ioreq';
import { AccessCounter } from './access-counter';
import { readBytes, writeBytes } from './isa-byte-access';
import { isaPortRanges } from './isa-port-map';

/**
 * COM1 of an HVM guest: the machine's NS16550A model (src/machine/ns16550a.ts)
 * behind ports 0x3F8–0x3FF with its interrupt on ISA IRQ 4. The same wrapper
 * can serve the UART at an MMIO window instead (e.g. QEMU virt's 0x1000_0000)
 * by passing `window`.
 */

export interface Com1Options extends Ns16550aOptions {
  /** Where the registers are: COM1's ports by default. */
  window?: IoreqRange;
}

export interface Com1State {
  uart: Ns16550aState;
  counts: Record<string, number>;
}

/** Counter names per register offset (datasheet Table II; DLAB aliases share a name). */
const REGISTER_NAMES: readonly string[] = [
  'rbr/thr/dll',
  'ier/dlm',
  'iir/fcr',
  'lcr',
  'mcr',
  'lsr',
  'msr',
  'scr',
];

export class Com1 implements IoreqHandler {
  readonly uart: Ns16550a;
  readonly window: IoreqRange;
  private readonly ranges: IoreqRange[];
  private readonly counter = new AccessCounter(REGISTER_NAMES);

  constructor(opts: Com1Options = {}) {
    this.uart = new Ns16550a(opts);
    this.ranges = opts.window ? [{ ...opts.window }] : isaPortRanges('com1');
    const first = this.ranges[0];
    if (!first) throw new RangeError('COM1 has no register window');
    this.window = first;
  }

  ioreqSpecs(): IoreqServerSpec[] {
    return [{ name: 'com1', ranges: this.ranges.map((r) => ({ ...r })), handler: this }];
  }

  get accessCount(): number {
    return this.counter.total;
  }

  accessCounts(): Record<string, number> {
    return this.counter.snapshot();
  }

  /** Bytes from the host (keyboard, pipe) for the guest to read. */
  receive(bytes: Iterable<number>): void {
    this.uart.receive(bytes);
  }

  get interruptLevel(): boolean {
    return this.uart.interruptLevel;
  }

  read(addr: number, size: 1 | 2 | 4): number {
    // An 8-bit part: wider accesses are byte cycles at consecutive registers.
    return readBytes(addr - this.window.start, size, (off) => {
      this.counter.hit(REGISTER_NAMES[off & 7] ?? 'scr');
      return this.uart.load(off & 7, 1);
    });
  }

  write(addr: number, size: 1 | 2 | 4, value: number): void {
    writeBytes(addr - this.window.start, size, value, (off, b) => {
      this.counter.hit(REGISTER_NAMES[off & 7] ?? 'scr');
      this.uart.store(off & 7, 1, b);
    });
  }

  saveState(): Com1State {
    return { uart: this.uart.saveState(), counts: this.counter.snapshot() };
  }

  restoreState(s: Com1State): void {
    this.uart.restoreState(s.uart);
    this.counter.restore(s.counts);
  }
}
