/*
 * Access faults on physical addresses where QEMU virt has no device
 * (privileged spec 1.12, 3.1.15 and 3.7): loads (cause 5), stores and AMOs
 * (cause 7), instruction fetches (cause 1), with mtval = the faulting address
 * and mepc = the instruction (for fetches, the target). Also the end of a
 * 128 MiB RAM: the last word is accessible, the next one faults (the runner
 * gives both machines 128 MiB). QEMU 7.2 reports faulting AMOs with the load
 * cause (5) where the spec says store/AMO (7), so for AMOs only "access fault"
 * is printed.
 */
#include "runtime.h"

static int amo_hook(struct trap_frame *f) {
  if (f->cause != CAUSE_LOAD_ACCESS && f->cause != CAUSE_STORE_ACCESS) return 0;
  m_trap_count++;
  puts("trap access-fault mepc=");
  put_hex(f->epc);
  puts(" mtval=");
  put_hex(f->tval);
  putc('\n');
  f->epc += 4;
  return 1;
}

static const u32 holes[] = {0x00000000, 0x00020000, 0x000ffffc, 0x88000000, 0xf0000000,
                            0xfffffffc};

static void data_faults(u32 a) {
  u32 v = 0x77777777;
  puts("-- ");
  put_hex(a);
  putc('\n');
  __asm__ volatile("lw %0, 0(%1)" : "+r"(v) : "r"(a) : "memory");
  __asm__ volatile("lh %0, 2(%1)" : "+r"(v) : "r"(a) : "memory");
  __asm__ volatile("lbu %0, 1(%1)" : "+r"(v) : "r"(a) : "memory");
  say("rd unchanged", v);
  __asm__ volatile("sw %0, 0(%1)" : : "r"(v), "r"(a) : "memory");
  __asm__ volatile("sh %0, 0(%1)" : : "r"(v), "r"(a) : "memory");
  __asm__ volatile("sb %0, 3(%1)" : : "r"(v), "r"(a) : "memory");
  m_trap_hook = amo_hook;
  __asm__ volatile("amoadd.w %0, %1, (%2)" : "+r"(v) : "r"(1), "r"(a) : "memory");
  __asm__ volatile("amoswap.w %0, %1, (%2)" : "+r"(v) : "r"(1), "r"(a) : "memory");
  m_trap_hook = 0;
  __asm__ volatile("lr.w %0, (%1)" : "+r"(v) : "r"(a) : "memory");
  say("rd unchanged", v);
}

int main(void) {
  for (unsigned i = 0; i < sizeof holes / sizeof holes[0]; i++) data_faults(holes[i]);
  line("-- end of RAM");
  u32 before = m_trap_count;
  volatile u32 *last = (volatile u32 *)0x87fffffcu;
  *last = 0x600dcafe;
  say("last RAM word", *last);
  say("traps", m_trap_count - before);
  line("-- fetch");
  call_addr(0x00020000);
  call_addr(0xf0000000);
  call_addr(0x88000000);
  call_addr(0x00000000);
  say("total traps", m_trap_count);
  pass();
}
