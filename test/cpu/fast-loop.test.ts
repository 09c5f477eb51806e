import { describe, expect, it } from 'vitest';
import { asm, casm, halves, machine, RAM_BASE, type Machine } from './harness';

/**
 * The interpreter's fast loop (with its fused pairs and compressed forms) against its
 * slow path: random loops run three ways — in one budget, traced (which runs every
 * instruction through the slow path) and in random small budgets (which split fused
 * pairs) — must end in the same state. The loops run several times, so the later
 * iterations run from decoded and fused slots.
 */

const S0 = 8; // data pointer, never written by the random code
const S1 = 9; // loop counter
const DATA = RAM_BASE + 0x6000;
const BUDGET = 900;

function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

type Item = { insn: number } | { branch: (offset: number) => number; to: number; size: 2 | 4 };

/** A loop body of random instructions, with forward branches, then the loop's tail. */
function randomLoop(seed: number, length: number): number[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[r() % xs.length]!;
  const dst = (): number => pick([0, 1, 5, 6, 7, 10, 11, 12, 13, 14, 15, 28, 31]);
  const src = (): number => pick([0, 1, 5, 6, 7, 10, 11, 12, 13, 14, 15, 28, 31]);
  const creg = (): number => 10 + (r() % 6);
  const imm12 = (): number => (r() % 4096) - 2048;
  const off = (): number => (r() % 128) - 64;
  const items: Item[] = [];
  const gen: Array<() => Item> = [
    () => ({ insn: asm.lui(dst(), r() & 0xfffff) }),
    () => ({ insn: asm.auipc(dst(), r() & 0xfffff) }),
    ...(['addi', 'slti', 'sltiu', 'xori', 'ori', 'andi'] as const).map((op) => () => ({
      insn: asm[op](dst(), src(), imm12()),
    })),
    ...(['slli', 'srli', 'srai'] as const).map((op) => () => ({
      insn: asm[op](dst(), src(), r() & 31),
    })),
    ...(
      [
        'add',
        'sub',
        'sll',
        'slt',
        'sltu',
        'xor',
        'srl',
        'sra',
        'or',
        'and',
        'mul',
        'mulh',
        'mulhsu',
        'mulhu',
        'div',
        'divu',
        'rem',
        'remu',
      ] as const
    ).map((op) => () => ({ insn: asm[op](dst(), src(), src()) })),
    ...(['lb', 'lh', 'lw', 'lbu', 'lhu'] as const).map((op) => () => ({
      insn: asm[op](dst(), S0, off()),
    })),
    ...(['sb', 'sh', 'sw'] as const).map((op) => () => ({ insn: asm[op](src(), S0, off()) })),
    ...(['beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu'] as const).map((op) => (): Item => {
      const a = src();
      const b = src();
      return { branch: (o) => asm[op](a, b, o), to: 0, size: 4 };
    }),
    () => ({ branch: (o) => asm.jal(pick([0, 1, 5]), o), to: 0, size: 4 }),
    () => ({ insn: asm.fence() }),
    () => ({ insn: casm.addi(creg(), (r() % 63) - 31 || 1) }),
    () => ({ insn: casm.li(creg(), (r() % 63) - 31) }),
    () => ({ insn: casm.lui(creg(), (r() % 31) + 1) }),
    () => ({ insn: casm.slli(creg(), (r() % 31) + 1) }),
    () => ({ insn: casm.srli(creg(), (r() % 31) + 1) }),
    () => ({ insn: casm.srai(creg(), (r() % 31) + 1) }),
    () => ({ insn: casm.andi(creg(), (r() % 63) - 31) }),
    ...(['sub', 'xor', 'or', 'and'] as const).map((op) => () => ({
      insn: casm[op](creg(), creg()),
    })),
    () => ({ insn: casm.mv(creg(), src() || 1) }),
    () => ({ insn: casm.add(creg(), src() || 1) }),
    () => ({ insn: casm.lw(creg(), S0, (r() % 32) * 4) }),
    () => ({ insn: casm.sw(creg(), S0, (r() % 32) * 4) }),
    () => {
      const a = creg();
      return { branch: (o) => casm.beqz(a, o), to: 0, size: 2 };
    },
    () => {
      const a = creg();
      return { branch: (o) => casm.bnez(a, o), to: 0, size: 2 };
    },
    () => ({ branch: (o) => casm.j(o), to: 0, size: 2 }),
  ];
  for (let i = 0; i < length; i++) {
    const item = pick(gen)();
    // Forward transfers land on a later instruction of the body (or just past it).
    if ('branch' in item) item.to = i + 1 + (r() % Math.min(8, length - i));
    items.push(item);
  }
  // Byte offsets of every item (branches have the size of their encoding).
  const at: number[] = [];
  let size = 0;
  for (const item of items) {
    at.push(size);
    size += 'insn' in item ? ((item.insn & 3) === 3 ? 4 : 2) : item.size;
  }
  at.push(size);
  const body = items.map((item, i) =>
    'insn' in item ? item.insn : item.branch(at[item.to]! - at[i]!),
  );
  return [
    ...body,
    asm.addi(S1, S1, -1),
    asm.bne(S1, 0, -(size + 4)),
    asm.jal(0, 0), // then spin until the budget ends
  ];
}

function start(program: readonly number[], seed: number): Machine {
  const m = machine();
  m.bus.writeHalves(RAM_BASE, halves(program));
  const r = rng(seed ^ 0x5a5a);
  for (let i = 1; i < 32; i++) m.hart.x[i] = r();
  m.hart.x[S0] = DATA + 0x100;
  m.hart.x[S1] = 6;
  for (let i = 0; i < 0x200; i += 4) m.bus.write32(DATA + i, r());
  return m;
}

function state(m: Machine): unknown {
  return { hart: m.hart.saveState(), data: Array.from(m.bus.ram.subarray(0x6000, 0x6200)) };
}

/** Three ways to run `program` from fresh machines must agree (see the file comment). */
function agree(program: readonly number[], seed: number, more?: (m: Machine) => void): void {
  const begin = (): Machine => {
    const m = start(program, seed);
    more?.(m);
    return m;
  };
  const whole = begin();
  expect(whole.hart.run(BUDGET)).toBe(BUDGET);

  const traced = begin();
  let seen = 0;
  traced.hart.tracer = () => seen++;
  expect(traced.hart.run(BUDGET)).toBe(BUDGET);
  expect(seen).toBe(BUDGET);

  const chunked = begin();
  const r = rng(seed * 31);
  let done = 0;
  while (done < BUDGET) done += chunked.hart.run(Math.min(1 + (r() % 5), BUDGET - done));

  expect(state(whole)).toEqual(state(traced));
  expect(state(chunked)).toEqual(state(traced));
}

describe('fast loop against the slow path', () => {
  it.each(Array.from({ length: 40 }, (_, i) => i + 1))('random loop %i', (seed) => {
    agree(randomLoop(seed, 24 + (seed % 24)), seed);
  });

  it('calls and returns across a page boundary, with bit 0 of a JALR target cleared', () => {
    const main = [
      asm.jal(1, 0x0ffc), // call F, which runs over the end of the first page
      asm.jal(1, 0x100c - 4), // call G, inside F's code on the next page
      asm.addi(10, 10, 1),
      asm.addi(S1, S1, -1),
      asm.bne(S1, 0, -16),
      asm.jal(0, 0),
    ];
    agree(main, 7, (m) => {
      m.bus.writeWords(RAM_BASE + 0x0ffc, [
        asm.addi(11, 11, 3), // F
        asm.xor(12, 12, 11),
        asm.jalr(0, 1, 1), // return to ra + 1: bit 0 is dropped
        asm.nop(),
        asm.addi(13, 13, 5), // G
        casm.jr(1) | (0x0001 << 16), // c.jr ra; c.nop
      ]);
    });
  });
});
