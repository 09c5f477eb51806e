import type { DtbDevice } from '../../vmm/domain-config';
import type { IoreqHandler, IoreqRange, IoreqServerSpec } from '../../vmm/ioreq';
import type { DiskResult, GuestDisk } from '../storage/guest-disk';
import type { IoRecord } from '../storage/io-trace';
import { AccessCounter } from './access-counter';
import { identifyDevice } from './ide-identify';
import {
  AtaCommand,
  AtaError,
  AtaStatus,
  CHS_HEADS,
  CHS_SECTORS_PER_TRACK,
  DeviceBits,
  DeviceControl,
  IdeReg,
  LBA28_LIMIT,
  MAX_MULTIPLE_SECTORS,
  SetFeature,
} from './ide-registers';
import { isaDevice, isaDtbDevice } from './isa-port-map';

/**
 * The primary IDE channel of an HVM guest with one ATA disk as master
 * (ATA/ATAPI-6, PIO only): the command block at 0x1F0–0x1F7, the control
 * block (alternate status / device control) at 0x3F6, INTRQ on ISA IRQ 14.
 *
 * Data moves through the 16-bit data port, so each word the guest reads or
 * writes is one trapped access — one VM exit. The disk behind the model
 * completes asynchronously: the model shows BSY while it waits, then DRQ
 * for data or DRDY for completion, and raises INTRQ where ATA-6 §9 says
 * (each DRQ block of a PIO data-in command; each block after the first and
 * the completion of a PIO data-out command; completion of non-data
 * commands). Reading Status clears INTRQ; Alternate Status does not.
 */

/** What the model needs of its disk: a bounds-checked, traced guest disk. */
export type IdeDisk = Pick<
  GuestDisk,
  'sectors' | 'readonly' | 'admit' | 'execute' | 'hop' | 'currentExit' | 'linkExits'
>;

export interface IdeOptions {
  /** The master disk; null for an empty channel. */
  master: IdeDisk | null;
  /** Drives the channel's interrupt line (PLIC source of ISA IRQ 14). */
  setIrq?: (level: boolean) => void;
  model?: string;
  serial?: string;
  firmware?: string;
}

/** Everything the model keeps between commands (xl save / restore, migration). */
export interface IdeSnapshot {
  readonly cur: number[];
  readonly prev: number[];
  readonly device: number;
  readonly status: number;
  readonly error: number;
  readonly deviceControl: number;
  readonly intrq: boolean;
  readonly multiple: number;
  readonly writeCache: boolean;
  readonly lookAhead: boolean;
  /** A PIO transfer in its data phase (the data already read, or received so far). */
  readonly transfer: {
    readonly dir: 'in' | 'out';
    readonly data: number[];
    readonly pos: number;
    readonly blockEnd: number;
    readonly blockBytes: number;
    readonly lba: number;
  } | null;
  readonly counts: Record<string, number>;
}

export interface IdeState {
  readonly status: number;
  readonly error: number;
  readonly device: number;
  readonly deviceControl: number;
  readonly intrq: boolean;
  readonly multipleSectors: number;
  readonly writeCache: boolean;
}

const REGISTER_NAMES = [
  'data',
  'error/features',
  'sector-count',
  'lba-low',
  'lba-mid',
  'lba-high',
  'device',
  'status/command',
  'altstatus/devctl',
] as const;

const S = AtaStatus;
const READY = S.DRDY | S.DSC;

interface Transfer {
  readonly dir: 'in' | 'out';
  readonly buf: Uint8Array;
  pos: number;
  blockEnd: number;
  readonly blockBytes: number;
  readonly rec: IoRecord | null;
  /** Data-out: all words received. */
  readonly onFilled?: () => void;
}

const IDE = isaDevice('ide0');
const CMD_BASE = IDE.ports[0]?.start ?? 0x1f0;
const CTRL_PORT = IDE.ports[1]?.start ?? 0x3f6;

export class IdeController implements IoreqHandler {
  readonly id = 'ide0';
  readonly dtb: DtbDevice = isaDtbDevice('ide0');
  readonly ranges: readonly IoreqRange[] = IDE.ports.map((p) => ({
    type: 'port' as const,
    start: p.start,
    size: p.size,
  }));
  readonly handler: IoreqHandler = this;
  /** Commands executed, by name (for the desktop and tests). */
  readonly commands = new Map<string, number>();

  private readonly master: IdeDisk | null;
  private readonly setIrq: (level: boolean) => void;
  private readonly model: string;
  private readonly serial: string;
  private readonly firmware: string;
  private readonly counter = new AccessCounter(REGISTER_NAMES);

  // Taskfile: current and previous ("HOB") values of registers 1–5, ATA-6 §6.20 (48-bit feature set).
  private readonly cur = new Uint8Array(6);
  private readonly prev = new Uint8Array(6);
  private device = 0;
  private status = READY;
  private error = 0x01;
  private devctl = 0;
  private intrq = false;
  private irqLevel = false;
  private multiple = 0;
  private writeCache = true;
  private lookAhead = true;
  private transfer: Transfer | null = null;
  /** The disk request the model is waiting for, if any. */
  private pending: Promise<unknown> | null = null;
  /** Bumped by resets: completions of older commands are dropped. */
  private generation = 0;
  /** Port accesses since the last command finished: the exits the next command takes. */
  private exitsSinceIdle = 0;
  /** The VMM's numbers (ExitEvent.seq) of the first and latest of those exits. */
  private firstExit: number | null = null;
  private lastExit: number | null = null;

  constructor(opts: IdeOptions) {
    this.master = opts.master;
    this.setIrq = opts.setIrq ?? (() => {});
    this.model = opts.model ?? 'TABVISOR HARDDISK';
    this.serial = opts.serial ?? 'TV00000001';
    this.firmware = opts.firmware ?? '0.1';
    this.powerOn();
  }

  ioreqSpecs(): IoreqServerSpec[] {
    return [{ name: this.id, ranges: this.ranges.map((r) => ({ ...r })), handler: this }];
  }

  /** Guest accesses so far (each one a VM exit). */
  get accesses(): number {
    return this.counter.total;
  }

  accessCounts(): Record<string, number> {
    return this.counter.snapshot();
  }

  /** Register state, for tests and the desktop. */
  state(): IdeState {
    return {
      status: this.status,
      error: this.error,
      device: this.device,
      deviceControl: this.devctl,
      intrq: this.intrq,
      multipleSectors: this.multiple,
      writeCache: this.writeCache,
    };
  }

  /** True while a command waits for the disk. */
  get busy(): boolean {
    return (this.status & S.BSY) !== 0;
  }

  /** Resolves once no disk request is outstanding (BSY clear or in a data phase). */
  async settled(): Promise<void> {
    while (this.pending) await this.pending;
  }

  /**
   * The model's state. Not while BSY waits for the disk (await settled()
   * first): a data phase in progress is saved with its data and resumes on
   * restore; a data-out phase restarts its host write from the saved data.
   */
  saveState(): IdeSnapshot {
    if (this.pending)
      throw new Error('IDE: a disk request is outstanding; await settled() before saving');
    const t = this.transfer;
    return {
      cur: [...this.cur],
      prev: [...this.prev],
      device: this.device,
      status: this.status,
      error: this.error,
      deviceControl: this.devctl,
      intrq: this.intrq,
      multiple: this.multiple,
      writeCache: this.writeCache,
      lookAhead: this.lookAhead,
      transfer: t
        ? {
            dir: t.dir,
            data: [...t.buf],
            pos: t.pos,
            blockEnd: t.blockEnd,
            blockBytes: t.blockBytes,
            lba: t.rec?.guestSector ?? -1,
          }
        : null,
      counts: this.counter.snapshot(),
    };
  }

  restoreState(s: IdeSnapshot): void {
    this.generation++;
    this.pending = null;
    this.cur.set(s.cur);
    this.prev.set(s.prev);
    this.device = s.device;
    this.status = s.status;
    this.error = s.error;
    this.devctl = s.deviceControl;
    this.multiple = s.multiple;
    this.writeCache = s.writeCache;
    this.lookAhead = s.lookAhead;
    this.counter.restore(s.counts);
    this.transfer = null;
    const t = s.transfer;
    if (t && this.master) {
      const buf = Uint8Array.from(t.data);
      if (t.dir === 'in') {
        this.transfer = {
          dir: 'in',
          buf,
          pos: t.pos,
          blockEnd: t.blockEnd,
          blockBytes: t.blockBytes,
          rec: null,
        };
      } else {
        // Re-admit the write on this (possibly new) disk and continue the data phase.
        const rec = this.master.admit('write', t.lba, buf.length / 512, { hop: 'restored' });
        if (rec.status === 'pending') {
          this.beginDataOut(rec, buf, t.blockBytes / 512);
          const tr = this.transfer as Transfer | null;
          if (tr) {
            tr.pos = t.pos;
            tr.blockEnd = t.blockEnd;
          }
        }
      }
    }
    this.intrq = s.intrq;
    this.updateIrq();
  }

  /** Power-on state (the guest rebooted). */
  reset(): void {
    this.powerOn();
    this.counter.restore({});
  }

  private powerOn(): void {
    this.generation++;
    this.transfer = null;
    this.devctl = 0;
    this.multiple = 0;
    this.writeCache = true;
    this.lookAhead = true;
    this.signature();
    this.intrq = false;
    this.updateIrq();
    this.exitsSinceIdle = 0;
  }

  /** ATA device signature after reset (ATA-6 §9.12): count 1, LBA 0/0/1, diagnostics passed. */
  private signature(): void {
    this.cur.fill(0);
    this.prev.fill(0);
    this.cur[IdeReg.sectorCount] = 1;
    this.cur[IdeReg.lbaLow] = 1;
    this.device = 0;
    this.error = 0x01;
    this.status = READY;
  }

  // ---------------------------------------------------------------- port access

  read(addr: number, size: 1 | 2 | 4): number {
    if (addr === CMD_BASE + IdeReg.data && size > 1) {
      if (size === 2) return this.readData();
      const lo = this.readData();
      return (lo | (this.readData() << 16)) >>> 0;
    }
    let v = 0;
    for (let i = 0; i < size; i++) v |= this.readRegister(addr + i) << (8 * i);
    return v >>> 0;
  }

  write(addr: number, size: 1 | 2 | 4, value: number): void {
    if (addr === CMD_BASE + IdeReg.data && size > 1) {
      this.writeData(value & 0xffff);
      if (size === 4) this.writeData((value >>> 16) & 0xffff);
      return;
    }
    for (let i = 0; i < size; i++) this.writeRegister(addr + i, (value >>> (8 * i)) & 0xff);
  }

  private hit(name: (typeof REGISTER_NAMES)[number]): void {
    this.counter.hit(name);
    // Each access is served inside the exit it caused, so the disk's exit clock names that exit.
    const seq = this.master ? this.master.currentExit() : null;
    if (this.exitsSinceIdle === 0) this.firstExit = seq;
    this.lastExit = seq;
    this.exitsSinceIdle++;
  }

  private get slaveSelected(): boolean {
    return (this.device & DeviceBits.DEV) !== 0;
  }

  /** Status as seen for the selected device: an absent device reads 0 (no drive). */
  private visibleStatus(): number {
    return this.master && !this.slaveSelected ? this.status : 0;
  }

  private readRegister(port: number): number {
    if (port === CTRL_PORT) {
      this.hit('altstatus/devctl');
      return this.visibleStatus();
    }
    const reg = port - CMD_BASE;
    const name = REGISTER_NAMES[reg];
    if (name === undefined) return 0xff;
    // An 8-bit cycle on the data port still moves a word.
    if (reg === IdeReg.data) return this.readData() & 0xff;
    this.hit(name);
    if (!this.master) return 0;
    const hob = (this.devctl & DeviceControl.HOB) !== 0;
    switch (reg) {
      case IdeReg.errorFeatures:
        return hob ? (this.prev[1] as number) : this.error;
      case IdeReg.sectorCount:
      case IdeReg.lbaLow:
      case IdeReg.lbaMid:
      case IdeReg.lbaHigh:
        return hob ? (this.prev[reg] as number) : (this.cur[reg] as number);
      case IdeReg.device:
        return this.device;
      default: {
        // Status: reading it acknowledges the interrupt (ATA-6 §7.15).
        const v = this.visibleStatus();
        this.intrq = false;
        this.updateIrq();
        return v;
      }
    }
  }

  private writeRegister(port: number, v: number): void {
    if (port === CTRL_PORT) {
      this.hit('altstatus/devctl');
      this.writeDeviceControl(v);
      return;
    }
    const reg = port - CMD_BASE;
    const name = REGISTER_NAMES[reg];
    if (name === undefined) return;
    if (reg === IdeReg.data) return this.writeData(v);
    this.hit(name);
    // The host may not write the command block while BSY (ATA-6 §9.1); a device ignores it.
    if (this.status & S.BSY) return;
    // Any command block write clears HOB (§7.8).
    this.devctl &= ~DeviceControl.HOB;
    switch (reg) {
      case IdeReg.errorFeatures:
      case IdeReg.sectorCount:
      case IdeReg.lbaLow:
      case IdeReg.lbaMid:
      case IdeReg.lbaHigh:
        this.prev[reg] = this.cur[reg] as number;
        this.cur[reg] = v;
        return;
      case IdeReg.device:
        this.device = v | DeviceBits.OBSOLETE;
        this.updateIrq();
        return;
      default:
        this.command(v);
    }
  }

  private writeDeviceControl(v: number): void {
    const old = this.devctl;
    this.devctl = v & (DeviceControl.nIEN | DeviceControl.SRST | DeviceControl.HOB);
    if (v & DeviceControl.SRST && !(old & DeviceControl.SRST)) {
      // Reset asserted: abandon whatever runs, BSY until released (§9.2).
      this.generation++;
      this.abandon();
      this.status = S.BSY | S.DSC;
      this.intrq = false;
    } else if (!(v & DeviceControl.SRST) && old & DeviceControl.SRST) {
      this.signature();
      this.exitsSinceIdle = 0;
    }
    this.updateIrq();
  }

  private readData(): number {
    this.hit('data');
    const t = this.transfer;
    if (!t || t.dir !== 'in' || !(this.status & S.DRQ)) return 0xffff;
    const word = (t.buf[t.pos] as number) | ((t.buf[t.pos + 1] as number) << 8);
    t.pos += 2;
    if (t.pos >= t.blockEnd) this.endBlockIn(t);
    return word;
  }

  private writeData(word: number): void {
    this.hit('data');
    const t = this.transfer;
    if (!t || t.dir !== 'out' || !(this.status & S.DRQ)) return;
    t.buf[t.pos] = word & 0xff;
    t.buf[t.pos + 1] = (word >>> 8) & 0xff;
    t.pos += 2;
    if (t.pos >= t.blockEnd) this.endBlockOut(t);
  }

  private endBlockIn(t: Transfer): void {
    if (t.pos >= t.buf.length) {
      // Last block read: the command is done; no interrupt at the end of PIO data-in.
      this.transfer = null;
      this.status = READY;
      this.complete(t.rec, 'complete');
      return;
    }
    t.blockEnd = Math.min(t.pos + t.blockBytes, t.buf.length);
    this.status = READY | S.DRQ;
    this.raiseIrq();
  }

  private endBlockOut(t: Transfer): void {
    if (t.pos >= t.buf.length) {
      this.transfer = null;
      this.status = READY | S.BSY;
      t.onFilled?.();
      return;
    }
    t.blockEnd = Math.min(t.pos + t.blockBytes, t.buf.length);
    this.status = READY | S.DRQ;
    this.raiseIrq();
  }

  // ---------------------------------------------------------------- interrupts

  private raiseIrq(): void {
    this.intrq = true;
    this.updateIrq();
  }

  private updateIrq(): void {
    const level = this.intrq && (this.devctl & DeviceControl.nIEN) === 0 && this.master !== null;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.setIrq(level);
    }
  }

  // ---------------------------------------------------------------- commands

  private count(name: string): void {
    this.commands.set(name, (this.commands.get(name) ?? 0) + 1);
  }

  /** Success of a command: DRDY, INTRQ. */
  private succeed(): void {
    this.status = READY;
    this.raiseIrq();
    this.complete(null, 'complete');
  }

  /** Failure: ERR with the given error bits, INTRQ (ATA-6 §9 "error" outcome of each protocol). */
  private fail(bits: number, rec: IoRecord | null = null): void {
    this.transfer = null;
    this.error = bits;
    this.status = READY | S.ERR;
    this.raiseIrq();
    this.complete(rec, 'complete');
  }

  /** Records the exits a command took (accesses since the previous command finished) and its last hop. */
  private complete(rec: IoRecord | null, hop: string): void {
    if (rec && this.master) {
      rec.exits = this.exitsSinceIdle;
      this.master.linkExits(rec, this.firstExit, this.lastExit);
      this.master.hop(rec, hop);
    }
    this.exitsSinceIdle = 0;
  }

  /** A transfer cut short by a new command or a reset: its record says so. */
  private abandon(): void {
    const rec = this.transfer?.rec;
    if (rec && this.master) this.master.hop(rec, 'abandoned');
    this.transfer = null;
  }

  private command(cmd: number): void {
    const disk = this.master;
    // Commands to an absent device are not executed (only the selected device responds).
    if (!disk || this.slaveSelected) return;
    this.abandon();
    this.error = 0;
    this.intrq = false;
    this.updateIrq();
    const C = AtaCommand;
    switch (cmd) {
      case C.IDENTIFY_DEVICE:
        this.count('IDENTIFY DEVICE');
        this.startDataIn(
          identifyDevice({
            sectors: disk.sectors,
            model: this.model,
            serial: this.serial,
            firmware: this.firmware,
            multipleSectors: this.multiple,
            writeCacheEnabled: this.writeCache,
            lookAheadEnabled: this.lookAhead,
          }),
          1,
          null,
        );
        return;
      case C.READ_SECTORS:
      case C.READ_SECTORS_NO_RETRY:
        this.count('READ SECTORS');
        return this.read28(1);
      case C.READ_MULTIPLE:
        this.count('READ MULTIPLE');
        if (this.multiple === 0) return this.fail(AtaError.ABRT);
        return this.read28(this.multiple);
      case C.READ_SECTORS_EXT:
        this.count('READ SECTORS EXT');
        return this.startRead(this.lba48(), this.count48(), 1);
      case C.READ_MULTIPLE_EXT:
        this.count('READ MULTIPLE EXT');
        if (this.multiple === 0) return this.fail(AtaError.ABRT);
        return this.startRead(this.lba48(), this.count48(), this.multiple);
      case C.WRITE_SECTORS:
      case C.WRITE_SECTORS_NO_RETRY:
        this.count('WRITE SECTORS');
        return this.write28(1);
      case C.WRITE_MULTIPLE:
        this.count('WRITE MULTIPLE');
        if (this.multiple === 0) return this.fail(AtaError.ABRT);
        return this.write28(this.multiple);
      case C.WRITE_SECTORS_EXT:
        this.count('WRITE SECTORS EXT');
        return this.startWrite(this.lba48(), this.count48(), 1);
      case C.WRITE_MULTIPLE_EXT:
        this.count('WRITE MULTIPLE EXT');
        if (this.multiple === 0) return this.fail(AtaError.ABRT);
        return this.startWrite(this.lba48(), this.count48(), this.multiple);
      case C.SET_MULTIPLE_MODE: {
        this.count('SET MULTIPLE MODE');
        // Block size: a power of two up to word 47's maximum; 0 disables (ATA-6 §8.39).
        const n = this.cur[IdeReg.sectorCount] as number;
        if (n > MAX_MULTIPLE_SECTORS || (n & (n - 1)) !== 0) return this.fail(AtaError.ABRT);
        this.multiple = n;
        return this.succeed();
      }
      case C.FLUSH_CACHE:
      case C.FLUSH_CACHE_EXT:
        this.count(cmd === C.FLUSH_CACHE ? 'FLUSH CACHE' : 'FLUSH CACHE EXT');
        return this.startFlush();
      case C.SET_FEATURES:
        this.count('SET FEATURES');
        return this.setFeatures();
      case C.READ_VERIFY_SECTORS:
      case C.READ_VERIFY_SECTORS_NO_RETRY:
      case C.READ_VERIFY_SECTORS_EXT: {
        this.count('READ VERIFY SECTORS');
        const ext = cmd === C.READ_VERIFY_SECTORS_EXT;
        const lba = ext ? this.lba48() : this.lba28();
        const n = ext ? this.count48() : this.count28();
        if (lba === null || !this.inRange(lba, n)) return this.fail(AtaError.IDNF);
        return this.succeed();
      }
      case C.READ_NATIVE_MAX_ADDRESS: {
        this.count('READ NATIVE MAX ADDRESS');
        const max = Math.min(disk.sectors, LBA28_LIMIT) - 1;
        this.cur[IdeReg.lbaLow] = max & 0xff;
        this.cur[IdeReg.lbaMid] = (max >>> 8) & 0xff;
        this.cur[IdeReg.lbaHigh] = (max >>> 16) & 0xff;
        this.device = (this.device & 0xf0) | ((max >>> 24) & 0x0f);
        return this.succeed();
      }
      case C.READ_NATIVE_MAX_ADDRESS_EXT: {
        this.count('READ NATIVE MAX ADDRESS EXT');
        let max = disk.sectors - 1;
        for (const reg of [IdeReg.lbaLow, IdeReg.lbaMid, IdeReg.lbaHigh]) {
          this.cur[reg] = max % 256;
          max = Math.floor(max / 256);
        }
        for (const reg of [IdeReg.lbaLow, IdeReg.lbaMid, IdeReg.lbaHigh]) {
          this.prev[reg] = max % 256;
          max = Math.floor(max / 256);
        }
        return this.succeed();
      }
      case C.EXECUTE_DEVICE_DIAGNOSTIC:
        this.count('EXECUTE DEVICE DIAGNOSTIC');
        this.signature();
        this.raiseIrq();
        this.exitsSinceIdle = 0;
        return;
      case C.INITIALIZE_DEVICE_PARAMETERS:
        this.count('INITIALIZE DEVICE PARAMETERS');
        return this.succeed();
      case C.CHECK_POWER_MODE:
        this.count('CHECK POWER MODE');
        this.cur[IdeReg.sectorCount] = 0xff; // active or idle
        return this.succeed();
      case C.STANDBY_IMMEDIATE:
      case C.IDLE_IMMEDIATE:
      case C.STANDBY:
      case C.IDLE:
      case C.SLEEP:
        this.count('power management');
        return this.succeed();
      default:
        // NOP, PACKET commands, DMA and everything else: aborted (ATA-6 §8.22 NOP aborts too).
        this.count(`unsupported 0x${cmd.toString(16).padStart(2, '0')}`);
        return this.fail(AtaError.ABRT);
    }
  }

  private setFeatures(): void {
    const F = SetFeature;
    switch (this.cur[IdeReg.errorFeatures]) {
      case F.ENABLE_WRITE_CACHE:
        this.writeCache = true;
        return this.succeed();
      case F.DISABLE_WRITE_CACHE:
        this.writeCache = false;
        return this.succeed();
      case F.ENABLE_READ_LOOK_AHEAD:
        this.lookAhead = true;
        return this.succeed();
      case F.DISABLE_READ_LOOK_AHEAD:
        this.lookAhead = false;
        return this.succeed();
      case F.ENABLE_REVERT_TO_DEFAULTS:
      case F.DISABLE_REVERT_TO_DEFAULTS:
        return this.succeed();
      case F.SET_TRANSFER_MODE: {
        // PIO default (0x00/0x01) or PIO flow-control modes 0–4 (0x08–0x0C); there is no DMA (§8.37.10).
        const mode = this.cur[IdeReg.sectorCount] as number;
        if (mode <= 0x01 || (mode >= 0x08 && mode <= 0x0c)) return this.succeed();
        return this.fail(AtaError.ABRT);
      }
      default:
        return this.fail(AtaError.ABRT);
    }
  }

  private inRange(lba: number, n: number): boolean {
    return this.master !== null && lba + n <= this.master.sectors;
  }

  /** LBA28 from the taskfile, or from CHS when the LBA bit is clear (ATA-6 §6.2, Annex obsolete CHS). */
  private lba28(): number | null {
    const low = this.cur[IdeReg.lbaLow] as number;
    const mid = this.cur[IdeReg.lbaMid] as number;
    const high = this.cur[IdeReg.lbaHigh] as number;
    if (this.device & DeviceBits.LBA)
      return (this.device & 0x0f) * 0x1000000 + (high << 16) + ((mid << 8) | low);
    const cylinder = (high << 8) | mid;
    const head = this.device & 0x0f;
    if (low === 0) return null; // sectors count from 1
    return (cylinder * CHS_HEADS + head) * CHS_SECTORS_PER_TRACK + low - 1;
  }

  private count28(): number {
    return (this.cur[IdeReg.sectorCount] as number) || 256;
  }

  private lba48(): number {
    const c = this.cur;
    const p = this.prev;
    return (
      (p[IdeReg.lbaHigh] as number) * 2 ** 40 +
      (p[IdeReg.lbaMid] as number) * 2 ** 32 +
      (p[IdeReg.lbaLow] as number) * 2 ** 24 +
      ((c[IdeReg.lbaHigh] as number) << 16) +
      ((c[IdeReg.lbaMid] as number) << 8) +
      (c[IdeReg.lbaLow] as number)
    );
  }

  private count48(): number {
    return (
      (this.prev[IdeReg.sectorCount] as number) * 256 + (this.cur[IdeReg.sectorCount] as number) ||
      65536
    );
  }

  private read28(block: number): void {
    const lba = this.lba28();
    if (lba === null) return this.fail(AtaError.IDNF);
    this.startRead(lba, this.count28(), block);
  }

  private write28(block: number): void {
    const lba = this.lba28();
    if (lba === null) return this.fail(AtaError.IDNF);
    this.startWrite(lba, this.count28(), block);
  }

  private startDataIn(buf: Uint8Array, blockSectors: number, rec: IoRecord | null): void {
    const blockBytes = blockSectors * 512;
    this.transfer = {
      dir: 'in',
      buf,
      pos: 0,
      blockEnd: Math.min(blockBytes, buf.length),
      blockBytes,
      rec,
    };
    this.status = READY | S.DRQ;
    this.raiseIrq();
  }

  /** Waits for `p` unless a reset intervenes; BSY meanwhile. */
  private await(p: Promise<DiskResult>, then: (r: DiskResult) => void): void {
    const gen = this.generation;
    this.status = READY | S.BSY;
    const done = p.then((r) => {
      if (this.pending === done) this.pending = null;
      if (gen === this.generation) then(r);
    });
    this.pending = done;
  }

  private startRead(lba: number, n: number, block: number): void {
    const disk = this.master as IdeDisk;
    const rec = disk.admit('read', lba, n, { hop: 'command' });
    if (rec.status !== 'pending') return this.fail(AtaError.IDNF, rec);
    this.await(disk.execute(rec), (r) => {
      if (r.status !== 'ok' || !r.data) return this.fail(AtaError.UNC, rec);
      this.startDataIn(r.data, block, rec);
    });
  }

  private startWrite(lba: number, n: number, block: number): void {
    const disk = this.master as IdeDisk;
    const rec = disk.admit('write', lba, n, { hop: 'command' });
    if (rec.status === 'out-of-range') return this.fail(AtaError.IDNF, rec);
    if (rec.status !== 'pending') return this.fail(AtaError.ABRT, rec);
    this.beginDataOut(rec, new Uint8Array(n * 512), block);
  }

  /** PIO data-out into `buf`; when full, the write goes to the disk. */
  private beginDataOut(rec: IoRecord, buf: Uint8Array, block: number): void {
    const disk = this.master as IdeDisk;
    const blockBytes = block * 512;
    const gen = this.generation;
    this.transfer = {
      dir: 'out',
      buf,
      pos: 0,
      blockEnd: Math.min(blockBytes, buf.length),
      blockBytes,
      rec,
      onFilled: () => {
        disk.hop(rec, 'data-in');
        const done = (ok: boolean): void => {
          if (gen !== this.generation) return;
          if (!ok) return this.fail(AtaError.ABRT, rec);
          this.status = READY;
          this.raiseIrq();
          this.complete(rec, 'complete');
        };
        const wrote = disk.execute(rec, buf);
        // Write cache disabled (SET FEATURES 82h): the write completes only once it is durable.
        const durable = this.writeCache
          ? wrote
          : wrote.then((r) =>
              r.status === 'ok'
                ? disk.execute(disk.admit('flush', 0, 0, { hop: 'write-through' }))
                : r,
            );
        this.await(durable, (r) => done(r.status === 'ok'));
      },
    };
    // PIO data-out: the first block is requested without an interrupt (ATA-6 §9.8).
    this.status = READY | S.DRQ;
  }

  private startFlush(): void {
    const disk = this.master as IdeDisk;
    const rec = disk.admit('flush', 0, 0, { hop: 'command' });
    // FLUSH CACHE completes only when the host disk says the data is durable.
    this.await(disk.execute(rec), (r) => {
      if (r.status !== 'ok') return this.fail(AtaError.ABRT, rec);
      this.status = READY;
      this.raiseIrq();
      this.complete(rec, 'complete');
    });
  }
}
