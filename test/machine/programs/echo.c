/* Polls the UART receiver and echoes each line upper-cased, until a line ".". */
#include "board.h"
static char getc_blocking(void) {
  while (!(REG8(UART0 + 5) & 0x01)) {
  }
  return (char)REG8(UART0);
}
int main(void) {
  char line[128];
  for (;;) {
    unsigned n = 0;
    char c;
    while ((c = getc_blocking()) != '\n')
      if (n < sizeof line - 1) line[n++] = c;
    line[n] = 0;
    if (n == 1 && line[0] == '.') return 0;
    for (unsigned i = 0; i < n; i++) uart_putc(line[i] >= 'a' && line[i] <= 'z' ? line[i] - 32 : line[i]);
    uart_putc('\n');
  }
}
