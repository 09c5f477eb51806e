/**
 * Builders for 32-bit instruction words by format (unprivileged ISA §2.2–2.3,
 * Fig. 2.3). The compressed expander uses them to produce the 32-bit
 * equivalent of an RVC instruction.
 */

export function rType(
  funct7: number,
  rs2: number,
  rs1: number,
  funct3: number,
  rd: number,
  opcode: number,
): number {
  return ((funct7 << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | opcode) >>> 0;
}

export function iType(
  imm: number,
  rs1: number,
  funct3: number,
  rd: number,
  opcode: number,
): number {
  return (((imm & 0xfff) << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | opcode) >>> 0;
}

export function sType(
  imm: number,
  rs2: number,
  rs1: number,
  funct3: number,
  opcode: number,
): number {
  return (
    ((((imm >> 5) & 0x7f) << 25) |
      (rs2 << 20) |
      (rs1 << 15) |
      (funct3 << 12) |
      ((imm & 0x1f) << 7) |
      opcode) >>>
    0
  );
}

export function bType(
  imm: number,
  rs2: number,
  rs1: number,
  funct3: number,
  opcode: number,
): number {
  return (
    ((((imm >> 12) & 1) << 31) |
      (((imm >> 5) & 0x3f) << 25) |
      (rs2 << 20) |
      (rs1 << 15) |
      (funct3 << 12) |
      (((imm >> 1) & 0xf) << 8) |
      (((imm >> 11) & 1) << 7) |
      opcode) >>>
    0
  );
}

/** `imm` is the value placed in insn[31:12] (already shifted: imm & 0xfffff000). */
export function uType(imm: number, rd: number, opcode: number): number {
  return ((imm & 0xfffff000) | (rd << 7) | opcode) >>> 0;
}

export function jType(imm: number, rd: number, opcode: number): number {
  return (
    ((((imm >> 20) & 1) << 31) |
      (((imm >> 1) & 0x3ff) << 21) |
      (((imm >> 11) & 1) << 20) |
      (((imm >> 12) & 0xff) << 12) |
      (rd << 7) |
      opcode) >>>
    0
  );
}
