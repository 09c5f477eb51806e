/* A hostile S-mode guest: random SBI calls and PV hypercalls with random
 * arguments (pointers anywhere, including other domains' address ranges and
 * the guest's own shared pages), interleaved with garbage written into its
 * shared-info page, grant table and rings. It counts what comes back; the test
 * checks the VMM survives, only returns error codes and leaks nothing.
 * Output: "hostile: N calls, E errors" then SRST shutdown. */
#include <stdint.h>
#include "pv.h"
static uint32_t rng = 0x9e3779b9;
static uint32_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}

static uint8_t scratch[8192] __attribute__((aligned(4096)));

extern void trap_entry(void);
static volatile unsigned traps;
unsigned long trap_handler(unsigned long cause, unsigned long epc, unsigned long tval) {
  (void)tval;
  traps++;
  if ((long)cause < 0) {
    /* Interrupts: silence the source we may have enabled by accident. */
    __asm__ volatile("csrw sie, zero");
    return epc;
  }
  uint16_t low = *(volatile uint16_t *)epc;
  return epc + ((low & 3) == 3 ? 4 : 2);
}

static void print(const char *s) {
  while (*s) sbi_legacy(SBI_EXT_LEGACY_CONSOLE_PUTCHAR, (unsigned char)*s++);
}
static void print_dec(uint32_t v) {
  char b[12];
  int i = 12;
  do b[--i] = (char)('0' + v % 10); while (v /= 10);
  while (i < 12) sbi_legacy(SBI_EXT_LEGACY_CONSOLE_PUTCHAR, (unsigned char)b[i++]);
}

/* An argument: small numbers, pointers into the scratch pages, the VMM's pages or the
 * low 2 MiB of RAM (the image lives above: the VMM writing results through random
 * pointers must not overwrite this program), or anything at all. */
static unsigned long arg(unsigned long base_ram) {
  switch (next() % 6) {
    case 0: return next() % 16;
    case 1: return (unsigned long)scratch + (next() % sizeof scratch);
    case 2: return base_ram + (next() & 1 ? next() % 0x200000 : 0x400000 - 0x10000 + next() % 0x10000);
    case 3: return DOMID_SELF;
    case 4: return next() % 4; /* low domids */
    default: return next();
  }
}

void c_start(unsigned long hartid, const void *dtb) {
  (void)hartid;
  (void)dtb;
  __asm__ volatile("csrw stvec, %0" ::"r"(trap_entry));
  unsigned long ram = 0x80000000, ops = 0, errors = 0;
  static const unsigned long ext[] = {
      PV_SBI_EXT,   PV_SBI_EXT,   PV_SBI_EXT,     PV_SBI_EXT,
      SBI_EXT_BASE, SBI_EXT_TIME, SBI_EXT_IPI,    SBI_EXT_RFENCE,
      SBI_EXT_HSM,  SBI_EXT_DBCN, SBI_EXT_LEGACY_CONSOLE_PUTCHAR, SBI_EXT_LEGACY_CONSOLE_GETCHAR};
  static const unsigned long hyper[] = {__HYPERVISOR_memory_op,  __HYPERVISOR_xen_version,
                                        __HYPERVISOR_console_io, __HYPERVISOR_grant_table_op,
                                        __HYPERVISOR_sched_op,   __HYPERVISOR_event_channel_op};
  for (;;) {
    /* Garbage into shared pages: the top 64 KiB of RAM holds the VMM's pages. */
    if ((next() & 7) == 0) {
      volatile uint32_t *p = (volatile uint32_t *)(ram + 0x400000 - 0x10000 + (next() % 0x10000 & ~3u));
      *p = next();
    }
    for (unsigned i = 0; i < 16; i++) ((volatile uint32_t *)scratch)[next() % 2048] = next();
    unsigned long e = ext[next() % (sizeof ext / sizeof ext[0])];
    unsigned long f = e == PV_SBI_EXT ? ((next() & 3) ? hyper[next() % 6] : next() % 64) : next() % 8;
    /* Never call shutdown/suspend/hart_stop on purpose: the test wants the loop to go on. */
    if (e == SBI_EXT_HSM && (f == SBI_EXT_HSM_HART_STOP || f == SBI_EXT_HSM_HART_SUSPEND)) continue;
    if (e == PV_SBI_EXT && f == __HYPERVISOR_sched_op) {
      unsigned long cmd = next() % 8;
      if (cmd >= 1 && cmd <= 4) continue; /* block, shutdown, poll (may wait forever), remote_shutdown */
      struct sbiret r = sbi_ecall(e, f, cmd, arg(ram), arg(ram), 0, 0, 0);
      errors += r.error != 0 || r.value < 0;
    } else {
      struct sbiret r = sbi_ecall(e, f, arg(ram), arg(ram), arg(ram), arg(ram), arg(ram), arg(ram));
      errors += r.error != 0 || r.value < 0;
    }
    ops++;
    if (ops % 0x4000 == 0) {
      print("hostile: ");
      print_dec(ops);
      print(" calls, ");
      print_dec(errors);
      print(" errors\n");
    }
  }
}
