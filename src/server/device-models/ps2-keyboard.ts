import { unconnected, type InterruptLine } from '../../machine/mmio-device';
import type { IoreqHandler, IoreqServerSpec } from '../../vmm/ioreq';
import { AccessCounter } from './access-counter';
import { isaPortRanges } from './isa-port-map';
import { scancodesFor, Set2ToSet1Translator, usKeyFor, type ScancodeSet } from './scancodes';

/**
 * An 8042 keyboard controller with an MF-II keyboard on its first port, as
 * on every PC/AT (IBM PC AT Technical Reference, "Keyboard Controller"; the
 * command and reply values as QEMU's hw/input/pckbd.c and ps2.c). No mouse is
 * attached: the auxiliary-port commands only set their command-byte bits.
 *
 * Bytes reach the system through the one-byte output buffer (port 0x60,
 * status bit OBF), in priority order: the controller's own replies, the
 * keyboard's command replies, then key scan codes. With command-byte bit 6
 * set, keyboard bytes pass through the set-2 → set-1 translation. Everything
 * is processed at once, so IBF always reads 0. IRQ 1 is a level: high while
 * OBF is set and command-byte bit 0 enables it.
 */

export const I8042Port = { DATA: 0x60, STATUS_COMMAND: 0x64 } as const;

/** Status register (port 0x64 read). */
export const Status = {
  OBF: 0x01,
  IBF: 0x02,
  /** System flag: mirrors command-byte bit 2 (set by a passed self test). */
  SYS: 0x04,
  /** A2 of the last write: 1 = command (0x64), 0 = data (0x60). */
  CMD: 0x08,
  /** Keyboard not inhibited by the keylock. */
  UNLOCKED: 0x10,
  AUX_OBF: 0x20,
  TIMEOUT: 0x40,
  PARITY: 0x80,
} as const;

/** Command byte (controller RAM byte 0). */
export const Config = {
  KBD_INT: 0x01,
  AUX_INT: 0x02,
  SYS: 0x04,
  KBD_DISABLE: 0x10,
  AUX_DISABLE: 0x20,
  TRANSLATE: 0x40,
} as const;

/** Command byte after reset (QEMU kbd_reset: both interrupts enabled, no translation). */
export const RESET_CONFIG = Config.KBD_INT | Config.AUX_INT;
/** Output port after reset: system not in reset, A20 on, unused lines high (QEMU kbd_reset). */
export const RESET_OUTPUT_PORT = 0xcf;

/** Controller commands (port 0x64 writes). */
export const ControllerCommand = {
  /** 0x20–0x3F: read controller RAM byte n (0x20 = command byte). */
  READ_RAM: 0x20,
  /** 0x60–0x7F: write controller RAM byte n with the next data byte. */
  WRITE_RAM: 0x60,
  AUX_DISABLE: 0xa7,
  AUX_ENABLE: 0xa8,
  SELF_TEST: 0xaa,
  KBD_INTERFACE_TEST: 0xab,
  KBD_DISABLE: 0xad,
  KBD_ENABLE: 0xae,
  READ_INPUT_PORT: 0xc0,
  READ_OUTPUT_PORT: 0xd0,
  WRITE_OUTPUT_PORT: 0xd1,
  WRITE_KBD_OUTPUT: 0xd2,
  /** 0xF0–0xFF pulse output-port bits 3:0 low where the command's bit is 0; bit 0 resets the CPU. */
  PULSE_OUTPUT: 0xf0,
} as const;

export const SELF_TEST_PASSED = 0x55;
export const INTERFACE_TEST_PASSED = 0x00;

/** Keyboard commands (port 0x60 writes that reach the keyboard). */
export const KeyboardCommand = {
  SET_LEDS: 0xed,
  ECHO: 0xee,
  SCANCODE_SET: 0xf0,
  IDENTIFY: 0xf2,
  TYPEMATIC: 0xf3,
  ENABLE: 0xf4,
  DISABLE: 0xf5,
  SET_DEFAULTS: 0xf6,
  RESEND: 0xfe,
  RESET: 0xff,
} as const;

export const KeyboardReply = {
  ACK: 0xfa,
  /** Basic Assurance Test passed (after reset). */
  BAT_OK: 0xaa,
  ECHO: 0xee,
  RESEND: 0xfe,
} as const;

/** MF-II keyboard identity (reply to F2 after the ACK). */
export const KEYBOARD_ID = [0xab, 0x83] as const;

/** Key bytes held for a guest that is not reading; beyond, the keyboard reports an overrun. */
export const KEY_QUEUE_LIMIT = 1024;
/** The overrun code a keyboard sends when its buffer is full (00 in set 2, FF in set 1). */
const OVERRUN: Record<ScancodeSet, number> = { 1: 0xff, 2: 0x00 };

const RAM_SIZE = 32;

export interface Ps2KeyboardOptions {
  /** IRQ 1. */
  irq?: InterruptLine;
  /** The guest asked for a system reset (command 0xFE, or output-port bit 0 written 0). */
  onSystemReset?: () => void;
}

export interface Ps2KeyboardState {
  ram: number[];
  outputPort: number;
  outByte: number;
  obf: boolean;
  lastWasCommand: boolean;
  pendingCommand: number;
  controllerOut: number[];
  keyboardReplies: number[];
  keys: number[];
  translateBreakPending: boolean;
  keyboard: {
    scancodeSet: ScancodeSet;
    scanning: boolean;
    leds: number;
    typematic: number;
    pendingCommand: number;
    lastSent: number;
  };
  counts: Record<string, number>;
}

export class Ps2Keyboard implements IoreqHandler {
  irq: InterruptLine;
  onSystemReset: () => void;

  private readonly counter = new AccessCounter(['data', 'status/command']);
  private readonly ram = new Uint8Array(RAM_SIZE);
  private outputPort = RESET_OUTPUT_PORT;
  private outByte = 0;
  private obf = false;
  private lastWasCommand = true;
  /** Controller command waiting for its data byte (0 = none). */
  private pendingCommand = 0;
  private controllerOut: number[] = [];
  private keyboardReplies: number[] = [];
  private keys: number[] = [];
  private readonly translator = new Set2ToSet1Translator();
  private irqLevel = false;

  // The keyboard itself.
  private scancodeSet: ScancodeSet = 2;
  private scanning = true;
  private ledState = 0;
  private typematic = 0x2b; // 10.9 cps, 500 ms: the keyboard's power-on default
  private keyboardPending = 0;
  private lastSent = 0;

  constructor(opts: Ps2KeyboardOptions = {}) {
    this.irq = opts.irq ?? unconnected;
    this.onSystemReset = opts.onSystemReset ?? (() => {});
    this.ram[0] = RESET_CONFIG;
  }

  ioreqSpecs(): IoreqServerSpec[] {
    return [{ name: 'ps2', ranges: isaPortRanges('ps2'), handler: this }];
  }

  get accessCount(): number {
    return this.counter.total;
  }

  accessCounts(): Record<string, number> {
    return this.counter.snapshot();
  }

  /** The command byte. */
  get config(): number {
    return this.ram[0] ?? 0;
  }

  /** Keyboard LEDs as last set by the guest (bit 0 Scroll, 1 Num, 2 Caps Lock). */
  get leds(): number {
    return this.ledState;
  }

  get keyboardScancodeSet(): ScancodeSet {
    return this.scancodeSet;
  }

  get interruptLevel(): boolean {
    return this.irqLevel;
  }

  /** Bytes not yet delivered to the guest (replies and keys). */
  get pendingBytes(): number {
    return this.controllerOut.length + this.keyboardReplies.length + this.keys.length;
  }

  // ---- host side ---------------------------------------------------------

  /** A key went down (browser KeyboardEvent.code); false for a code the keyboard lacks. */
  keyDown(code: string): boolean {
    return this.key(code, true);
  }

  keyUp(code: string): boolean {
    return this.key(code, false);
  }

  /** Type text on a US layout (Shift as needed); returns the characters it cannot type. */
  typeText(text: string): string {
    let skipped = '';
    for (const ch of text) {
      const k = usKeyFor(ch);
      if (!k) {
        skipped += ch;
        continue;
      }
      if (k.shift) this.keyDown('ShiftLeft');
      this.keyDown(k.code);
      this.keyUp(k.code);
      if (k.shift) this.keyUp('ShiftLeft');
    }
    return skipped;
  }

  private key(code: string, down: boolean): boolean {
    const bytes = scancodesFor(code, this.scancodeSet, down);
    if (!bytes) return false;
    if (!this.scanning) return true; // a disabled keyboard does not scan its matrix
    if (this.keys.length + bytes.length > KEY_QUEUE_LIMIT) {
      if (this.keys[this.keys.length - 1] !== OVERRUN[this.scancodeSet]) {
        this.keys.push(OVERRUN[this.scancodeSet]);
      }
    } else {
      this.keys.push(...bytes);
    }
    this.refill();
    return true;
  }

  // ---- ports -------------------------------------------------------------

  read(port: number, _size: 1 | 2 | 4): number {
    if (port === I8042Port.STATUS_COMMAND) {
      this.counter.hit('status/command');
      return this.status();
    }
    this.counter.hit('data');
    const value = this.outByte;
    if (this.obf) {
      this.obf = false;
      this.refill();
    }
    return value;
  }

  write(port: number, _size: 1 | 2 | 4, value: number): void {
    value &= 0xff;
    if (port === I8042Port.STATUS_COMMAND) {
      this.counter.hit('status/command');
      this.lastWasCommand = true;
      this.controllerCommand(value);
    } else {
      this.counter.hit('data');
      this.lastWasCommand = false;
      this.dataWrite(value);
    }
    this.refill();
  }

  status(): number {
    return (
      (this.obf ? Status.OBF : 0) |
      (this.config & Config.SYS ? Status.SYS : 0) |
      (this.lastWasCommand ? Status.CMD : 0) |
      Status.UNLOCKED
    );
  }

  private controllerCommand(cmd: number): void {
    this.pendingCommand = 0;
    if (cmd >= ControllerCommand.READ_RAM && cmd < ControllerCommand.READ_RAM + RAM_SIZE) {
      this.controllerOut.push(this.ram[cmd - ControllerCommand.READ_RAM] ?? 0);
      return;
    }
    if (cmd >= ControllerCommand.WRITE_RAM && cmd < ControllerCommand.WRITE_RAM + RAM_SIZE) {
      this.pendingCommand = cmd;
      return;
    }
    if (cmd >= ControllerCommand.PULSE_OUTPUT) {
      if (!(cmd & 0x01)) this.onSystemReset();
      return;
    }
    switch (cmd) {
      case ControllerCommand.AUX_DISABLE:
        this.ram[0] = this.config | Config.AUX_DISABLE;
        break;
      case ControllerCommand.AUX_ENABLE:
        this.ram[0] = this.config & ~Config.AUX_DISABLE;
        break;
      case ControllerCommand.SELF_TEST:
        // A passed self test sets the system flag (status bit 2).
        this.ram[0] = this.config | Config.SYS;
        this.controllerOut.push(SELF_TEST_PASSED);
        break;
      case ControllerCommand.KBD_INTERFACE_TEST:
        this.controllerOut.push(INTERFACE_TEST_PASSED);
        break;
      case ControllerCommand.KBD_DISABLE:
        this.ram[0] = this.config | Config.KBD_DISABLE;
        break;
      case ControllerCommand.KBD_ENABLE:
        this.ram[0] = this.config & ~Config.KBD_DISABLE;
        break;
      case ControllerCommand.READ_INPUT_PORT:
        this.controllerOut.push(0x80); // bit 7: keyboard not inhibited
        break;
      case ControllerCommand.READ_OUTPUT_PORT:
        this.controllerOut.push(this.outputPort);
        break;
      case ControllerCommand.WRITE_OUTPUT_PORT:
      case ControllerCommand.WRITE_KBD_OUTPUT:
        this.pendingCommand = cmd;
        break;
      default:
        break; // unknown commands are ignored, as on the 8042
    }
  }

  private dataWrite(v: number): void {
    const cmd = this.pendingCommand;
    this.pendingCommand = 0;
    if (cmd >= ControllerCommand.WRITE_RAM && cmd < ControllerCommand.WRITE_RAM + RAM_SIZE) {
      this.ram[cmd - ControllerCommand.WRITE_RAM] = v;
      return;
    }
    if (cmd === ControllerCommand.WRITE_OUTPUT_PORT) {
      this.outputPort = v;
      if (!(v & 0x01)) this.onSystemReset();
      return;
    }
    if (cmd === ControllerCommand.WRITE_KBD_OUTPUT) {
      this.controllerOut.push(v); // appears as if the keyboard had sent it
      return;
    }
    this.keyboardWrite(v);
  }

  // ---- the keyboard ------------------------------------------------------

  private reply(...bytes: number[]): void {
    for (const b of bytes) {
      this.keyboardReplies.push(b);
      this.lastSent = b;
    }
  }

  private keyboardDefaults(): void {
    this.scancodeSet = 2;
    this.typematic = 0x2b;
    this.ledState = 0;
  }

  private keyboardWrite(v: number): void {
    const pending = this.keyboardPending;
    this.keyboardPending = 0;
    switch (pending) {
      case KeyboardCommand.SET_LEDS:
        this.ledState = v & 0x07;
        this.reply(KeyboardReply.ACK);
        return;
      case KeyboardCommand.TYPEMATIC:
        this.typematic = v & 0x7f;
        this.reply(KeyboardReply.ACK);
        return;
      case KeyboardCommand.SCANCODE_SET:
        if (v === 0) {
          this.reply(KeyboardReply.ACK, this.scancodeSet);
        } else if (v === 1 || v === 2) {
          this.scancodeSet = v;
          this.keys = []; // codes queued in the old set would be nonsense now
          this.reply(KeyboardReply.ACK);
        } else {
          this.reply(KeyboardReply.RESEND); // set 3 is not modelled
        }
        return;
      default:
        break;
    }
    switch (v) {
      case KeyboardCommand.SET_LEDS:
      case KeyboardCommand.TYPEMATIC:
      case KeyboardCommand.SCANCODE_SET:
        this.keyboardPending = v;
        this.reply(KeyboardReply.ACK);
        break;
      case KeyboardCommand.ECHO:
        this.reply(KeyboardReply.ECHO);
        break;
      case KeyboardCommand.IDENTIFY:
        this.reply(KeyboardReply.ACK, ...KEYBOARD_ID);
        break;
      case KeyboardCommand.ENABLE:
        this.scanning = true;
        this.reply(KeyboardReply.ACK);
        break;
      case KeyboardCommand.DISABLE:
        // "Default disable": defaults restored, scanning stops until F4.
        this.keyboardDefaults();
        this.scanning = false;
        this.keys = [];
        this.reply(KeyboardReply.ACK);
        break;
      case KeyboardCommand.SET_DEFAULTS:
        this.keyboardDefaults();
        this.scanning = true;
        this.reply(KeyboardReply.ACK);
        break;
      case KeyboardCommand.RESEND:
        this.keyboardReplies.push(this.lastSent);
        break;
      case KeyboardCommand.RESET:
        this.keyboardDefaults();
        this.scanning = true;
        this.keys = [];
        this.reply(KeyboardReply.ACK, KeyboardReply.BAT_OK);
        break;
      default:
        this.reply(KeyboardReply.RESEND); // not a command this keyboard knows
        break;
    }
  }

  // ---- output buffer and IRQ ---------------------------------------------

  /** Move the next byte into an empty output buffer, then update IRQ 1. */
  private refill(): void {
    while (!this.obf) {
      const fromController = this.controllerOut.shift();
      if (fromController !== undefined) {
        this.load(fromController);
        break;
      }
      // While the interface is disabled the keyboard's clock is held: nothing comes in.
      if (this.config & Config.KBD_DISABLE) break;
      const b = this.keyboardReplies.length > 0 ? this.keyboardReplies.shift() : this.keys.shift();
      if (b === undefined) break;
      if (this.config & Config.TRANSLATE) {
        const t = this.translator.translate(b);
        if (t !== null) this.load(t);
      } else {
        this.load(b);
      }
    }
    const level = this.obf && (this.config & Config.KBD_INT) !== 0;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irq(level);
    }
  }

  private load(b: number): void {
    this.outByte = b & 0xff;
    this.obf = true;
  }

  // ---- state -------------------------------------------------------------

  saveState(): Ps2KeyboardState {
    return {
      ram: [...this.ram],
      outputPort: this.outputPort,
      outByte: this.outByte,
      obf: this.obf,
      lastWasCommand: this.lastWasCommand,
      pendingCommand: this.pendingCommand,
      controllerOut: [...this.controllerOut],
      keyboardReplies: [...this.keyboardReplies],
      keys: [...this.keys],
      translateBreakPending: this.translator.breakPending,
      keyboard: {
        scancodeSet: this.scancodeSet,
        scanning: this.scanning,
        leds: this.ledState,
        typematic: this.typematic,
        pendingCommand: this.keyboardPending,
        lastSent: this.lastSent,
      },
      counts: this.counter.snapshot(),
    };
  }

  restoreState(s: Ps2KeyboardState): void {
    this.ram.set(s.ram.slice(0, RAM_SIZE));
    this.outputPort = s.outputPort;
    this.outByte = s.outByte;
    this.obf = s.obf;
    this.lastWasCommand = s.lastWasCommand;
    this.pendingCommand = s.pendingCommand;
    this.controllerOut = [...s.controllerOut];
    this.keyboardReplies = [...s.keyboardReplies];
    this.keys = [...s.keys];
    this.translator.breakPending = s.translateBreakPending;
    this.scancodeSet = s.keyboard.scancodeSet;
    this.scanning = s.keyboard.scanning;
    this.ledState = s.keyboard.leds;
    this.typematic = s.keyboard.typematic;
    this.keyboardPending = s.keyboard.pendingCommand;
    this.lastSent = s.keyboard.lastSent;
    this.counter.restore(s.counts);
    this.refill();
  }
}
