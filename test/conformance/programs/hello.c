/* Smallest program: UART output and a clean exit through the test finisher. */
#include "runtime.h"

int main(void) {
  line("hello from conformance");
  say("mhartid", csr_read(mhartid));
  pass();
}
