import { describe, expect, it } from 'vitest';
import { decode, expandCompressed, RV32_TABLE } from '../../../src/cpu/decode/decoder';
import { Op } from '../../../src/cpu/decode/op';
import { RV32C } from '../../../src/cpu/decode/rv32c';

/**
 * Ground truth from GNU as 2.40 (`riscv64-unknown-elf-as -march=rv32imac_zicsr_zifencei`,
 * objdump -M no-aliases): [table name, word, rd, rs1, rs2, imm].
 */
const ENCODED: [string, number, number, number, number, number][] = [
  ['lui', 0x12345537, 10, 0, 0, 0x12345000], // lui a0,0x12345
  ['auipc', 0xfffff597, 11, 0, 0, 0xfffff000 | 0], // auipc a1,0xfffff
  ['jal', 0x001000ef, 1, 0, 0, 2048], // jal ra,.+2048
  ['jalr', 0xffc602e7, 5, 12, 0, -4], // jalr t0,-4(a2)
  ['beq', 0xfeb508e3, 0, 10, 11, -16],
  ['bne', 0x7e941fe3, 0, 8, 9, 4094],
  ['blt', 0x80734063, 0, 6, 7, -4096],
  ['bge', 0x00e6d463, 0, 13, 14, 8],
  ['bltu', 0x0107e863, 0, 15, 16, 16],
  ['bgeu', 0xff397fe3, 0, 18, 19, -2],
  ['lb', 0xfff10503, 10, 2, 0, -1],
  ['lh', 0x7ff41583, 11, 8, 0, 2047],
  ['lw', 0x8004a603, 12, 9, 0, -2048],
  ['lbu', 0x00554683, 13, 10, 0, 5],
  ['lhu', 0x0065d703, 14, 11, 0, 6],
  ['sb', 0xfe510ea3, 0, 2, 5, -3],
  ['sh', 0x06619223, 0, 3, 6, 100],
  ['sw', 0x80722023, 0, 4, 7, -2048],
  ['addi', 0xfff58513, 10, 11, 0, -1],
  ['slti', 0x0055a513, 10, 11, 0, 5],
  ['sltiu', 0xffb5b513, 10, 11, 0, -5],
  ['xori', 0x7ff5c513, 10, 11, 0, 2047],
  ['ori', 0x8005e513, 10, 11, 0, -2048],
  ['andi', 0x0ff5f513, 10, 11, 0, 255],
  ['slli', 0x01f59513, 10, 11, 0, 31],
  ['srli', 0x0015d513, 10, 11, 0, 1],
  ['srai', 0x4115d513, 10, 11, 0, 17],
  ['add', 0x01248433, 8, 9, 18, 0],
  ['sub', 0x41248433, 8, 9, 18, 0],
  ['sll', 0x01249433, 8, 9, 18, 0],
  ['slt', 0x0124a433, 8, 9, 18, 0],
  ['sltu', 0x0124b433, 8, 9, 18, 0],
  ['xor', 0x0124c433, 8, 9, 18, 0],
  ['srl', 0x0124d433, 8, 9, 18, 0],
  ['sra', 0x4124d433, 8, 9, 18, 0],
  ['or', 0x0124e433, 8, 9, 18, 0],
  ['and', 0x0124f433, 8, 9, 18, 0],
  ['fence', 0x0310000f, 0, 0, 16, 0], // fence rw,w (rs2 field holds pred/succ bits)
  ['ecall', 0x00000073, 0, 0, 0, 0],
  ['ebreak', 0x00100073, 0, 0, 1, 0],
  ['mul', 0x03ee8e33, 28, 29, 30, 0],
  ['mulh', 0x03ee9e33, 28, 29, 30, 0],
  ['mulhsu', 0x03eeae33, 28, 29, 30, 0],
  ['mulhu', 0x03eebe33, 28, 29, 30, 0],
  ['div', 0x03eece33, 28, 29, 30, 0],
  ['divu', 0x03eede33, 28, 29, 30, 0],
  ['rem', 0x03eeee33, 28, 29, 30, 0],
  ['remu', 0x03eefe33, 28, 29, 30, 0],
  ['lr.w', 0x1005a52f, 10, 11, 0, 0],
  ['sc.w', 0x1ec5a52f, 10, 11, 12, 0], // sc.w.aqrl
  ['amoswap.w', 0x08c5a52f, 10, 11, 12, 0],
  ['amoadd.w', 0x00c5a52f, 10, 11, 12, 0],
  ['amoxor.w', 0x20c5a52f, 10, 11, 12, 0],
  ['amoand.w', 0x60c5a52f, 10, 11, 12, 0],
  ['amoor.w', 0x44c5a52f, 10, 11, 12, 0], // amoor.w.aq
  ['amomin.w', 0x80c5a52f, 10, 11, 12, 0],
  ['amomax.w', 0xa0c5a52f, 10, 11, 12, 0],
  ['amominu.w', 0xc0c5a52f, 10, 11, 12, 0],
  ['amomaxu.w', 0xe2c5a52f, 10, 11, 12, 0], // amomaxu.w.rl
  ['csrrw', 0x34059573, 10, 11, 0, 0x340],
  ['csrrs', 0x3005a573, 10, 11, 0, 0x300],
  ['csrrc', 0x1045b573, 10, 11, 0, 0x104],
  ['csrrwi', 0x7c0fd573, 10, 31, 0, 0x7c0],
  ['csrrsi', 0xc000e573, 10, 1, 0, 0xc00],
  ['csrrci', 0x18007573, 10, 0, 0, 0x180],
  ['fence.i', 0x0000100f, 0, 0, 0, 0],
  ['sret', 0x10200073, 0, 0, 2, 0],
  ['mret', 0x30200073, 0, 0, 2, 0],
  ['wfi', 0x10500073, 0, 0, 5, 0],
  ['sfence.vma', 0x12b50073, 0, 10, 11, 0],
];

/** [RVC row name, 16-bit encoding, GNU as's 32-bit encoding of the same instruction]. */
const COMPRESSED: [string, number, number][] = [
  ['c.addi4spn', 0x1fe0, 0x3fc10413], // addi s0, sp, 1020
  ['c.lw', 0x5d7c, 0x07c52783], // lw a5, 124(a0)
  ['c.sw', 0xc0b8, 0x04e4a023], // sw a4, 64(s1)
  ['c.addi', 0x1281, 0xfe028293], // addi t0, t0, -32
  ['c.jal', 0x3001, 0x801ff0ef], // jal ra, -2048
  ['c.li', 0x457d, 0x01f00513], // addi a0, zero, 31
  ['c.addi16sp', 0x7101, 0xe0010113], // addi sp, sp, -512
  ['c.lui', 0x7305, 0xfffe1337], // lui t1, 0xfffe1
  ['c.srli', 0x80fd, 0x01f4d493], // srli s1, s1, 31
  ['c.srai', 0x8605, 0x40165613], // srai a2, a2, 1
  ['c.andi', 0x9afd, 0xfff6f693], // andi a3, a3, -1
  ['c.sub', 0x8c1d, 0x40f40433], // sub s0, s0, a5
  ['c.xor', 0x8cb9, 0x00e4c4b3], // xor s1, s1, a4
  ['c.or', 0x8d4d, 0x00b56533], // or a0, a0, a1
  ['c.and', 0x8e61, 0x00867633], // and a2, a2, s0
  ['c.j', 0xaffd, 0x7fe0006f], // jal zero, +2046
  ['c.beqz', 0xd001, 0xf00400e3], // beq s0, zero, -256
  ['c.bnez', 0xeffd, 0x0e079f63], // bne a5, zero, +254
  ['c.slli', 0x039e, 0x00739393], // slli t2, t2, 7
  ['c.lwsp', 0x50fe, 0x0fc12083], // lw ra, 252(sp)
  ['c.jr', 0x8502, 0x00050067], // jalr zero, 0(a0)
  ['c.mv', 0x829a, 0x006002b3], // add t0, zero, t1
  ['c.ebreak', 0x9002, 0x00100073],
  ['c.jalr', 0x9382, 0x000380e7], // jalr ra, 0(t2)
  ['c.add', 0x956e, 0x01b50533], // add a0, a0, s11
  ['c.swsp', 0xdf4a, 0x0b212e23], // sw s2, 188(sp)
];

const BRANCHES_AND_STORES = ['beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu', 'sb', 'sh', 'sw'];
const SYSTEM = ['fence', 'ecall', 'ebreak', 'fence.i', 'sret', 'mret', 'wfi'];
const NO_RD = new Set([...BRANCHES_AND_STORES, ...SYSTEM, 'sfence.vma']);
const NO_RS1 = new Set(['lui', 'auipc', 'jal', ...SYSTEM]);
const HAS_RS2 = new Set(
  ENCODED.map(([name]) => name).filter(
    (n) =>
      BRANCHES_AND_STORES.includes(n) ||
      /^(add|sub|sll|slt|sltu|xor|srl|sra|or|and|mul.*|div.*|rem.*|sc\.w|amo.*|sfence\.vma)$/.test(
        n,
      ),
  ),
);

describe('32-bit decode table', () => {
  it.each(ENCODED)('%s decodes from 0x%s', (name, word, rd, rs1, rs2, imm) => {
    const d = decode(word);
    expect(d.name).toBe(name);
    expect(d.length).toBe(4);
    // Only the fields the instruction's format defines are compared.
    if (!NO_RD.has(name)) expect(d.rd).toBe(rd);
    if (HAS_RS2.has(name)) expect(d.rs2).toBe(rs2);
    if (!NO_RS1.has(name)) expect(d.rs1).toBe(rs1);
    expect(d.imm).toBe(imm);
  });

  it('covers every row of the table', () => {
    const covered = new Set(ENCODED.map(([name]) => name));
    expect(RV32_TABLE.map((row) => row.name).filter((n) => !covered.has(n))).toEqual([]);
  });

  it.each([
    ['all zeros', 0x00000000],
    ['all ones', 0xffffffff],
    ['slli with shamt[5] set (RV32)', 0x02001013],
    ['MISC-MEM funct3 = 7', 0x0001f28f],
    ['ebreak with rd != 0', 0x001000f3],
    ['mret with rs1 != 0', 0x30208073],
    ['lr.w with rs2 != 0', 0x1015a52f],
    ['amo with funct3 = 3 (RV64 .d)', 0x00c5b52f],
    ['mul with funct7 = 3', 0x06ee8e33],
    ['FLW (no F)', 0x0005a507],
    ['RV64 addiw', 0x0015051b],
  ])('%s is illegal with tval = the instruction', (_label, word) => {
    const d = decode(word);
    expect(d.op).toBe(Op.ILLEGAL);
    expect(d.imm).toBe(word >>> 0);
  });
});

describe('compressed expansion (ISA ch. 16)', () => {
  it.each(COMPRESSED)('%s 0x%s expands to its 32-bit equivalent', (name, half, word) => {
    expect(expandCompressed(half) >>> 0).toBe(word >>> 0);
    const d = decode(half);
    expect(d.name).toBe(name);
    expect(d.length).toBe(2);
    expect(d.op).toBe(decode(word).op);
    expect(d.imm).toBe(decode(word).imm);
  });

  it('covers every implemented RVC row', () => {
    const covered = new Set(COMPRESSED.map(([name]) => name));
    const implemented = RV32C.filter((row) => row.expand !== null).map((row) => row.name);
    expect(implemented.filter((n) => !covered.has(n))).toEqual([]);
  });

  // Each checked against qemu-system-riscv32 7.2 (cause 2, tval = the 16 bits).
  it.each([
    ['all-zero instruction', 0x0000],
    ['c.addi4spn with nzuimm = 0', 0x0004],
    ['c.fld', 0x2000],
    ['c.flw', 0x6000],
    ['quadrant 0 funct3 = 100', 0x8000],
    ['c.fsd', 0xa000],
    ['c.fsw', 0xe000],
    ['c.lui x0, 0', 0x6001],
    ['c.lui x1, 0', 0x6081],
    ['c.addi16sp with nzimm = 0', 0x6101],
    ['c.srli with shamt[5] = 1', 0x9005],
    ['c.srai with shamt[5] = 1', 0x9405],
    ['c.subw', 0x9c01],
    ['c.addw', 0x9c21],
    ['reserved 100 1 11 10', 0x9c41],
    ['c.slli with shamt[5] = 1', 0x1502],
    ['c.fldsp', 0x2002],
    ['c.lwsp x0', 0x4002],
    ['c.flwsp', 0x6002],
    ['c.jr x0', 0x8002],
    ['c.fsdsp', 0xa002],
    ['c.fswsp', 0xe002],
  ])('%s is illegal', (_label, half) => {
    expect(expandCompressed(half)).toBe(-1);
    const d = decode(half);
    expect(d.op).toBe(Op.ILLEGAL);
    expect(d.imm).toBe(half);
    expect(d.length).toBe(2);
  });

  it.each([
    ['c.nop', 0x0001, 0x00000013],
    ['c.addi a0, 0 (HINT)', 0x0501, 0x00050513],
    ['c.li x0, 5 (HINT)', 0x4015, 0x00500013],
    ['c.mv x0, a0 (HINT)', 0x802a, 0x00a00033],
    ['c.lui x0, 1 (HINT)', 0x6005, 0x00001037],
    ['c.slli x0, 1 (HINT)', 0x0006, 0x00101013],
    ['c.add x0, a1 (HINT)', 0x902e, 0x00b00033],
  ])('%s is a legal hint', (_label, half, word) => {
    expect(expandCompressed(half) >>> 0).toBe(word);
  });
});
