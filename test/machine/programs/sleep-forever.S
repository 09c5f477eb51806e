# Sleeps in WFI with no interrupt enabled: nothing can ever wake it.
  .text
  .globl main
main:
  csrw mie, zero
1:
  wfi
  j 1b
