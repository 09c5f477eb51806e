import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseFdt } from '../../src/machine/fdt';
import { BareMachine, INSTRUCTIONS_PER_TICK } from '../../src/machine/machine';
import { buildProgram, haveToolchain, makeBuildDir } from './guest-build';
import { makeElf } from './make-elf';

const PROGRAMS = [
  'hello',
  'fail',
  'spin',
  'wild-jump',
  'htif',
  'timer',
  'echo',
  'uart-irq',
  'double-fault',
  'sleep-forever',
  'time-rate',
  'reset',
];

describe.runIf(haveToolchain)('BareMachine running programs built with gcc', () => {
  const elf: Record<string, Uint8Array> = {};
  beforeAll(() => {
    const dir = makeBuildDir();
    for (const name of PROGRAMS) elf[name] = readFileSync(buildProgram(name, dir));
  });

  const boot = (name: string, opts: { ramSize?: number } = {}) => {
    const out: number[] = [];
    const m = new BareMachine({ ...opts, onOutput: (b) => out.push(b) });
    m.loadElf(elf[name] as Uint8Array);
    return { m, text: () => Buffer.from(out).toString('latin1') };
  };

  it('boots like QEMU: pc = entry, a0 = 0, a1 = the DTB at the top 2 MiB of RAM', () => {
    const { m } = boot('hello');
    expect(m.hart.pc).toBe(0x8000_0000);
    expect(m.hart.x[10]).toBe(0);
    expect(m.hart.x[11]! >>> 0).toBe(0x87e0_0000); // QEMU 7.2 with 128 MiB puts it there too
    expect(m.dtbAddress).toBe(0x87e0_0000);
    const off = m.dtbAddress - m.bus.ramBase;
    const tree = parseFdt(m.bus.ram.subarray(off, off + m.dtb.length)).root;
    expect(tree.find('/memory@80000000')?.getU32s('reg')).toEqual([0, 0x8000_0000, 0, 0x800_0000]);
  });

  it('prints through the UART and passes through the test finisher', () => {
    const { m, text } = boot('hello');
    const exit = m.run({ maxInstructions: 1_000_000 });
    expect(exit).toMatchObject({ kind: 'pass', code: 0 });
    expect(text()).toBe('Hello from the bare machine!\n');
    expect(exit.instructions).toBe(m.instructions);
    expect(exit.instructions).toBeGreaterThan(29 * 3); // at least a few instructions per character
    expect(m.deviceAccessCounts()).toMatchObject({ test: 1 });
    expect(m.deviceAccessCounts().uart0).toBeGreaterThanOrEqual(2 * 29); // LSR poll + THR per char
  });

  it('reports the finisher fail code', () => {
    const { m, text } = boot('fail');
    expect(m.run()).toMatchObject({ kind: 'fail', code: 42 });
    expect(text()).toBe('about to fail\n');
  });

  it('stops exactly at the instruction limit', () => {
    const { m, text } = boot('spin');
    const exit = m.run({ maxInstructions: 123_457 });
    expect(exit).toMatchObject({ kind: 'limit', instructions: 123_457 });
    expect(exit.message).toMatch(/instruction limit reached \(123457 instructions\) at pc 0x8000/);
    expect(text()).toBe('spinning\n');
  });

  it('continues across runFor budgets and keeps the same exit afterwards', () => {
    const { m } = boot('hello');
    expect(m.runFor(50)).toBe('budget');
    expect(m.instructions).toBe(50);
    const exit = m.runFor(Number.POSITIVE_INFINITY);
    expect(exit).toMatchObject({ kind: 'pass' });
    expect(m.runFor(10)).toBe(exit);
  });

  it('stops with a clear error when the hart fetches outside memory with no usable mtvec', () => {
    const { m, text } = boot('wild-jump');
    const exit = m.run({ maxInstructions: 1_000_000 });
    expect(exit.kind).toBe('fault');
    expect(exit.message).toBe(
      'instruction fetch from 0x40000000 outside memory, and the trap handler (mtvec 0x00000000) is not executable either',
    );
    expect(text()).toBe('jumping into the void\n');
  });

  it('stops on a double fault (the trap handler itself faults)', () => {
    const { m } = boot('double-fault');
    const exit = m.run({ maxInstructions: 1_000_000 });
    expect(exit.kind).toBe('fault');
    expect(exit.message).toMatch(
      /^double fault: the trap handler at 0x800[0-9a-f]{5} itself raised illegal instruction/,
    );
  });

  it('reports a hart asleep with nothing to wake it', () => {
    const { m } = boot('sleep-forever');
    expect(m.runFor(1_000_000)).toBe('idle');
    expect(m.run().message).toMatch(/waiting for an interrupt \(WFI\) that nothing can raise/);
  });

  it('serves HTIF: a write syscall, then tohost = (7 << 1) | 1', () => {
    const { m, text } = boot('htif');
    expect(m.run({ maxInstructions: 1_000_000 })).toMatchObject({
      kind: 'fail',
      code: 7,
      message: 'HTIF: fail with code 7',
    });
    expect(text()).toBe('htif write works\n');
  });

  it('wakes WFI at timer deadlines in virtual time, deterministically', () => {
    const runs = [0, 1].map(() => {
      const { m, text } = boot('timer');
      const exit = m.run({ maxInstructions: 10_000_000 });
      return { exit, text: text(), mtime: m.clint.mtime() };
    });
    expect(runs[0]?.exit.kind).toBe('pass');
    expect(runs[0]?.text).toBe('tick\ntick\ntick\nelapsed ok\n');
    // Three 1 ms sleeps = 30 000 ticks, far more than the instructions run would give.
    expect(runs[0]!.mtime).toBeGreaterThanOrEqual(30_000);
    expect(runs[0]!.exit.instructions).toBeLessThan(30_000 * INSTRUCTIONS_PER_TICK);
    expect(runs[1]).toEqual(runs[0]);
  });

  it('advances mtime by one tick per 10 instructions, alike over MMIO and through the time CSR', () => {
    const { m, text } = boot('time-rate');
    expect(m.run()).toMatchObject({ kind: 'pass' });
    // Each measured loop retires 200 000 instructions (+ a couple around it).
    const [mmio, csr] = [...text().matchAll(/=([0-9a-f]{8})/g)].map((x) => parseInt(x[1]!, 16));
    expect(mmio).toBeGreaterThanOrEqual(200_000 / INSTRUCTIONS_PER_TICK);
    expect(mmio).toBeLessThanOrEqual(200_000 / INSTRUCTIONS_PER_TICK + 1);
    expect(csr).toBe(mmio);
  });

  it('reports a reset request from the test finisher', () => {
    const { m } = boot('reset');
    expect(m.run({ maxInstructions: 1000 })).toMatchObject({ kind: 'reset', code: 0 });
  });

  it('feeds console input to a polling guest', () => {
    const { m, text } = boot('echo');
    m.input(Buffer.from('hello world\nsecond line\n.\n'));
    expect(m.run({ maxInstructions: 5_000_000 })).toMatchObject({ kind: 'pass' });
    expect(text()).toBe('HELLO WORLD\nSECOND LINE\n');
  });

  it('delivers UART receive interrupts through the PLIC to a sleeping guest', () => {
    const { m, text } = boot('uart-irq');
    expect(m.runFor(1_000_000)).toBe('idle');
    m.input(Buffer.from('ab'));
    expect(m.runFor(1_000_000)).toBe('idle');
    m.input(Buffer.from('c.'));
    expect(m.runFor(1_000_000)).toMatchObject({ kind: 'pass' });
    expect(text()).toBe('abc\nirq ok\n');
    expect(m.deviceAccessCounts().plic).toBeGreaterThanOrEqual(4);
  });

  it('resumes from a snapshot to the same output, time and instruction count', () => {
    const a = boot('timer');
    expect(a.m.runFor(200)).toBe('budget');
    const snapshot = structuredClone(a.m.saveState());
    const before = a.text();
    const exitA = a.m.run();
    const afterA = a.text().slice(before.length);

    const b = boot('timer');
    b.m.restoreState(snapshot);
    const exitB = b.m.run();
    expect(exitB).toEqual(exitA);
    expect(b.text()).toBe(afterA);
    expect(b.m.clint.mtime()).toBe(a.m.clint.mtime());
  });

  it('refuses an ELF that would overwrite the device tree, or that does not fit', () => {
    const m = new BareMachine({ ramSize: 64 * 1024 });
    const code = new Uint8Array([0x6f, 0x00, 0x00, 0x00]); // j .
    expect(() =>
      m.loadElf(makeElf(0x8000_0000, [{ paddr: 0x8000_0000, data: code, memsz: 64 * 1024 }])),
    ).toThrow(
      /^segment 0x80000000 overlaps the device tree at 0x8000f[0-9a-f]{3}; give the machine more memory$/,
    );
    expect(() =>
      m.loadElf(makeElf(0x8000_0000, [{ paddr: 0x8000_0000, data: code, memsz: 65 * 1024 }])),
    ).toThrow(/^segment 0x80000000–0x800103ff outside RAM \(0x80000000–0x8000ffff\)$/);
    // The same image with room to spare loads, with its .bss zeroed.
    m.loadElf(makeElf(0x8000_0000, [{ paddr: 0x8000_0000, data: code, memsz: 32 * 1024 }]));
    expect(m.runFor(1000)).toBe('budget');
    expect(m.hart.pc).toBe(0x8000_0000);
  });
});
