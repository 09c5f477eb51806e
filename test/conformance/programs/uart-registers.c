/*
 * The NS16550A register file as a driver sees it (NS16550A datasheet; QEMU
 * hw/char/serial.c): LSR when idle (THRE and TEMT), IIR without and with the
 * FIFOs enabled, IER/LCR/MCR/SCR readback, the divisor latch behind LCR.DLAB,
 * and loopback mode (MCR.LOOP), where a transmitted byte comes back on the
 * receive side instead of the wire: LSR.DR rises and RBR returns it.
 */
#include "runtime.h"

#define REG(n) (UART0_BASE + (n))
#define RBR 0
#define THR 0
#define DLL 0
#define IER 1
#define DLM 1
#define IIR 2
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define SCR 7
#define LCR_DLAB 0x80
#define MCR_LOOP 0x10
#define LSR_DR 0x01

static u32 rd(u32 r) { return mmio_read8(REG(r)); }
static void wr(u32 r, u32 v) { mmio_write8(REG(r), (u8)v); }

int main(void) {
  say("LSR idle", rd(LSR));
  say("IIR", rd(IIR));
  wr(IER, 0x0d); /* RDA, RLS, MS: no THRE, so nothing becomes pending */
  say("IER <- 0x0d", rd(IER));
  wr(IER, 0);
  say("LCR", rd(LCR));
  wr(LCR, 0x1b);
  say("LCR <- 0x1b", rd(LCR));
  wr(LCR, 0x03);
  wr(SCR, 0xa5);
  say("SCR <- 0xa5", rd(SCR));
  wr(SCR, 0x5a);
  say("SCR <- 0x5a", rd(SCR));

  line("-- divisor latch");
  wr(LCR, 0x03 | LCR_DLAB);
  wr(DLL, 0x0c);
  wr(DLM, 0x01);
  u32 dll = rd(DLL), dlm = rd(DLM);
  wr(LCR, 0x03);
  say("DLL", dll);
  say("DLM", dlm);
  say("IER after DLAB=0", rd(IER));

  line("-- FIFOs");
  wr(FCR, 0x07); /* enable, clear both */
  say("IIR with FIFOs", rd(IIR));
  wr(FCR, 0x00);
  say("IIR without FIFOs", rd(IIR));

  line("-- loopback");
  wr(MCR, MCR_LOOP);
  say("MCR", rd(MCR) & 0x1f);
  wr(THR, 'Z');
  u32 lsr = 0;
  for (u32 i = 0; i < 100000 && !(lsr & LSR_DR); i++) lsr = rd(LSR);
  u32 got = rd(RBR);
  u32 lsr_after = rd(LSR);
  wr(MCR, 0);
  say("LSR.DR after loopback write", lsr & LSR_DR);
  say("RBR", got);
  say("LSR.DR after read", lsr_after & LSR_DR);
  pass();
}
