/* PV test guest: it knows it runs on the VMM. It writes through the
 * console_io hypercall, reads its own domain name from xenstore over the
 * xenstore ring (xs_wire.h XS_READ), writes one line through its PV console
 * ring (console.h struct xencons_interface), then echoes lines typed at its
 * console — from the ring or console_io — sleeping in SCHEDOP_poll between
 * keys. "poweroff", "reboot" and "crash" end it through SBI SRST. */
#include <tabvisor/ring.h>
#include <tabvisor/shared_info.h>
#include <tabvisor/xs_wire.h>
#include "guest.h"

static struct start_info *si;
/* Both rings are shared with the back end: every access must reach memory. */
static volatile struct xenstore_domain_interface *xs;
static volatile struct xencons_interface *cons;
static volatile uint32_t *evtchn_pending;

static void write_(const char *s, unsigned n) { hypercall(__HYPERVISOR_console_io, CONSOLEIO_write, n, (unsigned long)s); }
static void puts_(const char *s) { write_(s, str_len(s)); }

static void notify(uint32_t port) {
  uint32_t p = port;
  hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_send, (unsigned long)&p, 0);
}

/* Sleep until one of `ports` is pending or `ns` of guest time pass; then clear their pending bits. */
static void wait_ports(uint32_t *ports, uint32_t n, uint64_t ns) {
  struct sched_poll sp = {ports, n, rdtime64() * 100 + ns};
  hypercall(__HYPERVISOR_sched_op, SCHEDOP_poll, (unsigned long)&sp, 0);
  for (uint32_t i = 0; i < n; i++)
    __atomic_fetch_and(&evtchn_pending[ports[i] / 32], ~(1u << (ports[i] % 32)), __ATOMIC_SEQ_CST);
}

static void ring_puts(const char *s) {
  for (; *s; s++) {
    while (cons->out_prod - cons->out_cons >= sizeof cons->out) {
      uint32_t port = si->console_evtchn;
      wait_ports(&port, 1, 1000000);
    }
    cons->out[cons->out_prod % sizeof cons->out] = *s;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    cons->out_prod++;
  }
  notify(si->console_evtchn);
  /* Wait for the back end to take it, so it shows before what follows on console_io. */
  uint32_t port = si->console_evtchn;
  for (int tries = 0; cons->out_cons != cons->out_prod && tries < 1000; tries++) wait_ports(&port, 1, 1000000);
}

static void xs_put(const void *p, unsigned n) {
  const char *b = p;
  for (unsigned i = 0; i < n; i++) xs->req[(xs->req_prod + i) % sizeof xs->req] = b[i];
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  xs->req_prod += n;
}

static int xs_get(void *p, unsigned n) {
  uint32_t port = si->store_evtchn;
  for (int tries = 0; xs->rsp_prod - xs->rsp_cons < n; tries++) {
    if (tries > 1000) return -1;
    wait_ports(&port, 1, 1000000);
  }
  char *b = p;
  for (unsigned i = 0; i < n; i++) b[i] = xs->rsp[(xs->rsp_cons + i) % sizeof xs->rsp];
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  xs->rsp_cons += n;
  notify(si->store_evtchn);
  return 0;
}

/* XS_READ of a path relative to our /local/domain/ID; the value, NUL-terminated, or -1. */
static int xs_read(const char *path, char *out, unsigned max) {
  struct xsd_sockmsg m = {XS_READ, 1, 0, str_len(path) + 1};
  xs_put(&m, sizeof m);
  xs_put(path, m.len);
  notify(si->store_evtchn);
  struct xsd_sockmsg r;
  if (xs_get(&r, sizeof r) || r.len >= max || xs_get(out, r.len)) return -1;
  out[r.len] = 0;
  return r.type == XS_READ ? (int)r.len : -1;
}

/* Next typed byte: the console ring's input first, then the hypervisor console. */
static char getc_(void) {
  for (;;) {
    if (cons->in_cons != cons->in_prod) {
      char c = cons->in[cons->in_cons % sizeof cons->in];
      __atomic_thread_fence(__ATOMIC_SEQ_CST);
      cons->in_cons++;
      notify(si->console_evtchn);
      return c;
    }
    char c;
    if (hypercall(__HYPERVISOR_console_io, CONSOLEIO_read, 1, (unsigned long)&c) == 1) return c;
    uint32_t port = si->console_evtchn;
    wait_ports(&port, 1, 1000000);
  }
}

static char line[128], value[128];

void c_start(unsigned long hartid, const void *dtb, struct start_info *start) {
  (void)hartid;
  (void)dtb;
  si = start;
  xs = (volatile struct xenstore_domain_interface *)(si->store_mfn << 12);
  cons = (volatile struct xencons_interface *)(si->console_mfn << 12);
  evtchn_pending = ((volatile struct shared_info *)si->shared_info)->evtchn_pending;

  puts_("pv-echo: hello via console_io (");
  puts_(si->magic);
  puts_(", cmdline \"");
  puts_(si->cmd_line);
  puts_("\")\n");
  if (xs_read("name", value, sizeof value) >= 0) {
    puts_("pv-echo: xenstore name = ");
    puts_(value);
    puts_("\n");
  } else {
    puts_("pv-echo: xenstore read failed\n");
  }
  ring_puts("pv-echo: hello via the console ring\n");

  for (uint32_t n = 1;; n++) {
    puts_("> ");
    unsigned len = 0;
    for (;;) {
      char c = getc_();
      if (c == '\r' || c == '\n') break;
      write_(&c, 1);
      if (len < sizeof line - 1) line[len++] = c;
    }
    line[len] = 0;
    puts_("\n");
    if (str_eq(line, "poweroff")) {
      puts_("pv-echo: powering off\n");
      sbi_reset(SBI_SRST_TYPE_SHUTDOWN, SBI_SRST_REASON_NO_REASON);
    } else if (str_eq(line, "reboot")) {
      puts_("pv-echo: rebooting\n");
      sbi_reset(SBI_SRST_TYPE_COLD_REBOOT, SBI_SRST_REASON_NO_REASON);
    } else if (str_eq(line, "crash")) {
      puts_("pv-echo: crashing\n");
      sbi_reset(SBI_SRST_TYPE_SHUTDOWN, SBI_SRST_REASON_SYSTEM_FAILURE);
    } else if (len > 0) {
      char num[12];
      int i = 0;
      uint32_t v = n;
      do num[i++] = (char)('0' + v % 10); while ((v /= 10) != 0);
      puts_("echo ");
      while (i) write_(&num[--i], 1);
      puts_(": ");
      puts_(line);
      puts_("\n");
    }
  }
}
