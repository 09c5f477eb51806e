#include "board.h"
int main(void) {
  uart_puts("about to fail\n");
  return 42;
}
