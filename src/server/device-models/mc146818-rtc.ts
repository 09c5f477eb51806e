import { unconnected, type InterruptLine } from '../../machine/mmio-device';
import type { IoreqHandler, IoreqServerSpec } from '../../vmm/ioreq';
import { AccessCounter } from './access-counter';
import { isaPortRanges } from './isa-port-map';

/**
 * Motorola MC146818A real-time clock with 114 bytes of CMOS RAM, as wired in
 * a PC: index at port 0x70 (bit 7 gates NMI), data at 0x71, IRQ 8. Register
 * map and bits after the MC146818A datasheet ("Address Map", "Registers A–D");
 * reset values and the time model after QEMU's hw/rtc/mc146818rtc.c: the
 * clock is the host clock plus an offset, and a guest that sets the time
 * changes only the offset. The time is UTC of the `clock` given (pass
 * host-local epoch milliseconds for a local-time RTC). Flags (update-ended,
 * alarm, periodic) are worked out lazily from the clock at each access or
 * `poll()`, so the VM server calls poll() from a timer while interrupts are
 * enabled.
 */

export const RtcPort = { INDEX: 0x70, DATA: 0x71 } as const;

export const RtcReg = {
  SECONDS: 0x00,
  SECONDS_ALARM: 0x01,
  MINUTES: 0x02,
  MINUTES_ALARM: 0x03,
  HOURS: 0x04,
  HOURS_ALARM: 0x05,
  DAY_OF_WEEK: 0x06,
  DAY_OF_MONTH: 0x07,
  MONTH: 0x08,
  YEAR: 0x09,
  A: 0x0a,
  B: 0x0b,
  C: 0x0c,
  D: 0x0d,
  /** PC/AT CMOS convention: the century, in the same BCD/binary format as the year. */
  CENTURY: 0x32,
} as const;

/** Register A: Update In Progress, divider (DV2–0), rate select (RS3–0). */
export const RegA = { UIP: 0x80, DV: 0x70, RS: 0x0f } as const;
/** Register B. */
export const RegB = {
  SET: 0x80,
  PIE: 0x40,
  AIE: 0x20,
  UIE: 0x10,
  SQWE: 0x08,
  /** Data Mode: 1 = binary, 0 = BCD. */
  DM_BINARY: 0x04,
  /** 1 = 24-hour, 0 = 12-hour with bit 7 of the hours = PM. */
  HOURS_24: 0x02,
  DSE: 0x01,
} as const;
/** Register C: interrupt flags, cleared by reading it. */
export const RegC = { IRQF: 0x80, PF: 0x40, AF: 0x20, UF: 0x10 } as const;
/** Register D: Valid RAM and Time (the battery is fine). */
export const RegD = { VRT: 0x80 } as const;

/** After reset (QEMU rtc_reset/realize): 32.768 kHz time base at 1024 Hz periodic rate; 24 h, BCD. */
export const RTC_RESET = { A: 0x26, B: RegB.HOURS_24, C: 0x00, D: RegD.VRT } as const;

/** Periodic interrupt period by RS (datasheet Table "Periodic Interrupt Rate", 32.768 kHz time base), ms. */
export const PERIODIC_PERIOD_MS: readonly number[] = [
  0, 3.90625, 7.8125, 0.1220703125, 0.244140625, 0.48828125, 0.9765625, 1.953125, 3.90625, 7.8125,
  15.625, 31.25, 62.5, 125, 250, 500,
];

/** UIP rises 244 µs before the once-a-second update, which then takes 1984 µs (datasheet, "Update Cycle"). */
export const UIP_LEAD_MS = 0.244;
export const UPDATE_CYCLE_MS = 1.984;

const ALARM_DONT_CARE = 0xc0;
const CMOS_SIZE = 128;
const TIME_REGS: ReadonlySet<number> = new Set([
  RtcReg.SECONDS,
  RtcReg.MINUTES,
  RtcReg.HOURS,
  RtcReg.DAY_OF_WEEK,
  RtcReg.DAY_OF_MONTH,
  RtcReg.MONTH,
  RtcReg.YEAR,
  RtcReg.CENTURY,
]);

/** Counter names of the data port, per register. */
const REGISTER_NAMES: ReadonlyMap<number, string> = new Map([
  [RtcReg.SECONDS, 'seconds'],
  [RtcReg.SECONDS_ALARM, 'seconds-alarm'],
  [RtcReg.MINUTES, 'minutes'],
  [RtcReg.MINUTES_ALARM, 'minutes-alarm'],
  [RtcReg.HOURS, 'hours'],
  [RtcReg.HOURS_ALARM, 'hours-alarm'],
  [RtcReg.DAY_OF_WEEK, 'day-of-week'],
  [RtcReg.DAY_OF_MONTH, 'day-of-month'],
  [RtcReg.MONTH, 'month'],
  [RtcReg.YEAR, 'year'],
  [RtcReg.A, 'register-a'],
  [RtcReg.B, 'register-b'],
  [RtcReg.C, 'register-c'],
  [RtcReg.D, 'register-d'],
  [RtcReg.CENTURY, 'century'],
]);

/** Broken-down calendar time (UTC fields). */
export interface RtcTime {
  year: number;
  month: number; // 1–12
  day: number; // 1–31
  hours: number; // 0–23
  minutes: number;
  seconds: number;
  /** 1–7, Sunday = 1 (PC convention). */
  dayOfWeek: number;
}

export interface Mc146818Options {
  /** Host clock, epoch milliseconds (fractions allowed). */
  clock: () => number;
  /** IRQ 8. */
  irq?: InterruptLine;
}

export interface Mc146818State {
  index: number;
  nmiDisabled: boolean;
  offsetMs: number;
  dayOfWeekAdjust: number;
  regA: number;
  regB: number;
  regC: number;
  alarms: number[];
  cmos: number[];
  frozen: RtcTime | null;
  counts: Record<string, number>;
}

export class Mc146818Rtc implements IoreqHandler {
  irq: InterruptLine;
  /** NMI gate: bit 7 of the last index write. */
  nmiDisabled = false;

  private readonly clock: () => number;
  private readonly counter = new AccessCounter(['index', 'cmos-ram', ...REGISTER_NAMES.values()]);
  private index = 0;
  /** Guest time = host clock + offset. */
  private offsetMs = 0;
  /** The day of week a guest wrote, relative to the one the date implies (the chip does not check it). */
  private dayOfWeekAdjust = 0;
  private regA: number = RTC_RESET.A;
  private regB: number = RTC_RESET.B;
  private regC: number = RTC_RESET.C;
  private readonly alarms = [0, 0, 0]; // seconds, minutes, hours alarm bytes
  private readonly cmos = new Uint8Array(CMOS_SIZE);
  /** While SET is 1 the time registers hold still and take writes (datasheet, Register B bit 7). */
  private frozen: RtcTime | null = null;
  private lastEval: number;
  private lastPeriodic: number;
  private irqLevel = false;

  constructor(opts: Mc146818Options) {
    this.clock = opts.clock;
    this.irq = opts.irq ?? unconnected;
    this.lastEval = this.lastPeriodic = this.clock();
  }

  ioreqSpecs(): IoreqServerSpec[] {
    return [{ name: 'rtc', ranges: isaPortRanges('rtc'), handler: this }];
  }

  get accessCount(): number {
    return this.counter.total;
  }

  accessCounts(): Record<string, number> {
    return this.counter.snapshot();
  }

  get interruptLevel(): boolean {
    return this.irqLevel;
  }

  /** The guest's clock now, epoch ms. */
  guestTimeMs(): number {
    return this.clock() + this.offsetMs;
  }

  /** The guest's calendar time now (the frozen registers while SET is 1). */
  time(): RtcTime {
    if (this.frozen) return { ...this.frozen };
    const t = fieldsOf(this.guestTimeMs());
    t.dayOfWeek = ((t.dayOfWeek - 1 + this.dayOfWeekAdjust) % 7) + 1;
    return t;
  }

  /** For the VM server: seed a CMOS RAM byte (0x0E–0x7F). */
  setCmosByte(index: number, value: number): void {
    if (index < 0x0e || index >= CMOS_SIZE) throw new RangeError(`CMOS byte ${index} is not RAM`);
    this.cmos[index] = value & 0xff;
  }

  /** Bring the interrupt flags up to the clock and drive IRQ 8. */
  poll(): void {
    this.updateFlags(this.clock());
  }

  // ---- ports -------------------------------------------------------------

  read(port: number, _size: 1 | 2 | 4): number {
    if (port === RtcPort.INDEX) {
      this.counter.hit('index');
      return 0xff; // the index register is write-only on a PC
    }
    const i = this.index;
    this.counter.hit(REGISTER_NAMES.get(i) ?? 'cmos-ram');
    const now = this.clock();
    this.updateFlags(now);
    if (TIME_REGS.has(i)) return this.encodeTime(i, this.time());
    switch (i) {
      case RtcReg.SECONDS_ALARM:
      case RtcReg.MINUTES_ALARM:
      case RtcReg.HOURS_ALARM:
        return this.alarms[(i - 1) >> 1] ?? 0;
      case RtcReg.A:
        return (this.regA & ~RegA.UIP) | (this.updateInProgress(now) ? RegA.UIP : 0);
      case RtcReg.B:
        return this.regB;
      case RtcReg.C: {
        const v = this.regC;
        this.regC = 0; // reading C clears every flag and releases IRQ 8
        this.driveIrq();
        return v;
      }
      case RtcReg.D:
        return RegD.VRT;
      default:
        return this.cmos[i] ?? 0;
    }
  }

  write(port: number, _size: 1 | 2 | 4, value: number): void {
    value &= 0xff;
    if (port === RtcPort.INDEX) {
      this.counter.hit('index');
      this.index = value & 0x7f;
      this.nmiDisabled = (value & 0x80) !== 0;
      return;
    }
    const i = this.index;
    this.counter.hit(REGISTER_NAMES.get(i) ?? 'cmos-ram');
    const now = this.clock();
    this.updateFlags(now);
    if (TIME_REGS.has(i)) {
      this.writeTime(i, value, now);
      return;
    }
    switch (i) {
      case RtcReg.SECONDS_ALARM:
      case RtcReg.MINUTES_ALARM:
      case RtcReg.HOURS_ALARM:
        this.alarms[(i - 1) >> 1] = value;
        break;
      case RtcReg.A:
        this.regA = value & ~RegA.UIP; // UIP is read-only
        this.lastPeriodic = now;
        break;
      case RtcReg.B:
        this.writeB(value, now);
        break;
      case RtcReg.C:
      case RtcReg.D:
        break; // read-only
      default:
        this.cmos[i] = value;
    }
  }

  private writeB(value: number, now: number): void {
    const wasSet = (this.regB & RegB.SET) !== 0;
    if (value & RegB.SET) {
      // SET aborts any update and clears UIE (datasheet, Register B; as QEMU).
      value &= ~RegB.UIE;
      if (!wasSet) this.frozen = this.time();
    } else if (wasSet && this.frozen) {
      // Counting resumes from the written time, at the start of its second.
      this.setTime(this.frozen, now, 0);
      this.frozen = null;
    }
    this.regB = value;
    this.driveIrq();
  }

  private get binary(): boolean {
    return (this.regB & RegB.DM_BINARY) !== 0;
  }

  private enc(v: number): number {
    return this.binary ? v & 0xff : toBcd(v);
  }

  private dec(v: number): number {
    return this.binary ? v : fromBcd(v);
  }

  private encodeHours(h: number): number {
    if (this.regB & RegB.HOURS_24) return this.enc(h);
    return this.enc(h % 12 || 12) | (h >= 12 ? 0x80 : 0);
  }

  private decodeHours(v: number): number {
    if (this.regB & RegB.HOURS_24) return this.dec(v);
    return (this.dec(v & 0x7f) % 12) + (v & 0x80 ? 12 : 0);
  }

  private encodeTime(reg: number, t: RtcTime): number {
    switch (reg) {
      case RtcReg.SECONDS:
        return this.enc(t.seconds);
      case RtcReg.MINUTES:
        return this.enc(t.minutes);
      case RtcReg.HOURS:
        return this.encodeHours(t.hours);
      case RtcReg.DAY_OF_WEEK:
        return this.enc(t.dayOfWeek);
      case RtcReg.DAY_OF_MONTH:
        return this.enc(t.day);
      case RtcReg.MONTH:
        return this.enc(t.month);
      case RtcReg.YEAR:
        return this.enc(t.year % 100);
      default:
        return this.enc(Math.floor(t.year / 100));
    }
  }

  private writeTime(reg: number, value: number, now: number): void {
    const t = this.time();
    switch (reg) {
      case RtcReg.SECONDS:
        t.seconds = this.dec(value);
        break;
      case RtcReg.MINUTES:
        t.minutes = this.dec(value);
        break;
      case RtcReg.HOURS:
        t.hours = this.decodeHours(value);
        break;
      case RtcReg.DAY_OF_WEEK:
        t.dayOfWeek = this.dec(value);
        break;
      case RtcReg.DAY_OF_MONTH:
        t.day = this.dec(value);
        break;
      case RtcReg.MONTH:
        t.month = this.dec(value);
        break;
      case RtcReg.YEAR:
        t.year = Math.floor(t.year / 100) * 100 + this.dec(value);
        break;
      default:
        t.year = this.dec(value) * 100 + (t.year % 100);
    }
    if (this.frozen) {
      this.frozen = t;
      return;
    }
    // Setting the clock moves the offset only; the sub-second phase is kept.
    const g = now + this.offsetMs;
    this.setTime(t, now, ((g % 1000) + 1000) % 1000);
  }

  private setTime(t: RtcTime, now: number, subSecondMs: number): void {
    const ms = msOf(t);
    this.offsetMs = ms + subSecondMs - now;
    const implied = fieldsOf(ms).dayOfWeek;
    this.dayOfWeekAdjust = (((t.dayOfWeek - implied) % 7) + 7) % 7;
    this.lastEval = now; // a jump of the clock is not an update cycle
  }

  private updateInProgress(now: number): boolean {
    if (this.regB & RegB.SET) return false;
    const g = now + this.offsetMs;
    const f = ((g % 1000) + 1000) % 1000;
    return f >= 1000 - UIP_LEAD_MS || f < UPDATE_CYCLE_MS;
  }

  private updateFlags(now: number): void {
    if (!(this.regB & RegB.SET)) {
      const s0 = Math.floor((this.lastEval + this.offsetMs) / 1000);
      const s1 = Math.floor((now + this.offsetMs) / 1000);
      if (s1 > s0) {
        this.regC |= RegC.UF;
        if (this.alarmMatchesIn(s0 + 1, s1)) this.regC |= RegC.AF;
      }
    }
    this.lastEval = now;
    const period = PERIODIC_PERIOD_MS[this.regA & RegA.RS] ?? 0;
    if (period > 0 && Math.floor(now / period) > Math.floor(this.lastPeriodic / period)) {
      this.regC |= RegC.PF;
    }
    this.lastPeriodic = now;
    this.driveIrq();
  }

  /** Did an update at any of guest seconds from..to (epoch s) match the alarm? */
  private alarmMatchesIn(from: number, to: number): boolean {
    const last = Math.min(to, from + 86_400); // every alarm that can match does so within a day
    for (let s = from; s <= last; s++) {
      const t = fieldsOf(s * 1000);
      if (
        this.alarmField(0, t.seconds, false) &&
        this.alarmField(1, t.minutes, false) &&
        this.alarmField(2, t.hours, true)
      ) {
        return true;
      }
    }
    return false;
  }

  private alarmField(i: number, value: number, hours: boolean): boolean {
    const a = this.alarms[i] ?? 0;
    if ((a & ALARM_DONT_CARE) === ALARM_DONT_CARE) return true;
    return (hours ? this.decodeHours(a) : this.dec(a)) === value;
  }

  private driveIrq(): void {
    const pending =
      (this.regC & RegC.PF && this.regB & RegB.PIE) ||
      (this.regC & RegC.AF && this.regB & RegB.AIE) ||
      (this.regC & RegC.UF && this.regB & RegB.UIE);
    if (pending) this.regC |= RegC.IRQF;
    else this.regC &= ~RegC.IRQF;
    const level = pending !== 0;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irq(level);
    }
  }

  // ---- state -------------------------------------------------------------

  saveState(): Mc146818State {
    return {
      index: this.index,
      nmiDisabled: this.nmiDisabled,
      offsetMs: this.offsetMs,
      dayOfWeekAdjust: this.dayOfWeekAdjust,
      regA: this.regA,
      regB: this.regB,
      regC: this.regC,
      alarms: [...this.alarms],
      cmos: [...this.cmos],
      frozen: this.frozen ? { ...this.frozen } : null,
      counts: this.counter.snapshot(),
    };
  }

  restoreState(s: Mc146818State): void {
    this.index = s.index;
    this.nmiDisabled = s.nmiDisabled;
    this.offsetMs = s.offsetMs;
    this.dayOfWeekAdjust = s.dayOfWeekAdjust;
    this.regA = s.regA;
    this.regB = s.regB;
    this.regC = s.regC;
    this.alarms.splice(0, 3, ...s.alarms);
    this.cmos.set(s.cmos.slice(0, CMOS_SIZE));
    this.frozen = s.frozen ? { ...s.frozen } : null;
    this.counter.restore(s.counts);
    // Flags pending at save time stay; time that passes from here on counts anew.
    this.lastEval = this.lastPeriodic = this.clock();
    this.driveIrq();
  }
}

export function toBcd(v: number): number {
  return ((Math.floor(v / 10) % 10) << 4) | (v % 10);
}

export function fromBcd(v: number): number {
  return (v >> 4) * 10 + (v & 0x0f);
}

function fieldsOf(ms: number): RtcTime {
  const d = new Date(Math.floor(ms / 1000) * 1000);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hours: d.getUTCHours(),
    minutes: d.getUTCMinutes(),
    seconds: d.getUTCSeconds(),
    dayOfWeek: d.getUTCDay() + 1,
  };
}

function msOf(t: RtcTime): number {
  // setUTCFullYear, not Date.UTC, which would read years 0–99 as 1900–1999.
  const d = new Date(0);
  d.setUTCFullYear(t.year, t.month - 1, t.day);
  d.setUTCHours(t.hours, t.minutes, t.seconds, 0);
  return d.getTime();
}
