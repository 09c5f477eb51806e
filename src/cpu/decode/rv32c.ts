import { bType, iType, jType, rType, sType, uType } from './encode';

/**
 * "C" compressed instructions for RV32 (unprivileged ISA ch. 16, Tables 16.4–16.6).
 * Each row expands a 16-bit encoding to its 32-bit equivalent; `expand: null` marks
 * encodings that are reserved, belong to RV64/RV128, or need F/D (not implemented):
 * those raise illegal instruction. Rows are tried in order, so the reserved special
 * cases come before the general row they carve out of (as in QEMU's insn16.decode).
 */
export interface CompressedSpec {
  readonly name: string;
  readonly mask: number;
  readonly match: number;
  readonly expand: ((c: number) => number) | null;
}

const OPCODE_LOAD = 0x03;
const OPCODE_OP_IMM = 0x13;
const OPCODE_STORE = 0x23;
const OPCODE_OP = 0x33;
const OPCODE_LUI = 0x37;
const OPCODE_BRANCH = 0x63;
const OPCODE_JALR = 0x67;
const OPCODE_JAL = 0x6f;
const EBREAK = 0x00100073;

/** rd, rs1: insn[11:7]. */
const rd = (c: number): number => (c >> 7) & 31;
/** rs2: insn[6:2]. */
const rs2 = (c: number): number => (c >> 2) & 31;
/** rs1'/rd' in insn[9:7] name x8–x15. */
const rs1p = (c: number): number => 8 + ((c >> 7) & 7);
/** rs2'/rd' in insn[4:2] name x8–x15. */
const rs2p = (c: number): number => 8 + ((c >> 2) & 7);
const signExtend = (value: number, bits: number): number => (value << (32 - bits)) >> (32 - bits);

/** CI-format imm[5] = insn[12], imm[4:0] = insn[6:2], sign-extended. */
const ciImm = (c: number): number => signExtend(((c >> 7) & 0x20) | ((c >> 2) & 0x1f), 6);
/** CI shift amount; bit 5 (insn[12]) is checked by the reserved rows. */
const shamt = (c: number): number => (c >> 2) & 0x1f;
/** C.ADDI4SPN nzuimm[5:4|9:6|2|3] = insn[12:5]. */
const addi4spnImm = (c: number): number =>
  ((c >> 7) & 0x30) | ((c >> 1) & 0x3c0) | ((c >> 4) & 0x4) | ((c >> 2) & 0x8);
/** C.LW/C.SW uimm[5:3] = insn[12:10], uimm[2|6] = insn[6:5]. */
const lwImm = (c: number): number => ((c >> 7) & 0x38) | ((c >> 4) & 0x4) | ((c << 1) & 0x40);
/** C.J/C.JAL offset[11|4|9:8|10|6|7|3:1|5] = insn[12:2]. */
const cjImm = (c: number): number =>
  signExtend(
    ((c >> 1) & 0x800) |
      ((c >> 7) & 0x10) |
      ((c >> 1) & 0x300) |
      ((c << 2) & 0x400) |
      ((c >> 1) & 0x40) |
      ((c << 1) & 0x80) |
      ((c >> 2) & 0xe) |
      ((c << 3) & 0x20),
    12,
  );
/** C.BEQZ/C.BNEZ offset[8|4:3] = insn[12:10], offset[7:6|2:1|5] = insn[6:2]. */
const cbImm = (c: number): number =>
  signExtend(
    ((c >> 4) & 0x100) |
      ((c >> 7) & 0x18) |
      ((c << 1) & 0xc0) |
      ((c >> 2) & 0x6) |
      ((c << 3) & 0x20),
    9,
  );
/** C.ADDI16SP nzimm[9] = insn[12], nzimm[4|6|8:7|5] = insn[6:2]. */
const addi16spImm = (c: number): number =>
  signExtend(
    ((c >> 3) & 0x200) |
      ((c >> 2) & 0x10) |
      ((c << 1) & 0x40) |
      ((c << 4) & 0x180) |
      ((c << 3) & 0x20),
    10,
  );
/** C.LWSP uimm[5] = insn[12], uimm[4:2|7:6] = insn[6:2]. */
const lwspImm = (c: number): number => ((c >> 7) & 0x20) | ((c >> 2) & 0x1c) | ((c << 4) & 0xc0);
/** C.SWSP uimm[5:2|7:6] = insn[12:7]. */
const swspImm = (c: number): number => ((c >> 7) & 0x3c) | ((c >> 1) & 0xc0);

export const RV32C: readonly CompressedSpec[] = [
  // Quadrant 0
  { name: 'reserved (c.addi4spn nzuimm=0)', mask: 0xffe3, match: 0x0000, expand: null },
  {
    name: 'c.addi4spn',
    mask: 0xe003,
    match: 0x0000,
    expand: (c) => iType(addi4spnImm(c), 2, 0, rs2p(c), OPCODE_OP_IMM),
  },
  { name: 'c.fld', mask: 0xe003, match: 0x2000, expand: null },
  {
    name: 'c.lw',
    mask: 0xe003,
    match: 0x4000,
    expand: (c) => iType(lwImm(c), rs1p(c), 2, rs2p(c), OPCODE_LOAD),
  },
  { name: 'c.flw', mask: 0xe003, match: 0x6000, expand: null },
  { name: 'reserved (quadrant 0, funct3=100)', mask: 0xe003, match: 0x8000, expand: null },
  { name: 'c.fsd', mask: 0xe003, match: 0xa000, expand: null },
  {
    name: 'c.sw',
    mask: 0xe003,
    match: 0xc000,
    expand: (c) => sType(lwImm(c), rs2p(c), rs1p(c), 2, OPCODE_STORE),
  },
  { name: 'c.fsw', mask: 0xe003, match: 0xe000, expand: null },

  // Quadrant 1
  {
    name: 'c.addi',
    mask: 0xe003,
    match: 0x0001,
    expand: (c) => iType(ciImm(c), rd(c), 0, rd(c), OPCODE_OP_IMM),
  },
  { name: 'c.jal', mask: 0xe003, match: 0x2001, expand: (c) => jType(cjImm(c), 1, OPCODE_JAL) },
  {
    name: 'c.li',
    mask: 0xe003,
    match: 0x4001,
    expand: (c) => iType(ciImm(c), 0, 0, rd(c), OPCODE_OP_IMM),
  },
  { name: 'reserved (c.lui/c.addi16sp imm=0)', mask: 0xf07f, match: 0x6001, expand: null },
  {
    name: 'c.addi16sp',
    mask: 0xef83,
    match: 0x6101,
    expand: (c) => iType(addi16spImm(c), 2, 0, 2, OPCODE_OP_IMM),
  },
  {
    name: 'c.lui',
    mask: 0xe003,
    match: 0x6001,
    expand: (c) => uType(ciImm(c) << 12, rd(c), OPCODE_LUI),
  },
  { name: 'reserved (c.srli shamt[5]=1)', mask: 0xfc03, match: 0x9001, expand: null },
  {
    name: 'c.srli',
    mask: 0xec03,
    match: 0x8001,
    expand: (c) => iType(shamt(c), rs1p(c), 5, rs1p(c), OPCODE_OP_IMM),
  },
  { name: 'reserved (c.srai shamt[5]=1)', mask: 0xfc03, match: 0x9401, expand: null },
  {
    name: 'c.srai',
    mask: 0xec03,
    match: 0x8401,
    expand: (c) => iType(0x400 | shamt(c), rs1p(c), 5, rs1p(c), OPCODE_OP_IMM),
  },
  {
    name: 'c.andi',
    mask: 0xec03,
    match: 0x8801,
    expand: (c) => iType(ciImm(c), rs1p(c), 7, rs1p(c), OPCODE_OP_IMM),
  },
  {
    name: 'c.sub',
    mask: 0xfc63,
    match: 0x8c01,
    expand: (c) => rType(0x20, rs2p(c), rs1p(c), 0, rs1p(c), OPCODE_OP),
  },
  {
    name: 'c.xor',
    mask: 0xfc63,
    match: 0x8c21,
    expand: (c) => rType(0, rs2p(c), rs1p(c), 4, rs1p(c), OPCODE_OP),
  },
  {
    name: 'c.or',
    mask: 0xfc63,
    match: 0x8c41,
    expand: (c) => rType(0, rs2p(c), rs1p(c), 6, rs1p(c), OPCODE_OP),
  },
  {
    name: 'c.and',
    mask: 0xfc63,
    match: 0x8c61,
    expand: (c) => rType(0, rs2p(c), rs1p(c), 7, rs1p(c), OPCODE_OP),
  },
  { name: 'c.subw', mask: 0xfc63, match: 0x9c01, expand: null },
  { name: 'c.addw', mask: 0xfc63, match: 0x9c21, expand: null },
  { name: 'reserved (quadrant 1, 100 1 11 10)', mask: 0xfc63, match: 0x9c41, expand: null },
  { name: 'reserved (quadrant 1, 100 1 11 11)', mask: 0xfc63, match: 0x9c61, expand: null },
  { name: 'c.j', mask: 0xe003, match: 0xa001, expand: (c) => jType(cjImm(c), 0, OPCODE_JAL) },
  {
    name: 'c.beqz',
    mask: 0xe003,
    match: 0xc001,
    expand: (c) => bType(cbImm(c), 0, rs1p(c), 0, OPCODE_BRANCH),
  },
  {
    name: 'c.bnez',
    mask: 0xe003,
    match: 0xe001,
    expand: (c) => bType(cbImm(c), 0, rs1p(c), 1, OPCODE_BRANCH),
  },

  // Quadrant 2
  { name: 'reserved (c.slli shamt[5]=1)', mask: 0xf003, match: 0x1002, expand: null },
  {
    name: 'c.slli',
    mask: 0xe003,
    match: 0x0002,
    expand: (c) => iType(shamt(c), rd(c), 1, rd(c), OPCODE_OP_IMM),
  },
  { name: 'c.fldsp', mask: 0xe003, match: 0x2002, expand: null },
  { name: 'reserved (c.lwsp rd=0)', mask: 0xef83, match: 0x4002, expand: null },
  {
    name: 'c.lwsp',
    mask: 0xe003,
    match: 0x4002,
    expand: (c) => iType(lwspImm(c), 2, 2, rd(c), OPCODE_LOAD),
  },
  { name: 'c.flwsp', mask: 0xe003, match: 0x6002, expand: null },
  { name: 'reserved (c.jr rs1=0)', mask: 0xffff, match: 0x8002, expand: null },
  { name: 'c.jr', mask: 0xf07f, match: 0x8002, expand: (c) => iType(0, rd(c), 0, 0, OPCODE_JALR) },
  {
    name: 'c.mv',
    mask: 0xf003,
    match: 0x8002,
    expand: (c) => rType(0, rs2(c), 0, 0, rd(c), OPCODE_OP),
  },
  { name: 'c.ebreak', mask: 0xffff, match: 0x9002, expand: () => EBREAK },
  {
    name: 'c.jalr',
    mask: 0xf07f,
    match: 0x9002,
    expand: (c) => iType(0, rd(c), 0, 1, OPCODE_JALR),
  },
  {
    name: 'c.add',
    mask: 0xf003,
    match: 0x9002,
    expand: (c) => rType(0, rs2(c), rd(c), 0, rd(c), OPCODE_OP),
  },
  { name: 'c.fsdsp', mask: 0xe003, match: 0xa002, expand: null },
  {
    name: 'c.swsp',
    mask: 0xe003,
    match: 0xc002,
    expand: (c) => sType(swspImm(c), rs2(c), 2, 2, OPCODE_STORE),
  },
  { name: 'c.fswsp', mask: 0xe003, match: 0xe002, expand: null },
];
