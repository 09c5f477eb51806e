/*
 * Zicsr instructions (unprivileged spec 20191213, chapter 9): CSRRW, CSRRS,
 * CSRRC and their immediate forms on mscratch (old value out, new value in),
 * rd = x0 and rd == rs1, and the write/no-write rules of table 9.1:
 * CSRRS/CSRRC with rs1 = x0 and CSRRSI/CSRRCI with uimm = 0 do not write, so
 * they may read a read-only CSR, while CSRRW/CSRRWI always write and trap
 * there (privileged spec 2.1). Not printed: CSRRS with a nonzero rs1 that holds
 * zero on a read-only CSR (QEMU 7.2 does not trap it; the spec says it writes).
 */
#include "runtime.h"

#define CSRRW(old, csr, v) __asm__ volatile("csrrw %0, " #csr ", %1" : "=r"(old) : "r"(v))
#define CSRRS(old, csr, v) __asm__ volatile("csrrs %0, " #csr ", %1" : "=r"(old) : "r"(v))
#define CSRRC(old, csr, v) __asm__ volatile("csrrc %0, " #csr ", %1" : "=r"(old) : "r"(v))
#define CSRI(op, old, csr, imm) __asm__ volatile(#op " %0, " #csr ", " #imm : "=r"(old))

static void __attribute__((noinline)) read_modify_write(void) {
  u32 old;
  csr_write(mscratch, 0x12345678);
  CSRRW(old, mscratch, 0xa5a5a5a5);
  say("csrrw old", old);
  say("csrrw new", csr_read(mscratch));
  CSRRS(old, mscratch, 0x0000ffff);
  say("csrrs old", old);
  say("csrrs new", csr_read(mscratch));
  CSRRC(old, mscratch, 0xff0000ff);
  say("csrrc old", old);
  say("csrrc new", csr_read(mscratch));
  CSRI(csrrwi, old, mscratch, 31);
  say("csrrwi old", old);
  say("csrrwi new", csr_read(mscratch));
  CSRI(csrrsi, old, mscratch, 0x10 | 0x2);
  say("csrrsi old", old);
  CSRI(csrrci, old, mscratch, 0x3);
  say("csrrci old", old);
  say("after csrrci", csr_read(mscratch));
  CSRI(csrrwi, old, mscratch, 0);
  say("csrrwi 0 old", old);
  say("csrrwi 0 new", csr_read(mscratch));

  /* rd == rs1: the old CSR value lands in the register, the old register
     value in the CSR. */
  u32 r = 0xdeadbeef;
  csr_write(mscratch, 0x0badf00d);
  __asm__ volatile("csrrw %0, mscratch, %0" : "+r"(r));
  say("swap reg", r);
  say("swap csr", csr_read(mscratch));
  /* rd = x0 writes without reading. */
  __asm__ volatile("csrrw x0, mscratch, %0" : : "r"(0x600df00d));
  say("csrrw x0 wrote", csr_read(mscratch));
  __asm__ volatile("csrrs x0, mscratch, %0" : : "r"(0x0000000f0));
  say("csrrs x0 wrote", csr_read(mscratch));
  __asm__ volatile("csrrc x0, mscratch, %0" : : "r"(0x600d0000));
  say("csrrc x0 wrote", csr_read(mscratch));
  /* rs1 = x0 / uimm = 0 forms leave the value alone. */
  __asm__ volatile("csrrs %0, mscratch, x0" : "=r"(r));
  __asm__ volatile("csrrc %0, mscratch, x0" : "=r"(r));
  __asm__ volatile("csrrsi %0, mscratch, 0" : "=r"(r));
  __asm__ volatile("csrrci %0, mscratch, 0" : "=r"(r));
  say("unchanged", csr_read(mscratch));
}

static void read_only_rules(void) {
  u32 v;
  trap_quiet = 0;
  line("reads of read-only CSRs (no trap expected)");
  __asm__ volatile("csrrs %0, mhartid, x0" : "=r"(v));
  __asm__ volatile("csrrc %0, mhartid, x0" : "=r"(v));
  __asm__ volatile("csrrsi %0, mhartid, 0" : "=r"(v));
  __asm__ volatile("csrrci %0, mhartid, 0" : "=r"(v));
  __asm__ volatile("csrrs %0, mvendorid, x0" : "=r"(v));
  __asm__ volatile("csrrs %0, marchid, x0" : "=r"(v));
  __asm__ volatile("csrrs %0, mimpid, x0" : "=r"(v));
  __asm__ volatile("csrrs %0, cycle, x0" : "=r"(v));
  __asm__ volatile("csrrs %0, instret, x0" : "=r"(v));
  say("traps so far", m_trap_count);
  line("writes to read-only CSRs (illegal instruction, tval = instruction)");
  __asm__ volatile("csrrw %0, mhartid, %1" : "=r"(v) : "r"(1));
  __asm__ volatile("csrrw x0, mhartid, %0" : : "r"(1));
  __asm__ volatile("csrrwi %0, mhartid, 0" : "=r"(v));
  __asm__ volatile("csrrwi x0, mvendorid, 5" : :);
  __asm__ volatile("csrrs %0, mimpid, %1" : "=r"(v) : "r"(3));
  __asm__ volatile("csrrc %0, marchid, %1" : "=r"(v) : "r"(3));
  __asm__ volatile("csrrsi %0, mhartid, 1" : "=r"(v));
  __asm__ volatile("csrrci %0, mhartid, 1" : "=r"(v));
  __asm__ volatile("csrrw %0, cycle, %1" : "=r"(v) : "r"(1));
  __asm__ volatile("csrrsi %0, instret, 4" : "=r"(v));
  say("traps so far", m_trap_count);
  say("mhartid still", csr_read(mhartid));
  line("nonexistent CSRs (illegal instruction)");
  __asm__ volatile("csrr %0, 0x7c0" : "=r"(v));
  __asm__ volatile("csrw 0x7c0, %0" : : "r"(1));
  __asm__ volatile("csrr %0, 0x5ff" : "=r"(v));
  __asm__ volatile("csrr %0, 0x8ff" : "=r"(v));
  say("traps so far", m_trap_count);
}

int main(void) {
  /* mscratch holds the M trap stack (start.S): borrow it while nothing traps. */
  u32 saved = csr_read(mscratch);
  read_modify_write();
  csr_write(mscratch, saved);
  read_only_rules();
  pass();
}
