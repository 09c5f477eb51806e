/* The PV interface as a guest sees it (mirrors src/vmm/abi; Xen names). */
#ifndef PV_H
#define PV_H
#include <stdint.h>
#include "sbi.h"

#define PV_EXT 0x0958454E
#define HYPERVISOR_memory_op 12
#define HYPERVISOR_xen_version 17
#define HYPERVISOR_console_io 18
#define HYPERVISOR_grant_table_op 20
#define HYPERVISOR_sched_op 29
#define HYPERVISOR_event_channel_op 32

#define SCHEDOP_yield 0
#define SCHEDOP_block 1
#define SCHEDOP_shutdown 2
#define SHUTDOWN_poweroff 0
#define EVTCHNOP_bind_virq 1
#define EVTCHNOP_send 4
#define EVTCHNOP_alloc_unbound 6
#define GNTTABOP_setup_table 2
#define GNTTABOP_query_size 6
#define VIRQ_TIMER 0
#define DOMID_SELF 0x7FF0
#define GTF_permit_access 1
#define GTF_readonly 4

static inline long hypercall(unsigned long nr, unsigned long a0, unsigned long a1, unsigned long a2) {
  struct sbiret r = sbi_call(PV_EXT, nr, a0, a1, a2, 0, 0, 0);
  return r.error ? -38 : r.value;
}

struct start_info {
  char magic[32];
  uint32_t nr_pages, shared_info, flags, store_mfn, store_evtchn, console_mfn, console_evtchn;
  uint32_t pt_base, nr_pt_frames, mfn_list, mod_start, mod_len;
  char cmd_line[1024];
  uint32_t first_p2m_pfn, nr_p2m_frames;
};
struct vcpu_info {
  uint8_t evtchn_upcall_pending, evtchn_upcall_mask;
  uint16_t pad;
  uint32_t evtchn_pending_sel;
  uint8_t rest[56];
};
struct shared_info {
  struct vcpu_info vcpu_info[32];
  uint32_t evtchn_pending[32];
  uint32_t evtchn_mask[32];
  uint32_t wc_version, wc_sec, wc_nsec;
};
struct evtchn_alloc_unbound { uint16_t dom, remote_dom; uint32_t port; };
struct evtchn_bind_interdomain { uint16_t remote_dom; uint32_t remote_port, local_port; };
struct evtchn_status {
  uint16_t dom;
  uint32_t port, status, vcpu;
  union {
    struct { uint16_t dom; } unbound;
    struct { uint16_t dom; uint32_t port; } interdomain;
    uint32_t pirq, virq;
  } u;
};
struct sched_poll { uint32_t *ports; unsigned int nr_ports; uint64_t timeout; };
struct xen_memory_reservation {
  uint32_t *extent_start;
  unsigned long nr_extents;
  unsigned int extent_order, mem_flags;
  uint16_t domid;
};
struct gnttab_map_grant_ref {
  uint64_t host_addr;
  uint32_t flags, ref;
  uint16_t dom;
  int16_t status;
  uint32_t handle;
  uint64_t dev_bus_addr;
};
struct gnttab_unmap_grant_ref { uint64_t host_addr, dev_bus_addr; uint32_t handle; int16_t status; };
struct gnttab_query_size { uint16_t dom; uint32_t nr_frames, max_nr_frames; int16_t status; };
struct gnttab_copy_ptr { union { uint32_t ref, gmfn; } u; uint16_t domid, offset; };
struct gnttab_copy { struct gnttab_copy_ptr source, dest; uint16_t len, flags; int16_t status; };
struct xencons_interface { char in[1024], out[2048]; uint32_t in_cons, in_prod, out_cons, out_prod; };
struct blkif_request_segment { uint32_t gref; uint8_t first_sect, last_sect; };
struct blkif_request {
  uint8_t operation, nr_segments;
  uint16_t handle;
  uint64_t id, sector_number;
  struct blkif_request_segment seg[11];
};
struct blkif_response { uint64_t id; uint8_t operation; int16_t status; };
struct evtchn_bind_virq { uint32_t virq, vcpu, port; };
struct grant_entry_v1 { uint16_t flags, domid; uint32_t frame; };
struct gnttab_setup_table { uint16_t dom; uint32_t nr_frames; int16_t status; uint32_t *frame_list; };
#endif
