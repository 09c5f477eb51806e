/* Does nothing but exit: the benchmark's measure of QEMU's start-up time. */
#include "runtime.h"

int main(void) {
  line("empty");
  pass();
}
