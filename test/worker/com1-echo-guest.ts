import { bType, iType, sType } from '../../src/cpu/decode/encode';
import { asm, elf, reg } from '../vmm/helpers/asm';

/**
 * A tiny HVM guest, hand-assembled so the browser test needs no toolchain
 * build: it writes "ok\n" to COM1's THR (I/O port 0x3F8 through the ISA
 * window at 0x03000000), then echoes every byte it receives, polling the
 * LSR's data-ready bit (PC16550D: LSR bit 0 at port base + 5).
 */
const COM1 = 0x03000000 + 0x3f8;
const lbu = (rd: number, rs1: number, off: number): number => iType(off, rs1, 4, rd, 0x03);
const sb = (rs2: number, rs1: number, off: number): number => sType(off, rs2, rs1, 0, 0x23);
const andi = (rd: number, rs1: number, imm: number): number => iType(imm, rs1, 7, rd, 0x13);
const beq = (rs1: number, rs2: number, off: number): number => bType(off, rs2, rs1, 0, 0x63);

export function com1EchoGuest(): Uint8Array {
  const putc = (c: string): number[] => [
    asm.addi(reg.a0, reg.zero, c.charCodeAt(0)),
    sb(reg.a0, reg.t0, 0),
  ];
  return elf([
    ...asm.li(reg.t0, COM1),
    ...putc('o'),
    ...putc('k'),
    ...putc('\n'),
    // loop: wait for a byte, echo it.
    lbu(reg.t1, reg.t0, 5),
    andi(reg.t1, reg.t1, 1),
    beq(reg.t1, reg.zero, -8),
    lbu(reg.a0, reg.t0, 0),
    sb(reg.a0, reg.t0, 0),
    asm.jal(reg.zero, -20),
  ]);
}
