/* The S-mode SBI guest side of sbi-test.c: all output and control through SBI. */
#include <sprout/riscv.h>
#include "platform.h"
#include "sbi.h"

const unsigned long plat_irq_timer = 5; /* supervisor timer interrupt */
const unsigned long plat_irq_soft = 1;  /* supervisor software interrupt */

static unsigned long hart;

void plat_init(unsigned long hartid, const void *dtb) {
  (void)dtb;
  hart = hartid;
}

void plat_putc(char c) { sbi_legacy(SBI_EXT_LEGACY_CONSOLE_PUTCHAR, (unsigned char)c); }

void plat_write(const char *s, unsigned n) {
  /* DBCN console_write takes a physical address; this guest runs with satp = 0. */
  while (n > 0) {
    struct sbiret r = sbi_ecall(SBI_EXT_DBCN, 0, n, (unsigned long)s, 0, 0, 0, 0);
    if (r.error != SBI_SUCCESS || r.value <= 0) {
      while (n--) sbi_ecall(SBI_EXT_DBCN, 2, (unsigned char)*s++, 0, 0, 0, 0, 0);
      return;
    }
    s += r.value;
    n -= (unsigned)r.value;
  }
}

uint64_t plat_time(void) { return rdtime64(); }

void plat_timer_arm(uint64_t when) {
  sbi_ecall(SBI_EXT_TIME, 0, (unsigned long)when, (unsigned long)(when >> 32), 0, 0, 0, 0);
}

void plat_timer_disarm(void) { plat_timer_arm(~0ULL); }

void plat_irq_enable(unsigned long irq, int on) {
  if (on) __asm__ volatile("csrs sie, %0" ::"r"(1UL << irq));
  else __asm__ volatile("csrc sie, %0" ::"r"(1UL << irq));
}

void plat_irqs_global(int on) {
  if (on) __asm__ volatile("csrsi sstatus, 2");
  else __asm__ volatile("csrci sstatus, 2");
}

void plat_ipi_self(void) { sbi_ecall(SBI_EXT_IPI, 0, 1UL << hart, 0, 0, 0, 0, 0); }

void plat_ipi_clear(void) { __asm__ volatile("csrc sip, %0" ::"r"(2UL)); }

void plat_set_trap_vector(void (*entry)(void)) { __asm__ volatile("csrw stvec, %0" ::"r"(entry)); }

/* The SBI interface itself, per the specification's tables. */
int plat_selftest(void) {
  int fail = 0;
  struct sbiret r = sbi_ecall(SBI_EXT_BASE, 0, 0, 0, 0, 0, 0, 0);
  fail += r.error != 0 || ((r.value >> 24) & 0x7f) < 2; /* spec version ≥ 2.0 */
  static const unsigned long exts[] = {SBI_EXT_BASE, SBI_EXT_TIME, SBI_EXT_IPI, SBI_EXT_RFENCE,
                                       SBI_EXT_HSM, SBI_EXT_SRST, SBI_EXT_DBCN};
  for (unsigned i = 0; i < sizeof exts / sizeof exts[0]; i++) {
    r = sbi_ecall(SBI_EXT_BASE, 3, exts[i], 0, 0, 0, 0, 0);
    fail += r.error != 0 || r.value == 0;
  }
  r = sbi_ecall(SBI_EXT_BASE, 3, 0x0abcdef0, 0, 0, 0, 0, 0); /* probe: absent → 0 */
  fail += r.error != 0 || r.value != 0;
  r = sbi_ecall(0x0abcdef0, 0, 0, 0, 0, 0, 0, 0); /* unknown extension */
  fail += r.error != SBI_ERR_NOT_SUPPORTED;
  r = sbi_ecall(SBI_EXT_BASE, 99, 0, 0, 0, 0, 0, 0); /* unknown function */
  fail += r.error != SBI_ERR_NOT_SUPPORTED;
  r = sbi_ecall(SBI_EXT_HSM, 2, hart, 0, 0, 0, 0, 0); /* hart_get_status: STARTED */
  fail += r.error != 0 || r.value != 0;
  r = sbi_ecall(SBI_EXT_HSM, 2, 4096, 0, 0, 0, 0, 0); /* no such hart */
  fail += r.error != SBI_ERR_INVALID_PARAM;
  r = sbi_ecall(SBI_EXT_HSM, 0, hart, 0x80200000, 0, 0, 0, 0); /* start a running hart */
  fail += r.error != SBI_ERR_ALREADY_AVAILABLE;
  r = sbi_ecall(SBI_EXT_SRST, 0, 7, 0, 0, 0, 0, 0); /* reserved reset type */
  fail += r.error != SBI_ERR_INVALID_PARAM;
  r = sbi_ecall(SBI_EXT_IPI, 0, 1UL << 31, 0, 0, 0, 0, 0); /* hart 31 does not exist */
  fail += r.error != SBI_ERR_INVALID_PARAM;
  r = sbi_ecall(SBI_EXT_RFENCE, 0, 1UL << hart, 0, 0, 0, 0, 0); /* remote fence.i */
  fail += r.error != 0;
  r = sbi_ecall(SBI_EXT_DBCN, 0, 0, (unsigned long)&fail, 0, 0, 0, 0); /* write nothing */
  fail += r.error != 0 || r.value != 0;
  r = sbi_ecall(SBI_EXT_DBCN, 0, 4, (unsigned long)&fail, 1, 0, 0, 0); /* above 4 GiB */
  fail += r.error != SBI_ERR_INVALID_PARAM;
  r = sbi_ecall(SBI_EXT_DBCN, 0, 16, 0x1000, 0, 0, 0, 0); /* not guest memory */
  fail += r.error != SBI_ERR_INVALID_PARAM;
  return fail;
}

void plat_exit(int code) {
  /* SRST: shutdown, reason "system failure" on error. */
  sbi_ecall(SBI_EXT_SRST, 0, 0, code ? 1 : 0, 0, 0, 0, 0);
  for (;;) __asm__ volatile("wfi");
}
