/*
 * The PV console (xen/include/public/io/console.h): one shared page, named
 * by start_info.console_mfn, with two byte rings and their free-running
 * indices, and an event channel, start_info.console_evtchn, to the VM
 * server's console back end.
 *
 *   out[2048]  we produce at out_prod, the back end consumes at out_cons
 *   in[1024]   the back end produces typed keys at in_prod, we consume at in_cons
 *
 * Indices are masked by the ring size (MASK_XENCONS_IDX). After moving an
 * index we notify the other end through the event channel.
 */
#include <sprout/console.h>
#include <sprout/device.h>
#include <sprout/drivers.h>
#include <sprout/irq.h>
#include <sprout/kernel.h>
#include <sprout/timer.h>
#include <sprout/xen.h>
#include <tabvisor/ring.h>

static volatile struct xencons_interface *intf;
static evtchn_port_t port;
static struct device *dev;

static void put(char c) {
    for (;;) {
        RING_IDX cons = intf->out_cons, prod = intf->out_prod;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (prod - cons < sizeof(intf->out)) {
            intf->out[MASK_XENCONS_IDX(prod, intf->out)] = c;
            __atomic_thread_fence(__ATOMIC_SEQ_CST); /* the byte before the index */
            intf->out_prod = prod + 1;
            return;
        }
        /* Full: let the back end drain it; it notifies us when it has. */
        evtchn_notify(port);
        wait_for_interrupt();
    }
}

static void xencons_write(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') put('\r');
        put(s[i]);
    }
    dev->io_accesses++;
    evtchn_notify(port);
}

static void xencons_event(evtchn_port_t p, void *arg) {
    char buf[64];
    dev->irqs++;
    for (;;) {
        RING_IDX cons = intf->in_cons, prod = intf->in_prod;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (cons == prod) break;
        size_t n = 0;
        while (cons != prod && n < sizeof buf) buf[n++] = intf->in[MASK_XENCONS_IDX(cons++, intf->in)];
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        intf->in_cons = cons;
        console_input(buf, n);
    }
    evtchn_notify(port); /* room for more input */
}

static struct console_sink sink = {"xencons", xencons_write, 0};

/* Before the domain stops: wait (briefly) until the back end has taken all our output. */
void xencons_flush(void) {
    if (!intf) return;
    uint64_t until = timer_deadline_ms(200);
    while (intf->out_cons != intf->out_prod && timer_now() < until) {
        evtchn_notify(port);
        timer_arm(until);
        wait_for_interrupt();
    }
}

int xencons_init(void) {
    if (!start_info || !start_info->console_mfn) return -ENODEV;
    intf = (volatile struct xencons_interface *)(uintptr_t)(start_info->console_mfn << PAGE_SHIFT);
    port = start_info->console_evtchn;
    static struct device probe_dev;
    dev = &probe_dev;
    dev = device_add("hvc0", "xen/xencons.c", "PV console ring at 0x%08lx, event channel %lu",
                     (unsigned long)(uintptr_t)intf, (unsigned long)port);
    evtchn_bind(port, xencons_event, 0, "console");
    console_add_sink(&sink);
    return 0;
}
