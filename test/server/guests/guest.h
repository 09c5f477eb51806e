/* What the test guests share. SBI calls (sbi_ecall), the time CSR (rdtime64)
 * and the ABI's numbers and structures come from guest/include: Sprout's
 * sprout/sbi.h and sprout/riscv.h, and the ABI mirror in tabvisor/ (checked
 * against src/vmm/abi by test/guest/abi-mirror.test.ts). */
#ifndef GUEST_H
#define GUEST_H
#include <stdint.h>
#include <sprout/riscv.h>
#include <sprout/sbi.h>
#include <tabvisor/errno.h>
#include <tabvisor/event_channel.h>
#include <tabvisor/hypercall.h>
#include <tabvisor/platform.h>
#include <tabvisor/start_info.h>

/* SRST system_reset (SBI v2.0 §10); it does not return. */
static inline void sbi_reset(unsigned long type, unsigned long reason) {
  sbi_ecall(SBI_EXT_SRST, SBI_EXT_SRST_SYSTEM_RESET, type, reason, 0, 0, 0, 0);
  for (;;) __asm__ volatile("wfi");
}

/* src/vmm/abi/hypercall.ts: a7 = PV_SBI_EXT, a6 = hypercall number, result in a1. */
static inline long hypercall(unsigned long nr, unsigned long a0, unsigned long a1, unsigned long a2) {
  struct sbiret r = sbi_ecall(PV_SBI_EXT, nr, a0, a1, a2, 0, 0, 0);
  return r.error ? -XEN_ENOSYS : r.value;
}

static inline unsigned str_len(const char *s) {
  unsigned n = 0;
  while (s[n]) n++;
  return n;
}

static inline int str_eq(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}
#endif
