/*
 * event_channel_op(cmd, arg): xen/include/public/event_channel.h, ilp32
 * (domid_t is u16, evtchn_port_t is u32). Mirrors src/vmm/abi/event-channel.ts.
 */
#ifndef TABVISOR_EVENT_CHANNEL_H
#define TABVISOR_EVENT_CHANNEL_H
#include <stdint.h>

typedef uint16_t domid_t;
typedef uint32_t evtchn_port_t;

#define EVTCHNOP_bind_interdomain 0
#define EVTCHNOP_bind_virq 1
#define EVTCHNOP_close 3
#define EVTCHNOP_send 4
#define EVTCHNOP_status 5
#define EVTCHNOP_alloc_unbound 6
#define EVTCHNOP_unmask 9

struct evtchn_alloc_unbound {
    domid_t dom, remote_dom;
    evtchn_port_t port; /* OUT */
};

struct evtchn_bind_interdomain {
    domid_t remote_dom;
    evtchn_port_t remote_port;
    evtchn_port_t local_port; /* OUT */
};

struct evtchn_bind_virq {
    uint32_t virq;
    uint32_t vcpu;
    evtchn_port_t port; /* OUT */
};

/* evtchn_close, evtchn_send and evtchn_unmask all carry just a port. */
struct evtchn_port_arg {
    evtchn_port_t port;
};

struct evtchn_status {
    domid_t dom;
    evtchn_port_t port;
    uint32_t status; /* OUT: EVTCHNSTAT_* */
    uint32_t vcpu;   /* OUT */
    union {
        struct { domid_t dom; } unbound;
        struct { domid_t dom; evtchn_port_t port; } interdomain;
        uint32_t pirq;
        uint32_t virq;
    } u;
};

#define EVTCHNSTAT_closed 0
#define EVTCHNSTAT_unbound 1
#define EVTCHNSTAT_interdomain 2
#define EVTCHNSTAT_pirq 3
#define EVTCHNSTAT_virq 4
#define EVTCHNSTAT_ipi 5

/* Virtual IRQs (xen.h VIRQ_*). */
#define VIRQ_TIMER 0
#define VIRQ_DEBUG 1
#define VIRQ_CONSOLE 2
#define VIRQ_DOM_EXC 3
#define NR_VIRQS 24

/* 2-level ABI on a 32-bit guest: 32 words of 32 pending bits. Port 0 is never used. */
#define NR_EVENT_CHANNELS (32 * 32)

#endif
