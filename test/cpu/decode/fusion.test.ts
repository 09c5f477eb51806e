import { describe, expect, it } from 'vitest';
import {
  FIRST_PAIR_OP,
  FUSED_PAIRS,
  FusedOp,
  fuseSlot,
  LAST_FUSED_OP,
} from '../../../src/cpu/decode/fusion';
import { Op, type OpId } from '../../../src/cpu/decode/op';
import { encodeSlot, slotStep } from '../../../src/cpu/decode/slot';
import { asm, casm, halves, machine, RAM_BASE, reg, type Machine } from '../harness';

const { a0, a1, a2, a3, a4, a5 } = reg;
const s0 = 8;
const s1 = 9;

/** Slot words of `first` followed by `second` (both 32-bit unless < 0x10000), then fuseSlot. */
function fused(first: number, second: number): Int32Array {
  const slot = new Int32Array(4);
  encodeSlot(first, slot, 0);
  encodeSlot(second, slot, 2);
  fuseSlot(slot, 0);
  return slot;
}

describe('fuseSlot', () => {
  it('fuses a listed pair: fused id, pair length in bits 21–23, taken offset from the pair start', () => {
    const slot = fused(asm.addi(a0, a0, 1), asm.bne(a0, a1, -4));
    const index = FUSED_PAIRS.findIndex(([a, b]) => a === Op.ADDI && b === Op.BNE);
    expect(slot[0]! & 0xff).toBe(FIRST_PAIR_OP + index);
    expect(((slot[0]! >> 19) & 28) >> 1).toBe(8); // 8 bytes
    expect(slot[3]).toBe(2 * (4 - 4)); // branch at +4, target -4 from it: cursor offset 0
  });

  it('counts compressed halves in the pair length', () => {
    const slot = fused(casm.addi(a0, -1), casm.bnez(a0, -2));
    expect(((slot[0]! >> 19) & 28) >> 1).toBe(4);
    expect(slot[3]).toBe(2 * (2 - 2));
  });

  it('fuses lui + addi into one constant only when addi continues lui’s register', () => {
    const li = fused(asm.lui(a0, 0x12345), asm.addi(a0, a0, -1));
    expect(li[0]! & 0xff).toBe(FusedOp.LUI_ADDI);
    expect(li[1]).toBe(0x12344fff);
    const other = fused(asm.lui(a0, 0x12345), asm.addi(a1, a0, -1));
    expect(other[0]! & 0xff).toBe(Op.LUI);
    const x0 = fused(asm.lui(0, 0x12345), asm.addi(0, 0, 1));
    expect(x0[0]! & 0xff).toBe(Op.LUI);
  });

  it('leaves pairs that are not listed alone', () => {
    const slot = fused(asm.mul(a0, a1, a2), asm.mul(a3, a0, a0));
    expect(slot[0]! & 0xff).toBe(Op.MUL);
    expect(slotStep(slot[0]!)).toBe(8);
  });

  it('numbers the pairs after the two constant forms, within the op byte', () => {
    expect(FIRST_PAIR_OP).toBe(FusedOp.AUIPC_ADDI + 1);
    expect(LAST_FUSED_OP).toBeLessThan(256);
    const keys = new Set(FUSED_PAIRS.map(([a, b]) => `${a},${b}`));
    expect(keys.size).toBe(FUSED_PAIRS.length);
  });
});

// ---- Fused execution agrees with running the two instructions one at a time. ----

/** A small deterministic PRNG (xorshift32). */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x | 0;
  };
}

const DATA = RAM_BASE + 0x8000;
const FAR = RAM_BASE + 0x3000;

/** One instance of an op in role A (first) or B (second, reading A's result in a0). */
function instance(op: OpId, role: 'A' | 'B', r: () => number): number {
  const rd = role === 'A' ? a0 : a3;
  const src = role === 'A' ? a1 : a0;
  const imm = (r() % 2048) | 0;
  const sh = r() & 31;
  const off = (r() & 0x3c) - 32; // word-aligned, around the base
  switch (op) {
    case Op.LUI:
      return asm.lui(rd, role === 'A' ? 0x80008 : r() & 0xfffff);
    case Op.AUIPC:
      return asm.auipc(rd, 8);
    case Op.ADDI:
      return asm.addi(rd, src, imm);
    case Op.ANDI:
      return asm.andi(rd, src, imm);
    case Op.SLLI:
      return asm.slli(rd, src, sh);
    case Op.SRLI:
      return asm.srli(rd, src, sh);
    case Op.ADD:
      return asm.add(rd, src, a2);
    case Op.XOR:
      return asm.xor(rd, src, a2);
    case Op.MUL:
      return asm.mul(rd, src, a2);
    case Op.LW:
      return asm.lw(rd, role === 'A' ? s1 : s0, off);
    case Op.LBU:
      return asm.lbu(rd, role === 'A' ? s1 : s0, off + (r() & 3));
    case Op.SW:
      return asm.sw(src, role === 'A' ? s1 : s0, off);
    case Op.SB:
      return asm.sb(src, role === 'A' ? s1 : s0, off + (r() & 3));
    case Op.JAL:
      return asm.jal(a3, r() & 1 ? 16 : FAR - RAM_BASE - 4);
    case Op.JALR:
      return asm.jalr(a3, a4, [0, 1, 6, 8][r() & 3]!); // bit 0 of the target is cleared
    case Op.BEQ:
      return asm.beq(a0, a2, r() & 1 ? -4 : 0x1000);
    case Op.BNE:
      return asm.bne(a0, a2, r() & 1 ? -4 : 0x1000);
    case Op.BLT:
      return asm.blt(a0, a2, 16);
    case Op.BGE:
      return asm.bge(a0, a2, 16);
    case Op.BLTU:
      return asm.bltu(a0, a2, -4);
    case Op.BGEU:
      return asm.bgeu(a0, a2, -4);
    default:
      throw new Error(`no instance for op ${op}`);
  }
}

/** Registers for a trial: small values (so branches go both ways) or data pointers. */
function setUp(m: Machine, r: () => number, badAddress: boolean): void {
  const small = [0, 1, -1, 5, 0x7fffffff, -0x80000000];
  for (const x of [a0, a1, a2, a4, a5]) {
    m.hart.x[x] = r() & 1 ? small[(r() >>> 1) % small.length]! : r();
  }
  if (m.hart.x[a2]! === m.hart.x[a0]! && r() & 1) m.hart.x[a2] = m.hart.x[a0]! + 1;
  m.hart.x[s0] = badAddress ? 0x1000 : DATA + 64;
  m.hart.x[s1] = DATA + 256;
  m.hart.x[a4] = r() & 1 ? RAM_BASE + 0x40 : FAR;
  for (let i = 0; i < 512; i += 4) m.bus.write32(DATA + i, r());
  m.bus.writeWords(RAM_BASE + 0x40, [asm.nop(), asm.nop(), asm.nop(), asm.nop()]);
  m.bus.writeWords(FAR, [asm.nop(), asm.nop(), asm.nop(), asm.nop()]);
}

function state(m: Machine): unknown {
  return { hart: m.hart.saveState(), data: Array.from(m.bus.ram.subarray(0x8000, 0x8200)) };
}

/**
 * Runs [A, B] three ways — at once, traced (one by one, the slow path), in two budgets
 * of 1 — each after a first run that decoded (and fused) the pair.
 */
function agree(program: readonly number[], seed: number, badAddress = false): void {
  const runs = [0, 1, 2].map((way) => {
    const m = machine();
    m.bus.writeHalves(RAM_BASE, halves([...program, asm.nop(), asm.nop()]));
    const start = (): void => {
      setUp(m, rng(seed), badAddress);
      m.hart.pc = RAM_BASE;
      m.hart.instret = 0;
      for (const csr of [0x300, 0x341, 0x342, 0x343]) m.hart.writeCsr(csr, 0);
      m.hart.writeCsr(0x305, RAM_BASE + 0x40); // mtvec: a few nops
    };
    start();
    m.hart.run(2);
    start();
    if (way === 1) m.hart.tracer = () => {};
    const retired = way === 2 ? m.hart.run(1) + m.hart.run(1) : m.hart.run(2);
    return { retired, state: state(m) };
  });
  expect(runs[0]).toEqual(runs[1]);
  expect(runs[2]).toEqual(runs[1]);
}

describe('fused pairs execute like their two instructions', () => {
  const special: ReadonlyArray<readonly [OpId, OpId]> = [
    [Op.LUI, Op.ADDI],
    [Op.AUIPC, Op.ADDI],
  ];
  it.each([...special, ...FUSED_PAIRS].map(([a, b]) => [`${opName(a)} + ${opName(b)}`, a, b]))(
    '%s',
    (_name, a, b) => {
      for (let trial = 0; trial < 24; trial++) {
        const r = rng(trial * 7919 + (a as number) * 131 + (b as number));
        let first = instance(a as OpId, 'A', r);
        let second = instance(b as OpId, 'B', r);
        if ((a === Op.LUI || a === Op.AUIPC) && b === Op.ADDI) second = asm.addi(a0, a0, -8);
        if ((a === Op.LUI || a === Op.AUIPC) && (b === Op.LW || b === Op.SW)) {
          first = a === Op.LUI ? asm.lui(a0, 0x80008) : asm.auipc(a0, 8);
          second = b === Op.LW ? asm.lw(a3, a0, 16) : asm.sw(a2, a0, 16);
        }
        agree([first, second], trial + 1, trial % 6 === 5);
      }
    },
  );

  it('compressed pairs', () => {
    const pairs: number[][] = [
      [casm.addi(a0, -1), casm.bnez(a0, -2)],
      [casm.add(a0, a2), casm.beqz(a0, 6)],
      [casm.li(a0, 5), casm.sw(a0, s0, 8)],
      [asm.lw(a0, s1, 4), casm.add(a3, a0)],
      [casm.slli(a0, 2), casm.add(a0, a2)],
      [casm.lw(a0, s0, 4), casm.jr(a4)],
      [casm.mv(a0, a1), casm.jal(-4)],
      [casm.addi(a0, 3), asm.bltu(a0, a2, -2)],
    ];
    pairs.forEach((p, i) => agree(p, i + 100));
  });
});

function opName(op: number): string {
  return Object.entries(Op).find(([, v]) => v === op)?.[0] ?? String(op);
}
