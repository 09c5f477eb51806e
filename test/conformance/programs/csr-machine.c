/*
 * Machine-level CSRs (privileged spec 1.12, chapter 3): every M-mode CSR of an
 * RV32IMAC hart with S and U is readable; then the values both a spec-correct
 * hart and QEMU 7.2 must agree on: mhartid, the misa bits of RV32IMAC+S+U,
 * the mstatus fields that exist on both (MSTATUS_COMMON_MASK: QEMU also has
 * FS, which a hart without F must hardwire), WARL readbacks of mtvec (direct
 * and vectored), mepc (bit 0 always zero), mie/mip writable bits, mcause
 * (legal values only: it is WLRL), mtval and mscratch.
 * Not printed: mvendorid/marchid/mimpid, PMP and counter contents, misa F/D/H,
 * mepc bit 0 (QEMU 7.2 keeps it). Not read: mhpmcounter19-31 (QEMU 7.2 traps
 * on counters beyond its 16 implemented ones).
 */
#include "runtime.h"

#define TRY_READ(name, num)                                                                        \
  do {                                                                                             \
    u32 before = m_trap_count;                                                                     \
    u32 v_;                                                                                        \
    __asm__ volatile("csrr %0, " #num : "=r"(v_));                                                 \
    (void)v_;                                                                                      \
    if (m_trap_count != before) {                                                                  \
      puts("cannot read ");                                                                        \
      line(name);                                                                                  \
    }                                                                                              \
  } while (0)

static void all_readable(void) {
  TRY_READ("mvendorid", 0xf11);
  TRY_READ("marchid", 0xf12);
  TRY_READ("mimpid", 0xf13);
  TRY_READ("mhartid", 0xf14);
  TRY_READ("mconfigptr", 0xf15);
  TRY_READ("mstatus", 0x300);
  TRY_READ("misa", 0x301);
  TRY_READ("medeleg", 0x302);
  TRY_READ("mideleg", 0x303);
  TRY_READ("mie", 0x304);
  TRY_READ("mtvec", 0x305);
  TRY_READ("mcounteren", 0x306);
  TRY_READ("menvcfg", 0x30a);
  TRY_READ("mstatush", 0x310);
  TRY_READ("menvcfgh", 0x31a);
  TRY_READ("mscratch", 0x340);
  TRY_READ("mepc", 0x341);
  TRY_READ("mcause", 0x342);
  TRY_READ("mtval", 0x343);
  TRY_READ("mip", 0x344);
  TRY_READ("pmpcfg0", 0x3a0);
  TRY_READ("pmpcfg1", 0x3a1);
  TRY_READ("pmpcfg2", 0x3a2);
  TRY_READ("pmpcfg3", 0x3a3);
  TRY_READ("pmpaddr0", 0x3b0);
  TRY_READ("pmpaddr7", 0x3b7);
  TRY_READ("pmpaddr15", 0x3bf);
  TRY_READ("mcycle", 0xb00);
  TRY_READ("minstret", 0xb02);
  TRY_READ("mhpmcounter3", 0xb03);
  TRY_READ("mcycleh", 0xb80);
  TRY_READ("minstreth", 0xb82);
  TRY_READ("mhpmcounter3h", 0xb83);
  TRY_READ("mhpmevent3", 0x323);
  TRY_READ("mhpmevent31", 0x33f);
  say("unreadable", m_trap_count);
}

static void identity(void) {
  say("mhartid", csr_read(mhartid));
  u32 misa = csr_read(misa);
  say("misa.MXL", misa >> 30);
  /* A, C, I, M, S, U (bits 0, 2, 8, 12, 18, 20); E (bit 4) clear. */
  say("misa AC(E)IMSU", misa & 0x141115);
}

static void status(void) {
  say("mstatus MIE|MPRV at start", csr_read(mstatus) & (MSTATUS_MIE | MSTATUS_MPRV));
  say("mstatush MBE|SBE", csr_read(mstatush) & 0x30);
  static const u32 bits[] = {MSTATUS_SIE,  MSTATUS_MIE, MSTATUS_SPIE, MSTATUS_MPIE,
                             MSTATUS_SPP,  1u << 11,    3u << 11,     MSTATUS_MPRV,
                             MSTATUS_SUM,  MSTATUS_MXR, MSTATUS_TVM,  MSTATUS_TW,
                             MSTATUS_TSR};
  for (unsigned i = 0; i < sizeof bits / sizeof bits[0]; i++) {
    csr_write(mstatus, bits[i]);
    u32 r = csr_read(mstatus);
    csr_write(mstatus, 0);
    puts("mstatus <- ");
    put_hex(bits[i]);
    puts(": ");
    put_hex(r & MSTATUS_COMMON_MASK);
    putc('\n');
  }
  csr_write(mstatus, 0xffffffff);
  u32 all = csr_read(mstatus);
  csr_write(mstatus, 0);
  say("mstatus <- ~0", all & MSTATUS_COMMON_MASK);
  say("mstatus <- 0", csr_read(mstatus) & MSTATUS_COMMON_MASK);
  /* csrs/csrc touch only the named bits. */
  csr_write(mstatus, MSTATUS_SUM | MSTATUS_MPIE);
  csr_set(mstatus, MSTATUS_MXR);
  csr_clear(mstatus, MSTATUS_MPIE);
  say("mstatus after set/clear", csr_read(mstatus) & MSTATUS_COMMON_MASK);
  csr_write(mstatus, 0);
}

static void vectors(void) {
  u32 saved = csr_read(mtvec);
  /* mtvec stays valid throughout: these bases point at the real vector's
     page but nothing traps while they are installed. */
  csr_write(mtvec, 0x80001000);
  say("mtvec direct", csr_read(mtvec));
  csr_write(mtvec, 0x80001001);
  say("mtvec vectored", csr_read(mtvec));
  csr_write(mtvec, 0x80000100);
  say("mtvec direct 2", csr_read(mtvec));
  csr_write(mtvec, saved);
  say("mtvec restored", csr_read(mtvec) == saved);
}

static void interrupt_regs(void) {
  csr_write(mie, 0xffffffff);
  say("mie <- ~0", csr_read(mie) & MIP_STANDARD_MASK);
  csr_write(mie, 0);
  say("mie <- 0", csr_read(mie) & MIP_STANDARD_MASK);
  csr_write(mip, 0xffffffff);
  u32 p = csr_read(mip);
  csr_write(mip, 0);
  say("mip <- ~0 (S bits writable)", p & MIP_STANDARD_MASK);
  say("mip <- 0", csr_read(mip) & MIP_STANDARD_MASK);
  csr_set(mip, MIP_SSIP);
  say("mip csrs SSIP", csr_read(mip) & MIP_STANDARD_MASK);
  csr_clear(mip, MIP_SSIP);
}

static void trap_regs(void) {
  static const u32 pats[] = {0x00000000, 0xffffffff, 0x12345678, 0x80000002, 0x7ffffffd};
  for (unsigned i = 0; i < sizeof pats / sizeof pats[0]; i++) {
    csr_write(mepc, pats[i]);
    csr_write(mtval, pats[i]);
    puts("mepc/mtval <- ");
    put_hex(pats[i]);
    puts(": ");
    /* mepc[0] is always zero (3.1.14); QEMU 7.2 keeps it in the register and
       only drops it on mret, so it is masked here. */
    put_hex(csr_read(mepc) & ~1u);
    putc(' ');
    put_hex(csr_read(mtval));
    putc('\n');
  }
  static const u32 causes[] = {0, 2, 5, 11, 15, 0x80000001, 0x80000007, 0x8000000b};
  for (unsigned i = 0; i < sizeof causes / sizeof causes[0]; i++) {
    csr_write(mcause, causes[i]);
    puts("mcause <- ");
    put_hex(causes[i]);
    puts(": ");
    put_hex(csr_read(mcause));
    putc('\n');
  }
  /* mscratch holds the trap stack (start.S); borrow it with nothing trapping. */
  u32 saved = csr_swap(mscratch, 0xa5a5a5a5);
  u32 r1 = csr_swap(mscratch, 0x5a5a5a5a);
  u32 r2 = csr_swap(mscratch, saved);
  say("mscratch 1", r1);
  say("mscratch 2", r2);
}

int main(void) {
  all_readable();
  identity();
  status();
  vectors();
  interrupt_regs();
  trap_regs();
  pass();
}
