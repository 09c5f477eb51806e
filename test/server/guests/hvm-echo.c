/* HVM test guest: an unmodified-driver style program. It finds nothing
 * through the hypervisor: it drives the PC's COM1 16550A (PC16550D
 * datasheet) at I/O port 0x3F8, reached through the ISA I/O window at
 * 0x03000000 (src/vmm/abi/platform.ts), takes its receive interrupt (ISA
 * IRQ 4 = PLIC source 0x44) through the PLIC, and sleeps in WFI between
 * keys. It echoes each line it reads; "poweroff", "reboot" and "crash" end it
 * through SBI SRST. */
#include "guest.h"

#define COM1 (ISA_IO_BASE + 0x3f8)
#define RBR 0
#define THR 0
#define IER 1
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define LSR_DR 0x01
#define LSR_THRE 0x20

#define PLIC 0x0c000000u
#define COM1_IRQ 0x44
#define PLIC_CTX 1 /* hart 0, S-mode */

static inline void outb(uint32_t reg, uint8_t v) { *(volatile uint8_t *)(COM1 + reg) = v; }
static inline uint8_t inb(uint32_t reg) { return *(volatile uint8_t *)(COM1 + reg); }
static inline void w32(uint32_t addr, uint32_t v) { *(volatile uint32_t *)addr = v; }
static inline uint32_t r32(uint32_t addr) { return *(volatile uint32_t *)addr; }

static void putc_(char c) {
  while (!(inb(LSR) & LSR_THRE)) {
  }
  outb(THR, (uint8_t)c);
}

static void puts_(const char *s) {
  for (; *s; s++) {
    if (*s == '\n') putc_('\r');
    putc_(*s);
  }
}

static void put_dec(uint32_t n) {
  char buf[12];
  int i = 0;
  do buf[i++] = (char)('0' + n % 10); while ((n /= 10) != 0);
  while (i) putc_(buf[--i]);
}

/* Wait for a received byte, sleeping until COM1 interrupts. */
static uint8_t getc_(void) {
  while (!(inb(LSR) & LSR_DR)) {
    __asm__ volatile("wfi");
    uint32_t claim = r32(PLIC + 0x200004 + 0x1000 * PLIC_CTX);
    if (claim) w32(PLIC + 0x200004 + 0x1000 * PLIC_CTX, claim);
  }
  return inb(RBR);
}

static char line[128];

void c_start(unsigned long hartid, const void *dtb) {
  (void)hartid;
  (void)dtb;
  outb(LCR, 0x03);                 /* 8 data bits, no parity, 1 stop bit */
  outb(FCR, 0x07);                 /* FIFOs on and cleared */
  outb(MCR, 0x0b);                 /* DTR, RTS, OUT2 (the PC's interrupt enable) */
  outb(IER, 0x01);                 /* received-data interrupt */
  w32(PLIC + 4 * COM1_IRQ, 1);     /* priority */
  w32(PLIC + 0x2000 + 0x80 * PLIC_CTX + 4 * (COM1_IRQ / 32), 1u << (COM1_IRQ % 32));
  w32(PLIC + 0x200000 + 0x1000 * PLIC_CTX, 0); /* threshold */
  /* External interrupts wake WFI; with sstatus.SIE clear they are never taken as traps. */
  __asm__ volatile("csrs sie, %0" ::"r"(SIE_SEIE));

  puts_("hvm-echo: hello from COM1\n");
  for (uint32_t n = 1;; n++) {
    puts_("> ");
    unsigned len = 0;
    for (;;) {
      char c = (char)getc_();
      if (c == '\r' || c == '\n') break;
      putc_(c); /* echo, as a terminal line discipline would */
      if (len < sizeof line - 1) line[len++] = c;
    }
    line[len] = 0;
    puts_("\n");
    if (str_eq(line, "poweroff")) {
      puts_("hvm-echo: powering off\n");
      sbi_reset(SBI_SRST_TYPE_SHUTDOWN, SBI_SRST_REASON_NO_REASON);
    } else if (str_eq(line, "reboot")) {
      puts_("hvm-echo: rebooting\n");
      sbi_reset(SBI_SRST_TYPE_COLD_REBOOT, SBI_SRST_REASON_NO_REASON);
    } else if (str_eq(line, "crash")) {
      puts_("hvm-echo: crashing\n");
      sbi_reset(SBI_SRST_TYPE_SHUTDOWN, SBI_SRST_REASON_SYSTEM_FAILURE);
    } else if (len > 0) {
      puts_("echo ");
      put_dec(n);
      puts_(": ");
      puts_(line);
      puts_("\n");
    }
  }
}
