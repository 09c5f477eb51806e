/* Entry: a0 = hart id, a1 = DTB address (Linux RISC-V boot convention; QEMU's
 * reset vector does the same for -bios none), a2 = start_info for a PV guest.
 * Zero .bss, set up the stack and call c_start(hartid, dtb, start_info).
 * Shared by the test guests in test/vmm/programs and test/server/guests. */
  .section .text.start, "ax"
  .globl _start
_start:
  .option push
  .option norelax
  la gp, __global_pointer$
  .option pop
  la sp, __stack_top
  la t0, __bss_start
  la t1, __bss_end
1:
  bgeu t0, t1, 2f
  sw zero, 0(t0)
  addi t0, t0, 4
  j 1b
2:
  call c_start
3:
  wfi
  j 3b
