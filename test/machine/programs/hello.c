#include "board.h"
int main(void) {
  uart_puts("Hello from the bare machine!\n");
  return 0;
}
