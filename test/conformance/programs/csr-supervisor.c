/*
 * Supervisor-level CSRs (privileged spec 1.12, chapter 4): sstatus as a view
 * of mstatus (4.1.1), sie/sip as views of mie/mip restricted by mideleg
 * (3.1.9, 4.1.3), stvec/sepc/scause/stval/sscratch readbacks (legal values),
 * satp MODE and PPN (ASID width is implementation-specific, so masked), and
 * which CSRs S-mode may touch: its own yes, M-level ones no (illegal
 * instruction, 2.1).
 */
#include "runtime.h"

#define SSTATUS_BITS (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR)
#define SATP_VISIBLE 0x803fffffu /* MODE and PPN */

static void sstatus_view(void) {
  csr_write(mstatus, 0);
  csr_write(sstatus, 0xffffffff);
  say("sstatus <- ~0: sstatus", csr_read(sstatus) & MSTATUS_COMMON_MASK);
  say("sstatus <- ~0: mstatus", csr_read(mstatus) & MSTATUS_COMMON_MASK);
  csr_write(sstatus, 0);
  csr_write(mstatus, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MPRV | MSTATUS_TVM |
                         MSTATUS_TW | MSTATUS_TSR);
  say("M-only bits seen in sstatus", csr_read(sstatus) & MSTATUS_COMMON_MASK);
  csr_write(sstatus, SSTATUS_BITS);
  say("sstatus write keeps M bits", csr_read(mstatus) & MSTATUS_COMMON_MASK);
  csr_write(mstatus, 0);
}

static void interrupt_views(void) {
  csr_write(mideleg, 0);
  csr_write(mie, 0);
  csr_write(sie, 0xffffffff);
  say("mideleg=0: sie <- ~0: sie", csr_read(sie) & MIP_STANDARD_MASK);
  say("mideleg=0: sie <- ~0: mie", csr_read(mie) & MIP_STANDARD_MASK);
  csr_write(mie, 0xffffffff);
  say("mideleg=0: mie=~0: sie", csr_read(sie) & MIP_STANDARD_MASK);
  csr_write(mie, 0);

  csr_write(mideleg, 0xffffffff);
  say("mideleg <- ~0 (S bits)", csr_read(mideleg) & MIP_STANDARD_MASK);
  csr_write(sie, 0xffffffff);
  say("mideleg=S: sie <- ~0: sie", csr_read(sie) & MIP_STANDARD_MASK);
  say("mideleg=S: sie <- ~0: mie", csr_read(mie) & MIP_STANDARD_MASK);
  csr_write(sie, 0);
  say("sie <- 0: mie", csr_read(mie) & MIP_STANDARD_MASK);

  /* Only SSIP is writable through sip (4.1.3). */
  csr_write(sip, 0xffffffff);
  say("sip <- ~0: sip", csr_read(sip) & MIP_STANDARD_MASK);
  say("sip <- ~0: mip", csr_read(mip) & MIP_STANDARD_MASK);
  csr_write(sip, 0);
  /* M-mode sets STIP/SEIP in mip; S sees them in sip when delegated. */
  csr_write(mip, MIP_STIP | MIP_SEIP);
  say("mip=STIP|SEIP: sip", csr_read(sip) & MIP_STANDARD_MASK);
  csr_write(mideleg, 0);
  say("undelegated: sip", csr_read(sip) & MIP_STANDARD_MASK);
  csr_write(mip, 0);
}

static void trap_regs(void) {
  u32 saved = csr_read(stvec);
  csr_write(stvec, 0x80002000);
  say("stvec direct", csr_read(stvec));
  csr_write(stvec, 0x80002001);
  say("stvec vectored", csr_read(stvec));
  csr_write(stvec, saved);
  static const u32 pats[] = {0, 0xffffffff, 0x13572468, 0x80000006};
  for (unsigned i = 0; i < sizeof pats / sizeof pats[0]; i++) {
    csr_write(sepc, pats[i]);
    csr_write(stval, pats[i]);
    puts("sepc/stval <- ");
    put_hex(pats[i]);
    puts(": ");
    put_hex(csr_read(sepc) & ~1u); /* sepc[0] is zero; QEMU 7.2 keeps it */
    putc(' ');
    put_hex(csr_read(stval));
    putc('\n');
  }
  static const u32 causes[] = {0, 3, 8, 13, 15, 0x80000001, 0x80000005, 0x80000009};
  for (unsigned i = 0; i < sizeof causes / sizeof causes[0]; i++) {
    csr_write(scause, causes[i]);
    puts("scause <- ");
    put_hex(causes[i]);
    puts(": ");
    put_hex(csr_read(scause));
    putc('\n');
  }
  u32 s = csr_swap(sscratch, 0x0f0f0f0f);
  say("sscratch", csr_swap(sscratch, s));
}

static u32 table[1024] __attribute__((aligned(4096)));

static void satp(void) {
  /* M-mode is never translated, so any satp value is harmless here. */
  u32 ppn = (u32)(uptr)table >> 12;
  csr_write(satp, 0x80000000u | ppn);
  say("satp Sv32: mode|ppn", csr_read(satp) & SATP_VISIBLE);
  say("satp Sv32: ppn matches", (csr_read(satp) & 0x3fffff) == ppn);
  csr_write(satp, 0);
  say("satp <- 0", csr_read(satp) & SATP_VISIBLE);
}

#define S_READ(num)                                                                                \
  do {                                                                                             \
    u32 v_;                                                                                        \
    __asm__ volatile("csrr %0, " #num : "=r"(v_));                                                 \
    (void)v_;                                                                                      \
  } while (0)

static u32 in_supervisor(u32 arg) {
  (void)arg;
  u32 before = m_trap_count;
  S_READ(0x100); /* sstatus */
  S_READ(0x104); /* sie */
  S_READ(0x105); /* stvec */
  S_READ(0x106); /* scounteren */
  S_READ(0x10a); /* senvcfg */
  S_READ(0x140); /* sscratch */
  S_READ(0x141); /* sepc */
  S_READ(0x142); /* scause */
  S_READ(0x143); /* stval */
  S_READ(0x144); /* sip */
  S_READ(0x180); /* satp */
  return m_trap_count - before;
}

static u32 m_csrs_from_supervisor(u32 arg) {
  (void)arg;
  u32 before = m_trap_count;
  S_READ(0x300); /* mstatus */
  S_READ(0x301); /* misa */
  S_READ(0x305); /* mtvec */
  S_READ(0x341); /* mepc */
  S_READ(0xf14); /* mhartid */
  S_READ(0xb00); /* mcycle */
  __asm__ volatile("csrw mscratch, %0" : : "r"(1));
  return m_trap_count - before;
}

int main(void) {
  sstatus_view();
  interrupt_views();
  trap_regs();
  satp();
  say("S reads of S CSRs: traps", enter_mode(PRV_S, in_supervisor, 0, 0));
  say("S accesses of M CSRs: traps", enter_mode(PRV_S, m_csrs_from_supervisor, 0, 0));
  pass();
}
