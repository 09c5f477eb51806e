/*
 * RISC-V supervisor-mode registers and instructions (privileged spec 1.12,
 * chapter 4): the CSR accessors and bit names Sprout uses.
 */
#ifndef SPROUT_RISCV_H
#define SPROUT_RISCV_H
#include <stdint.h>

#define csr_read(csr) ({ unsigned long __v; __asm__ volatile("csrr %0, " #csr : "=r"(__v)); __v; })
#define csr_write(csr, v) __asm__ volatile("csrw " #csr ", %0" ::"rK"(v) : "memory")
#define csr_set(csr, v) __asm__ volatile("csrs " #csr ", %0" ::"rK"(v) : "memory")
#define csr_clear(csr, v) __asm__ volatile("csrc " #csr ", %0" ::"rK"(v) : "memory")

/* sstatus (§4.1.1) */
#define SSTATUS_SIE (1u << 1)
#define SSTATUS_SPIE (1u << 5)
#define SSTATUS_SPP (1u << 8)
#define SSTATUS_SUM (1u << 18)

/* sie / sip bits and scause interrupt codes (§4.1.3, table 4.2) */
#define IRQ_S_SOFT 1
#define IRQ_S_TIMER 5
#define IRQ_S_EXT 9
#define SIE_SSIE (1u << IRQ_S_SOFT)
#define SIE_STIE (1u << IRQ_S_TIMER)
#define SIE_SEIE (1u << IRQ_S_EXT)
#define SCAUSE_INTERRUPT 0x80000000u

/* Exception codes (table 4.2) */
#define EXC_INSN_MISALIGNED 0
#define EXC_INSN_ACCESS 1
#define EXC_ILLEGAL_INSN 2
#define EXC_BREAKPOINT 3
#define EXC_LOAD_MISALIGNED 4
#define EXC_LOAD_ACCESS 5
#define EXC_STORE_MISALIGNED 6
#define EXC_STORE_ACCESS 7
#define EXC_ECALL_U 8
#define EXC_ECALL_S 9
#define EXC_INSN_PAGE_FAULT 12
#define EXC_LOAD_PAGE_FAULT 13
#define EXC_STORE_PAGE_FAULT 15

/* satp for Sv32 (§4.1.11): MODE in bit 31, root page table PPN in 21:0. */
#define SATP_MODE_SV32 (1u << 31)

static inline void wfi(void) { __asm__ volatile("wfi" ::: "memory"); }
static inline void sfence_vma(void) { __asm__ volatile("sfence.vma" ::: "memory"); }
static inline void fence(void) { __asm__ volatile("fence rw, rw" ::: "memory"); }
/* Device I/O ordering: every device access is a memory-mapped access here. */
static inline void io_fence(void) { __asm__ volatile("fence iorw, iorw" ::: "memory"); }

/* The time CSR (Zicntr): ticks at the DTB's timebase-frequency. */
static inline uint64_t rdtime64(void) {
    uint32_t hi, lo, hi2;
    do {
        __asm__ volatile("rdtimeh %0" : "=r"(hi));
        __asm__ volatile("rdtime %0" : "=r"(lo));
        __asm__ volatile("rdtimeh %0" : "=r"(hi2));
    } while (hi != hi2);
    return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t rdinstret64(void) {
    uint32_t hi, lo, hi2;
    do {
        __asm__ volatile("rdinstreth %0" : "=r"(hi));
        __asm__ volatile("rdinstret %0" : "=r"(lo));
        __asm__ volatile("rdinstreth %0" : "=r"(hi2));
    } while (hi != hi2);
    return ((uint64_t)hi << 32) | lo;
}

/* Interrupts: Sprout keeps sstatus.SIE clear and opens it only where it waits (irq.c). */
static inline unsigned long irq_save(void) {
    unsigned long s;
    __asm__ volatile("csrrci %0, sstatus, 2" : "=r"(s)::"memory");
    return s & SSTATUS_SIE;
}
static inline void irq_restore(unsigned long s) {
    if (s) csr_set(sstatus, SSTATUS_SIE);
}

#endif
