/*
 * M extension (unprivileged spec 20191213, chapter 7): MUL/MULH/MULHSU/MULHU
 * and DIV/DIVU/REM/REMU over edge-case operands, including division by zero
 * and the signed overflow case (table 7.1), plus 64-bit arithmetic through
 * libgcc as compiled code uses it.
 */
#include "runtime.h"

static const u32 vals[] = {0,          1,          2,          3,          0x7fffffff,
                           0x80000000, 0x80000001, 0xffffffff, 0xfffffffe, 0x12345678,
                           0xfedcba98, 0x0000ffff, 0x00010000, 7,          0xfffffff9};
#define NVALS (sizeof vals / sizeof vals[0])

#define RR(name)                                                                                   \
  static u32 op_##name(u32 a, u32 b) {                                                             \
    u32 r;                                                                                         \
    __asm__ volatile(#name " %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));                              \
    return r;                                                                                      \
  }
RR(mul)
RR(mulh)
RR(mulhsu)
RR(mulhu)
RR(div)
RR(divu)
RR(rem)
RR(remu)

static void table(const char *name, u32 (*op)(u32, u32)) {
  line(name);
  for (unsigned i = 0; i < NVALS; i++) {
    put_hex(vals[i]);
    putc(':');
    for (unsigned j = 0; j < NVALS; j++) {
      putc(' ');
      put_hex(op(vals[i], vals[j]));
    }
    putc('\n');
  }
}

static void special_cases(void) {
  /* Division by zero and overflow never trap (7.2). */
  say("div 5/0", op_div(5, 0));
  say("divu 5/0", op_divu(5, 0));
  say("rem 5%0", op_rem(5, 0));
  say("remu 5%0", op_remu(5, 0));
  say("div min/-1", op_div(0x80000000, 0xffffffff));
  say("rem min%-1", op_rem(0x80000000, 0xffffffff));
  /* rd aliases a source. */
  u32 x = 0x12345;
  __asm__ volatile("mul %0, %0, %0" : "+r"(x));
  say("mul rd=rs1=rs2", x);
  u32 y;
  __asm__ volatile("li t0, 77\n mul x0, t0, t0\n mv %0, x0" : "=r"(y) : : "t0");
  say("mul x0", y);
}

static void wide(void) {
  u64 a = 0x123456789abcdefull, b = 0xfedcba987ull;
  u64 q = a / b, r = a % b, p = a * b;
  long long s = -(long long)a / 12345;
  say("u64 q hi", (u32)(q >> 32));
  say("u64 q lo", (u32)q);
  say("u64 r lo", (u32)r);
  say("u64 p hi", (u32)(p >> 32));
  say("u64 p lo", (u32)p);
  say("s64 q hi", (u32)((u64)s >> 32));
  say("s64 q lo", (u32)s);
}

int main(void) {
  table("mul", op_mul);
  table("mulh", op_mulh);
  table("mulhsu", op_mulhsu);
  table("mulhu", op_mulhu);
  table("div", op_div);
  table("divu", op_divu);
  table("rem", op_rem);
  table("remu", op_remu);
  special_cases();
  wide();
  pass();
}
