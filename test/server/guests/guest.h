/* What the test guests share: SBI calls (SBI v2.0 chapter 3 calling
 * convention), SRST, the PV hypercall extension and Xen's structures, as
 * src/vmm/abi defines them. */
#ifndef GUEST_H
#define GUEST_H
#include <stdint.h>

struct sbiret { long error; long value; };

static inline struct sbiret sbi_call(unsigned long eid, unsigned long fid, unsigned long a0,
                                     unsigned long a1, unsigned long a2) {
  register unsigned long r_a0 __asm__("a0") = a0;
  register unsigned long r_a1 __asm__("a1") = a1;
  register unsigned long r_a2 __asm__("a2") = a2;
  register unsigned long r_a6 __asm__("a6") = fid;
  register unsigned long r_a7 __asm__("a7") = eid;
  __asm__ volatile("ecall" : "+r"(r_a0), "+r"(r_a1) : "r"(r_a2), "r"(r_a6), "r"(r_a7) : "memory");
  struct sbiret r = {(long)r_a0, (long)r_a1};
  return r;
}

#define SBI_EXT_SRST 0x53525354
#define SRST_SHUTDOWN 0
#define SRST_COLD_REBOOT 1
#define SRST_REASON_NONE 0
#define SRST_REASON_FAILURE 1

static inline void sbi_reset(unsigned long type, unsigned long reason) {
  sbi_call(SBI_EXT_SRST, 0, type, reason, 0);
  for (;;) __asm__ volatile("wfi");
}

/* src/vmm/abi/hypercall.ts: a7 = PV_SBI_EXT, a6 = hypercall number, result in a1. */
#define PV_EXT 0x0958454E
#define HYPERVISOR_console_io 18
#define HYPERVISOR_sched_op 29
#define HYPERVISOR_event_channel_op 32
#define CONSOLEIO_write 0
#define CONSOLEIO_read 1
#define SCHEDOP_poll 3
#define EVTCHNOP_send 4

static inline long hypercall(unsigned long nr, unsigned long a0, unsigned long a1, unsigned long a2) {
  struct sbiret r = sbi_call(PV_EXT, nr, a0, a1, a2);
  return r.error ? -38 : r.value;
}

/* xen.h struct start_info (ilp32), src/vmm/abi/start-info.ts. */
struct start_info {
  char magic[32];
  uint32_t nr_pages, shared_info, flags, store_mfn, store_evtchn, console_mfn, console_evtchn;
  uint32_t pt_base, nr_pt_frames, mfn_list, mod_start, mod_len;
  char cmd_line[1024];
};

/* struct sched_poll { evtchn_port_t *ports; unsigned nr_ports; uint64_t timeout; } */
struct sched_poll { uint32_t *ports; uint32_t nr_ports; uint64_t timeout; };

static inline uint64_t rdtime(void) {
  uint32_t hi, lo, hi2;
  do {
    __asm__ volatile("rdtimeh %0" : "=r"(hi));
    __asm__ volatile("rdtime %0" : "=r"(lo));
    __asm__ volatile("rdtimeh %0" : "=r"(hi2));
  } while (hi != hi2);
  return ((uint64_t)hi << 32) | lo;
}

static inline unsigned str_len(const char *s) {
  unsigned n = 0;
  while (s[n]) n++;
  return n;
}

static inline int str_eq(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}
#endif
