/*
 * blkfront, the PV block front end (xen/include/public/io/blkif.h,
 * io/ring.h; the handshake of io/xenbus.h). The toolstack announced the disk
 * in xenstore under device/vbd/<id> (ours) and the back end's directory
 * (the VM server's blkback); both start in state Initialising.
 *
 * The handshake, as a sequence:
 *   1. wait for the back end to reach InitWait (it has published its features)
 *   2. allocate the shared ring page, initialise it, grant it to the back end
 *   3. allocate an unbound event channel towards the back end's domain
 *   4. in one transaction write ring-ref and event-channel, and go Initialised
 *   5. wait for the back end to reach Connected (it mapped the ring, bound the
 *      channel, and published sectors / sector-size / info)
 *   6. read the disk's size and go Connected ourselves
 * Teardown (poweroff): Closing, wait for the back end, Closed.
 *
 * I/O: each request names up to 11 granted 4 KiB frames (segments) and the
 * 512-byte sectors to use in each. Sprout keeps REQ_SLOTS request slots, each
 * with 11 pages granted once at connection time; data is copied through them.
 * It fills as many slots as the transfer needs, publishes them with one
 * producer-index update, notifies the back end only if it asked
 * (RING_PUSH_REQUESTS_AND_CHECK_NOTIFY), and sleeps until the responses come.
 */
#include <sprout/block.h>
#include <sprout/device.h>
#include <sprout/drivers.h>
#include <sprout/irq.h>
#include <sprout/kernel.h>
#include <sprout/mm.h>
#include <sprout/timer.h>
#include <sprout/xen.h>
#include <sprout/xenbus.h>
#include <tabvisor/ring.h>

#define REQ_SLOTS 8
#define SECTORS_PER_PAGE (PAGE_SIZE / BLKIF_SECTOR_SIZE)
#define SECTORS_PER_REQ (BLKIF_MAX_SEGMENTS_PER_REQUEST * SECTORS_PER_PAGE)
#define TIMEOUT_MS 10000
#define VDISK_READONLY 4

struct slot {
    uint8_t *pages; /* BLKIF_MAX_SEGMENTS_PER_REQUEST contiguous pages */
    grant_ref_t grefs[BLKIF_MAX_SEGMENTS_PER_REQUEST];
    bool busy;
    uint8_t *dst;   /* where read data goes */
    uint32_t sectors;
    int16_t status;
    bool done;
};

static struct blkfront {
    struct block_device bd;
    char front[64];
    char back[128];
    domid_t backend_id;
    uint16_t handle;
    struct blkif_front_ring ring;
    grant_ref_t ring_ref;
    evtchn_port_t port;
    bool flush_cache, barrier, readonly, connected;
    struct slot slots[REQ_SLOTS];
    struct device *dev;
    unsigned long notifies;
} xvd;

static void blkfront_event(evtchn_port_t port, void *arg) { xvd.dev->irqs++; }

/* Consume every response on the ring; returns how many. */
static unsigned collect_responses(struct blkfront *f) {
    unsigned n = 0;
    int more;
    do {
        RING_IDX prod = f->ring.sring->rsp_prod;
        __atomic_thread_fence(__ATOMIC_SEQ_CST); /* responses after the index */
        for (RING_IDX i = f->ring.rsp_cons; i != prod; i++) {
            struct blkif_response *rsp = RING_GET_RESPONSE(&f->ring, i);
            if (rsp->id < REQ_SLOTS) {
                struct slot *s = &f->slots[rsp->id];
                s->status = rsp->status;
                s->done = true;
                n++;
            }
        }
        f->ring.rsp_cons = prod;
        RING_FINAL_CHECK_FOR_RESPONSES(&f->ring, more);
    } while (more);
    return n;
}

static void push(struct blkfront *f) {
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&f->ring, notify);
    if (notify) {
        f->notifies++;
        f->dev->io_accesses++;
        evtchn_notify(f->port);
    }
}

/* Wait until every busy slot has its response. */
static int wait_all(struct blkfront *f) {
    uint64_t until = timer_deadline_ms(TIMEOUT_MS);
    for (;;) {
        collect_responses(f);
        bool pending = false;
        for (int i = 0; i < REQ_SLOTS; i++)
            if (f->slots[i].busy && !f->slots[i].done) pending = true;
        if (!pending) return 0;
        if (timer_now() > until) return -ETIMEDOUT;
        timer_arm(until);
        wait_for_interrupt();
    }
}

static struct blkif_request *new_request(struct blkfront *f, int slot, uint8_t op, uint64_t sector, uint32_t nsect) {
    struct blkif_request *req = RING_GET_REQUEST(&f->ring, f->ring.req_prod_pvt++);
    struct slot *s = &f->slots[slot];
    req->operation = op;
    req->handle = f->handle;
    req->id = (uint64_t)slot;
    req->sector_number = sector;
    req->nr_segments = (uint8_t)((nsect + SECTORS_PER_PAGE - 1) / SECTORS_PER_PAGE);
    for (unsigned g = 0; g < req->nr_segments; g++) {
        uint32_t left = nsect - g * SECTORS_PER_PAGE;
        req->seg[g].gref = s->grefs[g];
        req->seg[g].first_sect = 0;
        req->seg[g].last_sect = (uint8_t)(MIN(left, SECTORS_PER_PAGE) - 1);
    }
    s->busy = true;
    s->done = false;
    s->sectors = nsect;
    return req;
}

static int transfer(struct blkfront *f, bool write, uint64_t lba, uint32_t count, uint8_t *buf) {
    while (count) {
        /* Fill the slots, publish them together, wait for all of them. */
        int used = 0;
        for (int i = 0; i < REQ_SLOTS && count && !RING_FULL(&f->ring); i++) {
            uint32_t n = MIN(count, SECTORS_PER_REQ);
            struct slot *s = &f->slots[i];
            if (write) memcpy(s->pages, buf, n * BLKIF_SECTOR_SIZE);
            s->dst = buf;
            new_request(f, i, write ? BLKIF_OP_WRITE : BLKIF_OP_READ, lba, n);
            lba += n, count -= n, buf += n * BLKIF_SECTOR_SIZE;
            used++;
        }
        push(f);
        int r = wait_all(f);
        for (int i = 0; i < used; i++) {
            struct slot *s = &f->slots[i];
            s->busy = false;
            if (r == 0 && s->status != BLKIF_RSP_OKAY) r = -EIO;
            if (r == 0 && !write) memcpy(s->dst, s->pages, s->sectors * BLKIF_SECTOR_SIZE);
        }
        if (r) return r;
    }
    return 0;
}

static int blkfront_read(struct block_device *bd, uint64_t lba, uint32_t count, void *buf) {
    return transfer(bd->priv, false, lba, count, buf);
}

static int blkfront_write(struct block_device *bd, uint64_t lba, uint32_t count, const void *buf) {
    struct blkfront *f = bd->priv;
    if (f->readonly) return -EROFS;
    return transfer(f, true, lba, count, (uint8_t *)buf);
}

/* BLKIF_OP_FLUSH_DISKCACHE: a request without segments; the back end answers once the data is stable. */
static int blkfront_flush(struct block_device *bd) {
    struct blkfront *f = bd->priv;
    if (!f->flush_cache && !f->barrier) return 0;
    struct blkif_request *req = new_request(f, 0, f->flush_cache ? BLKIF_OP_FLUSH_DISKCACHE : BLKIF_OP_WRITE_BARRIER, 0, 0);
    req->nr_segments = 0;
    push(f);
    int r = wait_all(f);
    f->slots[0].busy = false;
    if (r == 0 && f->slots[0].status == BLKIF_RSP_EOPNOTSUPP) {
        f->flush_cache = f->barrier = false; /* the back end cannot: it writes through */
        return 0;
    }
    return r ? r : f->slots[0].status == BLKIF_RSP_OKAY ? 0 : -EIO;
}

static int read_key(const char *dir, const char *key, char *buf, size_t size) {
    char path[160];
    snprintf(path, sizeof path, "%s/%s", dir, key);
    return xenbus_read(XBT_NIL, path, buf, size);
}

static bool read_flag(const char *dir, const char *key) {
    char v[8];
    return read_key(dir, key, v, sizeof v) == 0 && v[0] == '1';
}

static int connect(struct blkfront *f, const char *id) {
    char v[32], path[160];
    int r;
    snprintf(f->front, sizeof f->front, "device/vbd/%s", id);
    if ((r = read_key(f->front, "backend", f->back, sizeof f->back))) return r;
    long long backend_id = 0;
    snprintf(path, sizeof path, "%s/backend-id", f->front);
    xenbus_read_int(path, &backend_id);
    f->backend_id = (domid_t)backend_id;
    uint32_t vdev = 0;
    if (read_key(f->front, "virtual-device", v, sizeof v) == 0) parse_u32(v, &vdev);
    f->handle = (uint16_t)vdev;
    if (read_key(f->back, "dev", f->bd.name, sizeof f->bd.name) != 0) strlcpy(f->bd.name, "xvda", sizeof f->bd.name);
    printk("blkfront: %s: front end %s, back end %s (domain %u)\n", f->bd.name, f->front, f->back, f->backend_id);

    /* 1. The back end publishes its features and waits for us. */
    snprintf(path, sizeof path, "%s/state", f->back);
    int s = xenbus_wait_for_state(path, XenbusStateInitWait, TIMEOUT_MS);
    printk("blkfront: %s: 1. back end is %s\n", f->bd.name, s < 0 ? strerror(s) : xenbus_state_name(s));
    if (s != XenbusStateInitWait && s != XenbusStateInitialised && s != XenbusStateConnected) return s < 0 ? s : -EIO;
    f->flush_cache = read_flag(f->back, "feature-flush-cache");
    f->barrier = read_flag(f->back, "feature-barrier");

    /* 2. The shared ring: one page, granted to the back end. */
    struct blkif_sring *sring = page_alloc();
    if (!sring) return -ENOMEM;
    SHARED_RING_INIT(sring);
    FRONT_RING_INIT(&f->ring, sring, __RING_SIZE(blkif, PAGE_SIZE));
    r = gnttab_grant_access(f->backend_id, (uint32_t)((uintptr_t)sring >> PAGE_SHIFT), false);
    if (r < 0) return r;
    f->ring_ref = (grant_ref_t)r;
    /* The data pages of each request slot, granted once. */
    for (int i = 0; i < REQ_SLOTS; i++) {
        struct slot *sl = &f->slots[i];
        sl->pages = page_alloc_contiguous(BLKIF_MAX_SEGMENTS_PER_REQUEST);
        if (!sl->pages) return -ENOMEM;
        for (int g = 0; g < BLKIF_MAX_SEGMENTS_PER_REQUEST; g++) {
            r = gnttab_grant_access(f->backend_id, (uint32_t)(((uintptr_t)sl->pages >> PAGE_SHIFT) + (uint32_t)g), false);
            if (r < 0) return r;
            sl->grefs[g] = (grant_ref_t)r;
        }
    }
    printk("blkfront: %s: 2. ring page 0x%08lx (%u slots) granted as ref %lu; %d x %d data pages granted\n",
           f->bd.name, (unsigned long)(uintptr_t)sring, RING_SIZE(&f->ring), (unsigned long)f->ring_ref, REQ_SLOTS,
           BLKIF_MAX_SEGMENTS_PER_REQUEST);

    /* 3. An event channel the back end can bind to. */
    if ((r = evtchn_alloc_unbound(f->backend_id, &f->port))) return r;
    evtchn_bind(f->port, blkfront_event, f, f->bd.name);
    printk("blkfront: %s: 3. event channel %lu\n", f->bd.name, (unsigned long)f->port);

    /* 4. Publish both and say Initialised, atomically. */
    for (;;) {
        xenbus_transaction_t t;
        if ((r = xenbus_transaction_start(&t))) return r;
        r = xenbus_printf(t, f->front, "ring-ref", "%lu", (unsigned long)f->ring_ref);
        if (!r) r = xenbus_printf(t, f->front, "event-channel", "%lu", (unsigned long)f->port);
        if (!r) r = xenbus_printf(t, f->front, "state", "%d", XenbusStateInitialised);
        if (r) {
            xenbus_transaction_end(t, true);
            return r;
        }
        r = xenbus_transaction_end(t, false);
        if (r != -EAGAIN) break;
    }
    if (r) return r;
    printk("blkfront: %s: 4. wrote ring-ref and event-channel, state Initialised\n", f->bd.name);

    /* 5. The back end connects. */
    s = xenbus_wait_for_state(path, XenbusStateConnected, TIMEOUT_MS);
    printk("blkfront: %s: 5. back end is %s\n", f->bd.name, s < 0 ? strerror(s) : xenbus_state_name(s));
    if (s != XenbusStateConnected) return s < 0 ? s : -EIO;

    /* 6. Its disk, then we are Connected too. */
    long long sectors = 0, sector_size = BLKIF_SECTOR_SIZE, info = 0;
    snprintf(path, sizeof path, "%s/sectors", f->back);
    if ((r = xenbus_read_int(path, &sectors))) return r;
    snprintf(path, sizeof path, "%s/sector-size", f->back);
    xenbus_read_int(path, &sector_size);
    snprintf(path, sizeof path, "%s/info", f->back);
    xenbus_read_int(path, &info);
    if (sector_size != BLKIF_SECTOR_SIZE) {
        printk("blkfront: %s: sector size %lld is not supported\n", f->bd.name, sector_size);
        return -EINVAL;
    }
    f->readonly = info & VDISK_READONLY;
    f->flush_cache = f->flush_cache || read_flag(f->back, "feature-flush-cache");
    if ((r = xenbus_switch_state(f->front, XenbusStateConnected))) return r;
    f->connected = true;
    printk("blkfront: %s: 6. %lld sectors of %lld bytes%s%s, state Connected\n", f->bd.name, sectors, sector_size,
           f->readonly ? ", read-only" : "", f->flush_cache ? ", flush-cache" : f->barrier ? ", barrier" : "");
    f->bd.sectors = (uint64_t)sectors;
    return 0;
}

int blkfront_probe(void) {
    char list[256];
    int n = xenbus_directory(XBT_NIL, "device/vbd", list, sizeof list);
    if (n <= 0) {
        printk("blkfront: no virtual block device in xenstore\n");
        return -ENODEV;
    }
    struct blkfront *f = &xvd;
    static struct device probe_dev;
    f->dev = &probe_dev;
    int r = connect(f, list); /* the first device */
    if (r) {
        printk("blkfront: device/vbd/%s: handshake failed: %s\n", list, strerror(r));
        if (f->front[0]) xenbus_switch_state(f->front, XenbusStateClosed);
        return r;
    }
    f->bd.driver = "xen/blkfront.c";
    f->bd.read = blkfront_read;
    f->bd.write = blkfront_write;
    f->bd.flush = blkfront_flush;
    f->bd.priv = f;
    snprintf(f->bd.model, sizeof f->bd.model, "Xen virtual block device %s", f->front);
    unsigned long early = probe_dev.irqs;
    f->dev = device_add(f->bd.name, "xen/blkfront.c", "blkfront %s <-> %s, ring-ref %lu, event channel %lu",
                        f->front, f->back, (unsigned long)f->ring_ref, (unsigned long)f->port);
    f->dev->irqs = early;
    block_register(&f->bd);
    return 0;
}

void blkfront_shutdown(void) {
    struct blkfront *f = &xvd;
    if (!f->connected) return;
    char path[160];
    snprintf(path, sizeof path, "%s/state", f->back);
    xenbus_switch_state(f->front, XenbusStateClosing);
    int s = xenbus_wait_for_state(path, XenbusStateClosing, 2000);
    xenbus_switch_state(f->front, XenbusStateClosed);
    f->connected = false;
    printk("blkfront: %s: disconnected (back end %s)\n", f->bd.name, s < 0 ? strerror(s) : xenbus_state_name(s));
}
