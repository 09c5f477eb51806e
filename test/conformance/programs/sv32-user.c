/*
 * U-mode under Sv32 (privileged spec 1.12, 4.3.1): U runs code on U pages and
 * uses U data and a U stack; loads, stores and fetches of S pages (U = 0) raise
 * page faults; an ecall from U reports cause 8. The same faults are then
 * delegated (medeleg 8, 12, 13, 15) and handled by an S-mode handler running
 * with translation on, which sees scause/sepc/stval.
 */
#include "runtime.h"
#include "sv32.h"

static u32 user_stack[256] USER_DATA __attribute__((aligned(16)));
static volatile u32 user_value USER_DATA = 0x1234;
static volatile u32 kernel_value = 0x5678;

static void __attribute__((noinline)) kernel_function(void) { kernel_value++; }

/* Runs in U: only U pages, no calls into S code except the deliberate ones. */
static u32 USER_TEXT user_main(u32 kernel_addr) {
  u32 sum = user_value;
  user_value = sum + 1;
  /* An S data page: load and store fault. */
  u32 v = 0xeeee;
  __asm__ volatile("lw %0, 0(%1)" : "+r"(v) : "r"(kernel_addr) : "memory");
  __asm__ volatile("sw %0, 0(%1)" : : "r"(v), "r"(kernel_addr) : "memory");
  /* An S code page: the fetch faults and execution resumes after the call. */
  __asm__ volatile("jalr ra, 0(%0)" : : "r"((u32)(uptr)kernel_function) : "ra", "memory");
  /* A system call. */
  register u32 a0 __asm__("a0") = 7;
  register u32 a7 __asm__("a7") = 1;
  __asm__ volatile("ecall" : "+r"(a0) : "r"(a7) : "memory");
  /* Stack use on the U stack. */
  volatile u32 local[4];
  for (u32 i = 0; i < 4; i++) local[i] = i * v;
  return sum + local[3] + (v == 0xeeee);
}

static int m_syscall(struct trap_frame *f) {
  if (f->cause != CAUSE_USER_ECALL || f->regs[REG_A7] != 1) return 0;
  puts("M: ecall from U, a0=");
  put_hex(f->regs[REG_A0]);
  putc('\n');
  f->regs[REG_A0] = 0;
  f->epc += 4;
  return 1;
}

static int s_syscall(struct trap_frame *f) {
  if (f->cause != CAUSE_USER_ECALL || f->regs[REG_A7] != 1) return 0;
  puts("S: ecall from U, a0=");
  put_hex(f->regs[REG_A0]);
  putc('\n');
  f->regs[REG_A0] = 0;
  f->epc += 4;
  return 1;
}

int main(void) {
  pt_reset();
  map_identity();
  paging_on();
  u32 *top = &user_stack[256];
  u32 kaddr = (u32)(uptr)&kernel_value;

  line("-- faults taken in M");
  m_trap_hook = m_syscall;
  say("user_main returned", enter_mode(PRV_U, user_main, kaddr, top));
  say("user_value", user_value);
  say("kernel_value", kernel_value);

  line("-- faults delegated to S");
  csr_write(stvec, (u32)(uptr)s_trap_vector);
  csr_write(medeleg, (1u << CAUSE_USER_ECALL) | (1u << CAUSE_FETCH_PAGE_FAULT) |
                         (1u << CAUSE_LOAD_PAGE_FAULT) | (1u << CAUSE_STORE_PAGE_FAULT));
  s_trap_hook = s_syscall;
  say("user_main returned", enter_mode(PRV_U, user_main, kaddr, top));
  csr_write(medeleg, 0);
  s_trap_hook = 0;
  m_trap_hook = 0;
  paging_off();
  say("user_value", user_value);
  say("M traps", m_trap_count);
  say("S traps", s_trap_count);
  pass();
}
