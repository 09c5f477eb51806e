/*
 * Event channels, 2-level ABI (xen/include/public/event_channel.h and
 * xen/common/event_2l.c). An event channel is a port number; the shared-info
 * page holds one pending bit and one mask bit per port, 32 words of each.
 * When Xen (here the VMM) sets a pending bit of an unmasked port it also sets
 * the word's bit in vcpu_info[0].evtchn_pending_sel and evtchn_upcall_pending,
 * and "upcalls" the guest. On Tabvisor the upcall is PLIC source 31, whose
 * level follows evtchn_upcall_pending (src/vmm/abi/platform.ts).
 *
 * The upcall handler is the classic two-level scan: clear upcall_pending,
 * take the selector word, and for each selected word handle the pending,
 * unmasked ports, clearing each pending bit before calling its handler.
 */
#include <sprout/device.h>
#include <sprout/irq.h>
#include <sprout/kernel.h>
#include <sprout/xen.h>

static struct {
    evtchn_handler_t fn;
    void *arg;
    const char *name;
    unsigned long count;
} ports[NR_EVENT_CHANNELS];
static unsigned long upcalls;
static struct device *dev;

static void upcall(void *unused) {
    volatile struct vcpu_info *v = &shared_info->vcpu_info[0];
    upcalls++;
    dev->irqs++;
    while (v->evtchn_upcall_pending) {
        v->evtchn_upcall_pending = 0;
        uint32_t sel = __atomic_exchange_n(&v->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
        while (sel) {
            unsigned w = (unsigned)__builtin_ctz(sel);
            sel &= sel - 1;
            uint32_t bits = shared_info->evtchn_pending[w] & ~shared_info->evtchn_mask[w];
            while (bits) {
                unsigned b = (unsigned)__builtin_ctz(bits);
                bits &= bits - 1;
                evtchn_port_t port = w * 32 + b;
                __atomic_fetch_and(&shared_info->evtchn_pending[w], ~(1u << b), __ATOMIC_SEQ_CST);
                ports[port].count++;
                if (ports[port].fn) ports[port].fn(port, ports[port].arg);
            }
        }
    }
}

void events_init(uintptr_t shared_info_pa, uint32_t upcall_irq) {
    shared_info = (volatile struct shared_info *)shared_info_pa;
    /* Mask every port; binding a handler unmasks its port. */
    for (int i = 0; i < 32; i++) shared_info->evtchn_mask[i] = ~0u;
    shared_info->vcpu_info[0].evtchn_upcall_mask = 0;
    dev = device_add("evtchn", "xen/events.c", "event channels (2-level), shared_info at 0x%08lx, upcall PLIC %lu",
                     (unsigned long)shared_info_pa, (unsigned long)upcall_irq);
    irq_register(upcall_irq, upcall, 0, "evtchn upcall");
}

void evtchn_bind(evtchn_port_t port, evtchn_handler_t fn, void *arg, const char *name) {
    if (port == 0 || port >= NR_EVENT_CHANNELS) panic("evtchn_bind: bad port %lu", (unsigned long)port);
    ports[port].fn = fn;
    ports[port].arg = arg;
    ports[port].name = name;
    evtchn_unmask(port);
}

void evtchn_unbind(evtchn_port_t port) {
    if (port >= NR_EVENT_CHANNELS) return;
    evtchn_mask(port);
    ports[port].fn = NULL;
}

void evtchn_mask(evtchn_port_t port) {
    __atomic_fetch_or(&shared_info->evtchn_mask[port / 32], 1u << (port % 32), __ATOMIC_SEQ_CST);
}

/* EVTCHNOP_unmask: clears the mask and re-raises the upcall if the port was pending meanwhile. */
void evtchn_unmask(evtchn_port_t port) {
    struct evtchn_port_arg op = {port};
    HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &op);
}

int evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port) {
    struct evtchn_alloc_unbound op = {.dom = DOMID_SELF, .remote_dom = remote};
    long r = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &op);
    if (r < 0) return (int)r;
    *port = op.port;
    return 0;
}

int evtchn_notify(evtchn_port_t port) {
    struct evtchn_port_arg op = {port};
    return (int)HYPERVISOR_event_channel_op(EVTCHNOP_send, &op);
}

unsigned long evtchn_upcalls(void) { return upcalls; }

void evtchn_list(void) {
    for (unsigned p = 1; p < NR_EVENT_CHANNELS; p++)
        if (ports[p].fn) printf("  port %3u  %-12s %lu events\n", p, ports[p].name, ports[p].count);
}
