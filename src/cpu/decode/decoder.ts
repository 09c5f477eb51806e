import { Format, Op, type InsnSpec, type OpId } from './op';
import { PRIVILEGED } from './privileged';
import { RV32A } from './rv32a';
import { RV32C, type CompressedSpec } from './rv32c';
import { RV32I } from './rv32i';
import { RV32M } from './rv32m';
import { ZICSR } from './zicsr';
import { ZIFENCEI } from './zifencei';

/** Every 32-bit instruction this hart implements: RV32IMA + Zicsr + Zifencei + privileged. */
export const RV32_TABLE: readonly InsnSpec[] = [
  ...RV32I,
  ...RV32M,
  ...RV32A,
  ...ZICSR,
  ...ZIFENCEI,
  ...PRIVILEGED,
];

/** Rows grouped by major opcode (insn[6:0]) so a lookup scans only a handful. */
const byOpcode: InsnSpec[][] = Array.from({ length: 128 }, () => []);
for (const spec of RV32_TABLE) byOpcode[spec.match & 0x7f]?.push(spec);

/** The table row a 32-bit instruction matches, or null if it is not implemented. */
export function lookup32(insn: number): InsnSpec | null {
  const rows = byOpcode[insn & 0x7f];
  if (rows === undefined) return null;
  for (const spec of rows) if ((insn & spec.mask) >>> 0 === spec.match) return spec;
  return null;
}

/** The table row a 16-bit instruction matches (the RVC table covers every encoding). */
export function lookupCompressed(c: number): CompressedSpec | null {
  for (const spec of RV32C) if ((c & spec.mask) === spec.match) return spec;
  return null;
}

/** The 32-bit equivalent of a compressed instruction, or -1 if it is reserved/illegal. */
export function expandCompressed(c: number): number {
  const spec = lookupCompressed(c & 0xffff);
  return spec === null || spec.expand === null ? -1 : spec.expand(c & 0xffff);
}

/**
 * Writes to x0 are redirected to this extra register slot so the interpreter never
 * has to test rd against zero; x0 itself is never written and reads 0.
 */
export const SINK_REGISTER = 32;

/** The immediate of a 32-bit instruction as its format defines it (ISA §2.3, Fig. 2.4). */
export function immediate(insn: number, format: number): number {
  switch (format) {
    case Format.I:
      return insn >> 20;
    case Format.Shamt:
      return (insn >> 20) & 31;
    case Format.S:
      return ((insn >> 25) << 5) | ((insn >> 7) & 31);
    case Format.B:
      return (
        ((insn >> 31) << 12) |
        (((insn >> 7) & 1) << 11) |
        (((insn >> 25) & 0x3f) << 5) |
        (((insn >> 8) & 0xf) << 1)
      );
    case Format.U:
      return insn & 0xfffff000;
    case Format.J:
      return (
        ((insn >> 31) << 20) |
        (((insn >> 12) & 0xff) << 12) |
        (((insn >> 20) & 1) << 11) |
        (((insn >> 21) & 0x3ff) << 1)
      );
    case Format.Csr:
      return insn >>> 20;
    default:
      return 0;
  }
}

/** A decoded instruction in readable form (tests, tracing, disassembly). */
export interface DecodedInsn {
  readonly name: string;
  readonly op: OpId;
  readonly rd: number;
  readonly rs1: number;
  readonly rs2: number;
  /** Immediate / CSR number; for an illegal instruction, the raw bits (the trap's tval). */
  readonly imm: number;
  readonly length: 2 | 4;
}

/**
 * Decodes one instruction. `raw` holds the low 16 bits for a compressed instruction
 * (insn[1:0] != 3) or all 32 bits otherwise.
 */
export function decode(raw: number): DecodedInsn {
  const compressed = (raw & 3) !== 3;
  const length = compressed ? 2 : 4;
  const bits = compressed ? raw & 0xffff : raw | 0;
  const insn = compressed ? expandCompressed(bits) : bits;
  const spec = insn === -1 ? null : lookup32(insn);
  if (spec === null) {
    return { name: 'illegal', op: Op.ILLEGAL, rd: 0, rs1: 0, rs2: 0, imm: bits >>> 0, length };
  }
  return {
    name: compressed ? (lookupCompressed(bits)?.name ?? spec.name) : spec.name,
    op: spec.op,
    rd: (insn >> 7) & 31,
    rs1: (insn >> 15) & 31,
    rs2: (insn >> 20) & 31,
    imm: immediate(insn, spec.format),
    length,
  };
}
