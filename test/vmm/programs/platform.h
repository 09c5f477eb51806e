/* What sbi-test.c needs from the level it runs at: an SBI guest in S-mode
 * (platform-sbi.c) or a bare M-mode program on QEMU virt (platform-bare.c). */
#ifndef PLATFORM_H
#define PLATFORM_H
#include <stdint.h>

void plat_init(unsigned long hartid, const void *dtb);
void plat_write(const char *s, unsigned n);
void plat_putc(char c);
uint64_t plat_time(void);
/* Interrupt numbers as the trap cause reports them at this level. */
extern const unsigned long plat_irq_timer, plat_irq_soft;
void plat_timer_arm(uint64_t when);
void plat_timer_disarm(void);
void plat_irq_enable(unsigned long irq, int on);
void plat_irqs_global(int on);
void plat_ipi_self(void);
void plat_ipi_clear(void);
/* Checks of the level's own interface; returns the number of failures. */
int plat_selftest(void);
void plat_exit(int code) __attribute__((noreturn));
void plat_set_trap_vector(void (*entry)(void));
static inline void plat_wfi(void) { __asm__ volatile("wfi"); }
#endif
