/*
 * Every RV32C instruction form (unprivileged spec 20191213, chapter 16),
 * written with explicit c.* mnemonics so that each encoding is exercised:
 * quadrant 0 (c.addi4spn, c.lw, c.sw), quadrant 1 (c.nop, c.addi, c.jal, c.li,
 * c.addi16sp, c.lui, c.srli, c.srai, c.andi, c.sub, c.xor, c.or, c.and, c.j,
 * c.beqz, c.bnez), quadrant 2 (c.slli, c.lwsp, c.jr, c.mv, c.ebreak, c.jalr,
 * c.add, c.swsp), plus HINT encodings (16.7) that must execute as no-ops.
 */
  /* Name the object in the symbol table (else: the random temporary). */
  .file "rvc.S"
  .macro REPORT name, reg
  mv a1, \reg
  .pushsection .rodata
999: .asciz "\name"
  .popsection
  la a0, 999b
  call say
  .endm

  .text
  .globl main
main:
  addi sp, sp, -128
  sw ra, 124(sp)
  sw s0, 120(sp)
  sw s1, 116(sp)
  sw s2, 112(sp)

  /* ---- quadrant 0 ---- */
  c.addi4spn a0, sp, 16
  sub s2, a0, sp
  REPORT "c.addi4spn sp+16", s2
  c.addi4spn a0, sp, 1020
  sub s2, a0, sp
  REPORT "c.addi4spn sp+1020", s2

  la s0, data
  c.lw a0, 0(s0)
  REPORT "c.lw 0", a0
  c.lw s1, 124(s0)
  REPORT "c.lw 124", s1
  li a1, 0x0badcafe
  c.sw a1, 4(s0)
  lw s2, 4(s0)
  REPORT "c.sw 4", s2
  li a2, 0x600df00d
  c.sw a2, 120(s0)
  lw s2, 120(s0)
  REPORT "c.sw 120", s2

  /* ---- quadrant 1 ---- */
  li s1, 0x1234
  c.nop
  c.addi s1, 31
  REPORT "c.addi +31", s1
  c.addi s1, -32
  REPORT "c.addi -32", s1

  c.li s1, 31
  REPORT "c.li 31", s1
  c.li s1, -32
  REPORT "c.li -32", s1
  c.li s1, 0
  REPORT "c.li 0", s1

  mv s2, sp
  c.addi16sp sp, -512
  sub a1, s2, sp
  c.addi16sp sp, 496
  c.addi16sp sp, 16
  sub s2, s2, sp
  mv s1, a1
  REPORT "c.addi16sp -512 (delta)", s1
  REPORT "c.addi16sp back (delta)", s2

  c.lui s1, 1
  REPORT "c.lui 1", s1
  c.lui s1, 31
  REPORT "c.lui 31", s1
  c.lui s1, 0xfffe0
  REPORT "c.lui 0xfffe0", s1
  c.lui s1, 0xfffff
  REPORT "c.lui 0xfffff", s1

  li s1, 0x80000f0f
  c.srli s1, 1
  REPORT "c.srli 1", s1
  li s1, 0x80000f0f
  c.srli s1, 31
  REPORT "c.srli 31", s1
  li s1, 0x80000f0f
  c.srai s1, 4
  REPORT "c.srai 4", s1
  li s1, 0x80000f0f
  c.srai s1, 31
  REPORT "c.srai 31", s1
  li s1, 0x12345678
  c.andi s1, 0x1f
  REPORT "c.andi 0x1f", s1
  li s1, 0x12345678
  c.andi s1, -8
  REPORT "c.andi -8", s1

  li s1, 0x5555aaaa
  li a5, 0x0ff00ff0
  c.sub s1, a5
  REPORT "c.sub", s1
  li s1, 0x5555aaaa
  c.xor s1, a5
  REPORT "c.xor", s1
  li s1, 0x5555aaaa
  c.or s1, a5
  REPORT "c.or", s1
  li s1, 0x5555aaaa
  c.and s1, a5
  REPORT "c.and", s1

  /* c.jal: link is the address of the next (2-byte-later) instruction. */
  c.jal 1f
2:
  j 3f
1:
  la s1, 2b
  sub s1, ra, s1
  REPORT "c.jal link - next", s1
  j 4f
3:
  li s1, 0xbad
  REPORT "c.jal not taken", s1
4:
  /* c.j forward and backward. */
  li s1, 0
  c.j 2f
1:
  addi s1, s1, 0x10
  c.j 3f
2:
  addi s1, s1, 1
  c.j 1b
3:
  REPORT "c.j fwd+bwd", s1

  /* c.beqz / c.bnez, taken and not taken, forward and backward. */
  li s1, 0
  li a0, 0
  c.beqz a0, 1f
  addi s1, s1, 1          /* skipped */
1:
  li a0, 5
  c.beqz a0, 1f
  addi s1, s1, 2          /* executed */
1:
  c.bnez a0, 1f
  addi s1, s1, 4          /* skipped */
1:
  li a0, 0
  c.bnez a0, 1f
  addi s1, s1, 8          /* executed */
1:
  li a0, 3                /* backward loop */
2:
  addi s1, s1, 0x100
  addi a0, a0, -1
  c.bnez a0, 2b
  li a0, 1
3:
  addi s1, s1, 0x400
  addi a0, a0, -1
  c.beqz a0, 3b
  REPORT "c.beqz/c.bnez", s1

  /* ---- quadrant 2 ---- */
  li s1, 0x00f0000f
  c.slli s1, 1
  REPORT "c.slli 1", s1
  li s1, 0x00f0000f
  c.slli s1, 31
  REPORT "c.slli 31", s1

  li a0, 0x13572468
  sw a0, 0(sp)
  li a0, 0x24681357
  sw a0, 60(sp)
  c.lwsp s1, 0(sp)
  REPORT "c.lwsp 0", s1
  c.lwsp s1, 60(sp)
  REPORT "c.lwsp 60", s1
  li a3, 0x11223344
  c.swsp a3, 4(sp)
  lw s1, 4(sp)
  REPORT "c.swsp 4", s1
  li a4, 0x55667788
  c.swsp a4, 108(sp)
  lw s1, 108(sp)
  REPORT "c.swsp 108", s1

  la a0, 1f
  c.jr a0
  li s1, 0xbad
  j 2f
1:
  li s1, 0x600d
2:
  REPORT "c.jr", s1

  la a0, 1f
  c.jalr a0
3:
  li s1, 0xbad
  j 2f
1:
  la s1, 3b
  sub s1, ra, s1
2:
  REPORT "c.jalr link - next", s1

  li a0, 0x76543210
  c.mv s1, a0
  REPORT "c.mv", s1
  li s1, 0x7fffffff
  li a0, 2
  c.add s1, a0
  REPORT "c.add", s1

  /* c.ebreak traps with cause 3; the default handler skips it. */
  la a0, trap_hide_tval
  li a1, 1
  sw a1, 0(a0)
  c.ebreak
  la a0, trap_hide_tval
  sw zero, 0(a0)
  la a0, m_trap_count
  lw s1, 0(a0)
  REPORT "traps after c.ebreak", s1

  /* ---- HINTs: defined encodings that must not change state ---- */
  li s1, 0x5a5a
  mv s2, s1
  .2byte 0x0005           /* c.nop 1 */
  .2byte 0x0481           /* c.addi s1, 0 */
  .2byte 0x4015           /* c.li x0, 5 */
  .2byte 0x6005           /* c.lui x0, 1 */
  .2byte 0x8026           /* c.mv x0, s1 */
  .2byte 0x9026           /* c.add x0, s1 */
  .2byte 0x0006           /* c.slli x0, 1 */
  .2byte 0x0482           /* c.slli64 s1 (shamt 0) */
  .2byte 0x8081           /* c.srli64 s1 */
  .2byte 0x8481           /* c.srai64 s1 */
  sub s2, s2, s1
  REPORT "hints changed s1 by", s2
  la a0, m_trap_count
  lw s1, 0(a0)
  REPORT "traps after hints", s1

  la a0, pass_msg
  call line
  lw ra, 124(sp)
  lw s0, 120(sp)
  lw s1, 116(sp)
  lw s2, 112(sp)
  addi sp, sp, 128
  li a0, 0
  ret

  .section .rodata
pass_msg: .asciz "PASS"

  .data
  .balign 4
data:
  .word 0xa5a5a5a5, 0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
  .word 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 0xbeef, 0x5eedf00d
