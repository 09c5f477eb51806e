/* A PV guest: start-info, console_io, a grant to the VM server, an event
 * channel to it, the VIRQ timer through the PLIC upcall source, SCHEDOP_block,
 * and accesses to ioreq-server ranges (MMIO and an I/O port). */
#include <stdint.h>
#include "pv.h"

#define PLIC 0x0c000000u
#define PROBE_MMIO ((volatile uint32_t *)0x10000000u)

extern void trap_entry(void);
static volatile struct shared_info *shared;
static uint32_t dom0_port, timer_port;
static volatile unsigned timer_events, dom0_events, upcalls;

static struct grant_entry_v1 grant_table[512] __attribute__((aligned(4096)));
static char granted_page[4096] __attribute__((aligned(4096)));

static void write_str(const char *s) {
  unsigned n = 0;
  while (s[n]) n++;
  hypercall(__HYPERVISOR_console_io, 0, n, (unsigned long)s);
}
static void write_num(const char *label, uint32_t v) {
  char b[16];
  int i = 16;
  do b[--i] = (char)('0' + v % 10); while (v /= 10);
  write_str(label);
  hypercall(__HYPERVISOR_console_io, 0, (unsigned long)(16 - i), (unsigned long)(b + i));
}

static inline uint32_t xchg(volatile uint32_t *p, uint32_t v) {
  uint32_t old;
  __asm__ volatile("amoswap.w %0, %2, (%1)" : "=r"(old) : "r"(p), "r"(v) : "memory");
  return old;
}

static void handle_events(void) {
  volatile struct vcpu_info *vi = &shared->vcpu_info[0];
  vi->evtchn_upcall_pending = 0;
  uint32_t sel = xchg(&vi->evtchn_pending_sel, 0);
  while (sel) {
    unsigned w = (unsigned)__builtin_ctz(sel);
    sel &= sel - 1;
    uint32_t bits = shared->evtchn_pending[w] & ~shared->evtchn_mask[w];
    while (bits) {
      unsigned b = (unsigned)__builtin_ctz(bits);
      bits &= bits - 1;
      uint32_t port = w * 32 + b;
      __atomic_fetch_and(&shared->evtchn_pending[w], ~(1u << b), __ATOMIC_SEQ_CST);
      if (port == timer_port) timer_events++;
      if (port == dom0_port) {
        dom0_events++;
        uint32_t p = dom0_port;
        hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_send, (unsigned long)&p, 0);
      }
    }
  }
}

unsigned long trap_handler(unsigned long cause, unsigned long epc, unsigned long tval) {
  (void)tval;
  if (cause == 0x80000009u) { /* supervisor external interrupt */
    volatile uint32_t *claim = (volatile uint32_t *)(PLIC + 0x201004);
    uint32_t irq = *claim;
    if (irq == EVTCHN_UPCALL_IRQ) {
      upcalls++;
      handle_events();
    }
    if (irq) *claim = irq;
    return epc;
  }
  if (cause == 0x80000005u) { /* timer: the VIRQ carries it; just disarm */
    sbi_ecall(SBI_EXT_TIME, 0, ~0UL, ~0UL, 0, 0, 0, 0);
    return epc;
  }
  write_num("unexpected trap ", (uint32_t)cause);
  return epc + 4;
}

void c_start(unsigned long hartid, const void *dtb, struct start_info *si) {
  (void)hartid;
  (void)dtb;
  __asm__ volatile("csrw stvec, %0" ::"r"(trap_entry));
  write_str("pv-test: magic=");
  write_str(si->magic);
  write_num(" nr_pages=", si->nr_pages);
  write_num(" console_evtchn=", si->console_evtchn);
  write_num(" store_evtchn=", si->store_evtchn);
  write_str("\n");
  shared = (volatile struct shared_info *)si->shared_info;

  uint32_t frame = (uint32_t)grant_table >> 12;
  struct gnttab_setup_table st = {DOMID_SELF, 1, -1, &frame};
  long rc = hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, (unsigned long)&st, 1);
  write_num("setup_table rc=", (uint32_t)rc);
  write_num(" status=", (uint32_t)(int32_t)st.status);
  const char *msg = "hello dom0";
  for (int i = 0; msg[i]; i++) granted_page[i] = msg[i];
  grant_table[2].domid = 0;
  grant_table[2].frame = (uint32_t)granted_page >> 12;
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  grant_table[2].flags = GTF_permit_access | GTF_readonly;

  struct evtchn_alloc_unbound au = {DOMID_SELF, 0, 0};
  rc = hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, (unsigned long)&au, 0);
  dom0_port = au.port;
  struct evtchn_bind_virq bv = {VIRQ_TIMER, 0, 0};
  hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq, (unsigned long)&bv, 0);
  timer_port = bv.port;

  /* Upcalls arrive as PLIC source 31 on this hart's S context (1). */
  *(volatile uint32_t *)(PLIC + 4 * EVTCHN_UPCALL_IRQ) = 1;
  *(volatile uint32_t *)(PLIC + 0x2080) = 1u << EVTCHN_UPCALL_IRQ;
  *(volatile uint32_t *)(PLIC + 0x201000) = 0;
  __asm__ volatile("csrs sie, %0" ::"r"(1u << 9));
  __asm__ volatile("csrsi sstatus, 2");

  write_num("\nready port=", dom0_port);
  write_num(" gref=", 2);
  write_str("\n");

  uint64_t now;
  uint32_t lo, hi;
  __asm__ volatile("rdtimeh %0; rdtime %1" : "=r"(hi), "=r"(lo));
  now = ((uint64_t)hi << 32) | lo;
  uint64_t when = now + 100000; /* 10 ms */
  sbi_ecall(SBI_EXT_TIME, 0, (unsigned long)when, (unsigned long)(when >> 32), 0, 0, 0, 0);

  while (timer_events < 1 || dom0_events < 3) hypercall(__HYPERVISOR_sched_op, SCHEDOP_block, 0, 0);

  PROBE_MMIO[0] = 0x12345678;
  uint32_t answer = PROBE_MMIO[1];
  *(volatile uint8_t *)(ISA_IO_BASE + 0x80) = 0x42; /* POST code port */
  write_num("timer events=", timer_events);
  write_num(" dom0 events=", dom0_events);
  write_num(" upcalls>0=", upcalls > 0);
  write_num(" probe=", answer);
  write_str("\npv-test: done\n");
  uint32_t reason = SHUTDOWN_poweroff;
  hypercall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, (unsigned long)&reason, 0);
  for (;;) {
  }
}
