/* Sleeps in WFI for three timer interrupts 1 ms apart (10 000 ticks at 10 MHz). */
#include "board.h"
#define MTIME_LO REG32(CLINT + 0xbff8)
#define MTIME_HI REG32(CLINT + 0xbffc)
#define MTIMECMP_LO REG32(CLINT + 0x4000)
#define MTIMECMP_HI REG32(CLINT + 0x4004)

static volatile unsigned ticks;

static uint64_t mtime(void) {
  uint32_t hi, lo;
  do {
    hi = MTIME_HI;
    lo = MTIME_LO;
  } while (hi != MTIME_HI);
  return ((uint64_t)hi << 32) | lo;
}
static void arm(uint64_t when) {
  MTIMECMP_HI = 0xffffffff;
  MTIMECMP_LO = (uint32_t)when;
  MTIMECMP_HI = (uint32_t)(when >> 32);
}

__attribute__((interrupt("machine"), aligned(4))) static void on_trap(void) {
  uint32_t cause = csr_read(mcause);
  if (cause != 0x80000007u) {
    report("unexpected mcause", cause);
    exit(3);
  }
  ticks++;
  arm(mtime() + 10000);
}

int main(void) {
  csr_write(mtvec, (uint32_t)(uintptr_t)on_trap);
  uint64_t start = mtime();
  arm(start + 10000);
  csr_set(mie, 1u << 7);
  csr_set(mstatus, 1u << 3);
  while (ticks < 3) {
    __asm__ volatile("wfi");
    uart_puts("tick\n");
  }
  uint64_t elapsed = mtime() - start;
  uart_puts(elapsed >= 30000 && elapsed < 40000 ? "elapsed ok\n" : "elapsed wrong\n");
  return 0;
}
