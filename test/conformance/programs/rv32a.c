/*
 * A extension (unprivileged spec 20191213, chapter 8): LR/SC success and
 * failure (no reservation, reservation on another address, reservation
 * replaced by a later LR), every AMO with and without aq/rl over signed and
 * unsigned edge cases, rd = x0, rd aliasing rs2, and compiler-generated
 * atomics. SC failure is printed as a boolean: the spec only asks for a
 * nonzero code.
 */
#include "runtime.h"

/* Two words 4 KiB apart so that they are in different reservation sets on any
   reasonable implementation. */
static volatile u32 cells[2048] __attribute__((aligned(4096)));
#define A (&cells[0])
#define B (&cells[1024])

static u32 lr(volatile u32 *p) {
  u32 v;
  __asm__ volatile("lr.w %0, (%1)" : "=r"(v) : "r"(p) : "memory");
  return v;
}
static u32 sc(volatile u32 *p, u32 v) {
  u32 r;
  __asm__ volatile("sc.w %0, %2, (%1)" : "=r"(r) : "r"(p), "r"(v) : "memory");
  return r;
}

static void lrsc(void) {
  *A = 0x1111;
  *B = 0x2222;
  say("lr A", lr(A));
  say("sc A ok", sc(A, 0xaaaa) == 0);
  say("A", *A);
  /* The successful SC consumed the reservation. */
  say("sc A again fails", sc(A, 0xbbbb) != 0);
  say("A", *A);
  /* SC to an address outside the reservation set fails and does not write. */
  lr(A);
  say("sc B after lr A fails", sc(B, 0xcccc) != 0);
  say("B", *B);
  /* A later LR replaces the reservation. */
  lr(A);
  lr(B);
  say("sc A after lr B fails", sc(A, 0xdddd) != 0);
  say("A", *A);
  /* Ordering bits do not change the result. */
  u32 v, r;
  __asm__ volatile("lr.w.aq %0, (%2)\n addi %0, %0, 1\n sc.w.rl %1, %0, (%2)"
                   : "=&r"(v), "=&r"(r)
                   : "r"(A)
                   : "memory");
  say("lr.aq/sc.rl ok", r == 0);
  say("A", *A);
  __asm__ volatile("lr.w.aqrl %0, (%2)\n addi %0, %0, 1\n sc.w.aqrl %1, %0, (%2)"
                   : "=&r"(v), "=&r"(r)
                   : "r"(A)
                   : "memory");
  say("lr.aqrl/sc.aqrl ok", r == 0);
  say("A", *A);
  /* The classic retry loop: atomic increment. */
  *B = 41;
  __asm__ volatile("1: lr.w %0, (%1)\n addi %0, %0, 1\n sc.w t0, %0, (%1)\n bnez t0, 1b"
                   : "=&r"(v)
                   : "r"(B)
                   : "t0", "memory");
  say("B after lr/sc loop", *B);
}

static const u32 vals[] = {0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x12345678, 0xfedcba98};
#define NVALS (sizeof vals / sizeof vals[0])

#define AMO(cname, name)                                                                           \
  static u32 op_##cname(volatile u32 *p, u32 v) {                                                   \
    u32 old;                                                                                       \
    __asm__ volatile(#name " %0, %2, (%1)" : "=r"(old) : "r"(p), "r"(v) : "memory");               \
    return old;                                                                                    \
  }
AMO(amoswap_w, amoswap.w)
AMO(amoadd_w, amoadd.w)
AMO(amoxor_w, amoxor.w)
AMO(amoand_w, amoand.w)
AMO(amoor_w, amoor.w)
AMO(amomin_w, amomin.w)
AMO(amomax_w, amomax.w)
AMO(amominu_w, amominu.w)
AMO(amomaxu_w, amomaxu.w)

static void table(const char *name, u32 (*op)(volatile u32 *, u32)) {
  line(name);
  for (unsigned i = 0; i < NVALS; i++) {
    put_hex(vals[i]);
    putc(':');
    for (unsigned j = 0; j < NVALS; j++) {
      *A = vals[i];
      u32 old = op(A, vals[j]);
      putc(' ');
      put_hex(old);
      putc('/');
      put_hex(*A);
    }
    putc('\n');
  }
}

static void amo_forms(void) {
  u32 r;
  *A = 10;
  __asm__ volatile("amoadd.w.aq %0, %2, (%1)" : "=r"(r) : "r"(A), "r"(5) : "memory");
  say("amoadd.aq old", r);
  __asm__ volatile("amoadd.w.rl %0, %2, (%1)" : "=r"(r) : "r"(A), "r"(5) : "memory");
  say("amoadd.rl old", r);
  __asm__ volatile("amoadd.w.aqrl %0, %2, (%1)" : "=r"(r) : "r"(A), "r"(5) : "memory");
  say("amoadd.aqrl old", r);
  say("A", *A);
  /* rd = x0: the memory update still happens. */
  __asm__ volatile("amoor.w x0, %1, (%0)" : : "r"(A), "r"(0x100) : "memory");
  say("A after amoor x0", *A);
  /* rd == rs2: rs2 is read before rd is written. */
  r = 0x7;
  __asm__ volatile("amoswap.w %0, %0, (%1)" : "+r"(r) : "r"(A) : "memory");
  say("amoswap rd=rs2 old", r);
  say("A", *A);
  /* Compiler-generated atomics (amoadd, lr/sc compare-and-swap). */
  static u32 counter = 5;
  u32 prev = __atomic_fetch_add(&counter, 3, __ATOMIC_SEQ_CST);
  say("fetch_add prev", prev);
  u32 expected = 8;
  int ok = __atomic_compare_exchange_n(&counter, &expected, 100, 0, __ATOMIC_SEQ_CST,
                                       __ATOMIC_SEQ_CST);
  say("cas ok", (u32)ok);
  expected = 8;
  ok = __atomic_compare_exchange_n(&counter, &expected, 200, 0, __ATOMIC_SEQ_CST,
                                   __ATOMIC_SEQ_CST);
  say("cas again ok", (u32)ok);
  say("cas saw", expected);
  say("counter", counter);
}

int main(void) {
  lrsc();
  table("amoswap.w", op_amoswap_w);
  table("amoadd.w", op_amoadd_w);
  table("amoxor.w", op_amoxor_w);
  table("amoand.w", op_amoand_w);
  table("amoor.w", op_amoor_w);
  table("amomin.w", op_amomin_w);
  table("amomax.w", op_amomax_w);
  table("amominu.w", op_amominu_w);
  table("amomaxu.w", op_amomaxu_w);
  amo_forms();
  pass();
}
