/* SBI calls: sbi_ecall, struct sbiret and the extension/error numbers are
 * Sprout's (guest/include/sprout/sbi.h, tabvisor/sbi.h). What stays here is
 * the test guests' own: a legacy-extension call (SBI v2.0 chapter 5) that
 * sets a0 and a7 only, as pre-v0.2 callers do, and gets its result in a0. */
#ifndef SBI_H
#define SBI_H
#include <sprout/sbi.h>

static inline long sbi_legacy(unsigned long eid, unsigned long a0) {
  register unsigned long r_a0 __asm__("a0") = a0;
  register unsigned long r_a7 __asm__("a7") = eid;
  __asm__ volatile("ecall" : "+r"(r_a0) : "r"(r_a7) : "memory", "a1");
  return (long)r_a0;
}

#endif
