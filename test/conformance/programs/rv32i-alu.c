/*
 * RV32I integer computational instructions (unprivileged spec 20191213, 2.4):
 * every register-register and register-immediate operation over a table of
 * edge-case operands, LUI/AUIPC, and writes to x0 being discarded.
 */
#include "runtime.h"

static const u32 vals[] = {0,          1,          2,          31,         32,
                           0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0x12345678,
                           0xfedcba98, 0x55555555, 0xaaaaaaaa, 0x0000ffff, 0xffff0000};
#define NVALS (sizeof vals / sizeof vals[0])

#define RR(name)                                                                                   \
  static u32 op_##name(u32 a, u32 b) {                                                             \
    u32 r;                                                                                         \
    __asm__ volatile(#name " %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));                              \
    return r;                                                                                      \
  }
RR(add)
RR(sub)
RR(sll)
RR(slt)
RR(sltu)
RR(xor)
RR(srl)
RR(sra)
RR(or)
RR(and)

static void table_rr(const char *name, u32 (*op)(u32, u32)) {
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

/* Immediates are encoded in the instruction, so each one is its own asm. */
#define I1(name, a, imm)                                                                           \
  ({                                                                                               \
    u32 r;                                                                                         \
    __asm__ volatile(#name " %0, %1, " #imm : "=r"(r) : "r"(a));                                   \
    r;                                                                                             \
  })
#define IROW(name, a)                                                                              \
  do {                                                                                             \
    u32 r_[] = {I1(name, a, 0),   I1(name, a, 1),     I1(name, a, -1),   I1(name, a, 2047),        \
                I1(name, a, -2048), I1(name, a, 0x555), I1(name, a, -0x556), I1(name, a, 31)};     \
    put_hex(a);                                                                                    \
    putc(':');                                                                                     \
    for (unsigned k = 0; k < sizeof r_ / sizeof r_[0]; k++) {                                      \
      putc(' ');                                                                                   \
      put_hex(r_[k]);                                                                              \
    }                                                                                              \
    putc('\n');                                                                                    \
  } while (0)
#define SROW(name, a)                                                                              \
  do {                                                                                             \
    u32 r_[] = {I1(name, a, 0), I1(name, a, 1), I1(name, a, 4), I1(name, a, 15),                   \
                I1(name, a, 16), I1(name, a, 30), I1(name, a, 31)};                                \
    put_hex(a);                                                                                    \
    putc(':');                                                                                     \
    for (unsigned k = 0; k < sizeof r_ / sizeof r_[0]; k++) {                                      \
      putc(' ');                                                                                   \
      put_hex(r_[k]);                                                                              \
    }                                                                                              \
    putc('\n');                                                                                    \
  } while (0)

#define TABLE_I(name, ROW)                                                                         \
  do {                                                                                             \
    line(#name);                                                                                   \
    for (unsigned i = 0; i < NVALS; i++) ROW(name, vals[i]);                                       \
  } while (0)

static void lui_auipc(void) {
  u32 r;
  __asm__ volatile("lui %0, 0" : "=r"(r));
  say("lui 0", r);
  __asm__ volatile("lui %0, 1" : "=r"(r));
  say("lui 1", r);
  __asm__ volatile("lui %0, 0x80000" : "=r"(r));
  say("lui 0x80000", r);
  __asm__ volatile("lui %0, 0xfffff" : "=r"(r));
  say("lui 0xfffff", r);
  __asm__ volatile("lui %0, 0x12345" : "=r"(r));
  say("lui 0x12345", r);
  /* AUIPC adds to its own address: compare with the label's address. */
  u32 here;
  __asm__ volatile("1: auipc %0, 0x12345\n la %1, 1b" : "=r"(r), "=r"(here));
  say("auipc 0x12345 - pc", r - here);
  __asm__ volatile("1: auipc %0, 0xfffff\n la %1, 1b" : "=r"(r), "=r"(here));
  say("auipc 0xfffff - pc", r - here);
  __asm__ volatile("1: auipc %0, 0\n la %1, 1b" : "=r"(r), "=r"(here));
  say("auipc 0 - pc", r - here);
}

static void x0_discards(void) {
  u32 r;
  __asm__ volatile("li t0, 5\n addi x0, t0, 7\n add x0, t0, t0\n lui x0, 0x12345\n mv %0, x0"
                   : "=r"(r)
                   :
                   : "t0");
  say("x0 after writes", r);
  /* NOP is ADDI x0, x0, 0 (2.4). */
  __asm__ volatile("nop");
}

int main(void) {
  table_rr("add", op_add);
  table_rr("sub", op_sub);
  table_rr("sll", op_sll);
  table_rr("slt", op_slt);
  table_rr("sltu", op_sltu);
  table_rr("xor", op_xor);
  table_rr("srl", op_srl);
  table_rr("sra", op_sra);
  table_rr("or", op_or);
  table_rr("and", op_and);
  TABLE_I(addi, IROW);
  TABLE_I(slti, IROW);
  TABLE_I(sltiu, IROW);
  TABLE_I(xori, IROW);
  TABLE_I(ori, IROW);
  TABLE_I(andi, IROW);
  TABLE_I(slli, SROW);
  TABLE_I(srli, SROW);
  TABLE_I(srai, SROW);
  lui_auipc();
  x0_discards();
  pass();
}
