/*
 * External interrupts. Sprout is single-threaded and runs with sstatus.SIE
 * clear; it opens interrupts only where it waits (wait_for_interrupt), so a
 * handler never runs in the middle of a driver's register sequence. Handlers
 * are registered per PLIC source.
 */
#ifndef SPROUT_IRQ_H
#define SPROUT_IRQ_H
#include <stdbool.h>
#include <stdint.h>

typedef void (*irq_handler_t)(void *arg);
void irq_register(uint32_t source, irq_handler_t fn, void *arg, const char *name);
void irq_dispatch_external(void);
unsigned long irq_count(uint32_t source);
/* Sleep until an interrupt (WFI on HVM, SCHEDOP_block on PV) and let its handler run. */
void wait_for_interrupt(void);
/* Take any interrupt that is already pending, without sleeping. */
void irq_poll(void);
void irq_list(void);

#endif
