/* The QEMU virt devices the test programs use (addresses as in src/machine/address-map.ts). */
#pragma once
#include <stdint.h>

#define UART0 0x10000000u
#define CLINT 0x02000000u
#define PLIC 0x0c000000u
#define FINISHER 0x00100000u
#define UART0_IRQ 10

#define REG8(a) (*(volatile uint8_t *)(uintptr_t)(a))
#define REG32(a) (*(volatile uint32_t *)(uintptr_t)(a))

#define csr_read(csr) ({ uint32_t v_; __asm__ volatile("csrr %0, " #csr : "=r"(v_)); v_; })
#define csr_write(csr, v) __asm__ volatile("csrw " #csr ", %0" ::"r"(v))
#define csr_set(csr, v) __asm__ volatile("csrs " #csr ", %0" ::"r"(v))

void exit(int code) __attribute__((noreturn));

static inline void uart_putc(char c) {
  while (!(REG8(UART0 + 5) & 0x20)) {
  }
  REG8(UART0) = (uint8_t)c;
}
static inline void uart_puts(const char *s) {
  while (*s) uart_putc(*s++);
}
static inline void uart_puthex(uint32_t v) {
  for (int i = 28; i >= 0; i -= 4) uart_putc("0123456789abcdef"[(v >> i) & 15]);
}
/* "name=value\n" in hex, the probe output format. */
static inline void report(const char *name, uint32_t v) {
  uart_puts(name);
  uart_putc('=');
  uart_puthex(v);
  uart_putc('\n');
}
