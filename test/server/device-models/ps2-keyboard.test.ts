import { describe, expect, it } from 'vitest';
import {
  Config,
  ControllerCommand,
  I8042Port,
  KEY_QUEUE_LIMIT,
  KeyboardCommand,
  Ps2Keyboard,
  RESET_CONFIG,
  Status,
} from '../../../src/server/device-models/ps2-keyboard';

function setup() {
  const irq: boolean[] = [];
  let resets = 0;
  const kbd = new Ps2Keyboard({ irq: (l) => irq.push(l), onSystemReset: () => resets++ });
  const status = (): number => kbd.read(I8042Port.STATUS_COMMAND, 1);
  const command = (c: number): void => kbd.write(I8042Port.STATUS_COMMAND, 1, c);
  const data = (v: number): void => kbd.write(I8042Port.DATA, 1, v);
  /** Read every byte the controller has for the system, as a driver polling OBF does. */
  const drain = (): number[] => {
    const out: number[] = [];
    while (status() & Status.OBF && out.length < 64) out.push(kbd.read(I8042Port.DATA, 1));
    return out;
  };
  return { kbd, irq, status, command, data, drain, resets: () => resets };
}

describe('i8042 controller', () => {
  it('resets with an empty buffer, the command flag and keylock off', () => {
    const { status, command, drain } = setup();
    expect(status()).toBe(Status.CMD | Status.UNLOCKED);
    command(ControllerCommand.READ_RAM);
    expect(drain()).toEqual([RESET_CONFIG]);
  });

  // Controller commands and what they put in the output buffer (IBM PC AT Technical Reference).
  it.each([
    ['self test', ControllerCommand.SELF_TEST, [0x55]],
    ['keyboard interface test', ControllerCommand.KBD_INTERFACE_TEST, [0x00]],
    ['read command byte', ControllerCommand.READ_RAM, [RESET_CONFIG]],
    ['read input port', ControllerCommand.READ_INPUT_PORT, [0x80]],
    ['read output port', ControllerCommand.READ_OUTPUT_PORT, [0xcf]],
    ['disable keyboard', ControllerCommand.KBD_DISABLE, []],
    ['enable keyboard', ControllerCommand.KBD_ENABLE, []],
    ['disable aux port', ControllerCommand.AUX_DISABLE, []],
    ['enable aux port', ControllerCommand.AUX_ENABLE, []],
  ])('answers %s', (_name, cmd, reply) => {
    const { command, drain } = setup();
    command(cmd);
    expect(drain()).toEqual(reply);
  });

  it('sets OBF and the system flag on self test and clears OBF when read', () => {
    const { kbd, status, command } = setup();
    expect(status() & Status.SYS).toBe(0);
    command(ControllerCommand.SELF_TEST);
    expect(status() & (Status.OBF | Status.SYS)).toBe(Status.OBF | Status.SYS);
    expect(kbd.read(I8042Port.DATA, 1)).toBe(0x55);
    expect(status() & Status.OBF).toBe(0);
  });

  it('writes the command byte with 0x60 and tracks the command/data flag', () => {
    const { status, command, data, drain } = setup();
    command(ControllerCommand.WRITE_RAM);
    expect(status() & Status.CMD).toBe(Status.CMD);
    data(0x45);
    expect(status() & Status.CMD).toBe(0);
    command(ControllerCommand.READ_RAM);
    expect(drain()).toEqual([0x45]);
    expect(status() & Status.SYS).toBe(Status.SYS); // command-byte bit 2 is the system flag
  });

  it('keeps 32 bytes of controller RAM (0x21–0x3F / 0x61–0x7F)', () => {
    const { command, data, drain } = setup();
    command(ControllerCommand.WRITE_RAM + 0x1f);
    data(0xa5);
    command(ControllerCommand.READ_RAM + 0x1f);
    expect(drain()).toEqual([0xa5]);
  });

  it.each([
    ['0xA7 sets', ControllerCommand.AUX_DISABLE, Config.AUX_DISABLE, Config.AUX_DISABLE],
    ['0xA8 clears', ControllerCommand.AUX_ENABLE, Config.AUX_DISABLE, 0],
    ['0xAD sets', ControllerCommand.KBD_DISABLE, Config.KBD_DISABLE, Config.KBD_DISABLE],
    ['0xAE clears', ControllerCommand.KBD_ENABLE, Config.KBD_DISABLE, 0],
  ])('%s its command-byte bit', (_n, cmd, bit, expected) => {
    const { kbd, command } = setup();
    command(
      cmd === ControllerCommand.AUX_ENABLE
        ? ControllerCommand.AUX_DISABLE
        : ControllerCommand.KBD_DISABLE,
    );
    command(cmd);
    expect(kbd.config & bit).toBe(expected);
  });

  it('puts a 0xD2 data byte in the output buffer as if from the keyboard', () => {
    const { command, data, drain } = setup();
    command(ControllerCommand.WRITE_KBD_OUTPUT);
    data(0x3c);
    expect(drain()).toEqual([0x3c]);
  });

  it('requests a system reset by pulsing output-port bit 0 or writing it 0', () => {
    const s = setup();
    s.command(0xfe);
    expect(s.resets()).toBe(1);
    s.command(0xff); // pulse no bits
    expect(s.resets()).toBe(1);
    s.command(ControllerCommand.WRITE_OUTPUT_PORT);
    s.data(0xce);
    expect(s.resets()).toBe(2);
    s.command(ControllerCommand.READ_OUTPUT_PORT);
    expect(s.drain()).toEqual([0xce]);
  });

  it('returns the last byte again when the data port is read with OBF clear', () => {
    const { kbd, command, drain } = setup();
    command(ControllerCommand.SELF_TEST);
    expect(drain()).toEqual([0x55]);
    expect(kbd.read(I8042Port.DATA, 1)).toBe(0x55);
  });
});

describe('PS/2 keyboard commands', () => {
  it.each([
    ['reset', [KeyboardCommand.RESET], [0xfa, 0xaa]],
    ['identify', [KeyboardCommand.IDENTIFY], [0xfa, 0xab, 0x83]],
    ['echo', [KeyboardCommand.ECHO], [0xee]],
    ['set LEDs', [KeyboardCommand.SET_LEDS, 0x07], [0xfa, 0xfa]],
    ['get scan code set', [KeyboardCommand.SCANCODE_SET, 0x00], [0xfa, 0xfa, 0x02]],
    ['set scan code set 1', [KeyboardCommand.SCANCODE_SET, 0x01], [0xfa, 0xfa]],
    ['set scan code set 3 (not modelled)', [KeyboardCommand.SCANCODE_SET, 0x03], [0xfa, 0xfe]],
    ['typematic', [KeyboardCommand.TYPEMATIC, 0x20], [0xfa, 0xfa]],
    ['enable', [KeyboardCommand.ENABLE], [0xfa]],
    ['disable', [KeyboardCommand.DISABLE], [0xfa]],
    ['set defaults', [KeyboardCommand.SET_DEFAULTS], [0xfa]],
    ['unknown', [0x01], [0xfe]],
    [
      'resend after identify',
      [KeyboardCommand.IDENTIFY, KeyboardCommand.RESEND],
      [0xfa, 0xab, 0x83, 0x83],
    ],
  ])('%s', (_name, bytes, reply) => {
    const { data, drain } = setup();
    for (const b of bytes) data(b);
    expect(drain()).toEqual(reply);
  });

  it('keeps the LEDs and the scan code set it was given', () => {
    const { kbd, data, drain } = setup();
    data(KeyboardCommand.SET_LEDS);
    data(0x05);
    data(KeyboardCommand.SCANCODE_SET);
    data(0x01);
    drain();
    expect(kbd.leds).toBe(0x05);
    expect(kbd.keyboardScancodeSet).toBe(1);
    kbd.keyDown('KeyA');
    kbd.keyUp('KeyA');
    expect(drain()).toEqual([0x1e, 0x9e]);
    data(KeyboardCommand.RESET);
    expect(drain()).toEqual([0xfa, 0xaa]);
    expect([kbd.leds, kbd.keyboardScancodeSet]).toEqual([0, 2]);
  });

  it('sends set 2 after reset and set 1 through the 8042 translation', () => {
    const { kbd, command, data, drain } = setup();
    kbd.keyDown('ArrowUp');
    kbd.keyUp('ArrowUp');
    expect(drain()).toEqual([0xe0, 0x75, 0xe0, 0xf0, 0x75]);
    command(ControllerCommand.WRITE_RAM);
    data(Config.KBD_INT | Config.TRANSLATE);
    kbd.keyDown('ArrowUp');
    kbd.keyUp('ArrowUp');
    kbd.keyDown('KeyA');
    kbd.keyUp('KeyA');
    expect(drain()).toEqual([0xe0, 0x48, 0xe0, 0xc8, 0x1e, 0x9e]);
    // Replies go through the translation too: the MF-II id reads AB 41, set 2 reads 41.
    data(KeyboardCommand.IDENTIFY);
    expect(drain()).toEqual([0xfa, 0xab, 0x41]);
    data(KeyboardCommand.SCANCODE_SET);
    data(0);
    expect(drain()).toEqual([0xfa, 0xfa, 0x41]);
  });

  it('stops scanning after 0xF5 until 0xF4', () => {
    const { kbd, data, drain } = setup();
    data(KeyboardCommand.DISABLE);
    drain();
    kbd.keyDown('KeyB');
    expect(drain()).toEqual([]);
    data(KeyboardCommand.ENABLE);
    kbd.keyDown('KeyB');
    expect(drain()).toEqual([0xfa, 0x32]);
  });

  it('holds keyboard bytes while the interface is disabled (0xAD) and delivers them after 0xAE', () => {
    const { kbd, command, drain } = setup();
    command(ControllerCommand.KBD_DISABLE);
    kbd.keyDown('KeyQ');
    expect(drain()).toEqual([]);
    expect(kbd.pendingBytes).toBe(1);
    command(ControllerCommand.KBD_ENABLE);
    expect(drain()).toEqual([0x15]);
  });

  it('answers a controller command before queued keys, and keyboard replies before keys', () => {
    const { kbd, command, data, drain } = setup();
    kbd.keyDown('KeyA');
    kbd.keyDown('KeyS');
    command(ControllerCommand.READ_RAM);
    data(KeyboardCommand.ECHO);
    // 1C was already in the output buffer; then the controller's byte, the reply, the rest.
    expect(drain()).toEqual([0x1c, RESET_CONFIG, 0xee, 0x1b]);
  });

  it('types text with Shift on a US layout and reports what it cannot type', () => {
    const { kbd, drain } = setup();
    expect(kbd.typeText('Hi!\n€')).toBe('€');
    expect(drain()).toEqual([
      0x12,
      0x33,
      0xf0,
      0x33,
      0xf0,
      0x12, // H
      0x43,
      0xf0,
      0x43, // i
      0x12,
      0x16,
      0xf0,
      0x16,
      0xf0,
      0x12, // !
      0x5a,
      0xf0,
      0x5a, // Enter
    ]);
    expect(kbd.keyDown('NoSuchKey')).toBe(false);
  });

  it('reports an overrun instead of growing without bound', () => {
    const { kbd, drain } = setup();
    for (let i = 0; i < KEY_QUEUE_LIMIT; i++) kbd.keyDown('KeyZ');
    const got: number[] = [];
    for (let b = drain(); b.length > 0; b = drain()) got.push(...b);
    expect(got.length).toBe(KEY_QUEUE_LIMIT);
    kbd.keyDown('KeyZ');
    kbd.keyDown('KeyZ'); // nothing pending: accepted again
    expect(drain()).toEqual([0x1a, 0x1a]);
    for (let i = 0; i < KEY_QUEUE_LIMIT + 5; i++) kbd.keyDown('KeyX');
    const all: number[] = [];
    for (let b = drain(); b.length > 0; b = drain()) all.push(...b);
    expect(all.at(-1)).toBe(0x00); // set 2 overrun code, once
    expect(all.filter((b) => b === 0x00)).toHaveLength(1);
  });
});

describe('IRQ 1', () => {
  it('is high while OBF is set and command-byte bit 0 enables it', () => {
    const { kbd, irq, command, data, drain } = setup();
    kbd.keyDown('KeyA');
    expect(irq).toEqual([true]);
    kbd.keyUp('KeyA'); // more bytes behind: the line stays up across the reads
    expect(kbd.read(I8042Port.DATA, 1)).toBe(0x1c);
    expect(kbd.interruptLevel).toBe(true);
    drain();
    expect(irq).toEqual([true, false]);
    command(ControllerCommand.WRITE_RAM);
    data(0x00); // interrupts off
    kbd.keyDown('KeyA');
    expect(kbd.interruptLevel).toBe(false);
    command(ControllerCommand.WRITE_RAM);
    data(Config.KBD_INT); // enabling with a byte waiting raises the line at once
    expect(kbd.interruptLevel).toBe(true);
  });
});

describe('PS/2 save/restore and accounting', () => {
  it('round-trips the controller, keyboard and queues', () => {
    const a = setup();
    a.command(ControllerCommand.WRITE_RAM);
    a.data(Config.KBD_INT | Config.TRANSLATE);
    a.data(KeyboardCommand.SET_LEDS); // waiting for its argument
    a.kbd.read(I8042Port.DATA, 1); // the ACK
    a.kbd.keyDown('ShiftLeft');
    a.kbd.keyUp('ShiftLeft');
    a.kbd.read(I8042Port.DATA, 1); // 0x2a; F0 is swallowed next, 12 waits
    const saved = a.kbd.saveState();
    const b = setup();
    b.kbd.restoreState(structuredClone(saved));
    expect(b.kbd.saveState()).toEqual(saved);
    expect(b.drain()).toEqual([0xaa]); // the translated break of Shift
    b.data(0x02);
    expect(b.drain()).toEqual([0xfa]);
    expect(b.kbd.leds).toBe(0x02);
  });

  it('counts accesses per port', () => {
    const { kbd, status, command, drain } = setup();
    command(ControllerCommand.SELF_TEST);
    drain(); // status, data, status
    status();
    expect(kbd.accessCounts()).toEqual({ data: 1, 'status/command': 4 });
    expect(kbd.accessCount).toBe(5);
  });
});
