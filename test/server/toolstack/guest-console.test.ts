import { describe, expect, it } from 'vitest';
import { CONSOLE_HISTORY, GuestConsole } from '../../../src/server/toolstack/guest-console.ts';

const enc = new TextEncoder();
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('GuestConsole', () => {
  it('delivers output in one batch per turn of the event loop, not per byte', async () => {
    const c = new GuestConsole(1, 'g');
    const got: string[] = [];
    c.subscribe((b) => got.push(dec(b)));
    for (const ch of 'hello') c.writeByte(ch.charCodeAt(0));
    c.write(enc.encode(' world'));
    expect(got).toEqual([]);
    await tick();
    expect(got).toEqual(['hello world']);
    expect(c.bytesOut).toBe(11);
  });

  it("replays what no xl console client has seen yet (xenconsoled's buffer), then only new output", async () => {
    const c = new GuestConsole(1, 'g');
    c.write(enc.encode('boot banner\n'));
    await tick();
    const first: string[] = [];
    const off = c.subscribe((b) => first.push(dec(b)), 'unread');
    c.write(enc.encode('more\n'));
    await tick();
    off();
    c.write(enc.encode('while detached\n'));
    await tick();
    const second: string[] = [];
    c.subscribe((b) => second.push(dec(b)), 'unread');
    expect(first.join('')).toBe('boot banner\nmore\n');
    expect(second.join('')).toBe('while detached\n');
    const all: string[] = [];
    c.subscribe((b) => all.push(dec(b)), 'all');
    expect(all.join('')).toBe('boot banner\nmore\nwhile detached\n');
  });

  it('keeps a bounded history of the latest output', () => {
    const c = new GuestConsole(1, 'g');
    c.write(new Uint8Array(CONSOLE_HISTORY).fill(0x61));
    c.write(enc.encode('END'));
    const h = c.output();
    expect(h.length).toBe(CONSOLE_HISTORY);
    expect(dec(h.subarray(h.length - 3))).toBe('END');
  });

  it('routes input and releases waiters on end()', async () => {
    const c = new GuestConsole(1, 'g');
    const typed: string[] = [];
    c.inputRoute = (b) => typed.push(dec(b));
    c.input(enc.encode('ls\r'));
    expect(typed).toEqual(['ls\r']);
    expect(c.bytesIn).toBe(3);
    const ended = c.ended();
    c.end('shut down (poweroff)');
    await expect(ended).resolves.toEqual({ reason: 'shut down (poweroff)' });
  });
});
