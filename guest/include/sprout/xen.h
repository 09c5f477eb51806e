/*
 * The PV interface as Sprout uses it: hypercalls, event channels and grant
 * tables (xen/hypercall.c, xen/events.c, xen/grant-table.c).
 */
#ifndef SPROUT_XEN_H
#define SPROUT_XEN_H
#include <stdbool.h>
#include <stdint.h>
#include <tabvisor/event_channel.h>
#include <tabvisor/grant_table.h>
#include <tabvisor/hypercall.h>
#include <tabvisor/shared_info.h>
#include <tabvisor/start_info.h>

/* xen/hypercall.c */
long hypercall(unsigned long nr, unsigned long a0, unsigned long a1, unsigned long a2);
long HYPERVISOR_console_io(int cmd, int count, char *buf);
long HYPERVISOR_sched_op(int cmd, void *arg);
long HYPERVISOR_event_channel_op(int cmd, void *arg);
long HYPERVISOR_grant_table_op(int cmd, void *uop, unsigned count);
long HYPERVISOR_memory_op(int cmd, void *arg);
long HYPERVISOR_xen_version(int cmd, void *arg);
long HYPERVISOR_tabvisor_op(int cmd, void *arg);
bool hypervisor_present(void);
/* Calls per (hypercall, sub-op) since boot. */
struct hypercall_stat {
    const char *name;
    unsigned long count;
};
int hypercall_stats(struct hypercall_stat *out, int max);

/* The PV boot information (NULL on HVM). */
extern struct start_info *start_info;
extern volatile struct shared_info *shared_info;

/* xen/events.c: 2-level event channels through the shared-info page. */
typedef void (*evtchn_handler_t)(evtchn_port_t port, void *arg);
void events_init(uintptr_t shared_info_pa, uint32_t upcall_irq);
void evtchn_bind(evtchn_port_t port, evtchn_handler_t fn, void *arg, const char *name);
void evtchn_unbind(evtchn_port_t port);
int evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port);
int evtchn_notify(evtchn_port_t port);
void evtchn_mask(evtchn_port_t port);
void evtchn_unmask(evtchn_port_t port);
void evtchn_list(void);
unsigned long evtchn_upcalls(void);

/* xen/grant-table.c */
int gnttab_init(void);
/* Let domain `domid` access our frame `pfn` (read-only or not); returns the reference or -errno. */
int gnttab_grant_access(domid_t domid, uint32_t pfn, bool readonly);
/* Revoke a grant; -EBUSY if the other side still has it mapped. */
int gnttab_end_access(grant_ref_t ref);
unsigned gnttab_in_use(void);
unsigned gnttab_capacity(void);

#endif
