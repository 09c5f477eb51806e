/* A CPU-bound S-mode guest for the scheduler benchmark: CRC-32 and a sieve over
 * its own memory, forever, without any I/O or hypercall. */
#include <stdint.h>

static uint8_t buf[16384];
static uint8_t sieve[8192];
volatile uint32_t result;

unsigned long trap_handler(unsigned long cause, unsigned long epc, unsigned long tval) {
  (void)cause;
  (void)tval;
  return epc + 4;
}

void c_start(void) {
  uint32_t x = 1;
  for (;;) {
    for (unsigned i = 0; i < sizeof buf; i++) {
      x = x * 1103515245u + 12345u;
      buf[i] = (uint8_t)(x >> 16);
    }
    uint32_t c = 0xffffffff;
    for (unsigned i = 0; i < sizeof buf; i++) {
      c ^= buf[i];
      for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320 & -(c & 1));
    }
    unsigned primes = 0;
    for (unsigned i = 0; i < sizeof sieve; i++) sieve[i] = 0;
    for (unsigned i = 2; i < sizeof sieve; i++) {
      if (sieve[i]) continue;
      primes++;
      for (unsigned j = i * 2; j < sizeof sieve; j += i) sieve[j] = 1;
    }
    result = ~c ^ primes;
  }
}
