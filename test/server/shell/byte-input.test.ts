import { describe, expect, it } from 'vitest';
import { ByteInput, CTRL_C } from '../../../src/server/shell/byte-input.ts';

const dec = (b: Uint8Array | null): string | null =>
  b === null ? null : new TextDecoder().decode(b);

describe('ByteInput', () => {
  it('hands over what arrived, waits for more, and reports end of file', async () => {
    const i = new ByteInput();
    i.push('ab');
    i.push('c');
    expect(dec(await i.read())).toBe('abc');
    const later = i.read();
    i.push('d');
    expect(dec(await later)).toBe('d');
    i.end();
    expect(await i.read()).toBeNull();
  });

  it('cancels a read without losing the bytes that come after', async () => {
    const i = new ByteInput();
    const ctrl = new AbortController();
    const r = i.read(ctrl.signal);
    ctrl.abort();
    expect(await r).toBeNull();
    i.push('kept');
    expect(dec(await i.read())).toBe('kept');
  });

  it('reads lines (CR LF too), keeps the rest, and returns a last unterminated line', async () => {
    const i = new ByteInput();
    i.push('one\r\ntw');
    i.push('o\nthree');
    i.end();
    expect(await i.readLine()).toBe('one');
    expect(await i.readLine()).toBe('two');
    expect(await i.readLine()).toBe('three');
    expect(await i.readLine()).toBeNull();
  });

  it('puts bytes back in front with unread', async () => {
    const i = new ByteInput();
    i.push('world');
    i.unread(new TextEncoder().encode('hello '));
    expect(dec(await i.read())).toBe('hello world');
  });

  it('turns Ctrl-C into an interrupt while a handler is set, and passes it through otherwise', async () => {
    const i = new ByteInput();
    let interrupts = 0;
    i.interruptHandler = () => interrupts++;
    i.push(Uint8Array.of(0x61, CTRL_C, 0x62));
    expect(interrupts).toBe(1);
    expect(dec(await i.read())).toBe('ab');
    i.interruptHandler = null;
    i.push(Uint8Array.of(CTRL_C));
    expect(await i.read()).toEqual(Uint8Array.of(CTRL_C));
  });
});
