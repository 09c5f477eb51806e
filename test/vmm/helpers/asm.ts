import { bType, iType, jType, sType, uType } from '../../../src/cpu/decode/encode';

/**
 * Just enough of an RV32 assembler to hand-encode tiny S-mode test guests,
 * and an ELF32 writer that wraps the code in one PT_LOAD segment.
 */
export const reg = {
  zero: 0,
  ra: 1,
  sp: 2,
  t0: 5,
  t1: 6,
  a0: 10,
  a1: 11,
  a2: 12,
  a6: 16,
  a7: 17,
} as const;

export const asm = {
  addi: (rd: number, rs1: number, imm: number) => iType(imm, rs1, 0, rd, 0x13),
  /** Load a 32-bit constant: lui + addi (two words). */
  li: (rd: number, value: number): number[] => {
    const lo = (value << 20) >> 20;
    const hi = (value - lo) >>> 0;
    return [uType(hi, rd, 0x37), iType(lo, rd, 0, rd, 0x13)];
  },
  lui: (rd: number, value: number) => uType(value, rd, 0x37),
  lw: (rd: number, rs1: number, imm: number) => iType(imm, rs1, 2, rd, 0x03),
  sw: (rs2: number, rs1: number, imm: number) => sType(imm, rs2, rs1, 2, 0x23),
  jal: (rd: number, offset: number) => jType(offset, rd, 0x6f),
  bne: (rs1: number, rs2: number, offset: number) => bType(offset, rs2, rs1, 1, 0x63),
  ecall: () => 0x00000073,
  wfi: () => 0x10500073,
};

const BASE = 0x80000000;

/** An ELF32 RISC-V executable whose single segment holds `words` at 0x80000000, entry there. */
export function elf(words: number[]): Uint8Array {
  const code = new Uint8Array(words.length * 4);
  const cv = new DataView(code.buffer);
  words.forEach((w, i) => cv.setUint32(i * 4, w >>> 0, true));
  const out = new Uint8Array(52 + 32 + code.length);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 243, true); // EM_RISCV
  v.setUint32(20, 1, true);
  v.setUint32(24, BASE, true); // e_entry
  v.setUint32(28, 52, true); // e_phoff
  v.setUint16(40, 52, true); // e_ehsize
  v.setUint16(42, 32, true); // e_phentsize
  v.setUint16(44, 1, true); // e_phnum
  v.setUint32(52, 1, true); // PT_LOAD
  v.setUint32(56, 84, true); // p_offset
  v.setUint32(60, BASE, true); // p_vaddr
  v.setUint32(64, BASE, true); // p_paddr
  v.setUint32(68, code.length, true);
  v.setUint32(72, code.length, true);
  v.setUint32(76, 5, true); // R+X
  out.set(code, 84);
  return out;
}

/** `loop: addi a0, a0, 1; j loop` — CPU-bound forever. */
export const spinGuest = (): Uint8Array => elf([asm.addi(reg.a0, reg.a0, 1), asm.jal(0, -4)]);

/** Blocks with SCHEDOP_block in a loop (no events ever come). */
export const blockGuest = (): Uint8Array =>
  elf([
    ...asm.li(reg.a7, 0x0958454e),
    asm.addi(reg.a6, 0, 29), // sched_op
    asm.addi(reg.a0, 0, 1), // SCHEDOP_block
    asm.ecall(),
    asm.jal(0, -12),
  ]);

/** Sits in WFI with no interrupt enabled. */
export const wfiGuest = (): Uint8Array => elf([asm.wfi(), asm.jal(0, -4)]);
