/*
 * Time. The time CSR counts ticks since the domain booted at the DTB's
 * /cpus/timebase-frequency (10 MHz here). There is no periodic tick: when
 * Sprout waits for something with a deadline it arms the SBI timer
 * (SBI v2.0 §6.1 set_timer) and sleeps; the supervisor timer interrupt
 * (sip.STIP) ends the sleep. As Linux's riscv timer driver does, the handler
 * then masks the timer interrupt (sie.STIE) rather than reprogramming the
 * compare value, and arming it again unmasks it; the SBI call that sets the
 * next deadline clears the pending STIP. On PV the VMM also raises
 * VIRQ_TIMER; Sprout does not bind it.
 */
#include <sprout/irq.h>
#include <sprout/kernel.h>
#include <sprout/riscv.h>
#include <sprout/sbi.h>
#include <sprout/timer.h>

static uint32_t hz = 10000000;
static uint64_t armed = UINT64_MAX;
static unsigned long interrupts;

void timer_init(uint32_t timebase_hz) {
    if (timebase_hz) hz = timebase_hz;
    csr_clear(sie, SIE_STIE); /* nothing armed yet */
}

uint32_t timer_hz(void) { return hz; }
uint64_t timer_now(void) { return rdtime64(); }
uint64_t timer_us(void) { return rdtime64() / (hz / 1000000); }
uint64_t timer_ms(void) { return rdtime64() / (hz / 1000); }
uint64_t timer_deadline_ms(uint32_t ms) { return rdtime64() + (uint64_t)ms * (hz / 1000); }

void timer_arm(uint64_t deadline) {
    if (deadline >= armed && armed > rdtime64()) return; /* an earlier wake-up is already set */
    armed = deadline;
    sbi_set_timer(deadline); /* clears STIP */
    csr_set(sie, SIE_STIE);
}

void timer_interrupt(void) {
    interrupts++;
    armed = UINT64_MAX;
    csr_clear(sie, SIE_STIE); /* STIP stays pending, masked, until the next timer_arm */
}

void sleep_ms(uint32_t ms) {
    uint64_t until = timer_deadline_ms(ms);
    while (rdtime64() < until) {
        timer_arm(until);
        wait_for_interrupt();
    }
}

unsigned long timer_interrupts(void) { return interrupts; }
