/* A PV guest that sleeps until an event instead of polling; its command line
 * (start_info.cmd_line) picks the scenario:
 *  "console" binds VIRQ_CONSOLE and blocks (SCHEDOP_block) until typed input
 *            arrives, reads it with console_io and echoes "got: ..."; a '.'
 *            ends the run (poweroff).
 *  "notify"  offers Domain-0 a port (prints "port=N"), blocks until Domain-0
 *            sends on it, answers with one send, then counts forever: the test
 *            measures how far it got before Domain-0 saw the answer.
 *  "initrd"  finds the initial ramdisk through the DTB's /chosen
 *            (linux,initrd-start/-end, as Linux does) and prints its size and
 *            CRC-32.
 * No interrupts: SCHEDOP_block returns once vcpu_info.evtchn_upcall_pending is
 * set, and the guest reads the shared-info bits itself. */
#include <stdint.h>
#include "pv.h"

static volatile struct shared_info *shared;
static volatile uint32_t counter;

static void write_buf(const char *s, unsigned n) {
  hypercall(__HYPERVISOR_console_io, 0, n, (unsigned long)s);
}
static void write_str(const char *s) {
  unsigned n = 0;
  while (s[n]) n++;
  write_buf(s, n);
}
static void write_num(const char *label, uint32_t v) {
  char b[16];
  int i = 16;
  do b[--i] = (char)('0' + v % 10); while (v /= 10);
  write_str(label);
  write_buf(b + i, (unsigned)(16 - i));
}
static void write_hex(const char *label, uint32_t v) {
  char b[8];
  for (int i = 0; i < 8; i++) b[i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 15];
  write_str(label);
  write_buf(b, 8);
}
static int streq(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}

/* Consume `port`'s pending bit, sleeping until it is set (event_2l.c bit layout). */
static void wait_port(uint32_t port) {
  volatile struct vcpu_info *vi = &shared->vcpu_info[0];
  uint32_t w = port / 32, bit = 1u << (port % 32);
  for (;;) {
    vi->evtchn_upcall_pending = 0;
    __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
    if (__atomic_fetch_and(&shared->evtchn_pending[w], ~bit, __ATOMIC_SEQ_CST) & bit) return;
    /* An event set after the test above raises upcall_pending: block then returns at once. */
    hypercall(__HYPERVISOR_sched_op, SCHEDOP_block, 0, 0);
  }
}

static void power_off(void) {
  uint32_t reason = SHUTDOWN_poweroff;
  hypercall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, (unsigned long)&reason, 0);
}

extern void trap_entry(void);
/* Nothing should trap: say so and stop rather than loop. */
unsigned long trap_handler(unsigned long cause, unsigned long epc, unsigned long tval) {
  (void)tval;
  write_hex("pv-wait: unexpected trap, cause 0x", (uint32_t)cause);
  write_hex(" epc 0x", (uint32_t)epc);
  write_str("\n");
  power_off();
  return epc;
}

static void console_echo(void) {
  struct evtchn_bind_virq bv = {VIRQ_CONSOLE, 0, 0};
  long rc = hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq, (unsigned long)&bv, 0);
  write_num("bind_virq(console) rc=", (uint32_t)rc);
  write_str("\nwaiting for input\n");
  for (;;) {
    wait_port(bv.port);
    char buf[64];
    long n = hypercall(__HYPERVISOR_console_io, 1, sizeof buf, (unsigned long)buf);
    if (n <= 0) continue;
    write_str("got: ");
    write_buf(buf, (unsigned)n);
    write_str("\n");
    for (long i = 0; i < n; i++)
      if (buf[i] == '.') return;
  }
}

static void notify_dom0(void) {
  struct evtchn_alloc_unbound au = {DOMID_SELF, 0, 0};
  hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, (unsigned long)&au, 0);
  write_num("port=", au.port);
  write_str("\n");
  wait_port(au.port);
  uint32_t p = au.port;
  hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_send, (unsigned long)&p, 0);
  for (;;) counter++;
}

/* ---- flattened device tree (DT spec v0.4 ch. 5): a property of /chosen ---- */
static uint32_t be32(const void *p) {
  const uint8_t *b = p;
  return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}
/* The value of /chosen's `prop` (its last cell: Linux accepts u32 or u64), or 0. */
static uint32_t chosen_cell(const void *fdt, const char *prop) {
  const uint8_t *base = fdt;
  if (be32(base) != 0xd00dfeed) return 0;
  const uint8_t *p = base + be32(base + 8);
  const char *strings = (const char *)base + be32(base + 12);
  int depth = 0, in_chosen = 0;
  for (;;) {
    uint32_t tok = be32(p);
    p += 4;
    if (tok == 1) {
      const char *name = (const char *)p;
      unsigned len = 0;
      while (name[len]) len++;
      p += (len + 4) & ~3u;
      depth++;
      in_chosen = depth == 2 && streq(name, "chosen");
    } else if (tok == 2) {
      depth--;
      in_chosen = 0;
    } else if (tok == 3) {
      uint32_t len = be32(p), nameoff = be32(p + 4);
      if (in_chosen && streq(strings + nameoff, prop) && len >= 4) return be32(p + 8 + len - 4);
      p += 8 + ((len + 3) & ~3u);
    } else if (tok == 4) {
      continue;
    } else {
      return 0;
    }
  }
}

static uint32_t crc32(const volatile uint8_t *p, uint32_t n) {
  uint32_t c = 0xffffffff;
  while (n--) {
    c ^= *p++;
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c;
}

static void show_initrd(const void *dtb, const struct start_info *si) {
  uint32_t start = chosen_cell(dtb, "linux,initrd-start");
  uint32_t end = chosen_cell(dtb, "linux,initrd-end");
  write_hex("initrd start=0x", start);
  write_num(" size=", end - start);
  write_hex(" crc32=0x", start ? crc32((const volatile uint8_t *)start, end - start) : 0);
  write_num(" mod_start matches=", si->mod_start == start && si->mod_len == end - start);
  write_str("\n");
}

void c_start(unsigned long hartid, const void *dtb, struct start_info *si) {
  (void)hartid;
  __asm__ volatile("csrw stvec, %0" ::"r"(trap_entry));
  shared = (volatile struct shared_info *)si->shared_info;
  if (streq(si->cmd_line, "console")) console_echo();
  else if (streq(si->cmd_line, "notify")) notify_dom0();
  else if (streq(si->cmd_line, "initrd")) show_initrd(dtb, si);
  else write_str("pv-wait: unknown scenario\n");
  power_off();
  for (;;) {
  }
}
