# Points mtvec at an illegal instruction, then executes one: the trap handler
# itself traps, forever (a double fault on a machine without firmware).
  .text
  .globl main
main:
  la t0, bad_handler
  csrw mtvec, t0
  .word 0              # illegal instruction
  ret
  .balign 4
bad_handler:
  .word 0
