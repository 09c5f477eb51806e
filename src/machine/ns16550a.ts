import { unconnected, type InterruptLine, type MmioDevice } from './mmio-device';

/**
 * NS16550A UART (National Semiconductor PC16550D datasheet, "Register Summary",
 * Table II/III/IV). Registers are one byte apart (reg-shift 0, as QEMU virt) and
 * repeat every 8 bytes across the window. Transmission is instantaneous: a THR
 * write reaches the sink at once and THR is empty again, so THRE/TEMT always
 * read 1 outside loopback. Host input is flow controlled (held in a queue until
 * the receiver has room), so typed characters are never lost to overrun.
 */

/** Register offsets (datasheet Table II). DLAB = LCR bit 7 selects DLL/DLM at 0/1. */
export const UartReg = {
  RBR_THR_DLL: 0,
  IER_DLM: 1,
  IIR_FCR: 2,
  LCR: 3,
  MCR: 4,
  LSR: 5,
  MSR: 6,
  SCR: 7,
} as const;

/** IER bits. */
export const IER = { ERBFI: 0x01, ETBEI: 0x02, ELSI: 0x04, EDSSI: 0x08 } as const;

/**
 * IIR interrupt identification codes in priority order (datasheet Table IV):
 * bit 0 = 1 means "no interrupt pending"; bits 7:6 are set while FIFOs are on.
 */
export const IIR = {
  NONE: 0x01,
  RX_LINE_STATUS: 0x06,
  RX_DATA: 0x04,
  CHAR_TIMEOUT: 0x0c,
  THR_EMPTY: 0x02,
  MODEM_STATUS: 0x00,
  FIFOS_ENABLED: 0xc0,
} as const;

/** FCR bits. */
export const FCR = { ENABLE: 0x01, RX_RESET: 0x02, TX_RESET: 0x04, DMA: 0x08 } as const;

/** LCR bits. */
export const LCR = { DLAB: 0x80 } as const;

/** MCR bits. */
export const MCR = { DTR: 0x01, RTS: 0x02, OUT1: 0x04, OUT2: 0x08, LOOP: 0x10 } as const;

/** LSR bits. */
export const LSR = {
  DR: 0x01,
  OE: 0x02,
  PE: 0x04,
  FE: 0x08,
  BI: 0x10,
  THRE: 0x20,
  TEMT: 0x40,
  RX_FIFO_ERROR: 0x80,
} as const;

/** MSR bits: deltas in the low nibble, line states in the high nibble. */
export const MSR = {
  DCTS: 0x01,
  DDSR: 0x02,
  TERI: 0x04,
  DDCD: 0x08,
  CTS: 0x10,
  DSR: 0x20,
  RI: 0x40,
  DCD: 0x80,
} as const;

const FIFO_DEPTH = 16;
/** FCR bits 7:6 → receiver trigger level (datasheet, FCR description). */
const RX_TRIGGER_LEVELS = [1, 4, 8, 14] as const;
/** With no modem attached, QEMU reports carrier, data-set-ready and clear-to-send. */
const EXTERNAL_MODEM_LINES = MSR.DCD | MSR.DSR | MSR.CTS;

export interface Ns16550aState {
  ier: number;
  lcr: number;
  mcr: number;
  scr: number;
  dll: number;
  dlm: number;
  fifoEnabled: boolean;
  rxTrigger: number;
  lineErrors: number;
  msrDeltas: number;
  thrInterruptPending: boolean;
  lastRbr: number;
  rxFifo: number[];
  hostInput: number[];
  accessCount: number;
}

export interface Ns16550aOptions {
  /** Receives every transmitted byte (outside loopback). */
  onTransmit?: (byte: number) => void;
  /** The interrupt output (to a PLIC source). */
  irq?: InterruptLine;
}

export class Ns16550a implements MmioDevice {
  readonly name = 'uart0';
  accessCount = 0;
  onTransmit: (byte: number) => void;
  irq: InterruptLine;

  // Reset values follow QEMU's serial_reset(), checked against qemu-system-riscv32 7.2.
  private ier = 0;
  private lcr = 0;
  private mcr: number = MCR.OUT2;
  private scr = 0;
  private dll = 0x0c;
  private dlm = 0;
  private fifoEnabled = false;
  private rxTrigger = 1;
  private lineErrors = 0;
  private msrDeltas = 0;
  private thrInterruptPending = false;
  private lastRbr = 0;
  private rxFifo: number[] = [];
  private hostInput: number[] = [];
  private irqLevel = false;

  constructor(opts: Ns16550aOptions = {}) {
    this.onTransmit = opts.onTransmit ?? (() => {});
    this.irq = opts.irq ?? unconnected;
  }

  /** Bytes from the host side (a keyboard, a pipe); delivered as the receiver has room. */
  receive(bytes: Iterable<number>): void {
    for (const b of bytes) this.hostInput.push(b & 0xff);
    this.pumpHostInput();
    this.updateIrq();
  }

  /** Host bytes not yet taken into the receiver FIFO. */
  get pendingInput(): number {
    return this.hostInput.length;
  }

  /** Current level of the interrupt output. */
  get interruptLevel(): boolean {
    return this.irqLevel;
  }

  load(offset: number, _size: 1 | 2 | 4): number {
    this.accessCount++;
    const dlab = (this.lcr & LCR.DLAB) !== 0;
    switch (offset & 7) {
      case UartReg.RBR_THR_DLL:
        return dlab ? this.dll : this.readRbr();
      case UartReg.IER_DLM:
        return dlab ? this.dlm : this.ier;
      case UartReg.IIR_FCR:
        return this.readIir();
      case UartReg.LCR:
        return this.lcr;
      case UartReg.MCR:
        return this.mcr;
      case UartReg.LSR:
        return this.readLsr();
      case UartReg.MSR:
        return this.readMsr();
      default:
        return this.scr;
    }
  }

  store(offset: number, _size: 1 | 2 | 4, value: number): void {
    this.accessCount++;
    value &= 0xff;
    const dlab = (this.lcr & LCR.DLAB) !== 0;
    switch (offset & 7) {
      case UartReg.RBR_THR_DLL:
        if (dlab) this.dll = value;
        else this.writeThr(value);
        break;
      case UartReg.IER_DLM:
        if (dlab) this.dlm = value;
        else this.writeIer(value);
        break;
      case UartReg.IIR_FCR:
        this.writeFcr(value);
        break;
      case UartReg.LCR:
        this.lcr = value;
        break;
      case UartReg.MCR:
        this.writeMcr(value);
        break;
      case UartReg.LSR:
      case UartReg.MSR:
        break; // read-only here (the datasheet reserves LSR writes for factory test)
      default:
        this.scr = value;
    }
    this.updateIrq();
  }

  /** The interrupt the IIR would report now (datasheet Table IV priority order). */
  private pendingInterrupt(): number {
    const ier = this.ier;
    if (ier & IER.ELSI && this.lineErrors) return IIR.RX_LINE_STATUS;
    if (ier & IER.ERBFI && this.rxFifo.length > 0) {
      if (!this.fifoEnabled || this.rxFifo.length >= this.rxTrigger) return IIR.RX_DATA;
      // Below the trigger level the chip waits 4 character times; with no line
      // timing to model, that time has already passed when the guest looks.
      return IIR.CHAR_TIMEOUT;
    }
    if (ier & IER.ETBEI && this.thrInterruptPending) return IIR.THR_EMPTY;
    if (ier & IER.EDSSI && this.msrDeltas) return IIR.MODEM_STATUS;
    return IIR.NONE;
  }

  private updateIrq(): void {
    const level = this.pendingInterrupt() !== IIR.NONE;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irq(level);
    }
  }

  private readRbr(): number {
    const byte = this.rxFifo.shift();
    if (byte !== undefined) this.lastRbr = byte;
    this.pumpHostInput();
    this.updateIrq();
    // QEMU returns 0 from an empty FIFO, and the stale holding register otherwise.
    return byte ?? (this.fifoEnabled ? 0 : this.lastRbr);
  }

  private readIir(): number {
    const id = this.pendingInterrupt();
    // Reading IIR clears a THRE interrupt when it is the one reported (Table IV, "Reset Control").
    if (id === IIR.THR_EMPTY) {
      this.thrInterruptPending = false;
      this.updateIrq();
    }
    return id | (this.fifoEnabled ? IIR.FIFOS_ENABLED : 0);
  }

  private readLsr(): number {
    const value = (this.rxFifo.length > 0 ? LSR.DR : 0) | this.lineErrors | LSR.THRE | LSR.TEMT;
    // Reading LSR clears the error bits and the line-status interrupt.
    this.lineErrors = 0;
    this.updateIrq();
    return value;
  }

  private readMsr(): number {
    const value = this.modemLines() | this.msrDeltas;
    this.msrDeltas = 0;
    this.updateIrq();
    return value;
  }

  /** MSR high nibble: in loopback the outputs feed back (datasheet, MCR bit 4). */
  private modemLines(): number {
    const mcr = this.mcr;
    if (!(mcr & MCR.LOOP)) return EXTERNAL_MODEM_LINES;
    return (
      (mcr & MCR.RTS ? MSR.CTS : 0) |
      (mcr & MCR.DTR ? MSR.DSR : 0) |
      (mcr & MCR.OUT1 ? MSR.RI : 0) |
      (mcr & MCR.OUT2 ? MSR.DCD : 0)
    );
  }

  private writeThr(value: number): void {
    if (this.mcr & MCR.LOOP) this.receiveFromLine(value);
    else this.onTransmit(value);
    // The byte left at once, so THR is empty again and THRE re-arms.
    this.thrInterruptPending = true;
  }

  private writeIer(value: number): void {
    const old = this.ier;
    this.ier = value & 0x0f; // bits 7:4 are always 0
    // Enabling ETBEI while THR is empty raises THRE at once (as QEMU and real parts do).
    if ((this.ier ^ old) & IER.ETBEI) this.thrInterruptPending = (this.ier & IER.ETBEI) !== 0;
  }

  private writeFcr(value: number): void {
    const enable = (value & FCR.ENABLE) !== 0;
    if (enable !== this.fifoEnabled) {
      // Changing FCR0 clears both FIFOs (datasheet, FCR bit 0).
      this.resetReceiver();
      this.fifoEnabled = enable;
    }
    // "FCR0 must be a 1 when other FCR bits are written to or they will not be programmed."
    if (!enable) return;
    if (value & FCR.RX_RESET) this.resetReceiver();
    this.rxTrigger = RX_TRIGGER_LEVELS[value >>> 6] ?? 1;
    this.pumpHostInput();
  }

  private writeMcr(value: number): void {
    const wasLoop = (this.mcr & MCR.LOOP) !== 0;
    const before = this.modemLines();
    this.mcr = value & 0x1f; // bits 7:5 are always 0
    const after = this.modemLines();
    // In loopback the modem-status interrupt follows the MCR outputs (datasheet,
    // MCR bit 4). Switching loopback itself is not a line change (QEMU agrees).
    const changed = wasLoop && this.mcr & MCR.LOOP ? before ^ after : 0;
    if (changed & MSR.CTS) this.msrDeltas |= MSR.DCTS;
    if (changed & MSR.DSR) this.msrDeltas |= MSR.DDSR;
    if (changed & MSR.DCD) this.msrDeltas |= MSR.DDCD;
    if (before & MSR.RI && !(after & MSR.RI)) this.msrDeltas |= MSR.TERI; // trailing edge
    this.pumpHostInput();
  }

  /** A character arriving on the serial input: overrun when the receiver is full. */
  private receiveFromLine(byte: number): void {
    const depth = this.fifoEnabled ? FIFO_DEPTH : 1;
    if (this.rxFifo.length < depth) {
      this.rxFifo.push(byte);
    } else {
      this.lineErrors |= LSR.OE;
      // Without FIFOs the new character overwrites RBR; with FIFOs it is lost.
      if (!this.fifoEnabled) this.rxFifo[0] = byte;
    }
  }

  /** Flow control towards the host: take queued host bytes while there is room. */
  /**
   * Empties the receiver FIFO. Host input is flow controlled (RTS/CTS in
   * spirit): bytes the host side had handed over but the guest never read go
   * back to the host queue, so a driver that resets its FIFOs at start-up
   * does not lose what was typed or piped before it was ready.
   */
  private resetReceiver(): void {
    if (!(this.mcr & MCR.LOOP)) this.hostInput.unshift(...this.rxFifo);
    this.rxFifo = [];
  }

  private pumpHostInput(): void {
    if (this.mcr & MCR.LOOP) return; // the serial input is disconnected in loopback
    const depth = this.fifoEnabled ? FIFO_DEPTH : 1;
    while (this.rxFifo.length < depth && this.hostInput.length > 0) {
      this.rxFifo.push(this.hostInput.shift() as number);
    }
  }

  saveState(): Ns16550aState {
    return {
      ier: this.ier,
      lcr: this.lcr,
      mcr: this.mcr,
      scr: this.scr,
      dll: this.dll,
      dlm: this.dlm,
      fifoEnabled: this.fifoEnabled,
      rxTrigger: this.rxTrigger,
      lineErrors: this.lineErrors,
      msrDeltas: this.msrDeltas,
      thrInterruptPending: this.thrInterruptPending,
      lastRbr: this.lastRbr,
      rxFifo: [...this.rxFifo],
      hostInput: [...this.hostInput],
      accessCount: this.accessCount,
    };
  }

  restoreState(s: Ns16550aState): void {
    this.ier = s.ier;
    this.lcr = s.lcr;
    this.mcr = s.mcr;
    this.scr = s.scr;
    this.dll = s.dll;
    this.dlm = s.dlm;
    this.fifoEnabled = s.fifoEnabled;
    this.rxTrigger = s.rxTrigger;
    this.lineErrors = s.lineErrors;
    this.msrDeltas = s.msrDeltas;
    this.thrInterruptPending = s.thrInterruptPending;
    this.lastRbr = s.lastRbr;
    this.rxFifo = [...s.rxFifo];
    this.hostInput = [...s.hostInput];
    this.accessCount = s.accessCount;
    this.updateIrq();
  }
}
