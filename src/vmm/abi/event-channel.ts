/**
 * event_channel_op(cmd, arg) — xen/include/public/event_channel.h. Struct
 * offsets are for ilp32 (RV32): domid_t is u16, evtchn_port_t is u32.
 */
export const EvtchnOp = {
  bind_interdomain: 0,
  bind_virq: 1,
  close: 3,
  send: 4,
  status: 5,
  alloc_unbound: 6,
  unmask: 9,
} as const;

/** `struct evtchn_alloc_unbound { domid_t dom, remote_dom; evtchn_port_t port (OUT); }` */
export const EvtchnAllocUnbound = { dom: 0, remote_dom: 2, port: 4, size: 8 } as const;
/** `struct evtchn_bind_interdomain { domid_t remote_dom; evtchn_port_t remote_port, local_port (OUT); }` */
export const EvtchnBindInterdomain = {
  remote_dom: 0,
  remote_port: 4,
  local_port: 8,
  size: 12,
} as const;
/** `struct evtchn_bind_virq { uint32_t virq, vcpu; evtchn_port_t port (OUT); }` */
export const EvtchnBindVirq = { virq: 0, vcpu: 4, port: 8, size: 12 } as const;
/** `struct evtchn_close`, `evtchn_send`, `evtchn_unmask`: `{ evtchn_port_t port; }` */
export const EvtchnPortArg = { port: 0, size: 4 } as const;
/**
 * `struct evtchn_status { domid_t dom; evtchn_port_t port; uint32_t status (OUT), vcpu (OUT);
 *  union { struct { domid_t dom; } unbound; struct { domid_t dom; evtchn_port_t port; } interdomain;
 *  uint32_t pirq; uint32_t virq; } u; }`
 */
export const EvtchnStatusArg = {
  dom: 0,
  port: 4,
  status: 8,
  vcpu: 12,
  u_dom: 16,
  u_port: 20,
  u_virq: 16,
  size: 24,
} as const;

/** EVTCHNSTAT_* values returned by EVTCHNOP_status. */
export const EvtchnStat = {
  closed: 0,
  unbound: 1,
  interdomain: 2,
  pirq: 3,
  virq: 4,
  ipi: 5,
} as const;
export type EvtchnStat = (typeof EvtchnStat)[keyof typeof EvtchnStat];

/** Virtual IRQs (xen.h VIRQ_*). */
export const Virq = { timer: 0, debug: 1, console: 2, dom_exc: 3 } as const;
export const NR_VIRQS = 24;

/**
 * Ports per domain with the 2-level ABI on a 32-bit guest: 32 words of 32
 * pending bits (xen.h NR_EVENT_CHANNELS = BITS_PER_LONG²). Port 0 is never used.
 */
export const NR_EVENT_CHANNELS = 32 * 32;
