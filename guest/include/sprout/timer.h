/* Time: the time CSR for now, SBI set_timer for deadlines (tickless: no periodic tick). */
#ifndef SPROUT_TIMER_H
#define SPROUT_TIMER_H
#include <stdbool.h>
#include <stdint.h>

void timer_init(uint32_t timebase_hz);
uint32_t timer_hz(void);
uint64_t timer_now(void);              /* ticks since the domain booted */
uint64_t timer_us(void);               /* microseconds since boot */
uint64_t timer_ms(void);
uint64_t timer_deadline_ms(uint32_t ms); /* tick count ms from now */
/* Arm the SBI timer so the next idle wait ends by `deadline` at the latest. */
void timer_arm(uint64_t deadline);
void timer_interrupt(void);
void sleep_ms(uint32_t ms);
unsigned long timer_interrupts(void);

#endif
