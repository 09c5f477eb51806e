/*
 * Misaligned data accesses. Plain loads and stores: QEMU 7.2 performs them in
 * hardware (a choice the spec allows, unprivileged 2.6), so this program pins
 * that behaviour: the values read and written are printed. AMOs and LR
 * (unprivileged 8.2-8.4) must trap on a misaligned address; mtval is the
 * address. QEMU 7.2 reports misaligned AMOs with cause 4 where the
 * privileged spec (table 3.6) says 6 (store/AMO), so AMO causes are printed as
 * "misaligned", not as a number.
 */
#include "runtime.h"

static volatile u8 buf[16] __attribute__((aligned(16))) = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
    0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

#define LD(op, off)                                                                                \
  ({                                                                                               \
    u32 r;                                                                                         \
    __asm__ volatile(#op " %0, " #off "(%1)" : "=r"(r) : "r"(buf) : "memory");                    \
    r;                                                                                             \
  })

static void loads_and_stores(void) {
  say("lw +1", LD(lw, 1));
  say("lw +2", LD(lw, 2));
  say("lw +3", LD(lw, 3));
  say("lh +1", LD(lh, 1));
  say("lhu +7", LD(lhu, 7));
  say("lh +9", LD(lh, 9));
  __asm__ volatile("sw %0, 5(%1)" : : "r"(0xa1b2c3d4u), "r"(buf) : "memory");
  __asm__ volatile("sh %0, 11(%1)" : : "r"(0xe5f6u), "r"(buf) : "memory");
  for (int i = 0; i < 16; i += 4) {
    puts("buf ");
    put_hex(*(volatile u32 *)(buf + i));
    putc('\n');
  }
  say("traps", m_trap_count);
}

static int amo_hook(struct trap_frame *f) {
  if (f->cause != CAUSE_MISALIGNED_LOAD && f->cause != CAUSE_MISALIGNED_STORE) return 0;
  m_trap_count++;
  last_cause = f->cause;
  puts("trap misaligned mepc=");
  put_hex(f->epc);
  puts(" mtval=");
  put_hex(f->tval);
  putc('\n');
  f->epc += 4;
  return 1;
}

#define AMO(op, off)                                                                               \
  do {                                                                                             \
    u32 r_ = 0x5a5a5a5a;                                                                           \
    line(#op " +" #off);                                                                           \
    __asm__ volatile(#op " %0, %2, (%1)" : "+r"(r_) : "r"(buf + off), "r"(1) : "memory");         \
    say("rd", r_);                                                                                 \
  } while (0)

static void atomics(void) {
  u32 before = m_trap_count;
  m_trap_hook = amo_hook;
  AMO(amoswap.w, 1);
  AMO(amoadd.w, 2);
  AMO(amoxor.w, 3);
  AMO(amoand.w, 6);
  AMO(amoor.w, 1);
  AMO(amomin.w, 2);
  AMO(amomax.w, 3);
  AMO(amominu.w, 2);
  AMO(amomaxu.w, 1);
  u32 r = 0x5a5a5a5a;
  line("lr.w +2");
  __asm__ volatile("lr.w %0, (%1)" : "+r"(r) : "r"(buf + 2) : "memory");
  say("rd", r);
  say("cause of lr.w (load misaligned)", last_cause);
  m_trap_hook = 0;
  say("traps", m_trap_count - before);
  say("memory untouched", *(volatile u32 *)buf);
}

int main(void) {
  loads_and_stores();
  atomics();
  pass();
}
