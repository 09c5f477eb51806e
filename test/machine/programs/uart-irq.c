/* Receives through the UART RX interrupt, routed by the PLIC to M-mode context 0. */
#include "board.h"
#define PLIC_PRIORITY(id) REG32(PLIC + 4 * (id))
#define PLIC_ENABLE_M REG32(PLIC + 0x2000)
#define PLIC_THRESHOLD_M REG32(PLIC + 0x200000)
#define PLIC_CLAIM_M REG32(PLIC + 0x200004)

static volatile char buf[256];
static volatile unsigned head, irqs;

__attribute__((interrupt("machine"), aligned(4))) static void on_trap(void) {
  uint32_t cause = csr_read(mcause);
  if (cause != 0x8000000bu) {
    report("unexpected mcause", cause);
    exit(3);
  }
  uint32_t id = PLIC_CLAIM_M;
  if (id == UART0_IRQ) {
    while (REG8(UART0 + 5) & 0x01) buf[head++ & 255] = (char)REG8(UART0);
    irqs++;
  }
  PLIC_CLAIM_M = id;
}

int main(void) {
  csr_write(mtvec, (uint32_t)(uintptr_t)on_trap);
  PLIC_PRIORITY(UART0_IRQ) = 1;
  PLIC_ENABLE_M = 1u << UART0_IRQ;
  PLIC_THRESHOLD_M = 0;
  REG8(UART0 + 1) = 0x01; /* IER.ERBFI */
  csr_set(mie, 1u << 11);
  unsigned tail = 0;
  for (;;) {
    /* Sleep with MIE clear so an interrupt between the check and WFI is not lost:
       WFI still wakes on a pending enabled interrupt (privileged spec 3.3.3). */
    __asm__ volatile("csrc mstatus, %0" ::"r"(1u << 3));
    if (tail == head) __asm__ volatile("wfi");
    csr_set(mstatus, 1u << 3);
    while (tail != head) {
      char c = buf[tail++ & 255];
      if (c == '.') {
        uart_puts(irqs > 0 ? "\nirq ok\n" : "\nno irq\n");
        return 0;
      }
      uart_putc(c);
    }
  }
}
