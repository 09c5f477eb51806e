#include "board.h"
int main(void) {
  uart_puts("spinning\n");
  for (;;) {
    __asm__ volatile("" ::: "memory");
  }
}
