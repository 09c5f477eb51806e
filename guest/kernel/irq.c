/*
 * External interrupt dispatch (see include/sprout/irq.h). The PLIC tells
 * which source interrupted (claim) and is told when we are done (complete);
 * PLIC Specification 1.0.0 chapter 9. Sources are level-triggered: a device
 * whose line is still high interrupts again after completion.
 */
#include <sprout/drivers.h>
#include <sprout/irq.h>
#include <sprout/kernel.h>
#include <sprout/riscv.h>
#include <sprout/xen.h>

#define MAX_SOURCES 128

static struct {
    irq_handler_t fn;
    void *arg;
    const char *name;
    unsigned long count;
} handlers[MAX_SOURCES];
static unsigned long spurious;

void irq_register(uint32_t source, irq_handler_t fn, void *arg, const char *name) {
    if (source == 0 || source >= MAX_SOURCES) panic("irq_register: bad source %lu", (unsigned long)source);
    handlers[source].fn = fn;
    handlers[source].arg = arg;
    handlers[source].name = name;
    plic_enable(source, true);
}

void irq_dispatch_external(void) {
    uint32_t src;
    while ((src = plic_claim()) != 0) {
        if (src < MAX_SOURCES && handlers[src].fn) {
            handlers[src].count++;
            handlers[src].fn(handlers[src].arg);
        } else {
            spurious++;
        }
        plic_complete(src);
    }
}

unsigned long irq_count(uint32_t source) { return source < MAX_SOURCES ? handlers[source].count : 0; }

/* Open the interrupt window: anything pending traps now, then we close it again. */
void irq_poll(void) {
    csr_set(sstatus, SSTATUS_SIE);
    __asm__ volatile("nop");
    csr_clear(sstatus, SSTATUS_SIE);
}

void wait_for_interrupt(void) {
    /*
     * With SIE clear an interrupt cannot slip in between our check and the
     * sleep: WFI (and SCHEDOP_block) return as soon as one is pending,
     * enabled or not (privileged spec §3.3.3), and irq_poll then takes it.
     */
    if (is_pv())
        HYPERVISOR_sched_op(SCHEDOP_block, NULL);
    else
        wfi();
    irq_poll();
}

void irq_list(void) {
    for (unsigned i = 1; i < MAX_SOURCES; i++)
        if (handlers[i].fn)
            printf("  PLIC %3u  %-12s %lu interrupts\n", i, handlers[i].name, handlers[i].count);
    if (spurious) printf("  spurious claims: %lu\n", spurious);
}
