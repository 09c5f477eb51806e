/**
 * Operation ids of decoded instructions. The interpreter (hart.ts) switches on
 * these numbers with literal case labels — an imported constant in a case label
 * would stop V8 from building a jump table — so the numbers here are fixed and
 * mirrored there; the execute tests catch any mismatch.
 */
export const Op = {
  ILLEGAL: 1,
  LUI: 2,
  AUIPC: 3,
  JAL: 4,
  JALR: 5,
  BEQ: 6,
  BNE: 7,
  BLT: 8,
  BGE: 9,
  BLTU: 10,
  BGEU: 11,
  LB: 12,
  LH: 13,
  LW: 14,
  LBU: 15,
  LHU: 16,
  SB: 17,
  SH: 18,
  SW: 19,
  ADDI: 20,
  SLTI: 21,
  SLTIU: 22,
  XORI: 23,
  ORI: 24,
  ANDI: 25,
  SLLI: 26,
  SRLI: 27,
  SRAI: 28,
  ADD: 29,
  SUB: 30,
  SLL: 31,
  SLT: 32,
  SLTU: 33,
  XOR: 34,
  SRL: 35,
  SRA: 36,
  OR: 37,
  AND: 38,
  FENCE: 39,
  FENCE_I: 40,
  ECALL: 41,
  EBREAK: 42,
  MUL: 43,
  MULH: 44,
  MULHSU: 45,
  MULHU: 46,
  DIV: 47,
  DIVU: 48,
  REM: 49,
  REMU: 50,
  LR_W: 51,
  SC_W: 52,
  AMOSWAP_W: 53,
  AMOADD_W: 54,
  AMOXOR_W: 55,
  AMOAND_W: 56,
  AMOOR_W: 57,
  AMOMIN_W: 58,
  AMOMAX_W: 59,
  AMOMINU_W: 60,
  AMOMAXU_W: 61,
  CSRRW: 62,
  CSRRS: 63,
  CSRRC: 64,
  CSRRWI: 65,
  CSRRSI: 66,
  CSRRCI: 67,
  SRET: 68,
  MRET: 69,
  WFI: 70,
  SFENCE_VMA: 71,
} as const;

export type OpId = (typeof Op)[keyof typeof Op];

/** How operands are laid out in the 32-bit word (unprivileged ISA §2.2–2.3). */
export const Format = {
  R: 0,
  I: 1,
  /** I-type with a 5-bit shift amount in imm. */
  Shamt: 2,
  S: 3,
  B: 4,
  U: 5,
  J: 6,
  /** rd, rs1 and the CSR number (imm = insn[31:20], zero-extended). */
  Csr: 7,
  /** No operands the interpreter needs. */
  None: 8,
} as const;

export type FormatId = (typeof Format)[keyof typeof Format];

/** One row of an opcode table, as in the ISA manual's opcode maps (riscv-opcodes). */
export interface InsnSpec {
  readonly name: string;
  readonly mask: number;
  readonly match: number;
  readonly op: OpId;
  readonly format: FormatId;
}
