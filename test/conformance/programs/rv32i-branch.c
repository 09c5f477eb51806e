/*
 * RV32I control transfer (unprivileged spec 20191213, 2.5): every conditional
 * branch over signed/unsigned edge cases, forward and backward, JAL and JALR
 * link values, JALR clearing bit 0 of the target and reading rs1 before
 * writing rd when rd == rs1.
 */
#include "runtime.h"

static const u32 vals[] = {0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0x12345678};
#define NVALS (sizeof vals / sizeof vals[0])

/* Forward branch: returns 1 when taken. */
#define BR_FWD(name)                                                                               \
  static u32 fwd_##name(u32 a, u32 b) {                                                            \
    u32 t;                                                                                         \
    __asm__ volatile("li %0, 1\n " #name " %1, %2, 1f\n li %0, 0\n1:"                              \
                     : "=&r"(t)                                                                    \
                     : "r"(a), "r"(b));                                                            \
    return t;                                                                                      \
  }
/* Backward branch: jumps forward over the target first, then branches back. */
#define BR_BWD(name)                                                                               \
  static u32 bwd_##name(u32 a, u32 b) {                                                            \
    u32 t;                                                                                         \
    __asm__ volatile("li %0, 0\n j 2f\n1: li %0, 1\n j 3f\n2: " #name " %1, %2, 1b\n3:"            \
                     : "=&r"(t)                                                                    \
                     : "r"(a), "r"(b));                                                            \
    return t;                                                                                      \
  }
#define BR(name) BR_FWD(name) BR_BWD(name)
BR(beq)
BR(bne)
BR(blt)
BR(bge)
BR(bltu)
BR(bgeu)

static void table(const char *name, u32 (*fwd)(u32, u32), u32 (*bwd)(u32, u32)) {
  puts(name);
  putc('\n');
  for (unsigned i = 0; i < NVALS; i++) {
    put_hex(vals[i]);
    putc(':');
    for (unsigned j = 0; j < NVALS; j++) {
      u32 f = fwd(vals[i], vals[j]), b = bwd(vals[i], vals[j]);
      putc(' ');
      putc(f ? 'T' : 'N');
      putc(b ? 'T' : 'N');
    }
    putc('\n');
  }
}

static void jumps(void) {
  u32 link, target;
  /* JAL writes pc + 4 (pc + 2 if the assembler chose c.jal). */
  __asm__ volatile(".option push\n.option norvc\n"
                   "jal %0, 1f\n"
                   "1: la %1, 1b\n"
                   ".option pop"
                   : "=r"(link), "=r"(target));
  say("jal link - next", link - target);
  /* JAL with rd = x0 is a plain jump. */
  u32 skipped = 1;
  __asm__ volatile("jal x0, 1f\n li %0, 0\n1:" : "+r"(skipped));
  say("jal x0 skipped", skipped);
  /* Backward JAL. */
  u32 count = 0;
  __asm__ volatile("j 2f\n1: addi %0, %0, 1\n j 3f\n2: jal x0, 1b\n3:" : "+r"(count));
  say("jal backward", count);

  /* JALR: target = (rs1 + imm) & ~1. */
  u32 r = 0;
  __asm__ volatile(".option push\n.option norvc\n"
                   "la t0, 1f\n"
                   "addi t0, t0, -7\n"
                   "jalr t1, 8(t0)\n" /* (1f - 7 + 8) & ~1 == 1f */
                   "2: li %0, 0x55\n"
                   "j 3f\n"
                   "1: la %0, 2b\n"
                   "sub %0, t1, %0\n" /* link - address after the jalr == 0 */
                   "3:\n"
                   ".option pop"
                   : "=r"(r)
                   :
                   : "t0", "t1");
  say("jalr odd target, link - next", r);
  /* rd == rs1: the target uses the old value. */
  __asm__ volatile(".option push\n.option norvc\n"
                   "la t0, 1f\n"
                   "jalr t0, 0(t0)\n"
                   "2: li %0, 0x66\n"
                   "j 3f\n"
                   "1: la %0, 2b\n"
                   "sub %0, t0, %0\n"
                   "3:\n"
                   ".option pop"
                   : "=r"(r)
                   :
                   : "t0");
  say("jalr rd==rs1, link - next", r);
  /* Negative offset. */
  __asm__ volatile(".option push\n.option norvc\n"
                   "la t0, 1f + 100\n"
                   "jalr x0, -100(t0)\n"
                   "li %0, 0x77\n"
                   "j 3f\n"
                   "1: li %0, 0x11\n"
                   "3:\n"
                   ".option pop"
                   : "=r"(r)
                   :
                   : "t0");
  say("jalr negative offset", r);
}

/* Calls through function pointers and recursion exercise JAL/JALR as the
   compiler emits them. */
static u32 __attribute__((noinline)) fib(u32 n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
static u32 __attribute__((noinline)) twice(u32 (*f)(u32), u32 x) { return f(f(x)); }
static u32 __attribute__((noinline)) inc(u32 x) { return x + 1; }

static u32 __attribute__((noinline)) dispatch(u32 k) {
  switch (k) {
  case 0: return 0x10;
  case 1: return 0x21;
  case 2: return 0x32;
  case 3: return 0x43;
  case 4: return 0x54;
  case 5: return 0x65;
  case 6: return 0x76;
  case 7: return 0x87;
  default: return 0xff;
  }
}

int main(void) {
  table("beq", fwd_beq, bwd_beq);
  table("bne", fwd_bne, bwd_bne);
  table("blt", fwd_blt, bwd_blt);
  table("bge", fwd_bge, bwd_bge);
  table("bltu", fwd_bltu, bwd_bltu);
  table("bgeu", fwd_bgeu, bwd_bgeu);
  jumps();
  say("fib(20)", fib(20));
  say("twice(inc, 40)", twice(inc, 40));
  u32 sum = 0;
  for (u32 k = 0; k < 10; k++) sum = sum * 3 + dispatch(k);
  say("switch", sum);
  pass();
}
