import { describe, expect, it } from 'vitest';
import { asm, exec, li, machine, RAM_BASE, reg, setTrapVector } from './harness';

const { a0, a1, a2 } = reg;
const INT_MIN = -0x80000000;

/** Reference results computed with BigInt. */
const big = (v: number, signed: boolean): bigint => (signed ? BigInt(v | 0) : BigInt(v >>> 0));
const hi = (p: bigint): number => Number(BigInt.asIntN(32, p >> 32n));

describe('RV32I arithmetic', () => {
  it.each([
    ['add wraps', asm.add(a0, a1, a2), 0x7fffffff, 1, INT_MIN],
    ['sub wraps', asm.sub(a0, a1, a2), INT_MIN, 1, 0x7fffffff],
    ['sll masks the shift to 5 bits', asm.sll(a0, a1, a2), 1, 33, 2],
    ['srl masks and is logical', asm.srl(a0, a1, a2), -16, 36, 0x0fffffff],
    ['sra masks and is arithmetic', asm.sra(a0, a1, a2), -16, 34, -4],
    ['slt signed', asm.slt(a0, a1, a2), -1, 1, 1],
    ['sltu unsigned', asm.sltu(a0, a1, a2), -1, 1, 0],
    ['xor', asm.xor(a0, a1, a2), 0xff00ff00 | 0, 0x0ff00ff0, 0xf0f0f0f0 | 0],
    ['or', asm.or(a0, a1, a2), 0xf0, 0x0f, 0xff],
    ['and', asm.and(a0, a1, a2), 0xf0, 0x3c, 0x30],
    ['mul keeps the low word', asm.mul(a0, a1, a2), 0x12345678, 0x9abcdef0 | 0, 0x242d2080],
  ])('%s', (_label, insn, x, y, expected) => {
    expect(exec([insn], { [a1]: x, [a2]: y }).hart.x[a0]).toBe(expected);
  });

  it.each([
    ['addi sign-extends the immediate', asm.addi(a0, a1, -1), 5, 4],
    ['slti', asm.slti(a0, a1, -1), -2, 1],
    ['sltiu compares the sign-extended immediate unsigned', asm.sltiu(a0, a1, -1), 5, 1],
    ['sltiu with 1 is seqz', asm.sltiu(a0, a1, 1), 0, 1],
    ['xori -1 is not', asm.xori(a0, a1, -1), 0x0f0f, ~0x0f0f],
    ['ori', asm.ori(a0, a1, 0x700), 0x0ff, 0x7ff],
    ['andi sign-extended', asm.andi(a0, a1, -2048), -1, -2048],
    ['slli', asm.slli(a0, a1, 31), 3, INT_MIN],
    ['srli', asm.srli(a0, a1, 31), -1, 1],
    ['srai', asm.srai(a0, a1, 31), INT_MIN, -1],
  ])('%s', (_label, insn, x, expected) => {
    expect(exec([insn], { [a1]: x }).hart.x[a0]).toBe(expected);
  });

  it('lui and auipc place the immediate in the upper bits', () => {
    const m = exec([asm.lui(a0, 0xfffff), asm.auipc(a1, 0x1)]);
    expect(m.hart.x[a0]).toBe(0xfffff000 | 0);
    expect(m.hart.x[a1]! >>> 0).toBe(RAM_BASE + 4 + 0x1000);
  });

  it('ignores writes to x0', () => {
    const m = exec([asm.addi(0, 0, 5), asm.add(a0, 0, 0), asm.lui(0, 1), asm.jal(0, 4)]);
    expect(m.hart.x[0]).toBe(0);
    expect(m.hart.x[a0]).toBe(0);
    expect(m.hart.pc).toBe(RAM_BASE + 16);
  });
});

describe('RV32M', () => {
  it.each([
    ['div by zero is -1', asm.div(a0, a1, a2), 7, 0, -1],
    ['divu by zero is all ones', asm.divu(a0, a1, a2), 7, 0, -1],
    ['rem by zero is the dividend', asm.rem(a0, a1, a2), -7, 0, -7],
    ['remu by zero is the dividend', asm.remu(a0, a1, a2), -7, 0, -7],
    ['div overflow INT_MIN / -1', asm.div(a0, a1, a2), INT_MIN, -1, INT_MIN],
    ['rem overflow INT_MIN % -1 is 0', asm.rem(a0, a1, a2), INT_MIN, -1, 0],
    ['div truncates toward zero', asm.div(a0, a1, a2), -7, 2, -3],
    ['rem takes the dividend sign', asm.rem(a0, a1, a2), -7, 2, -1],
    ['divu is unsigned', asm.divu(a0, a1, a2), -2, 2, 0x7fffffff],
    ['remu is unsigned', asm.remu(a0, a1, a2), -1, 10, 5],
  ])('%s', (_label, insn, x, y, expected) => {
    expect(exec([insn], { [a1]: x, [a2]: y }).hart.x[a0]).toBe(expected);
  });

  const samples = [0, 1, -1, 2, -2, INT_MIN, 0x7fffffff, 0x12345678, -0x12345678, 0xffff, 0x10000];
  const pairs = samples.flatMap((x) => samples.map((y) => [x, y] as const));
  it.each(pairs)('mulh/mulhsu/mulhu of %i × %i match a 64-bit product', (x, y) => {
    const m = exec([asm.mulh(a0, a1, a2), asm.mulhsu(reg.a3, a1, a2), asm.mulhu(reg.a4, a1, a2)], {
      [a1]: x,
      [a2]: y,
    });
    expect(m.hart.x[a0]).toBe(hi(big(x, true) * big(y, true)));
    expect(m.hart.x[reg.a3]).toBe(hi(big(x, true) * big(y, false)));
    expect(m.hart.x[reg.a4]).toBe(hi(big(x, false) * big(y, false)));
  });
});

describe('control transfer', () => {
  it('jalr clears bit 0 of the target and links the next pc', () => {
    const m = exec([asm.jalr(reg.ra, a1, 1)], { [a1]: RAM_BASE + 0x101 });
    expect(m.hart.pc).toBe(RAM_BASE + 0x102);
    expect(m.hart.x[reg.ra]! >>> 0).toBe(RAM_BASE + 4);
  });

  it('jalr reads rs1 before writing rd when they are the same register', () => {
    const m = exec([asm.jalr(a1, a1, 8)], { [a1]: RAM_BASE + 0x100 });
    expect(m.hart.pc).toBe(RAM_BASE + 0x108);
    expect(m.hart.x[a1]! >>> 0).toBe(RAM_BASE + 4);
  });

  it.each([
    ['beq taken', asm.beq(a1, a2, 64), 3, 3, 64],
    ['beq not taken', asm.beq(a1, a2, 64), 3, 4, 4],
    ['bne taken', asm.bne(a1, a2, -8), 3, 4, -8],
    ['blt signed', asm.blt(a1, a2, 64), -1, 0, 64],
    ['bltu unsigned', asm.bltu(a1, a2, 64), -1, 0, 4],
    ['bge equal', asm.bge(a1, a2, 64), 5, 5, 64],
    ['bgeu unsigned', asm.bgeu(a1, a2, 64), -1, 0, 64],
  ])('%s', (_label, insn, x, y, delta) => {
    const m = exec([insn], { [a1]: x, [a2]: y });
    expect(m.hart.pc).toBe((RAM_BASE + delta) >>> 0);
  });

  it('advances by 2 after a compressed instruction', () => {
    const m = machine();
    m.bus.writeHalves(RAM_BASE, [0x0505, 0x0505]); // c.addi a0, 1 twice
    m.bus.writeWords(RAM_BASE + 4, [asm.addi(a0, a0, 10)]);
    expect(m.hart.run(3)).toBe(3);
    expect(m.hart.x[a0]).toBe(12);
    expect(m.hart.pc).toBe(RAM_BASE + 8);
  });

  it('executes a 32-bit instruction that straddles a page boundary', () => {
    const m = machine();
    const at = RAM_BASE + 0xffe;
    m.hart.pc = at;
    const insn = asm.addi(a0, 0, 123);
    m.bus.writeHalves(at, [insn & 0xffff, insn >>> 16]);
    m.hart.run(1);
    expect(m.hart.x[a0]).toBe(123);
    expect(m.hart.pc).toBe(at + 4);
  });
});

describe('loads and stores', () => {
  const data = RAM_BASE + 0x800;

  it('sign- and zero-extends bytes and halves', () => {
    const m = machine([
      asm.lb(a0, a1, 0),
      asm.lbu(a2, a1, 0),
      asm.lh(reg.a3, a1, 2),
      asm.lhu(reg.a4, a1, 2),
      asm.lw(reg.a5, a1, 0),
    ]);
    m.bus.write32(data, 0x80f1_00ff);
    m.hart.x[a1] = data;
    m.hart.run(5);
    expect(m.hart.x[a0]).toBe(-1);
    expect(m.hart.x[a2]).toBe(0xff);
    expect(m.hart.x[reg.a3]).toBe(0x80f1 - 0x10000);
    expect(m.hart.x[reg.a4]).toBe(0x80f1);
    expect(m.hart.x[reg.a5]).toBe(0x80f100ff | 0);
  });

  it('stores bytes, halves and words with negative offsets', () => {
    const m = exec([asm.sw(a0, a1, -4), asm.sh(a2, a1, -8), asm.sb(a2, a1, -6)], {
      [a0]: 0xdeadbeef | 0,
      [a1]: data,
      [a2]: 0x1234,
    });
    expect(m.bus.read32(data - 4)).toBe(0xdeadbeef);
    expect(m.bus.read32(data - 8)).toBe(0x00341234);
  });

  it('performs misaligned loads and stores like QEMU 7.2 (no trap)', () => {
    const m = machine([asm.lw(a0, a1, 1), asm.sw(a2, a1, 5), asm.lh(reg.a3, a1, 3)]);
    m.bus.writeWords(data, [0x03020100, 0x07060504, 0x0b0a0908]);
    m.hart.x[a1] = data;
    m.hart.x[a2] = 0x11223344;
    m.hart.run(3);
    expect(m.hart.x[a0]).toBe(0x04030201);
    expect(m.bus.read32(data + 4)).toBe(0x22334404);
    expect(m.bus.read32(data + 8)).toBe(0x0b0a0911);
    expect(m.hart.x[reg.a3]).toBe(0x0403);
    expect(m.hart.readCsr(0x342)).toBe(0); // no trap taken
  });

  it('performs a misaligned word access across a page boundary', () => {
    const m = machine([asm.sw(a2, a1, 0), asm.lw(a0, a1, 0)]);
    m.hart.x[a1] = RAM_BASE + 0x1ffe;
    m.hart.x[a2] = 0xcafef00d | 0;
    m.hart.run(2);
    expect(m.hart.x[a0]).toBe(0xcafef00d | 0);
    expect(m.bus.read32(RAM_BASE + 0x2000) & 0xffff).toBe(0xcafe);
  });

  it('sends non-RAM accesses to the bus', () => {
    const m = machine([asm.sw(a2, a1, 4), asm.lbu(a0, a1, 1)]);
    const stored: number[] = [];
    m.bus.devices.push({
      base: 0x10000000,
      size: 0x100,
      load: (offset) => 0xa0 + offset,
      store: (_offset, _size, value) => void stored.push(value),
    });
    m.hart.x[a1] = 0x10000000;
    m.hart.x[a2] = -1;
    m.hart.run(2);
    expect(stored).toEqual([0xffffffff]);
    expect(m.hart.x[a0]).toBe(0xa1);
    expect(m.bus.log).toEqual(['store4 10000004=ffffffff', 'load1 10000001']);
  });

  it.each([
    ['load', asm.lw(a0, a1, 0), 5],
    ['store', asm.sw(a0, a1, 0), 7],
  ])('an unmapped %s is an access fault with tval = the address', (_label, insn, cause) => {
    const m = machine([insn]);
    setTrapVector(m, RAM_BASE + 0x400);
    m.hart.x[a1] = 0x40000000;
    m.hart.x[a0] = 77;
    expect(m.hart.run(1)).toBe(0);
    expect(m.hart.readCsr(0x342)).toBe(cause);
    expect(m.hart.readCsr(0x343)).toBe(0x40000000);
    expect(m.hart.readCsr(0x341)).toBe(RAM_BASE);
    expect(m.hart.pc).toBe(RAM_BASE + 0x400);
    expect(m.hart.x[a0]).toBe(77);
  });

  it('fetching outside RAM is an instruction access fault', () => {
    const m = machine();
    setTrapVector(m, RAM_BASE + 0x400);
    m.hart.pc = 0x1000;
    m.hart.run(1);
    expect(m.hart.readCsr(0x342)).toBe(1);
    expect(m.hart.readCsr(0x343)).toBe(0x1000);
  });
});

describe('li helper sanity', () => {
  it('materialises constants with a negative low part', () => {
    const m = exec(li(a0, 0x12345fff));
    expect(m.hart.x[a0]).toBe(0x12345fff);
  });
});
