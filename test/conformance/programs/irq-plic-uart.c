/*
 * External interrupts through the PLIC (RISC-V PLIC spec 1.0.0; QEMU virt:
 * UART0 is source 10, hart 0 M context 0, S context 1) from the NS16550A's
 * transmitter-holding-register-empty interrupt (IER.ETBEI; NS16550A datasheet):
 * priority and enable registers, the pending bit, MEIP in mip, the trap
 * (mcause 11 | interrupt bit), claim/complete, the threshold masking a source,
 * polling without a trap, and the same line routed to the S context as SEIP,
 * delegated and handled in S. Nothing is printed while the UART interrupt is
 * enabled, so printing never changes what is pending. The device is quieted
 * (IER = 0) after each claim and before the complete.
 */
#include "runtime.h"

#define PLIC_PRIORITY(irq) (PLIC_BASE + 4u * (irq))
#define PLIC_PENDING (PLIC_BASE + 0x1000u)
#define PLIC_ENABLE(ctx) (PLIC_BASE + 0x2000u + 0x80u * (ctx))
#define PLIC_THRESHOLD(ctx) (PLIC_BASE + 0x200000u + 0x1000u * (ctx))
#define PLIC_CLAIM(ctx) (PLIC_BASE + 0x200004u + 0x1000u * (ctx))
#define CTX_M 0
#define CTX_S 1

#define UART_IER (UART0_BASE + 1)
#define UART_IIR (UART0_BASE + 2)
#define UART_MCR (UART0_BASE + 4)
#define IER_ETBEI 0x02
#define MCR_OUT2 0x08

static int wait_mip(u32 mask, u32 want) {
  for (u32 i = 0; i < 1000000; i++)
    if ((csr_read(mip) & mask) == want) return 1;
  return 0;
}

static volatile u32 claimed, claim_after, mcause_seen, scause_seen;

static int m_ext(struct trap_frame *f) {
  if (f->cause != (CAUSE_INTERRUPT | IRQ_M_EXT)) return 0;
  mcause_seen = f->cause;
  claimed = mmio_read32(PLIC_CLAIM(CTX_M));
  mmio_write8(UART_IER, 0);
  mmio_write32(PLIC_CLAIM(CTX_M), claimed);
  claim_after = mmio_read32(PLIC_CLAIM(CTX_M));
  return 1;
}

static int s_ext(struct trap_frame *f) {
  if (f->cause != (CAUSE_INTERRUPT | IRQ_S_EXT)) return 0;
  scause_seen = f->cause;
  claimed = mmio_read32(PLIC_CLAIM(CTX_S));
  mmio_write8(UART_IER, 0);
  mmio_write32(PLIC_CLAIM(CTX_S), claimed);
  claim_after = mmio_read32(PLIC_CLAIM(CTX_S));
  return 1;
}

static void setup(void) {
  line("-- PLIC registers");
  mmio_write32(PLIC_PRIORITY(UART0_IRQ), 7);
  say("priority 7", mmio_read32(PLIC_PRIORITY(UART0_IRQ)));
  mmio_write32(PLIC_PRIORITY(UART0_IRQ), 1);
  say("priority 1", mmio_read32(PLIC_PRIORITY(UART0_IRQ)));
  mmio_write32(PLIC_ENABLE(CTX_M), 1u << UART0_IRQ);
  say("enable ctx M", mmio_read32(PLIC_ENABLE(CTX_M)));
  mmio_write32(PLIC_THRESHOLD(CTX_M), 0);
  say("threshold ctx M", mmio_read32(PLIC_THRESHOLD(CTX_M)));
  mmio_write32(PLIC_THRESHOLD(CTX_S), 0);
  say("pending before", mmio_read32(PLIC_PENDING) & (1u << UART0_IRQ));
  say("claim with nothing pending", mmio_read32(PLIC_CLAIM(CTX_M)));
  say("IIR (no interrupt)", mmio_read8(UART_IIR) & 0x0f);
  say("MEIP before", (csr_read(mip) & MIP_MEIP) != 0);
  mmio_write8(UART_MCR, MCR_OUT2);
}

static void trap_path(void) {
  line("-- THRE interrupt, trap to M");
  m_trap_hook = m_ext;
  csr_write(mie, MIP_MEIP);
  mmio_write8(UART_IER, IER_ETBEI);
  u32 meip = wait_mip(MIP_MEIP, MIP_MEIP);
  u32 pend = mmio_read32(PLIC_PENDING) & (1u << UART0_IRQ);
  csr_set(mstatus, MSTATUS_MIE);
  __asm__ volatile("nop");
  csr_clear(mstatus, MSTATUS_MIE);
  say("MEIP raised", meip);
  say("PLIC pending", pend);
  say("mcause", mcause_seen);
  say("claimed", claimed);
  say("claim again after complete", claim_after);
  say("MEIP dropped", wait_mip(MIP_MEIP, 0));
  say("pending after", mmio_read32(PLIC_PENDING) & (1u << UART0_IRQ));
  csr_write(mie, 0);
  m_trap_hook = 0;
}

static void threshold_and_polling(void) {
  line("-- threshold masks, polling claim");
  mmio_write32(PLIC_THRESHOLD(CTX_M), 1);
  mmio_write8(UART_IER, IER_ETBEI);
  u32 pend = 0;
  for (u32 i = 0; i < 1000000 && !pend; i++)
    pend = mmio_read32(PLIC_PENDING) & (1u << UART0_IRQ);
  u32 meip_masked = (csr_read(mip) & MIP_MEIP) != 0;
  mmio_write32(PLIC_THRESHOLD(CTX_M), 0);
  u32 meip_open = wait_mip(MIP_MEIP, MIP_MEIP);
  u32 id = mmio_read32(PLIC_CLAIM(CTX_M));
  u32 pend_claimed = mmio_read32(PLIC_PENDING) & (1u << UART0_IRQ);
  mmio_write8(UART_IER, 0);
  mmio_write32(PLIC_CLAIM(CTX_M), id);
  say("pending with threshold 1", pend);
  say("MEIP with threshold 1", meip_masked);
  say("MEIP with threshold 0", meip_open);
  say("polled claim", id);
  say("pending after claim", pend_claimed);
  say("MEIP dropped after complete", wait_mip(MIP_MEIP, 0));
  mmio_write32(PLIC_ENABLE(CTX_M), 0);
}

static u32 s_wait(u32 arg) {
  (void)arg;
  csr_set(sstatus, MSTATUS_SIE);
  for (u32 i = 0; i < 1000000 && !scause_seen; i++) __asm__ volatile("nop");
  csr_clear(sstatus, MSTATUS_SIE);
  return scause_seen;
}

static void supervisor_context(void) {
  line("-- S context: SEIP, delegated");
  claimed = claim_after = 0;
  s_trap_hook = s_ext;
  csr_write(stvec, (u32)(uptr)s_trap_vector);
  csr_write(mideleg, MIP_SEIP);
  csr_write(mie, MIP_SEIP);
  mmio_write32(PLIC_ENABLE(CTX_S), 1u << UART0_IRQ);
  say("enable ctx S", mmio_read32(PLIC_ENABLE(CTX_S)));
  mmio_write8(UART_IER, IER_ETBEI);
  u32 seip = wait_mip(MIP_SEIP, MIP_SEIP);
  u32 meip = (csr_read(mip) & MIP_MEIP) != 0;
  u32 cause = enter_mode(PRV_S, s_wait, 0, 0);
  say("SEIP raised", seip);
  say("MEIP (M context disabled)", meip);
  say("scause", cause);
  say("claimed", claimed);
  say("claim again after complete", claim_after);
  say("SEIP dropped", wait_mip(MIP_SEIP, 0));
  mmio_write32(PLIC_ENABLE(CTX_S), 0);
  csr_write(mie, 0);
  csr_write(mideleg, 0);
  s_trap_hook = 0;
}

int main(void) {
  setup();
  trap_path();
  threshold_and_polling();
  supervisor_context();
  mmio_write8(UART_MCR, 0);
  pass();
}
