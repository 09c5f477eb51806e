/* Measures a fixed loop with mtime (CLINT MMIO) and with the time CSR; prints both deltas. */
#include "board.h"
#define MTIME_LO REG32(CLINT + 0xbff8)

static void burn(void) {
  /* 100 000 iterations of addi + bnez = 200 000 instructions. */
  __asm__ volatile(
      "li t0, 100000\n"
      "1: addi t0, t0, -1\n"
      "bnez t0, 1b\n" ::: "t0");
}

int main(void) {
  uint32_t m0 = MTIME_LO;
  burn();
  uint32_t m1 = MTIME_LO;
  uint32_t t0 = csr_read(time);
  burn();
  uint32_t t1 = csr_read(time);
  report("mmio", m1 - m0);
  report("csr", t1 - t0);
  return 0;
}
