/* Jumps to an address with no memory behind it, with no trap handler installed (mtvec = 0). */
#include "board.h"
int main(void) {
  uart_puts("jumping into the void\n");
  csr_write(mtvec, 0);
  void (*nowhere)(void) = (void (*)(void))0x40000000u;
  nowhere();
  return 0;
}
