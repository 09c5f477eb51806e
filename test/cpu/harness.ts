import type { Bus } from '../../src/cpu/bus';
import { BusError } from '../../src/cpu/bus';
import { Hart } from '../../src/cpu/hart';

export const RAM_BASE = 0x80000000;

/** A memory-mapped device in the test bus: `load`/`store` get the offset inside it. */
export interface TestDevice {
  readonly base: number;
  readonly size: number;
  load?(offset: number, size: 1 | 2 | 4): number;
  store?(offset: number, size: 1 | 2 | 4, value: number): void;
}

/** RAM at 0x8000_0000 plus a list of MMIO devices; anything else is a bus error. */
export class TestBus implements Bus {
  readonly ram: Uint8Array;
  readonly ramBase = RAM_BASE;
  readonly devices: TestDevice[] = [];
  readonly log: string[] = [];

  constructor(ramSize = 1 << 20) {
    this.ram = new Uint8Array(ramSize);
  }

  private find(addr: number): TestDevice {
    for (const d of this.devices) if (addr >= d.base && addr < d.base + d.size) return d;
    throw new BusError(addr);
  }

  load(addr: number, size: 1 | 2 | 4): number {
    const d = this.find(addr);
    this.log.push(`load${size} ${addr.toString(16)}`);
    if (!d.load) throw new BusError(addr);
    return d.load(addr - d.base, size);
  }

  store(addr: number, size: 1 | 2 | 4, value: number): void {
    const d = this.find(addr);
    this.log.push(`store${size} ${addr.toString(16)}=${value.toString(16)}`);
    if (!d.store) throw new BusError(addr);
    d.store(addr - d.base, size, value);
  }

  writeWords(addr: number, words: readonly number[]): void {
    const view = new DataView(this.ram.buffer);
    words.forEach((w, i) => view.setUint32(addr - RAM_BASE + 4 * i, w >>> 0, true));
  }

  writeHalves(addr: number, halves: readonly number[]): void {
    const view = new DataView(this.ram.buffer);
    halves.forEach((h, i) => view.setUint16(addr - RAM_BASE + 2 * i, h, true));
  }

  read32(addr: number): number {
    return new DataView(this.ram.buffer).getUint32(addr - RAM_BASE, true);
  }

  write32(addr: number, value: number): void {
    new DataView(this.ram.buffer).setUint32(addr - RAM_BASE, value >>> 0, true);
  }
}

export interface Machine {
  bus: TestBus;
  hart: Hart;
  time: { now: number };
}

/** A hart on a fresh TestBus with `words` at RAM_BASE and pc there. */
export function machine(words: readonly number[] = [], ramSize?: number): Machine {
  const bus = new TestBus(ramSize);
  const time = { now: 0 };
  const hart = new Hart({ bus, hartId: 0, readTime: () => time.now });
  bus.writeWords(RAM_BASE, words);
  hart.pc = RAM_BASE;
  return { bus, hart, time };
}

// ---- A tiny assembler: encoders for the instructions the tests use (ISA §2.2–2.3). ----

const r = (f7: number, rs2: number, rs1: number, f3: number, rd: number, op: number): number =>
  ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const i = (imm: number, rs1: number, f3: number, rd: number, op: number): number =>
  (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const s = (imm: number, rs2: number, rs1: number, f3: number, op: number): number =>
  ((((imm >> 5) & 0x7f) << 25) |
    (rs2 << 20) |
    (rs1 << 15) |
    (f3 << 12) |
    ((imm & 31) << 7) |
    op) >>>
  0;
const b = (imm: number, rs2: number, rs1: number, f3: number): number =>
  ((((imm >> 12) & 1) << 31) |
    (((imm >> 5) & 0x3f) << 25) |
    (rs2 << 20) |
    (rs1 << 15) |
    (f3 << 12) |
    (((imm >> 1) & 0xf) << 8) |
    (((imm >> 11) & 1) << 7) |
    0x63) >>>
  0;

export const asm = {
  lui: (rd: number, imm20: number) => (((imm20 & 0xfffff) << 12) | (rd << 7) | 0x37) >>> 0,
  auipc: (rd: number, imm20: number) => (((imm20 & 0xfffff) << 12) | (rd << 7) | 0x17) >>> 0,
  jal: (rd: number, off: number) =>
    ((((off >> 20) & 1) << 31) |
      (((off >> 1) & 0x3ff) << 21) |
      (((off >> 11) & 1) << 20) |
      (((off >> 12) & 0xff) << 12) |
      (rd << 7) |
      0x6f) >>>
    0,
  jalr: (rd: number, rs1: number, imm: number) => i(imm, rs1, 0, rd, 0x67),
  beq: (rs1: number, rs2: number, off: number) => b(off, rs2, rs1, 0),
  bne: (rs1: number, rs2: number, off: number) => b(off, rs2, rs1, 1),
  blt: (rs1: number, rs2: number, off: number) => b(off, rs2, rs1, 4),
  bge: (rs1: number, rs2: number, off: number) => b(off, rs2, rs1, 5),
  bltu: (rs1: number, rs2: number, off: number) => b(off, rs2, rs1, 6),
  bgeu: (rs1: number, rs2: number, off: number) => b(off, rs2, rs1, 7),
  lb: (rd: number, rs1: number, imm: number) => i(imm, rs1, 0, rd, 0x03),
  lh: (rd: number, rs1: number, imm: number) => i(imm, rs1, 1, rd, 0x03),
  lw: (rd: number, rs1: number, imm: number) => i(imm, rs1, 2, rd, 0x03),
  lbu: (rd: number, rs1: number, imm: number) => i(imm, rs1, 4, rd, 0x03),
  lhu: (rd: number, rs1: number, imm: number) => i(imm, rs1, 5, rd, 0x03),
  sb: (rs2: number, rs1: number, imm: number) => s(imm, rs2, rs1, 0, 0x23),
  sh: (rs2: number, rs1: number, imm: number) => s(imm, rs2, rs1, 1, 0x23),
  sw: (rs2: number, rs1: number, imm: number) => s(imm, rs2, rs1, 2, 0x23),
  addi: (rd: number, rs1: number, imm: number) => i(imm, rs1, 0, rd, 0x13),
  slti: (rd: number, rs1: number, imm: number) => i(imm, rs1, 2, rd, 0x13),
  sltiu: (rd: number, rs1: number, imm: number) => i(imm, rs1, 3, rd, 0x13),
  xori: (rd: number, rs1: number, imm: number) => i(imm, rs1, 4, rd, 0x13),
  ori: (rd: number, rs1: number, imm: number) => i(imm, rs1, 6, rd, 0x13),
  andi: (rd: number, rs1: number, imm: number) => i(imm, rs1, 7, rd, 0x13),
  slli: (rd: number, rs1: number, sh: number) => i(sh, rs1, 1, rd, 0x13),
  srli: (rd: number, rs1: number, sh: number) => i(sh, rs1, 5, rd, 0x13),
  srai: (rd: number, rs1: number, sh: number) => i(0x400 | sh, rs1, 5, rd, 0x13),
  add: (rd: number, rs1: number, rs2: number) => r(0, rs2, rs1, 0, rd, 0x33),
  sub: (rd: number, rs1: number, rs2: number) => r(0x20, rs2, rs1, 0, rd, 0x33),
  sll: (rd: number, rs1: number, rs2: number) => r(0, rs2, rs1, 1, rd, 0x33),
  slt: (rd: number, rs1: number, rs2: number) => r(0, rs2, rs1, 2, rd, 0x33),
  sltu: (rd: number, rs1: number, rs2: number) => r(0, rs2, rs1, 3, rd, 0x33),
  xor: (rd: number, rs1: number, rs2: number) => r(0, rs2, rs1, 4, rd, 0x33),
  srl: (rd: number, rs1: number, rs2: number) => r(0, rs2, rs1, 5, rd, 0x33),
  sra: (rd: number, rs1: number, rs2: number) => r(0x20, rs2, rs1, 5, rd, 0x33),
  or: (rd: number, rs1: number, rs2: number) => r(0, rs2, rs1, 6, rd, 0x33),
  and: (rd: number, rs1: number, rs2: number) => r(0, rs2, rs1, 7, rd, 0x33),
  mul: (rd: number, rs1: number, rs2: number) => r(1, rs2, rs1, 0, rd, 0x33),
  mulh: (rd: number, rs1: number, rs2: number) => r(1, rs2, rs1, 1, rd, 0x33),
  mulhsu: (rd: number, rs1: number, rs2: number) => r(1, rs2, rs1, 2, rd, 0x33),
  mulhu: (rd: number, rs1: number, rs2: number) => r(1, rs2, rs1, 3, rd, 0x33),
  div: (rd: number, rs1: number, rs2: number) => r(1, rs2, rs1, 4, rd, 0x33),
  divu: (rd: number, rs1: number, rs2: number) => r(1, rs2, rs1, 5, rd, 0x33),
  rem: (rd: number, rs1: number, rs2: number) => r(1, rs2, rs1, 6, rd, 0x33),
  remu: (rd: number, rs1: number, rs2: number) => r(1, rs2, rs1, 7, rd, 0x33),
  lr: (rd: number, rs1: number) => r(0x08, 0, rs1, 2, rd, 0x2f),
  sc: (rd: number, rs1: number, rs2: number) => r(0x0c, rs2, rs1, 2, rd, 0x2f),
  /** funct5: swap 1, add 0, xor 4, and 12, or 8, min 16, max 20, minu 24, maxu 28. */
  amo: (funct5: number, rd: number, rs1: number, rs2: number) =>
    r(funct5 << 2, rs2, rs1, 2, rd, 0x2f),
  csrrw: (rd: number, csr: number, rs1: number) => i(csr, rs1, 1, rd, 0x73),
  csrrs: (rd: number, csr: number, rs1: number) => i(csr, rs1, 2, rd, 0x73),
  csrrc: (rd: number, csr: number, rs1: number) => i(csr, rs1, 3, rd, 0x73),
  csrrwi: (rd: number, csr: number, uimm: number) => i(csr, uimm, 5, rd, 0x73),
  csrrsi: (rd: number, csr: number, uimm: number) => i(csr, uimm, 6, rd, 0x73),
  csrrci: (rd: number, csr: number, uimm: number) => i(csr, uimm, 7, rd, 0x73),
  fence: () => 0x0ff0000f,
  fenceI: () => 0x0000100f,
  ecall: () => 0x00000073,
  ebreak: () => 0x00100073,
  sret: () => 0x10200073,
  mret: () => 0x30200073,
  wfi: () => 0x10500073,
  sfenceVma: (rs1 = 0, rs2 = 0) => r(0x09, rs2, rs1, 0, 0, 0x73),
  nop: () => 0x00000013,
};

/** Loads a 32-bit constant into rd with LUI + ADDI. */
export function li(rd: number, value: number): number[] {
  const lo = (value << 20) >> 20;
  const hi = ((value - lo) >>> 12) & 0xfffff;
  return [asm.lui(rd, hi), asm.addi(rd, rd, lo)];
}

/** Runs until `budget` instructions or a stop; returns retired count. */
export function run(m: Machine, budget = 1000): number {
  return m.hart.run(budget);
}

/** Register numbers by ABI name. */
export const reg = {
  zero: 0,
  ra: 1,
  sp: 2,
  gp: 3,
  tp: 4,
  t0: 5,
  t1: 6,
  t2: 7,
  s0: 8,
  s1: 9,
  a0: 10,
  a1: 11,
  a2: 12,
  a3: 13,
  a4: 14,
  a5: 15,
  a6: 16,
  a7: 17,
} as const;

/**
 * Runs straight-line `program` (at RAM_BASE) with registers preset from `init`;
 * executes exactly `program.length` instructions unless `budget` says otherwise.
 */
export function exec(
  program: readonly number[],
  init: Readonly<Record<number, number>> = {},
  budget = program.length,
): Machine {
  const m = machine(program);
  for (const [r, v] of Object.entries(init)) m.hart.x[Number(r)] = v;
  m.hart.run(budget);
  return m;
}

/** Installs an M-mode trap vector at `addr` holding `handler` (default: a self-loop). */
export function setTrapVector(
  m: Machine,
  addr: number,
  handler: readonly number[] = [asm.jal(0, 0)],
): void {
  m.bus.writeWords(addr, handler);
  m.hart.writeCsr(0x305, addr);
}

/** Places `words` at RAM_BASE and runs them in privilege `priv` (0 U, 1 S, 3 M). */
export function runIn(
  m: Machine,
  priv: number,
  words: readonly number[],
  budget = words.length,
): number {
  m.bus.writeWords(RAM_BASE, words);
  m.hart.flushDecodeCache();
  m.hart.priv = priv;
  m.hart.pc = RAM_BASE;
  return m.hart.run(budget);
}

// ---- Compressed (RVC) encoders, unprivileged ISA ch. 16; rd'/rs' are x8–x15. ----

const creg = (r: number): number => {
  if (r < 8 || r > 15) throw new Error(`x${r} is not a compressed register`);
  return r - 8;
};
const cjOffset = (off: number): number =>
  (((off >> 11) & 1) << 12) |
  (((off >> 4) & 1) << 11) |
  (((off >> 8) & 3) << 9) |
  (((off >> 10) & 1) << 8) |
  (((off >> 6) & 1) << 7) |
  (((off >> 7) & 1) << 6) |
  (((off >> 1) & 7) << 3) |
  (((off >> 5) & 1) << 2);
const cbOffset = (off: number): number =>
  (((off >> 8) & 1) << 12) |
  (((off >> 3) & 3) << 10) |
  (((off >> 6) & 3) << 5) |
  (((off >> 1) & 3) << 3) |
  (((off >> 5) & 1) << 2);
const ciImm = (imm: number): number => (((imm >> 5) & 1) << 12) | ((imm & 31) << 2);
const lwUimm = (uimm: number): number =>
  (((uimm >> 3) & 7) << 10) | (((uimm >> 2) & 1) << 6) | (((uimm >> 6) & 1) << 5);

export const casm = {
  addi: (rd: number, imm: number) => 0x0001 | ciImm(imm) | (rd << 7),
  li: (rd: number, imm: number) => 0x4001 | ciImm(imm) | (rd << 7),
  lui: (rd: number, imm6: number) => 0x6001 | ciImm(imm6) | (rd << 7),
  slli: (rd: number, sh: number) => 0x0002 | ciImm(sh) | (rd << 7),
  srli: (rd: number, sh: number) => 0x8001 | ciImm(sh) | (creg(rd) << 7),
  srai: (rd: number, sh: number) => 0x8401 | ciImm(sh) | (creg(rd) << 7),
  andi: (rd: number, imm: number) => 0x8801 | ciImm(imm) | (creg(rd) << 7),
  sub: (rd: number, rs2: number) => 0x8c01 | (creg(rd) << 7) | (creg(rs2) << 2),
  xor: (rd: number, rs2: number) => 0x8c21 | (creg(rd) << 7) | (creg(rs2) << 2),
  or: (rd: number, rs2: number) => 0x8c41 | (creg(rd) << 7) | (creg(rs2) << 2),
  and: (rd: number, rs2: number) => 0x8c61 | (creg(rd) << 7) | (creg(rs2) << 2),
  mv: (rd: number, rs2: number) => 0x8002 | (rd << 7) | (rs2 << 2),
  add: (rd: number, rs2: number) => 0x9002 | (rd << 7) | (rs2 << 2),
  jr: (rs1: number) => 0x8002 | (rs1 << 7),
  jalr: (rs1: number) => 0x9002 | (rs1 << 7),
  lw: (rd: number, rs1: number, uimm: number) =>
    0x4000 | lwUimm(uimm) | (creg(rs1) << 7) | (creg(rd) << 2),
  sw: (rs2: number, rs1: number, uimm: number) =>
    0xc000 | lwUimm(uimm) | (creg(rs1) << 7) | (creg(rs2) << 2),
  j: (off: number) => 0xa001 | cjOffset(off),
  jal: (off: number) => 0x2001 | cjOffset(off),
  beqz: (rs1: number, off: number) => 0xc001 | cbOffset(off) | (creg(rs1) << 7),
  bnez: (rs1: number, off: number) => 0xe001 | cbOffset(off) | (creg(rs1) << 7),
};

/**
 * Lays out a mix of 16-bit (numbers < 0x10000 whose low bits are not 0b11) and 32-bit
 * instructions as halfwords.
 */
export function halves(program: readonly number[]): number[] {
  const out: number[] = [];
  for (const insn of program) {
    if ((insn & 3) !== 3) out.push(insn & 0xffff);
    else out.push(insn & 0xffff, insn >>> 16);
  }
  return out;
}
