/*
 * Trap handling (RISC-V privileged spec 1.12 §4.1: scause, sepc, stval).
 * Interrupts: the supervisor timer (the SBI timer) and external interrupts
 * from the PLIC, which carries both the HVM devices' IRQs and, on PV, the
 * event-channel upcall. Exceptions in the kernel are bugs: we print the
 * frame and stop.
 */
#include <sprout/irq.h>
#include <sprout/kernel.h>
#include <sprout/riscv.h>
#include <sprout/timer.h>
#include <sprout/trap.h>

extern void trap_vector(void);

unsigned long trap_counts_irq[16];
unsigned long trap_counts_exc;

static const char *const exception_names[] = {
    [EXC_INSN_MISALIGNED] = "instruction address misaligned",
    [EXC_INSN_ACCESS] = "instruction access fault",
    [EXC_ILLEGAL_INSN] = "illegal instruction",
    [EXC_BREAKPOINT] = "breakpoint",
    [EXC_LOAD_MISALIGNED] = "load address misaligned",
    [EXC_LOAD_ACCESS] = "load access fault",
    [EXC_STORE_MISALIGNED] = "store address misaligned",
    [EXC_STORE_ACCESS] = "store access fault",
    [EXC_ECALL_U] = "ecall from U-mode",
    [EXC_ECALL_S] = "ecall from S-mode",
    [EXC_INSN_PAGE_FAULT] = "instruction page fault",
    [EXC_LOAD_PAGE_FAULT] = "load page fault",
    [EXC_STORE_PAGE_FAULT] = "store/AMO page fault",
};

static volatile bool probing, probe_faulted;

void trap_probe_begin(void) {
    probe_faulted = false;
    probing = true;
}

bool trap_probe_end(void) {
    probing = false;
    return probe_faulted;
}

void trap_init(void) {
    /* Direct mode: every trap enters trap_vector (stvec.MODE = 0). */
    csr_write(stvec, (uintptr_t)trap_vector);
    csr_write(sie, SIE_SEIE); /* the timer's STIE is set while a deadline is armed (timer.c) */
}

void trap_handler(struct trap_frame *f) {
    uint32_t cause = f->scause;
    if (cause & SCAUSE_INTERRUPT) {
        uint32_t code = cause & ~SCAUSE_INTERRUPT;
        if (code < 16) trap_counts_irq[code]++;
        if (code == IRQ_S_TIMER)
            timer_interrupt();
        else if (code == IRQ_S_EXT)
            irq_dispatch_external();
        else
            csr_clear(sip, 1u << code);
        return;
    }
    trap_counts_exc++;
    if (probing && (cause == EXC_LOAD_ACCESS || cause == EXC_STORE_ACCESS)) {
        /* Skip the access: 2 bytes if compressed (the low bits are not 11), else 4. */
        uint16_t insn = *(const uint16_t *)(uintptr_t)f->sepc;
        f->sepc += (insn & 3) == 3 ? 4 : 2;
        f->x[0] = 0;
        probe_faulted = true;
        return;
    }
    const char *what = cause < ARRAY_SIZE(exception_names) && exception_names[cause]
                           ? exception_names[cause]
                           : "unknown exception";
    printk("\n*** trap: %s (scause %lu) at pc 0x%08lx, stval 0x%08lx\n", what, (unsigned long)cause,
           (unsigned long)f->sepc, (unsigned long)f->stval);
    for (int i = 1; i < 32; i += 4)
        printk("    x%-2d %08lx  x%-2d %08lx  x%-2d %08lx  x%-2d %08lx\n", i, (unsigned long)f->x[i],
               i + 1, (unsigned long)f->x[i + 1], i + 2, (unsigned long)f->x[i + 2], i + 3,
               (unsigned long)(i + 3 < 32 ? f->x[i + 3] : 0));
    panic("unexpected trap in the kernel");
}
