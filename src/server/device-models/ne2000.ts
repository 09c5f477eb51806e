import type { IoreqHandler, IoreqRange, IoreqServerSpec } from '../../vmm/ioreq';
import { ETH_MAX_FRAME, ETH_MIN_FRAME } from '../network/ethernet';
import { crc32 } from '../storage/crc32';
import { AccessCounter } from './access-counter';
import {
  Cr,
  CR_PS_SHIFT,
  CR_RD_MASK,
  CR_RD_SHIFT,
  Dcr,
  DP8390_PAGE_SIZE,
  DP8390_REGISTER_NAMES,
  dp8390RegisterName,
  Isr,
  ISR_INTERRUPT_MASK,
  Ne2000Board,
  P0,
  P1,
  P2,
  Rcr,
  RemoteDmaCommand,
  RESERVED_REGISTER,
  Rsr,
  RX_HEADER_SIZE,
  TALLY_COUNTER_MAX,
  Tcr,
  TCR_LOOPBACK_MASK,
  Tsr,
} from './dp8390-registers';
import { readBytes, writeBytes } from './isa-byte-access';
import { isaPortRanges } from './isa-port-map';

/**
 * An NE2000 Ethernet card for an HVM guest: a DP8390D NIC core
 * (dp8390-registers.ts has the datasheet map) behind ports 0x300–0x31F, its
 * interrupt on ISA IRQ 9, with the NE2000 board's station address PROM,
 * 16 KiB of buffer RAM, data port and reset port.
 *
 * The guest moves every byte through the data port by remote DMA, so a
 * frame costs it one trapped access per word — the price of emulating an
 * unmodified card, which the access counts show next to the frame counts.
 *
 * Transmission and reception are instantaneous: a TXP command hands the
 * frame to `transmit` before the guest's write returns, and `receive`
 * stores a frame in the ring (or refuses it) at once. There are no
 * collisions, CRC or alignment errors on this wire, so NCR, CNTR0 and
 * CNTR1 stay 0 and only missed packets count (CNTR2).
 */

export interface Ne2000Options {
  /** The station address: in the PROM, and PAR0–5 at power-on. */
  mac: Uint8Array;
  /** Drives the card's interrupt line (the PLIC source of ISA IRQ 9); called on every change. */
  irq?: (level: boolean) => void;
  /** A frame the guest transmitted (no FCS, at least 60 bytes); the callee owns it. */
  transmit: (frame: Uint8Array) => void;
  /** I/O port of the register window (default 0x300, the ISA port map's). */
  ioBase?: number;
}

/** Traffic through the card, as the desktop shows it. */
export interface Ne2000Stats {
  framesTx: number;
  bytesTx: number;
  framesRx: number;
  bytesRx: number;
  /** Frames for us that did not fit: ring full or unusable, receiver stopped, monitor or loopback mode. */
  rxDropped: number;
  /** Frames the address filter rejected (RCR, PAR, MAR). */
  rxFiltered: number;
  /** Transmissions aborted (byte count over the 1514-byte maximum). */
  txErrors: number;
}

/** Everything the card holds (xl save / restore, migration); plain JSON. */
export interface Ne2000State {
  cr: number;
  isr: number;
  imr: number;
  dcr: number;
  tcr: number;
  rcr: number;
  pstart: number;
  pstop: number;
  bnry: number;
  tpsr: number;
  tbcr: number;
  rsar: number;
  rbcr: number;
  clda: number;
  rnpp: number;
  lnpp: number;
  addressCounter: number;
  tsr: number;
  rsr: number;
  curr: number;
  par: number[];
  mar: number[];
  cntr: number[];
  /** The remote DMA in progress: RemoteDmaCommand.REMOTE_READ / REMOTE_WRITE, or 0. */
  remoteDma: number;
  /** The 16 KiB buffer RAM, one number per byte. */
  ram: number[];
  stats: Ne2000Stats;
  counts: Record<string, number>;
}

const DATA = 'DATA';
const RESET = 'RESET';
const NO_DMA = 0;

const B = Ne2000Board;

/** CRC-32 generator polynomial of IEEE 802.3 §3.2.9, most significant bit first. */
const ETHERNET_POLYNOMIAL = 0x04c11db7;

/**
 * The multicast filter bit of a destination address (DP8390D §10.6): the
 * address runs through the NIC's CRC generator in wire order (each byte
 * least significant bit first, generator preset to all ones) and the six
 * most significant bits of the result select one of the 64 MAR bits —
 * bits 5–3 the register, bits 2–0 the bit in it.
 */
export function multicastHashIndex(dest: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < 6; i++) {
    let byte = dest[i] ?? 0;
    for (let bit = 0; bit < 8; bit++, byte >>= 1) {
      const feedback = (crc >>> 31) ^ (byte & 1);
      crc = (crc << 1) >>> 0;
      if (feedback) crc = (crc ^ ETHERNET_POLYNOMIAL) >>> 0;
    }
  }
  return crc >>> 26;
}

function zeroStats(): Ne2000Stats {
  return {
    framesTx: 0,
    bytesTx: 0,
    framesRx: 0,
    bytesRx: 0,
    rxDropped: 0,
    rxFiltered: 0,
    txErrors: 0,
  };
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

export class Ne2000 implements IoreqHandler {
  readonly mac: Uint8Array;
  readonly window: IoreqRange;
  private readonly setIrq: (level: boolean) => void;
  private readonly transmitFrame: (frame: Uint8Array) => void;
  private readonly counter = new AccessCounter([...DP8390_REGISTER_NAMES, DATA, RESET]);
  /** Station address PROM as the board decodes it: 16 bytes, each doubled. */
  private readonly prom = new Uint8Array(B.PROM_SIZE);
  private readonly ram = new Uint8Array(B.RAM_SIZE);
  private stat: Ne2000Stats = zeroStats();
  private irqLevel = false;

  // NIC core registers, §10.3.
  private cr = 0;
  private isr = 0;
  private imr = 0;
  private dcr = 0;
  private tcr = 0;
  private rcr = 0;
  private pstart = 0;
  private pstop = 0;
  private bnry = 0;
  private tpsr = 0;
  private tbcr = 0;
  /** Remote DMA address: written as RSAR, read back as CRDA, advanced by each transfer. */
  private rsar = 0;
  private rbcr = 0;
  private clda = 0;
  private rnpp = 0;
  private lnpp = 0;
  private addressCounter = 0;
  private tsr = 0;
  private rsr = 0;
  private curr = 0;
  private readonly par = new Uint8Array(6);
  private readonly mar = new Uint8Array(8);
  private readonly cntr = new Uint8Array(3);
  private remoteDma = NO_DMA;

  constructor(opts: Ne2000Options) {
    if (opts.mac.length !== 6) throw new RangeError('NE2000: a MAC address is 6 bytes');
    this.mac = Uint8Array.from(opts.mac);
    this.setIrq = opts.irq ?? (() => {});
    this.transmitFrame = opts.transmit;
    const isa = isaPortRanges('ne2000')[0];
    this.window = {
      type: 'port',
      start: opts.ioBase ?? isa?.start ?? 0x300,
      size: B.REGISTER_WINDOW,
    };
    // NE2000 PROM (QEMU hw/net/ne2000.c, every clone): the address in bytes
    // 0–5, "WW" in bytes 14–15, each byte doubled on the 16-bit bus.
    for (let i = 0; i < 6; i++) this.prom.fill(this.mac[i] as number, 2 * i, 2 * i + 2);
    this.prom.fill(B.PROM_SIGNATURE, 28, 32);
    this.powerOn();
  }

  ioreqSpecs(): IoreqServerSpec[] {
    return [{ name: 'ne2000', ranges: [{ ...this.window }], handler: this }];
  }

  /** Guest accesses so far: one per trapped access, whatever its size. */
  get accessCount(): number {
    return this.counter.total;
  }

  /** Accesses per register (datasheet names; DATA and RESET for the board's ports). */
  accessCounts(): Record<string, number> {
    return this.counter.snapshot();
  }

  get interruptLevel(): boolean {
    return this.irqLevel;
  }

  get framesTx(): number {
    return this.stat.framesTx;
  }
  get bytesTx(): number {
    return this.stat.bytesTx;
  }
  get framesRx(): number {
    return this.stat.framesRx;
  }
  get bytesRx(): number {
    return this.stat.bytesRx;
  }
  get rxDropped(): number {
    return this.stat.rxDropped;
  }
  get rxFiltered(): number {
    return this.stat.rxFiltered;
  }
  get txErrors(): number {
    return this.stat.txErrors;
  }

  stats(): Ne2000Stats {
    return { ...this.stat };
  }

  /** Power-on state (the guest rebooted): registers, RAM, counters. */
  reset(): void {
    this.powerOn();
    this.stat = zeroStats();
    this.counter.restore({});
  }

  private powerOn(): void {
    this.ram.fill(0);
    this.dcr = 0;
    this.tcr = 0;
    this.rcr = 0;
    this.pstart = 0;
    this.pstop = 0;
    this.bnry = 0;
    this.tpsr = 0;
    this.tbcr = 0;
    this.rsar = 0;
    this.rbcr = 0;
    this.clda = 0;
    this.rnpp = 0;
    this.lnpp = 0;
    this.addressCounter = 0;
    this.tsr = 0;
    this.rsr = 0;
    this.curr = 0;
    // The datasheet leaves PAR undefined at power-on; holding the PROM's
    // address (as EEPROM-loading clones such as the RTL8019 do) lets a
    // driver that never programs PAR still receive its unicast frames.
    this.par.set(this.mac);
    this.mar.fill(0);
    this.cntr.fill(0);
    this.nicReset();
  }

  /**
   * The NIC's RESET input (power-on and the board's reset port), §11.0:
   * CR = STP | RD2 (stopped, page 0, no remote DMA), ISR = RST, IMR = 0.
   * The other registers keep their contents (the datasheet leaves them
   * undefined; drivers program them all).
   */
  private nicReset(): void {
    this.cr = Cr.STP | Cr.RD2;
    this.isr = Isr.RST;
    this.imr = 0;
    this.remoteDma = NO_DMA;
    this.updateIrq();
  }

  // ------------------------------------------------------------ port access

  read(addr: number, size: 1 | 2 | 4): number {
    const off = addr - this.window.start;
    if (off >= B.DATA_PORT && off <= B.DATA_PORT_END) {
      this.counter.hit(DATA);
      return this.readData(size);
    }
    this.counter.hit(this.portName(off, false));
    return readBytes(off, size, (o) => this.readByte(o));
  }

  write(addr: number, size: 1 | 2 | 4, value: number): void {
    const off = addr - this.window.start;
    if (off >= B.DATA_PORT && off <= B.DATA_PORT_END) {
      this.counter.hit(DATA);
      this.writeData(size, value);
      return;
    }
    this.counter.hit(this.portName(off, true));
    writeBytes(off, size, value, (o, b) => this.writeByte(o, b));
  }

  private portName(off: number, write: boolean): string {
    if (off >= 0 && off < B.DATA_PORT) return dp8390RegisterName(this.page, off, write);
    if (off >= B.RESET_PORT_START && off <= B.RESET_PORT) return RESET;
    return RESERVED_REGISTER; // outside the window
  }

  private get page(): number {
    return this.cr >>> CR_PS_SHIFT;
  }

  /** One byte cycle at window offset `off` (wider register accesses are split, as the ISA bus does). */
  private readByte(off: number): number {
    if (off >= 0 && off < B.DATA_PORT) return this.readRegister(off);
    if (off >= B.DATA_PORT && off <= B.DATA_PORT_END) return this.readData(1);
    if (off >= B.RESET_PORT_START && off <= B.RESET_PORT) {
      // NE2000 reset port: a read pulses the NIC's RESET (QEMU returns 0).
      this.nicReset();
      return 0;
    }
    return 0xff;
  }

  private writeByte(off: number, v: number): void {
    if (off >= 0 && off < B.DATA_PORT) this.writeRegister(off, v);
    else if (off >= B.DATA_PORT && off <= B.DATA_PORT_END) this.writeData(1, v);
    // A write ends the reset pulse on a real board; resetting again is the same.
    else if (off >= B.RESET_PORT_START && off <= B.RESET_PORT) this.nicReset();
  }

  // ---------------------------------------------------------- NIC registers

  private readRegister(off: number): number {
    if (off === P0.CR) return this.cr;
    switch (this.page) {
      case 0:
        return this.readPage0(off);
      case 1:
        return this.readPage1(off);
      case 2:
        return this.readPage2(off);
      default:
        return 0xff; // page 3: reserved on the DP8390
    }
  }

  private readPage0(off: number): number {
    switch (off) {
      case P0.CLDA0_PSTART:
        return this.clda & 0xff;
      case P0.CLDA1_PSTOP:
        return this.clda >>> 8;
      case P0.BNRY:
        return this.bnry;
      case P0.TSR_TPSR:
        return this.tsr;
      case P0.NCR_TBCR0:
        return 0; // no collisions on this wire
      case P0.FIFO_TBCR1:
        return 0;
      case P0.ISR:
        return this.isr;
      case P0.CRDA0_RSAR0:
        return this.rsar & 0xff;
      case P0.CRDA1_RSAR1:
        return this.rsar >>> 8;
      case P0.RSR_RCR:
        return this.rsr;
      case P0.CNTR0_TCR:
      case P0.CNTR1_DCR:
      case P0.CNTR2_IMR: {
        // Tally counters are cleared when the CPU reads them, §10.7.
        const i = off - P0.CNTR0_TCR;
        const v = this.cntr[i] as number;
        this.cntr[i] = 0;
        return v;
      }
      default:
        return 0xff; // 0AH/0BH: reserved
    }
  }

  private readPage1(off: number): number {
    if (off === P1.CURR) return this.curr;
    if (off < P1.CURR) return this.par[off - P1.PAR0] as number;
    return this.mar[off - P1.MAR0] as number;
  }

  private readPage2(off: number): number {
    switch (off) {
      case P2.PSTART_CLDA0:
        return this.pstart;
      case P2.PSTOP_CLDA1:
        return this.pstop;
      case P2.RNPP:
        return this.rnpp;
      case P2.TPSR:
        return this.tpsr;
      case P2.LNPP:
        return this.lnpp;
      case P2.ADDR_UPPER:
        return this.addressCounter >>> 8;
      case P2.ADDR_LOWER:
        return this.addressCounter & 0xff;
      case P2.RCR:
        return this.rcr;
      case P2.TCR:
        return this.tcr;
      case P2.DCR:
        return this.dcr;
      case P2.IMR:
        return this.imr;
      default:
        return 0xff;
    }
  }

  private writeRegister(off: number, v: number): void {
    if (off === P0.CR) {
      this.writeCommand(v);
      return;
    }
    if (this.page === 0) this.writePage0(off, v);
    else if (this.page === 1) this.writePage1(off, v);
    else if (this.page === 2) this.writePage2(off, v);
  }

  private writePage0(off: number, v: number): void {
    switch (off) {
      case P0.CLDA0_PSTART:
        this.pstart = v;
        return;
      case P0.CLDA1_PSTOP:
        this.pstop = v;
        return;
      case P0.BNRY:
        this.bnry = v;
        return;
      case P0.TSR_TPSR:
        this.tpsr = v;
        return;
      case P0.NCR_TBCR0:
        this.tbcr = (this.tbcr & 0xff00) | v;
        return;
      case P0.FIFO_TBCR1:
        this.tbcr = (this.tbcr & 0xff) | (v << 8);
        return;
      case P0.ISR:
        // Writing 1 clears a status bit; RST is not affected by writes (§10.3 ISR).
        this.isr &= ~(v & ISR_INTERRUPT_MASK);
        this.updateIrq();
        return;
      case P0.CRDA0_RSAR0:
        this.rsar = (this.rsar & 0xff00) | v;
        return;
      case P0.CRDA1_RSAR1:
        this.rsar = (this.rsar & 0xff) | (v << 8);
        return;
      case P0.RBCR0:
        this.rbcr = (this.rbcr & 0xff00) | v;
        return;
      case P0.RBCR1:
        this.rbcr = (this.rbcr & 0xff) | (v << 8);
        return;
      case P0.RSR_RCR:
        this.rcr = v & 0x3f;
        return;
      case P0.CNTR0_TCR:
        this.tcr = v & 0x1f;
        return;
      case P0.CNTR1_DCR:
        this.dcr = v & 0x7f;
        return;
      case P0.CNTR2_IMR:
        this.imr = v & ISR_INTERRUPT_MASK;
        this.updateIrq();
        return;
    }
  }

  private writePage1(off: number, v: number): void {
    if (off === P1.CURR) this.curr = v;
    else if (off < P1.CURR) this.par[off - P1.PAR0] = v;
    else this.mar[off - P1.MAR0] = v;
  }

  private writePage2(off: number, v: number): void {
    switch (off) {
      case P2.PSTART_CLDA0:
        this.clda = (this.clda & 0xff00) | v;
        return;
      case P2.PSTOP_CLDA1:
        this.clda = (this.clda & 0xff) | (v << 8);
        return;
      case P2.RNPP:
        this.rnpp = v;
        return;
      case P2.LNPP:
        this.lnpp = v;
        return;
      case P2.ADDR_UPPER:
        this.addressCounter = (this.addressCounter & 0xff) | (v << 8);
        return;
      case P2.ADDR_LOWER:
        this.addressCounter = (this.addressCounter & 0xff00) | v;
        return;
    }
  }

  /**
   * CR, §10.3: STP takes the NIC offline (ISR.RST shows it is there); STA
   * brings it back and clears RST; a write with neither keeps the current
   * state (drivers switch pages with E8390_NODMA | PAGEn alone). RD starts or
   * aborts a remote DMA; TXP transmits (only while started).
   */
  private writeCommand(v: number): void {
    let run = this.cr & (Cr.STP | Cr.STA);
    if (v & Cr.STP) {
      run = v & (Cr.STP | Cr.STA);
      this.isr |= Isr.RST;
    } else if (v & Cr.STA) {
      run = Cr.STA;
      this.isr &= ~Isr.RST;
    }
    this.cr = (v & ~(Cr.STP | Cr.STA | Cr.TXP)) | run;

    const rd = (v & CR_RD_MASK) >>> CR_RD_SHIFT;
    if (rd & RemoteDmaCommand.ABORT) {
      this.remoteDma = NO_DMA;
    } else if (rd === RemoteDmaCommand.REMOTE_READ || rd === RemoteDmaCommand.REMOTE_WRITE) {
      // §9.0: the transfer ends with RDC when RBCR reaches 0; a zero count ends at once.
      this.remoteDma = rd;
      if (this.rbcr === 0) {
        this.remoteDma = NO_DMA;
        this.isr |= Isr.RDC;
      }
    } else if (rd === RemoteDmaCommand.SEND_PACKET) {
      // Send Packet (the NIC reads the header itself) is not modelled: no
      // NE2000 driver uses it, the board's data port cannot.
      this.remoteDma = NO_DMA;
    }

    if (v & Cr.TXP && !(run & Cr.STP)) this.transmitPacket();
    this.updateIrq();
  }

  // ------------------------------------------------------------- memory map

  /** The board's view of NIC address `a`: PROM, buffer RAM, or nothing (reads FFH). */
  private readMemory(a: number): number {
    if (a < B.PROM_SIZE) return this.prom[a] as number;
    const r = a - B.RAM_START;
    if (r >= 0 && r < B.RAM_SIZE) return this.ram[r] as number;
    return 0xff;
  }

  /** Writes reach the buffer RAM only; the PROM and unmapped addresses ignore them. */
  private writeMemory(a: number, v: number): void {
    const r = a - B.RAM_START;
    if (r >= 0 && r < B.RAM_SIZE) this.ram[r] = v;
  }

  // -------------------------------------------------------------- remote DMA

  private readData(size: 1 | 2 | 4): number {
    if (this.dcr & Dcr.WTS) {
      // Word mode: the board moves a word per cycle whatever the CPU's width.
      const lo = this.dmaReadWord();
      if (size === 1) return lo & 0xff;
      if (size === 2) return lo;
      return (lo | (this.dmaReadWord() << 16)) >>> 0;
    }
    return readBytes(0, size, () => this.dmaReadByte());
  }

  private writeData(size: 1 | 2 | 4, value: number): void {
    if (this.dcr & Dcr.WTS) {
      this.dmaWriteWord(value & 0xffff);
      if (size === 4) this.dmaWriteWord(value >>> 16);
      return;
    }
    writeBytes(0, size, value, (_o, b) => this.dmaWriteByte(b));
  }

  private dmaReadByte(): number {
    if (this.remoteDma !== RemoteDmaCommand.REMOTE_READ) return 0xff;
    const v = this.readMemory(this.rsar);
    this.dmaAdvance(1);
    return v;
  }

  private dmaWriteByte(v: number): void {
    if (this.remoteDma !== RemoteDmaCommand.REMOTE_WRITE) return;
    this.writeMemory(this.rsar, v);
    this.dmaAdvance(1);
  }

  /** A word at the even address (the board's 16-bit path ignores A0, as QEMU does). */
  private dmaReadWord(): number {
    if (this.remoteDma !== RemoteDmaCommand.REMOTE_READ) return 0xffff;
    const a = this.rsar & ~1;
    const first = this.readMemory(a);
    const second = this.readMemory(a + 1);
    this.dmaAdvance(2);
    // DCR.BOS = 0: the byte at the even address is the low byte (80x86 order).
    return this.dcr & Dcr.BOS ? (first << 8) | second : first | (second << 8);
  }

  private dmaWriteWord(v: number): void {
    if (this.remoteDma !== RemoteDmaCommand.REMOTE_WRITE) return;
    const a = this.rsar & ~1;
    const [first, second] = this.dcr & Dcr.BOS ? [v >>> 8, v & 0xff] : [v & 0xff, v >>> 8];
    this.writeMemory(a, first);
    this.writeMemory(a + 1, second);
    this.dmaAdvance(2);
  }

  /**
   * §9.0: the remote DMA address wraps from PSTOP to PSTART like the local
   * DMA (so a read of the ring may run past its end); each byte counts
   * RBCR down and RDC is set when it reaches 0.
   */
  private dmaAdvance(n: number): void {
    this.rsar = (this.rsar + n) & 0xffff;
    if (this.pstart < this.pstop && this.rsar === this.pstop << 8) this.rsar = this.pstart << 8;
    if (this.rbcr <= n) {
      this.rbcr = 0;
      this.remoteDma = NO_DMA;
      this.isr |= Isr.RDC;
      this.updateIrq();
    } else {
      this.rbcr -= n;
    }
  }

  // ------------------------------------------------------------ transmission

  /**
   * §8.0: TBCR bytes from page TPSR go out; TSR.PTX and ISR.PTX report it and
   * TXP clears. The NIC itself does not pad: frames under 60 bytes are padded
   * here because the bridge's wire requires it. With TCR.CRC the host put the
   * FCS in the buffer itself; the bridge carries frames without one.
   */
  private transmitPacket(): void {
    const hostFcs = this.tcr & Tcr.CRC ? 4 : 0;
    if (this.tbcr > ETH_MAX_FRAME + hostFcs) {
      // No jumbo frames on this wire: abort (TSR.ABT, ISR.TXE).
      this.tsr = Tsr.ABT;
      this.isr |= Isr.TXE;
      this.stat.txErrors++;
      return;
    }
    const start = this.tpsr << 8;
    const len = Math.max(0, this.tbcr - hostFcs);
    const frame = new Uint8Array(Math.max(len, ETH_MIN_FRAME));
    for (let i = 0; i < len; i++) frame[i] = this.readMemory((start + i) & 0xffff);
    this.clda = (start + this.tbcr) & 0xffff;
    this.tsr = Tsr.PTX;
    this.isr |= Isr.PTX;
    if (this.tcr & TCR_LOOPBACK_MASK) {
      // §12.0 loopback: the frame comes back to our own receiver, not the wire.
      this.acceptFrame(frame);
      return;
    }
    this.stat.framesTx++;
    this.stat.bytesTx += frame.length;
    this.updateIrq();
    // Last: the bridge may deliver a reply (into receive()) before this returns.
    this.transmitFrame(frame);
  }

  // --------------------------------------------------------------- reception

  /**
   * A frame from the wire (the bridge's deliver). True when it is in the
   * receive ring; false when the address filter rejected it (rxFiltered) or
   * it did not fit, the NIC is stopped, or in loopback or monitor mode
   * (rxDropped).
   */
  receive(frame: Uint8Array): boolean {
    // Stopped: offline, and the missed packet tally is disabled (§7.0).
    // Loopback: the NIC is disconnected from the wire (§12.0).
    if (this.cr & Cr.STP || this.tcr & TCR_LOOPBACK_MASK) {
      this.stat.rxDropped++;
      return false;
    }
    return this.acceptFrame(frame);
  }

  private acceptFrame(frame: Uint8Array): boolean {
    const match = this.addressMatch(frame);
    if (match === null) {
      this.stat.rxFiltered++;
      return false;
    }
    const phy = match === 'group' ? Rsr.PHY : 0;
    if (this.rcr & Rcr.MON) {
      // Monitor mode: checked and counted, never buffered (§10.3 RCR, RSR.MPA).
      this.missedPacket(Rsr.DIS | phy);
      this.stat.rxDropped++;
      return false;
    }
    if (!this.storeFrame(frame, Rsr.PRX | phy)) {
      // §7.0 buffer ring overflow: reception aborted, the ring's contents kept.
      this.missedPacket(phy);
      this.isr |= Isr.OVW;
      this.updateIrq();
      this.stat.rxDropped++;
      return false;
    }
    this.stat.framesRx++;
    this.stat.bytesRx += frame.length;
    return true;
  }

  /**
   * Address recognition, §10.3 RCR and §10.5–10.6: broadcast with AB,
   * multicast with AM through the MAR hash, physical when it equals PAR0–5
   * or with PRO (promiscuous physical).
   */
  private addressMatch(frame: Uint8Array): 'physical' | 'group' | null {
    const dest = frame.subarray(0, 6);
    if ((dest[0] ?? 0) & 1) {
      if (dest.length === 6 && dest.every((b) => b === 0xff))
        return this.rcr & Rcr.AB ? 'group' : null;
      if (!(this.rcr & Rcr.AM)) return null;
      const i = multicastHashIndex(dest);
      return ((this.mar[i >>> 3] as number) >>> (i & 7)) & 1 ? 'group' : null;
    }
    if (this.rcr & Rcr.PRO) return 'physical';
    for (let i = 0; i < 6; i++) if (dest[i] !== this.par[i]) return null;
    return 'physical';
  }

  /**
   * §7.0: the frame goes into the ring at CURR behind a 4-byte header
   * {RSR, next packet page, byte count low, high}, then its FCS, wrapping
   * from PSTOP to PSTART; CURR moves to the next free page.
   *
   * The byte count is the frame's length plus 4: on the real NIC the 4 are
   * the FCS it stores; QEMU (which stores no FCS) counts them as the
   * header's. Drivers subtract 4 either way (Linux 8390.c: count − sizeof
   * header), so they see the frame's length. Runts are padded to 60 bytes
   * first, as QEMU does for frames from its host side.
   *
   * A frame is refused unless it fits without its pages reaching BNRY — the
   * NIC aborts when the DMA would link into the boundary page (§7.0 "Buffer
   * ring overflow") — and without filling the ring completely (Bochs'
   * never-full ring), so CURR never catches up with BNRY, where a full ring
   * and an empty one would look alike. CURR == BNRY reads as empty.
   */
  private storeFrame(frame: Uint8Array, status: number): boolean {
    const ring = this.pstop - this.pstart;
    if (ring <= 0) return false;
    let data = frame;
    if (data.length < ETH_MIN_FRAME) {
      data = new Uint8Array(ETH_MIN_FRAME);
      data.set(frame);
    }
    const len = data.length;
    const fcsLen = 4;
    const pages = Math.ceil((RX_HEADER_SIZE + len + fcsLen) / DP8390_PAGE_SIZE);
    // A CURR outside the ring would store "in an unpredictable manner"; start at PSTART (as QEMU does).
    const curr = this.curr >= this.pstart && this.curr < this.pstop ? this.curr : this.pstart;
    const free = mod(this.bnry - curr, ring) || ring;
    if (pages >= free) return false;

    const next = this.pstart + mod(curr - this.pstart + pages, ring);
    const count = len + fcsLen;
    const wrapAt = this.pstop << 8;
    let a = curr << 8;
    const put = (v: number): void => {
      this.writeMemory(a, v);
      a = (a + 1) & 0xffff;
      if (a === wrapAt) a = this.pstart << 8;
    };
    put(status);
    put(next);
    put(count & 0xff);
    put(count >>> 8);
    for (let i = 0; i < len; i++) put(data[i] as number);
    const fcs = crc32(data); // IEEE 802.3 §3.2.9, sent least significant byte first
    for (let i = 0; i < fcsLen; i++) put((fcs >>> (8 * i)) & 0xff);

    this.clda = a;
    this.curr = next;
    this.lnpp = next;
    this.rsr = status;
    this.isr |= Isr.PRX;
    this.updateIrq();
    return true;
  }

  /** RSR.MPA, CNTR2, ISR.RXE (§10.3: a missed packet is a receive error). */
  private missedPacket(rsrBits: number): void {
    this.rsr = Rsr.MPA | rsrBits;
    this.tally(2);
    this.isr |= Isr.RXE;
    this.updateIrq();
  }

  /** §10.7: 8-bit counters that stop at 192; CNT when any has its MSB set. */
  private tally(i: number): void {
    const c = this.cntr[i] as number;
    if (c < TALLY_COUNTER_MAX) this.cntr[i] = c + 1;
    if ((this.cntr[i] as number) & 0x80) this.isr |= Isr.CNT;
  }

  // -------------------------------------------------------------- interrupt

  /** INT = any ISR bit 0–6 whose IMR bit is set (§10.3 IMR). */
  private updateIrq(): void {
    const level = (this.isr & this.imr & ISR_INTERRUPT_MASK) !== 0;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.setIrq(level);
    }
  }

  // --------------------------------------------------------- save / restore

  saveState(): Ne2000State {
    return {
      cr: this.cr,
      isr: this.isr,
      imr: this.imr,
      dcr: this.dcr,
      tcr: this.tcr,
      rcr: this.rcr,
      pstart: this.pstart,
      pstop: this.pstop,
      bnry: this.bnry,
      tpsr: this.tpsr,
      tbcr: this.tbcr,
      rsar: this.rsar,
      rbcr: this.rbcr,
      clda: this.clda,
      rnpp: this.rnpp,
      lnpp: this.lnpp,
      addressCounter: this.addressCounter,
      tsr: this.tsr,
      rsr: this.rsr,
      curr: this.curr,
      par: [...this.par],
      mar: [...this.mar],
      cntr: [...this.cntr],
      remoteDma: this.remoteDma,
      ram: [...this.ram],
      stats: { ...this.stat },
      counts: this.counter.snapshot(),
    };
  }

  restoreState(s: Ne2000State): void {
    const byte = (v: number): number => v & 0xff;
    const word = (v: number): number => v & 0xffff;
    this.cr = byte(s.cr) & ~Cr.TXP;
    this.isr = byte(s.isr);
    this.imr = byte(s.imr) & ISR_INTERRUPT_MASK;
    this.dcr = byte(s.dcr);
    this.tcr = byte(s.tcr);
    this.rcr = byte(s.rcr);
    this.pstart = byte(s.pstart);
    this.pstop = byte(s.pstop);
    this.bnry = byte(s.bnry);
    this.tpsr = byte(s.tpsr);
    this.tbcr = word(s.tbcr);
    this.rsar = word(s.rsar);
    this.rbcr = word(s.rbcr);
    this.clda = word(s.clda);
    this.rnpp = byte(s.rnpp);
    this.lnpp = byte(s.lnpp);
    this.addressCounter = word(s.addressCounter);
    this.tsr = byte(s.tsr);
    this.rsr = byte(s.rsr);
    this.curr = byte(s.curr);
    this.par.set(s.par.slice(0, 6));
    this.mar.set(s.mar.slice(0, 8));
    this.cntr.set(s.cntr.slice(0, 3));
    this.remoteDma =
      s.remoteDma === RemoteDmaCommand.REMOTE_READ || s.remoteDma === RemoteDmaCommand.REMOTE_WRITE
        ? s.remoteDma
        : NO_DMA;
    this.ram.fill(0);
    this.ram.set(s.ram.slice(0, B.RAM_SIZE));
    this.stat = { ...zeroStats(), ...s.stats };
    this.counter.restore(s.counts);
    this.updateIrq();
  }
}
