import { BusError } from '../cpu/bus';
import { unconnected, type InterruptLine, type MmioDevice } from './mmio-device';

/**
 * SiFive CLINT (Core-Local Interruptor) for one hart, laid out as in the SiFive
 * FU540-C000 manual, chapter 9 "Core Local Interruptor", and QEMU virt:
 *   +0x0000 msip      bit 0 drives the hart's MSIP (mip bit 3)
 *   +0x4000 mtimecmp  64-bit, two 32-bit halves; mtime >= mtimecmp drives MTIP (mip bit 7)
 *   +0xbff8 mtime     64-bit, two 32-bit halves
 * Privileged spec 3.2.1: MTIP is a level that stays asserted while mtime >= mtimecmp.
 * Registers take 32-bit aligned accesses only (QEMU's aclint rejects narrower ones).
 */

/** Register offsets. */
export const ClintReg = {
  MSIP: 0x0000,
  MTIMECMP_LO: 0x4000,
  MTIMECMP_HI: 0x4004,
  MTIME_LO: 0xbff8,
  MTIME_HI: 0xbffc,
} as const;

/** The platform's time source, in mtime ticks. Must never go backwards. */
export interface MachineClock {
  now(): number;
}

export interface ClintState {
  msip: number;
  mtimecmpLo: number;
  mtimecmpHi: number;
  mtimeOffset: number;
  accessCount: number;
}

export interface ClintOptions {
  clock: MachineClock;
  /** The hart's MSIP input. */
  msip?: InterruptLine;
  /** The hart's MTIP input. */
  mtip?: InterruptLine;
  /** Called after the guest moves mtimecmp or mtime, so the machine can re-plan its next deadline. */
  onTimerChange?: () => void;
}

const TWO_32 = 0x1_0000_0000;

export class Clint implements MmioDevice {
  readonly name = 'clint';
  accessCount = 0;
  msipLine: InterruptLine;
  mtipLine: InterruptLine;
  onTimerChange: () => void;
  private readonly clock: MachineClock;
  private msip = 0;
  // Reset value as QEMU 7.2's aclint (0): MTIP is pending until software programs mtimecmp.
  private mtimecmpLo = 0;
  private mtimecmpHi = 0;
  /** mtime = clock.now() + mtimeOffset; guest writes to mtime move the offset. */
  private mtimeOffset = 0;
  private mtipLevel: boolean | undefined;

  constructor(opts: ClintOptions) {
    this.clock = opts.clock;
    this.msipLine = opts.msip ?? unconnected;
    this.mtipLine = opts.mtip ?? unconnected;
    this.onTimerChange = opts.onTimerChange ?? (() => {});
  }

  /** The current mtime (what the `time` CSR reads). */
  mtime(): number {
    return this.clock.now() + this.mtimeOffset;
  }

  get mtimecmp(): number {
    return this.mtimecmpHi * TWO_32 + this.mtimecmpLo;
  }

  /**
   * The clock reading (not mtime) at which MTIP will next rise, or undefined
   * when it is already up or mtimecmp is out of reach. The machine uses this to
   * skip idle time while the hart sits in WFI.
   */
  nextDeadline(): number | undefined {
    const cmp = this.mtimecmp;
    if (cmp > Number.MAX_SAFE_INTEGER) return undefined;
    const at = cmp - this.mtimeOffset;
    return at > this.clock.now() ? at : undefined;
  }

  /** Re-evaluate MTIP against the current time. */
  update(): void {
    const level = this.mtime() >= this.mtimecmp;
    if (level !== this.mtipLevel) {
      this.mtipLevel = level;
      this.mtipLine(level);
    }
  }

  load(offset: number, size: 1 | 2 | 4): number {
    this.accessCount++;
    if (size !== 4 || offset & 3) throw new BusError(offset);
    switch (offset) {
      case ClintReg.MSIP:
        return this.msip;
      case ClintReg.MTIMECMP_LO:
        return this.mtimecmpLo;
      case ClintReg.MTIMECMP_HI:
        return this.mtimecmpHi;
      case ClintReg.MTIME_LO:
        return this.mtime() % TWO_32;
      case ClintReg.MTIME_HI:
        return Math.floor(this.mtime() / TWO_32) >>> 0;
      default:
        return 0; // unimplemented harts' registers read as zero (QEMU)
    }
  }

  store(offset: number, size: 1 | 2 | 4, value: number): void {
    this.accessCount++;
    if (size !== 4 || offset & 3) throw new BusError(offset);
    value >>>= 0;
    switch (offset) {
      case ClintReg.MSIP:
        this.msip = value & 1;
        this.msipLine(this.msip !== 0);
        return;
      case ClintReg.MTIMECMP_LO:
        this.mtimecmpLo = value;
        break;
      case ClintReg.MTIMECMP_HI:
        this.mtimecmpHi = value;
        break;
      case ClintReg.MTIME_LO:
        this.setMtime(Math.floor(this.mtime() / TWO_32) * TWO_32 + value);
        break;
      case ClintReg.MTIME_HI:
        this.setMtime(value * TWO_32 + (this.mtime() % TWO_32));
        break;
      default:
        return;
    }
    this.update();
    this.onTimerChange();
  }

  private setMtime(value: number): void {
    this.mtimeOffset = value - this.clock.now();
  }

  saveState(): ClintState {
    return {
      msip: this.msip,
      mtimecmpLo: this.mtimecmpLo,
      mtimecmpHi: this.mtimecmpHi,
      mtimeOffset: this.mtimeOffset,
      accessCount: this.accessCount,
    };
  }

  restoreState(s: ClintState): void {
    this.msip = s.msip;
    this.mtimecmpLo = s.mtimecmpLo;
    this.mtimecmpHi = s.mtimecmpHi;
    this.mtimeOffset = s.mtimeOffset;
    this.accessCount = s.accessCount;
    this.msipLine(this.msip !== 0);
    this.mtipLevel = undefined;
    this.update();
  }
}
