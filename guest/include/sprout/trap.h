/* The register frame arch/trap-entry.S builds on every trap. */
#ifndef SPROUT_TRAP_H
#define SPROUT_TRAP_H
#include <stdbool.h>
#include <stdint.h>

struct trap_frame {
    uint32_t x[32]; /* x[0] unused; x[2] is sp before the trap */
    uint32_t sepc;
    uint32_t sstatus;
    uint32_t scause;
    uint32_t stval;
};

void trap_init(void);
void trap_handler(struct trap_frame *f);
/*
 * Probing: a load or store that may hit nothing (an absent device) faults
 * with an access fault. Between trap_probe_begin() and trap_probe_end() such
 * a fault skips the instruction instead of panicking, and is reported.
 */
void trap_probe_begin(void);
bool trap_probe_end(void); /* true if an access faulted */
/* Counts since boot, for `hv`. */
extern unsigned long trap_counts_irq[16];
extern unsigned long trap_counts_exc;

#endif
