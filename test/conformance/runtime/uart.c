/* Polled output on the NS16550A UART (NS16550A datasheet: THR at offset 0,
   LSR at offset 5 with THRE = bit 5). */
#include "runtime.h"

#define UART_THR 0
#define UART_LSR 5
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40

void putc(char c) {
  while ((mmio_read8(UART0_BASE + UART_LSR) & UART_LSR_THRE) == 0) {
  }
  mmio_write8(UART0_BASE + UART_THR, (u8)c);
}

void puts(const char *s) {
  while (*s) putc(*s++);
}

void put_hex_n(u32 v, int digits) {
  for (int i = digits - 1; i >= 0; i--) putc("0123456789abcdef"[(v >> (i * 4)) & 0xf]);
}

void put_hex(u32 v) { put_hex_n(v, 8); }

void put_udec(u32 v) {
  char buf[11];
  int n = 0;
  do {
    buf[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) putc(buf[--n]);
}

void put_dec(i32 v) {
  if (v < 0) {
    putc('-');
    put_udec(-(u32)v);
  } else {
    put_udec((u32)v);
  }
}

void say(const char *name, u32 v) {
  puts(name);
  putc('=');
  put_hex(v);
  putc('\n');
}

void say_dec(const char *name, i32 v) {
  puts(name);
  putc('=');
  put_dec(v);
  putc('\n');
}

void line(const char *s) {
  puts(s);
  putc('\n');
}

/* Waits until the transmitter is empty (LSR.TEMT): QEMU retries a byte its
   host side could not take yet and would drop it if the finisher ended the
   run first. */
void uart_drain(void) {
  while ((mmio_read8(UART0_BASE + UART_LSR) & UART_LSR_TEMT) == 0) {
  }
}
