/*
 * Entry point. The VMM enters here in S-mode with the Linux RISC-V boot
 * protocol (Documentation/riscv/boot.rst): a0 = hart id, a1 = physical
 * address of the device tree; a PV guest also gets a2 = its start_info page.
 * Paging is off (satp = 0) and interrupts are disabled (sstatus.SIE = 0).
 *
 * We set the global pointer and the boot stack, clear .bss and call
 * kernel_main(hartid, dtb, start_info), which never returns.
 */
    .section .text.start, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    csrw sie, zero
    csrw sscratch, zero
    /* Clear .bss (the boot stack is in it: nothing may be pushed yet). */
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sw zero, 0(t0)
    addi t0, t0, 4
    j 1b
2:  la sp, boot_stack_top
    call kernel_main
3:  wfi
    j 3b

    .section .bss.boot_stack, "aw", @nobits
    .balign 16
    .globl boot_stack, boot_stack_top
boot_stack:
    .space 32768
boot_stack_top:
