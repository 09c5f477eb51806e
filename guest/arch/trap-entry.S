/*
 * The trap vector (stvec, direct mode: RISC-V privileged spec 1.12 §4.1.2).
 * Sprout runs only in S-mode, so a trap always arrives on the kernel stack:
 * we push a struct trap_frame (include/sprout/trap.h) holding every integer
 * register plus sepc, sstatus, scause and stval, call trap_handler(frame),
 * and restore from the frame (the handler may change sepc to skip an
 * instruction). sret returns to sepc with the saved sstatus.
 */
#define REG_SIZE 4
#define FRAME_SIZE (36 * REG_SIZE)

    .text
    .globl trap_vector
    .balign 4
trap_vector:
    addi sp, sp, -FRAME_SIZE
    sw x1,   1*REG_SIZE(sp)
    /* x2 (sp) is saved below, as its value before the trap. */
    sw x3,   3*REG_SIZE(sp)
    sw x4,   4*REG_SIZE(sp)
    sw x5,   5*REG_SIZE(sp)
    sw x6,   6*REG_SIZE(sp)
    sw x7,   7*REG_SIZE(sp)
    sw x8,   8*REG_SIZE(sp)
    sw x9,   9*REG_SIZE(sp)
    sw x10, 10*REG_SIZE(sp)
    sw x11, 11*REG_SIZE(sp)
    sw x12, 12*REG_SIZE(sp)
    sw x13, 13*REG_SIZE(sp)
    sw x14, 14*REG_SIZE(sp)
    sw x15, 15*REG_SIZE(sp)
    sw x16, 16*REG_SIZE(sp)
    sw x17, 17*REG_SIZE(sp)
    sw x18, 18*REG_SIZE(sp)
    sw x19, 19*REG_SIZE(sp)
    sw x20, 20*REG_SIZE(sp)
    sw x21, 21*REG_SIZE(sp)
    sw x22, 22*REG_SIZE(sp)
    sw x23, 23*REG_SIZE(sp)
    sw x24, 24*REG_SIZE(sp)
    sw x25, 25*REG_SIZE(sp)
    sw x26, 26*REG_SIZE(sp)
    sw x27, 27*REG_SIZE(sp)
    sw x28, 28*REG_SIZE(sp)
    sw x29, 29*REG_SIZE(sp)
    sw x30, 30*REG_SIZE(sp)
    sw x31, 31*REG_SIZE(sp)
    addi t0, sp, FRAME_SIZE
    sw t0,   2*REG_SIZE(sp)
    csrr t0, sepc
    sw t0,  32*REG_SIZE(sp)
    csrr t0, sstatus
    sw t0,  33*REG_SIZE(sp)
    csrr t0, scause
    sw t0,  34*REG_SIZE(sp)
    csrr t0, stval
    sw t0,  35*REG_SIZE(sp)

    mv a0, sp
    call trap_handler

    lw t0,  32*REG_SIZE(sp)
    csrw sepc, t0
    lw t0,  33*REG_SIZE(sp)
    csrw sstatus, t0
    lw x1,   1*REG_SIZE(sp)
    lw x3,   3*REG_SIZE(sp)
    lw x4,   4*REG_SIZE(sp)
    lw x5,   5*REG_SIZE(sp)
    lw x6,   6*REG_SIZE(sp)
    lw x7,   7*REG_SIZE(sp)
    lw x8,   8*REG_SIZE(sp)
    lw x9,   9*REG_SIZE(sp)
    lw x10, 10*REG_SIZE(sp)
    lw x11, 11*REG_SIZE(sp)
    lw x12, 12*REG_SIZE(sp)
    lw x13, 13*REG_SIZE(sp)
    lw x14, 14*REG_SIZE(sp)
    lw x15, 15*REG_SIZE(sp)
    lw x16, 16*REG_SIZE(sp)
    lw x17, 17*REG_SIZE(sp)
    lw x18, 18*REG_SIZE(sp)
    lw x19, 19*REG_SIZE(sp)
    lw x20, 20*REG_SIZE(sp)
    lw x21, 21*REG_SIZE(sp)
    lw x22, 22*REG_SIZE(sp)
    lw x23, 23*REG_SIZE(sp)
    lw x24, 24*REG_SIZE(sp)
    lw x25, 25*REG_SIZE(sp)
    lw x26, 26*REG_SIZE(sp)
    lw x27, 27*REG_SIZE(sp)
    lw x28, 28*REG_SIZE(sp)
    lw x29, 29*REG_SIZE(sp)
    lw x30, 30*REG_SIZE(sp)
    lw x31, 31*REG_SIZE(sp)
    addi sp, sp, FRAME_SIZE
    sret
