/*
 * M-mode entry, trap vectors and privilege switches of the conformance
 * programs. QEMU virt with -bios none jumps here (the ELF entry) from its reset
 * ROM with a0 = hartid, a1 = DTB; our bare machine starts here directly.
 */
  /* Name the object in the symbol table (else: the random temporary). */
  .file "start.S"
#define FRAME_SIZE (36 * 4)
#define F_CAUSE (32 * 4)
#define F_EPC (33 * 4)
#define F_TVAL (34 * 4)
#define F_STATUS (35 * 4)
#define MODE_EXIT_MAGIC 0x6d0de417

  .macro SAVE_REGS
  sw x1, 1*4(sp)
  sw x3, 3*4(sp)
  sw x4, 4*4(sp)
  sw x5, 5*4(sp)
  sw x6, 6*4(sp)
  sw x7, 7*4(sp)
  sw x8, 8*4(sp)
  sw x9, 9*4(sp)
  sw x10, 10*4(sp)
  sw x11, 11*4(sp)
  sw x12, 12*4(sp)
  sw x13, 13*4(sp)
  sw x14, 14*4(sp)
  sw x15, 15*4(sp)
  sw x16, 16*4(sp)
  sw x17, 17*4(sp)
  sw x18, 18*4(sp)
  sw x19, 19*4(sp)
  sw x20, 20*4(sp)
  sw x21, 21*4(sp)
  sw x22, 22*4(sp)
  sw x23, 23*4(sp)
  sw x24, 24*4(sp)
  sw x25, 25*4(sp)
  sw x26, 26*4(sp)
  sw x27, 27*4(sp)
  sw x28, 28*4(sp)
  sw x29, 29*4(sp)
  sw x30, 30*4(sp)
  sw x31, 31*4(sp)
  .endm
  .macro RESTORE_REGS
  lw x1, 1*4(sp)
  lw x3, 3*4(sp)
  lw x4, 4*4(sp)
  lw x5, 5*4(sp)
  lw x6, 6*4(sp)
  lw x7, 7*4(sp)
  lw x8, 8*4(sp)
  lw x9, 9*4(sp)
  lw x10, 10*4(sp)
  lw x11, 11*4(sp)
  lw x12, 12*4(sp)
  lw x13, 13*4(sp)
  lw x14, 14*4(sp)
  lw x15, 15*4(sp)
  lw x16, 16*4(sp)
  lw x17, 17*4(sp)
  lw x18, 18*4(sp)
  lw x19, 19*4(sp)
  lw x20, 20*4(sp)
  lw x21, 21*4(sp)
  lw x22, 22*4(sp)
  lw x23, 23*4(sp)
  lw x24, 24*4(sp)
  lw x25, 25*4(sp)
  lw x26, 26*4(sp)
  lw x27, 27*4(sp)
  lw x28, 28*4(sp)
  lw x29, 29*4(sp)
  lw x30, 30*4(sp)
  lw x31, 31*4(sp)
  .endm

  .section .text.start, "ax"
  .globl _start
_start:
  .option push
  .option norelax
  la gp, __global_pointer$
  .option pop
  la sp, __stack_top
  la t0, m_trap_vector
  csrw mtvec, t0
  la t0, __mtrap_stack_top
  csrw mscratch, t0
  la t0, __strap_stack_top
  csrw sscratch, t0

  /* Zero .bss. */
  la t0, __bss_start
  la t1, __bss_end
1:
  bgeu t0, t1, 2f
  sw zero, 0(t0)
  addi t0, t0, 4
  j 1b
2:
  /* QEMU denies S/U accesses that match no PMP entry once PMP exists, so open
     all of memory with one NAPOT entry (privileged spec 3.7). A hart with no
     PMP entries has these CSRs read-only zero. */
  li t0, -1
  csrw pmpaddr0, t0
  li t0, 0x1f
  csrw pmpcfg0, t0

  /* mtimecmp's reset value is unspecified: park it at the maximum so that no
     timer interrupt is pending until a test asks for one. */
  li t0, 0x02004000
  li t1, -1
  sw t1, 0(t0)
  sw t1, 4(t0)

  call main
  call exit

/* ---- M-mode trap vector (direct mode, 4-byte aligned) ---- */
  .text
  .balign 4
  .globl m_trap_vector
m_trap_vector:
  /* mscratch holds the trap stack while no M-mode handler runs and 0 while
     one does, so that a trap inside a handler stacks below the handler's own
     frames. The frame's x0 slot records which case this is. */
  csrrw sp, mscratch, sp
  bnez sp, 1f
  csrrw sp, mscratch, sp
  addi sp, sp, -FRAME_SIZE
  SAVE_REGS
  addi t0, sp, FRAME_SIZE
  sw t0, 2*4(sp)
  sw zero, 0(sp)
  j 2f
1:
  addi sp, sp, -FRAME_SIZE
  SAVE_REGS
  csrr t0, mscratch       /* the interrupted sp */
  sw t0, 2*4(sp)
  li t0, 1
  sw t0, 0(sp)
  csrw mscratch, zero
2:
  csrr t0, mcause
  sw t0, F_CAUSE(sp)
  csrr t0, mepc
  sw t0, F_EPC(sp)
  csrr t0, mtval
  sw t0, F_TVAL(sp)
  csrr t0, mstatus
  sw t0, F_STATUS(sp)
  mv a0, sp
  call m_trap_handler
  lw t0, F_EPC(sp)
  csrw mepc, t0
  lw t0, F_STATUS(sp)
  csrw mstatus, t0
  lw t0, 0(sp)
  beqz t0, 3f
  addi t0, sp, FRAME_SIZE
  csrw mscratch, t0
3:
  RESTORE_REGS
  lw sp, 2*4(sp)
  mret

/* ---- S-mode trap vector ---- */
  .balign 4
  .globl s_trap_vector
s_trap_vector:
  /* sscratch holds the trap stack while no S-mode handler runs and 0 while
     one does, so that a trap inside a handler stacks below the handler's own
     frames. The frame's x0 slot records which case this is. */
  csrrw sp, sscratch, sp
  bnez sp, 1f
  csrrw sp, sscratch, sp
  addi sp, sp, -FRAME_SIZE
  SAVE_REGS
  addi t0, sp, FRAME_SIZE
  sw t0, 2*4(sp)
  sw zero, 0(sp)
  j 2f
1:
  addi sp, sp, -FRAME_SIZE
  SAVE_REGS
  csrr t0, sscratch       /* the interrupted sp */
  sw t0, 2*4(sp)
  li t0, 1
  sw t0, 0(sp)
  csrw sscratch, zero
2:
  csrr t0, scause
  sw t0, F_CAUSE(sp)
  csrr t0, sepc
  sw t0, F_EPC(sp)
  csrr t0, stval
  sw t0, F_TVAL(sp)
  csrr t0, sstatus
  sw t0, F_STATUS(sp)
  mv a0, sp
  call s_trap_handler
  lw t0, F_EPC(sp)
  csrw sepc, t0
  lw t0, F_STATUS(sp)
  csrw sstatus, t0
  lw t0, 0(sp)
  beqz t0, 3f
  addi t0, sp, FRAME_SIZE
  csrw sscratch, t0
3:
  RESTORE_REGS
  lw sp, 2*4(sp)
  sret

/* ---- enter_mode(mode, fn, arg, stack) and sret_into(fn, arg) ---- */
  .macro SAVE_CONTEXT
  la t0, mode_ctx
  sw ra, 0(t0)
  sw sp, 4(t0)
  sw s0, 8(t0)
  sw s1, 12(t0)
  sw s2, 16(t0)
  sw s3, 20(t0)
  sw s4, 24(t0)
  sw s5, 28(t0)
  sw s6, 32(t0)
  sw s7, 36(t0)
  sw s8, 40(t0)
  sw s9, 44(t0)
  sw s10, 48(t0)
  sw s11, 52(t0)
  sw gp, 56(t0)
  sw tp, 60(t0)
  csrr t1, mstatus
  sw t1, 64(t0)
  .endm

  .globl enter_mode
enter_mode:
  SAVE_CONTEXT
  csrw mepc, a1
  li t1, 0x1800
  csrc mstatus, t1
  andi a0, a0, 3
  /* U-mode returns through a stub on U pages, S-mode through one on S pages
     (under Sv32, S cannot execute U pages). */
  la ra, mode_exit
  bnez a0, 1f
  la ra, user_mode_exit
1:
  slli a0, a0, 11
  csrs mstatus, a0
  beqz a3, 2f
  mv sp, a3
2:
  mv a0, a2
  mret

/* Leaves M through sret: sstatus.SPP (set by the caller) picks S or U. */
  .globl sret_into
sret_into:
  SAVE_CONTEXT
  csrw sepc, a0
  csrr t1, sstatus
  andi t1, t1, 0x100     /* SPP */
  la ra, mode_exit
  bnez t1, 1f
  la ra, user_mode_exit
1:
  mv a0, a1
  sret

  .globl enter_mode_resume
enter_mode_resume:
  la t0, mode_ctx
  lw ra, 0(t0)
  lw sp, 4(t0)
  lw s0, 8(t0)
  lw s1, 12(t0)
  lw s2, 16(t0)
  lw s3, 20(t0)
  lw s4, 24(t0)
  lw s5, 28(t0)
  lw s6, 32(t0)
  lw s7, 36(t0)
  lw s8, 40(t0)
  lw s9, 44(t0)
  lw s10, 48(t0)
  lw s11, 52(t0)
  lw gp, 56(t0)
  lw tp, 60(t0)
  ret

/* Where a lower-mode function returns to: leave the mode through the M handler. */
  .globl mode_exit
mode_exit:
  li a7, MODE_EXIT_MAGIC
  ecall
  j mode_exit

  .section .user.text, "ax"
  .globl user_mode_exit
user_mode_exit:
  li a7, MODE_EXIT_MAGIC
  ecall
  j user_mode_exit

  .bss
  .balign 4
  .globl mode_ctx
mode_ctx:
  .space 68
