/* Spike/riscv-tests host interface: a write syscall, then an exit with code 7. */
#include <stdint.h>
volatile uint64_t tohost __attribute__((section(".tohost")));
volatile uint64_t fromhost __attribute__((section(".tohost")));

static volatile uint64_t magic_mem[8] __attribute__((aligned(64)));

static long syscall(long which, long a0, long a1, long a2) {
  magic_mem[0] = which;
  magic_mem[1] = a0;
  magic_mem[2] = a1;
  magic_mem[3] = a2;
  __sync_synchronize();
  tohost = (uintptr_t)magic_mem;
  while (fromhost == 0) {
  }
  fromhost = 0;
  __sync_synchronize();
  return (long)magic_mem[0];
}

int main(void) {
  static const char msg[] = "htif write works\n";
  long n = syscall(64, 1, (long)msg, sizeof msg - 1);
  tohost = ((uint64_t)(n == sizeof msg - 1 ? 7 : 9) << 1) | 1;
  for (;;) {
  }
}
