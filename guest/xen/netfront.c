/*
 * netfront, the PV network front end (xen/include/public/io/netif.h,
 * io/ring.h; the handshake of io/xenbus.h). The toolstack announced the NIC
 * under device/vif/<id> (backend, backend-id, mac, handle) and the back end's
 * directory (the VM server's netback); both start in state Initialising.
 *
 * The handshake, as a sequence:
 *   1. wait for the back end to reach InitWait (it has published
 *      feature-rx-copy: we need copy mode, the only one Tabvisor has)
 *   2. allocate the TX and RX ring pages and grant them to the back end;
 *      allocate the receive buffers, grant each, and post them all as RX
 *      requests; grant the transmit pages (read-only)
 *   3. allocate an unbound event channel towards the back end (TX and RX
 *      share it)
 *   4. in one transaction write tx-ring-ref, rx-ring-ref, event-channel,
 *      request-rx-copy = 1, feature-rx-notify = 1 and state Connected
 *   5. wait for the back end to reach Connected (it mapped both rings and
 *      bound the channel), then kick it once so it sees the posted buffers
 * Teardown (poweroff): Closing, wait for the back end, Closed.
 *
 * TX: one frame is one request (no more_data, no extra-info slots): the
 * frame is copied into a free half page of the granted transmit pages and
 * published; the back end is notified only if it asked
 * (RING_PUSH_REQUESTS_AND_CHECK_NOTIFY). Completed requests are collected
 * lazily, at the next transmit or poll, so finished transmits cost no
 * event; only a sender that ran out of buffers asks to be woken.
 *
 * RX: the back end copies a frame into the page of the next RX request
 * (offset 0) and answers with status = its length. Each response's frame is
 * handed to the stack straight from that page, and the buffer is posted
 * again; the new requests go out with one index update, and a notification
 * when the back end wants one (feature-rx-notify).
 */
#include <sprout/device.h>
#include <sprout/drivers.h>
#include <sprout/irq.h>
#include <sprout/kernel.h>
#include <sprout/mm.h>
#include <sprout/net.h>
#include <sprout/timer.h>
#include <sprout/xen.h>
#include <sprout/xenbus.h>
#include <tabvisor/ring.h>

#define RX_BUFS_MAX 64      /* receive pages: 256 KiB, a quarter of the RX ring */
#define RX_BUFS_SMALL 16    /* with little RAM */
#define TX_PAGES 8
#define TX_BUF_SIZE 2048    /* two frames per transmit page */
#define TX_BUFS (TX_PAGES * (PAGE_SIZE / TX_BUF_SIZE))
#define TIMEOUT_MS 3000
#define TX_WAIT_MS 200

struct netfront {
    struct netif nif;
    char front[64];
    char back[128];
    domid_t backend_id;
    struct netif_tx_front_ring tx;
    struct netif_rx_front_ring rx;
    grant_ref_t tx_ref, rx_ref;
    evtchn_port_t port;
    /* Receive buffers: page i is posted with id i. */
    uint8_t *rx_pages;
    grant_ref_t rx_grefs[RX_BUFS_MAX];
    bool rx_posted[RX_BUFS_MAX];
    uint16_t rx_slot_id[NET_RX_RING_SIZE]; /* the id posted at each ring slot, for extra-info slots */
    unsigned nrx;
    bool rx_dropping;       /* inside a multi-slot frame we do not take */
    /* Transmit buffers: buffer i is half i % 2 of page i / 2; a stack of the free ones. */
    uint8_t *tx_pages;
    grant_ref_t tx_grefs[TX_PAGES];
    uint16_t tx_free[TX_BUFS];
    unsigned ntx_free;
    bool connected;
    struct device *dev;
    unsigned long notifies;
};
static struct netfront *vif; /* allocated when xenstore names a NIC */

static void netfront_event(evtchn_port_t port, void *arg) { ((struct netfront *)arg)->dev->irqs++; }

static void notify(struct netfront *f) {
    f->notifies++;
    f->dev->io_accesses++; /* EVTCHNOP_send: a hypercall */
    evtchn_notify(f->port);
}

/* ---- transmit ------------------------------------------------------------ */

/* Take back the buffers of finished transmits. */
static void collect_tx(struct netfront *f) {
    RING_IDX prod = f->tx.sring->rsp_prod;
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* responses after the index */
    for (RING_IDX i = f->tx.rsp_cons; i != prod; i++) {
        struct netif_tx_response *rsp = RING_GET_RESPONSE(&f->tx, i);
        if (rsp->status == NETIF_RSP_NULL) continue; /* an extra-info slot's place */
        if (rsp->id < TX_BUFS && f->ntx_free < TX_BUFS) f->tx_free[f->ntx_free++] = rsp->id;
        if (rsp->status == NETIF_RSP_DROPPED) f->nif.tx_dropped++;
        else if (rsp->status != NETIF_RSP_OKAY) f->nif.tx_errors++;
    }
    f->tx.rsp_cons = prod;
}

static int netfront_transmit(struct netif *nif, const uint8_t *frame, size_t len) {
    struct netfront *f = nif->priv;
    if (!f->connected) return -ENODEV;
    collect_tx(f);
    if (!f->ntx_free || RING_FULL(&f->tx)) {
        /* All buffers in flight: ask for an event at the next response and sleep until it comes. */
        uint64_t until = timer_deadline_ms(TX_WAIT_MS);
        for (;;) {
            int more;
            RING_FINAL_CHECK_FOR_RESPONSES(&f->tx, more);
            if (more) collect_tx(f);
            if (f->ntx_free && !RING_FULL(&f->tx)) break;
            if (timer_now() > until) return -EAGAIN;
            timer_arm(until);
            wait_for_interrupt();
        }
    }
    uint16_t id = f->tx_free[--f->ntx_free];
    uint16_t offset = (uint16_t)(id % (PAGE_SIZE / TX_BUF_SIZE) * TX_BUF_SIZE);
    memcpy(f->tx_pages + (size_t)id * TX_BUF_SIZE, frame, len);
    struct netif_tx_request *req = RING_GET_REQUEST(&f->tx, f->tx.req_prod_pvt++);
    req->gref = f->tx_grefs[id / (PAGE_SIZE / TX_BUF_SIZE)];
    req->offset = offset;
    req->flags = 0; /* checksums are complete; one slot */
    req->id = id;
    req->size = (uint16_t)len;
    int n;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&f->tx, n);
    if (n) notify(f);
    return 0;
}

/* ---- receive ------------------------------------------------------------- */

static void post_rx(struct netfront *f, uint16_t id) {
    RING_IDX i = f->rx.req_prod_pvt++;
    struct netif_rx_request *req = RING_GET_REQUEST(&f->rx, i);
    req->id = id;
    req->gref = f->rx_grefs[id];
    f->rx_slot_id[i & (NET_RX_RING_SIZE - 1)] = id;
    f->rx_posted[id] = true;
}

static void netfront_poll(struct netif *nif) {
    struct netfront *f = nif->priv;
    if (!f->connected) return;
    collect_tx(f);
    int more;
    do {
        RING_IDX prod = f->rx.sring->rsp_prod;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        for (RING_IDX i = f->rx.rsp_cons; i != prod; i++) {
            struct netif_rx_response *rsp = RING_GET_RESPONSE(&f->rx, i);
            uint16_t id = rsp->id;
            bool extra_next = false;
            if (id >= f->nrx || !f->rx_posted[id]) {
                nif->rx_errors++; /* not a buffer we posted: leave it */
                continue;
            }
            f->rx_posted[id] = false;
            if (f->rx_dropping || rsp->status <= 0 || (rsp->flags & (NETRXF_more_data | NETRXF_extra_info)) ||
                (size_t)rsp->offset + (size_t)rsp->status > PAGE_SIZE) {
                /* A failed slot, or part of a frame in pieces (we offered no feature that makes them). */
                if (!f->rx_dropping) {
                    if (rsp->status == NETIF_RSP_DROPPED) nif->rx_dropped++;
                    else nif->rx_errors++;
                }
                f->rx_dropping = (rsp->flags & NETRXF_more_data) != 0;
                extra_next = (rsp->flags & NETRXF_extra_info) != 0;
            } else {
                net_receive(nif, f->rx_pages + (size_t)id * PAGE_SIZE + rsp->offset, (size_t)rsp->status);
            }
            post_rx(f, id);
            /* An extra-info slot holds no frame; its buffer is the one posted at that ring slot. */
            if (extra_next && i + 1 != prod) {
                i++;
                uint16_t xid = f->rx_slot_id[i & (NET_RX_RING_SIZE - 1)];
                if (xid < f->nrx && f->rx_posted[xid]) {
                    f->rx_posted[xid] = false;
                    post_rx(f, xid);
                }
            }
        }
        f->rx.rsp_cons = prod;
        int n;
        RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&f->rx, n);
        if (n) notify(f);
        RING_FINAL_CHECK_FOR_RESPONSES(&f->rx, more);
    } while (more);
}

/* ---- the handshake ------------------------------------------------------- */

static int read_key(const char *dir, const char *key, char *buf, size_t size) {
    char path[160];
    snprintf(path, sizeof path, "%s/%s", dir, key);
    return xenbus_read(XBT_NIL, path, buf, size);
}

static int grant(struct netfront *f, void *page, bool readonly) {
    return gnttab_grant_access(f->backend_id, (uint32_t)((uintptr_t)page >> PAGE_SHIFT), readonly);
}

static int connect(struct netfront *f, const char *id) {
    char v[32] = "", path[160];
    int r;
    snprintf(f->front, sizeof f->front, "device/vif/%s", id);
    if ((r = read_key(f->front, "backend", f->back, sizeof f->back))) return r;
    long long backend_id = 0;
    snprintf(path, sizeof path, "%s/backend-id", f->front);
    xenbus_read_int(path, &backend_id);
    f->backend_id = (domid_t)backend_id;
    if (read_key(f->front, "mac", v, sizeof v) || !mac_parse(v, f->nif.mac)) {
        printk("netfront: %s: no usable mac (\"%s\")\n", f->front, v);
        return -EINVAL;
    }

    /* 1. The back end publishes its features and waits for us. */
    snprintf(path, sizeof path, "%s/state", f->back);
    int s = xenbus_wait_for_state(path, XenbusStateInitWait, TIMEOUT_MS);
    if (s == XenbusStateClosed) {
        /* Left Closed by our previous life (a reboot): say Initialising, and the back end offers the device again. */
        xenbus_switch_state(f->front, XenbusStateInitialising);
        uint64_t until = timer_deadline_ms(TIMEOUT_MS);
        while ((s = xenbus_wait_for_state(path, XenbusStateInitWait, TIMEOUT_MS)) == XenbusStateClosed &&
               timer_now() < until)
            sleep_ms(1);
    }
    if (s != XenbusStateInitWait && s != XenbusStateInitialised && s != XenbusStateConnected) {
        printk("netfront: %s: back end %s is %s\n", f->front, f->back, s < 0 ? strerror(s) : xenbus_state_name(s));
        return s < 0 ? s : -EIO;
    }
    if (read_key(f->back, "feature-rx-copy", v, sizeof v) || v[0] != '1') {
        printk("netfront: %s: the back end cannot copy received frames (feature-rx-copy)\n", f->front);
        return -EPROTO;
    }

    /* 2. Rings and buffers, granted once. */
    struct netif_tx_sring *txs = page_alloc();
    struct netif_rx_sring *rxs = page_alloc();
    if (!txs || !rxs) return -ENOMEM;
    SHARED_RING_INIT(txs);
    FRONT_RING_INIT(&f->tx, txs, NET_TX_RING_SIZE);
    SHARED_RING_INIT(rxs);
    FRONT_RING_INIT(&f->rx, rxs, NET_RX_RING_SIZE);
    if ((r = grant(f, txs, false)) < 0) return r;
    f->tx_ref = (grant_ref_t)r;
    if ((r = grant(f, rxs, false)) < 0) return r;
    f->rx_ref = (grant_ref_t)r;
    /* 256 KiB of receive pages, or a quarter of that with under 8 MiB free. */
    f->nrx = pages_free() >= 2048 ? RX_BUFS_MAX : RX_BUFS_SMALL;
    f->rx_pages = page_alloc_run(f->nrx, false);
    f->tx_pages = page_alloc_run(TX_PAGES, false);
    if (!f->rx_pages || !f->tx_pages) return -ENOMEM;
    for (unsigned i = 0; i < f->nrx; i++) {
        if ((r = grant(f, f->rx_pages + (size_t)i * PAGE_SIZE, false)) < 0) return r;
        f->rx_grefs[i] = (grant_ref_t)r;
        post_rx(f, (uint16_t)i);
    }
    int unused;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&f->rx, unused); /* nobody to notify yet */
    (void)unused;
    for (unsigned i = 0; i < TX_PAGES; i++) {
        if ((r = grant(f, f->tx_pages + (size_t)i * PAGE_SIZE, true)) < 0) return r;
        f->tx_grefs[i] = (grant_ref_t)r;
    }
    for (unsigned i = TX_BUFS; i-- > 0;) f->tx_free[f->ntx_free++] = (uint16_t)i;

    /* 3. The event channel. */
    if ((r = evtchn_alloc_unbound(f->backend_id, &f->port))) return r;
    evtchn_bind(f->port, netfront_event, f, "netfront");

    /* 4. Publish it all and say Connected, atomically. */
    for (;;) {
        xenbus_transaction_t t;
        if ((r = xenbus_transaction_start(&t))) return r;
        r = xenbus_printf(t, f->front, "tx-ring-ref", "%lu", (unsigned long)f->tx_ref);
        if (!r) r = xenbus_printf(t, f->front, "rx-ring-ref", "%lu", (unsigned long)f->rx_ref);
        if (!r) r = xenbus_printf(t, f->front, "event-channel", "%lu", (unsigned long)f->port);
        if (!r) r = xenbus_printf(t, f->front, "request-rx-copy", "1");
        if (!r) r = xenbus_printf(t, f->front, "feature-rx-notify", "1");
        if (!r) r = xenbus_printf(t, f->front, "state", "%d", XenbusStateConnected);
        if (r) {
            xenbus_transaction_end(t, true);
            return r;
        }
        r = xenbus_transaction_end(t, false);
        if (r != -EAGAIN) break;
    }
    if (r) return r;

    /* 5. The back end connects; a kick makes sure it looks at the buffers we posted. */
    s = xenbus_wait_for_state(path, XenbusStateConnected, TIMEOUT_MS);
    if (s != XenbusStateConnected) {
        printk("netfront: %s: back end %s is %s, not Connected\n", f->front, f->back,
               s < 0 ? strerror(s) : xenbus_state_name(s));
        return s < 0 ? s : -EIO;
    }
    f->connected = true;
    notify(f);
    return 0;
}

int netfront_probe(void) {
    char list[128];
    /* No vif in xenstore: no network, and nothing to say about it. */
    if (xenbus_directory(XBT_NIL, "device/vif", list, sizeof list) <= 0) return -ENODEV;
    struct netfront *f = vif = kzalloc(sizeof *vif);
    if (!f) return -ENOMEM;
    static struct device probe_dev;
    f->dev = &probe_dev;
    int r = connect(f, list); /* the first NIC */
    if (r) {
        printk("netfront: device/vif/%s: handshake failed: %s\n", list, strerror(r));
        if (f->front[0]) xenbus_switch_state(f->front, XenbusStateClosed);
        return r;
    }
    struct netif *nif = &f->nif;
    nif->transmit = netfront_transmit;
    nif->poll = netfront_poll;
    nif->priv = f;
    netif_register(nif, "netfront");
    snprintf(nif->hwinfo, sizeof nif->hwinfo, "Event channel:%lu Backend:%s", (unsigned long)f->port, f->back);
    char mac[18];
    unsigned long early_irqs = probe_dev.irqs, early_io = probe_dev.io_accesses;
    f->dev = device_add(nif->name, "xen/netfront.c", "netfront %s, back end domain %u, MAC %s, event channel %lu",
                        f->front, f->backend_id, mac_format(mac, nif->mac), (unsigned long)f->port);
    f->dev->irqs = early_irqs;
    f->dev->io_accesses = early_io;
    nif->dev = f->dev;
    return 0;
}

void netfront_shutdown(void) {
    struct netfront *f = vif;
    if (!f || !f->connected) return;
    char path[160];
    snprintf(path, sizeof path, "%s/state", f->back);
    f->connected = false;
    xenbus_switch_state(f->front, XenbusStateClosing);
    xenbus_wait_for_state(path, XenbusStateClosing, 2000);
    xenbus_switch_state(f->front, XenbusStateClosed);
}
