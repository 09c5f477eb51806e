/*
 * Prints device register behaviour as "name=hex" lines. The differential test
 * runs it on QEMU virt and on Tabvisor and expects the same text.
 */
#include "board.h"

static volatile uint32_t last_cause = 0xffffffffu;

/* Records the exception and skips the faulting instruction (2 or 4 bytes). */
__attribute__((interrupt("machine"), aligned(4))) static void on_trap(void) {
  last_cause = csr_read(mcause);
  uint32_t epc = csr_read(mepc);
  uint16_t insn = *(volatile uint16_t *)(uintptr_t)epc;
  csr_write(mepc, epc + ((insn & 3) == 3 ? 4 : 2));
}

static uint32_t bswap(uint32_t v) {
  return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

static uint32_t lb_cause(uint32_t addr) {
  last_cause = 0xffffffffu;
  (void)REG8(addr);
  return last_cause;
}
static uint32_t lw_cause(uint32_t addr) {
  last_cause = 0xffffffffu;
  (void)REG32(addr);
  return last_cause;
}

/*
 * Results are recorded first and printed at the end: printing writes THR,
 * which would re-arm THRE and re-raise the UART interrupt between the steps
 * (and in loopback mode the text would not even leave the UART).
 */
static struct {
  const char *name;
  uint32_t value;
} results[80];
static unsigned n_results;
static void rec(const char *name, uint32_t value) {
  results[n_results].name = name;
  results[n_results].value = value;
  n_results++;
}

#define PLIC_PRIORITY(id) (PLIC + 4 * (id))
#define PLIC_ENABLE(ctx, w) (PLIC + 0x2000 + 0x80 * (ctx) + 4 * (w))
#define PLIC_THRESHOLD(ctx) (PLIC + 0x200000 + 0x1000 * (ctx))
#define PLIC_CLAIM(ctx) (PLIC + 0x200004 + 0x1000 * (ctx))

int main(uint32_t hartid, const uint32_t *dtb) {
  csr_write(mtvec, (uint32_t)(uintptr_t)on_trap);
  rec("a0", hartid);
  rec("a1", (uint32_t)(uintptr_t)dtb);
  rec("dtb.magic", bswap(dtb[0]));
  rec("dtb.version", bswap(dtb[5]));

  /* UART reset values. */
  static const char *const names[] = {"", "ier", "iir", "lcr", "mcr", "lsr", "msr", "scr"};
  for (int r = 1; r < 8; r++) rec(names[r], REG8(UART0 + r));
  REG8(UART0 + 3) = 0x80;
  rec("dll", REG8(UART0 + 0));
  rec("dlm", REG8(UART0 + 1));
  REG8(UART0 + 3) = 0x03;
  REG8(UART0 + 1) = 0xff;
  rec("ier.ff", REG8(UART0 + 1));
  REG8(UART0 + 1) = 0x02;
  rec("iir.thre", REG8(UART0 + 2));
  rec("iir.thre.again", REG8(UART0 + 2));
  REG8(UART0 + 1) = 0x00;
  REG8(UART0 + 2) = 0x01;
  rec("iir.fifo", REG8(UART0 + 2));
  REG8(UART0 + 4) = 0x10 | 0x02; /* loopback + RTS */
  REG8(UART0 + 0) = 0x5a;
  rec("loop.lsr", REG8(UART0 + 5));
  rec("loop.rbr", REG8(UART0 + 0));
  rec("loop.msr", REG8(UART0 + 6));
  rec("loop.lsr.after", REG8(UART0 + 5));
  REG8(UART0 + 4) = 0x08;
  rec("msr.after", REG8(UART0 + 6));
  REG8(UART0 + 2) = 0x00;
  REG8(UART0 + 7) = 0xa5;
  rec("scr.a5", REG8(UART0 + 7));

  /* PLIC. */
  REG32(PLIC_PRIORITY(10)) = 0xffffffffu;
  rec("plic.prio10", REG32(PLIC_PRIORITY(10)));
  REG32(PLIC_PRIORITY(95)) = 3;
  rec("plic.prio95", REG32(PLIC_PRIORITY(95)));
  REG32(PLIC_THRESHOLD(0)) = 0xffffffffu;
  rec("plic.threshold", REG32(PLIC_THRESHOLD(0)));
  REG32(PLIC_THRESHOLD(0)) = 0;
  /* Bit 0 (no source 0) is left out: QEMU keeps it writable, SiFive hardwires it to 0. */
  REG32(PLIC_ENABLE(0, 0)) = 0xfffffffeu;
  rec("plic.enable0", REG32(PLIC_ENABLE(0, 0)));
  REG32(PLIC_ENABLE(0, 0)) = 0;
  rec("plic.claim.none", REG32(PLIC_CLAIM(0)));
  /* UART THRE interrupt → PLIC source 10 → claim. */
  REG32(PLIC_PRIORITY(10)) = 1;
  REG32(PLIC_ENABLE(1, 0)) = 1u << 10;
  REG8(UART0 + 1) = 0x02;
  rec("plic.pending0", REG32(PLIC + 0x1000));
  rec("mip.seip", csr_read(mip) & (1u << 9));
  rec("plic.claim.s", REG32(PLIC_CLAIM(1)));
  rec("plic.pending0.claimed", REG32(PLIC + 0x1000));
  rec("mip.seip.claimed", csr_read(mip) & (1u << 9));
  REG8(UART0 + 1) = 0x00;
  REG32(PLIC_CLAIM(1)) = 10;
  rec("plic.pending0.done", REG32(PLIC + 0x1000));

  /* CLINT. */
  rec("clint.msip", REG32(CLINT));
  rec("clint.mtimecmp.lo", REG32(CLINT + 0x4000));
  rec("clint.mtimecmp.hi", REG32(CLINT + 0x4004));
  rec("mip.reset", csr_read(mip) & 0x888);
  REG32(CLINT + 0x4004) = 0xffffffffu;
  REG32(CLINT + 0x4000) = 0xffffffffu;
  rec("mip.cmp.max", csr_read(mip) & 0x888);
  REG32(CLINT) = 0xffffffffu;
  rec("clint.msip.set", REG32(CLINT));
  rec("mip.msip", csr_read(mip) & 0x888);
  REG32(CLINT) = 0;
  REG32(CLINT + 0x4004) = 0;
  REG32(CLINT + 0x4000) = 0;
  rec("mip.cmp.zero", csr_read(mip) & 0x888);

  /* Which accesses fault (0xffffffff = none). */
  rec("fault.lb.clint", lb_cause(CLINT));
  rec("fault.lb.plic", lb_cause(PLIC_PRIORITY(1)));
  rec("fault.lw.uart", lw_cause(UART0));
  rec("fault.lb.test", lb_cause(FINISHER));
  rec("fault.lw.hole", lw_cause(0x0d000000u));
  for (unsigned i = 0; i < n_results; i++) report(results[i].name, results[i].value);
  return 0;
}
