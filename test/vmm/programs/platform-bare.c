/* The bare M-mode side of sbi-test.c, for QEMU virt: NS16550A UART at
 * 0x10000000, CLINT at 0x02000000, SiFive test finisher at 0x00100000. */
#include "platform.h"

#define UART ((volatile uint8_t *)0x10000000)
#define UART_THR 0
#define UART_LSR 5
#define LSR_THRE 0x20
#define CLINT_MSIP ((volatile uint32_t *)0x02000000)
#define CLINT_MTIMECMP ((volatile uint32_t *)0x02004000)
#define CLINT_MTIME ((volatile uint32_t *)0x0200bff8)
#define FINISHER ((volatile uint32_t *)0x00100000)

const unsigned long plat_irq_timer = 7; /* machine timer interrupt */
const unsigned long plat_irq_soft = 3;  /* machine software interrupt */

void plat_init(unsigned long hartid, const void *dtb) {
  (void)hartid;
  (void)dtb;
  plat_timer_disarm(); /* QEMU's mtimecmp resets to 0: MTIP would be pending */
}

void plat_putc(char c) {
  while (!(UART[UART_LSR] & LSR_THRE)) {
  }
  UART[UART_THR] = (uint8_t)c;
}

void plat_write(const char *s, unsigned n) {
  while (n--) plat_putc(*s++);
}

uint64_t plat_time(void) {
  uint32_t hi, lo;
  do {
    hi = CLINT_MTIME[1];
    lo = CLINT_MTIME[0];
  } while (hi != CLINT_MTIME[1]);
  return ((uint64_t)hi << 32) | lo;
}

void plat_timer_arm(uint64_t when) {
  CLINT_MTIMECMP[1] = 0xffffffff; /* no spurious match while the halves change */
  CLINT_MTIMECMP[0] = (uint32_t)when;
  CLINT_MTIMECMP[1] = (uint32_t)(when >> 32);
}

void plat_timer_disarm(void) { plat_timer_arm(~0ULL); }

void plat_irq_enable(unsigned long irq, int on) {
  if (on) __asm__ volatile("csrs mie, %0" ::"r"(1UL << irq));
  else __asm__ volatile("csrc mie, %0" ::"r"(1UL << irq));
}

void plat_irqs_global(int on) {
  if (on) __asm__ volatile("csrsi mstatus, 8");
  else __asm__ volatile("csrci mstatus, 8");
}

void plat_ipi_self(void) { *CLINT_MSIP = 1; }

void plat_ipi_clear(void) { *CLINT_MSIP = 0; }

void plat_set_trap_vector(void (*entry)(void)) { __asm__ volatile("csrw mtvec, %0" ::"r"(entry)); }

/* The machine level's own facts: misa names I, M, A, C, S and U; hart 0. */
int plat_selftest(void) {
  unsigned long misa, hartid;
  __asm__ volatile("csrr %0, misa" : "=r"(misa));
  __asm__ volatile("csrr %0, mhartid" : "=r"(hartid));
  int fail = 0;
  const char *need = "IMACSU";
  for (const char *p = need; *p; p++) fail += !((misa >> (*p - 'A')) & 1);
  fail += (misa >> 30) != 1; /* MXL = 1: RV32 */
  fail += hartid != 0;
  return fail;
}

void plat_exit(int code) {
  *FINISHER = code ? (0x3333 | ((uint32_t)code << 16)) : 0x5555;
  for (;;) __asm__ volatile("wfi");
}
