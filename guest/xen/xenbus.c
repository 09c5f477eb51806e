/*
 * The xenbus client: Sprout's connection to xenstore, the VM server's tree
 * of configuration and device state (docs/misc/xenstore.txt). A PV guest
 * talks to it over the ring page start_info.store_mfn, laid out as
 * xs_wire.h's struct xenstore_domain_interface:
 *
 *   req[1024] requests we write at req_prod, xenstored consumes at req_cons
 *   rsp[1024] replies and watch events xenstored writes at rsp_prod
 *
 * and the event channel start_info.store_evtchn. Each message is a struct
 * xsd_sockmsg {type, req_id, tx_id, len} and `len` bytes of payload; paths
 * and values are strings, NUL-terminated where the protocol says so. Paths
 * not starting with '/' are relative to our home, /local/domain/<domid>.
 *
 * Requests are synchronous: write one, then read messages until its reply
 * (matching req_id) arrives. Watch events that come meanwhile are queued and
 * handed out by xenbus_dispatch_watches().
 */
#include <sprout/device.h>
#include <sprout/irq.h>
#include <sprout/kernel.h>
#include <sprout/timer.h>
#include <sprout/xen.h>
#include <sprout/xenbus.h>
#include <tabvisor/xs_wire.h>

#define TIMEOUT_MS 5000

static volatile struct xenstore_domain_interface *xs;
static evtchn_port_t xs_port;
static uint32_t req_id;
static unsigned long requests;
static struct device *dev;
static int domid = -1;
static xenbus_watch_fn watch_fn;
static char msg[XENSTORE_PAYLOAD_MAX + 1];

#define MAX_EVENTS 8
static struct {
    char path[128];
    char token[32];
} events[MAX_EVENTS];
static unsigned ev_head, ev_tail;

static void xs_event(evtchn_port_t p, void *arg) { dev->irqs++; }

/* Copy `len` bytes onto the request ring, waiting for room. */
static int ring_write(const void *data, size_t len) {
    const char *p = data;
    uint64_t until = timer_deadline_ms(TIMEOUT_MS);
    while (len) {
        XENSTORE_RING_IDX cons = xs->req_cons, prod = xs->req_prod;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (prod - cons >= XENSTORE_RING_SIZE) {
            if (timer_now() > until) return -ETIMEDOUT;
            evtchn_notify(xs_port);
            timer_arm(until);
            wait_for_interrupt();
            continue;
        }
        size_t n = MIN(len, (size_t)(XENSTORE_RING_SIZE - (prod - cons)));
        for (size_t i = 0; i < n; i++) xs->req[MASK_XENSTORE_IDX(prod + i)] = p[i];
        __atomic_thread_fence(__ATOMIC_SEQ_CST); /* data before the index */
        xs->req_prod = prod + (XENSTORE_RING_IDX)n;
        p += n;
        len -= n;
    }
    return 0;
}

/* Copy `len` bytes off the response ring, waiting for them (dst may be NULL: discard). */
static int ring_read(void *dst, size_t len) {
    char *p = dst;
    uint64_t until = timer_deadline_ms(TIMEOUT_MS);
    while (len) {
        XENSTORE_RING_IDX cons = xs->rsp_cons, prod = xs->rsp_prod;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (prod == cons) {
            if (timer_now() > until) return -ETIMEDOUT;
            timer_arm(until);
            wait_for_interrupt();
            continue;
        }
        size_t n = MIN(len, (size_t)(prod - cons));
        for (size_t i = 0; i < n; i++) {
            char c = xs->rsp[MASK_XENSTORE_IDX(cons + i)];
            if (p) *p++ = c;
        }
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        xs->rsp_cons = cons + (XENSTORE_RING_IDX)n;
        len -= n;
        evtchn_notify(xs_port); /* room for more */
    }
    return 0;
}

/* Read one message into `msg` (NUL-terminated, truncated to its size). */
static int read_message(struct xsd_sockmsg *h) {
    int r = ring_read(h, sizeof *h);
    if (r) return r;
    size_t keep = MIN((size_t)h->len, sizeof msg - 1);
    if ((r = ring_read(msg, keep))) return r;
    if (h->len > keep && (r = ring_read(NULL, h->len - keep))) return r;
    msg[keep] = 0;
    return 0;
}

static void queue_watch_event(size_t len) {
    /* Payload: path NUL token NUL */
    const char *path = msg, *token = msg + strnlen(msg, len) + 1;
    if (token >= msg + len) token = "";
    if (ev_tail - ev_head >= MAX_EVENTS) return; /* full: it is a hint anyway, state is re-read */
    strlcpy(events[ev_tail % MAX_EVENTS].path, path, sizeof events[0].path);
    strlcpy(events[ev_tail % MAX_EVENTS].token, token, sizeof events[0].token);
    ev_tail++;
}

/* Xen's xsd_errors[]: the error reply carries the errno's name. */
static int error_code(const char *s) {
    static const struct { const char *name; int err; } errs[] = {
        {"EINVAL", EINVAL}, {"EACCES", EACCES}, {"EEXIST", EEXIST}, {"EISDIR", EISDIR},
        {"ENOENT", ENOENT}, {"ENOMEM", ENOMEM}, {"ENOSPC", ENOSPC}, {"EIO", EIO},
        {"ENOTEMPTY", ENOTEMPTY}, {"ENOSYS", ENOSYS}, {"EROFS", EROFS}, {"EBUSY", EBUSY},
        {"EAGAIN", EAGAIN}, {"E2BIG", E2BIG}, {"EPERM", EPERM},
    };
    for (unsigned i = 0; i < ARRAY_SIZE(errs); i++)
        if (strcmp(s, errs[i].name) == 0) return -errs[i].err;
    return -EIO;
}

/* Send a request made of `n` pieces; its reply payload lands in `msg`. */
static int talk(uint32_t type, xenbus_transaction_t t, const char *const parts[], const size_t lens[], int n,
                size_t *reply_len) {
    if (!xs) return -ENODEV;
    struct xsd_sockmsg h = {.type = type, .req_id = ++req_id, .tx_id = t, .len = 0};
    for (int i = 0; i < n; i++) h.len += (uint32_t)lens[i];
    if (h.len > XENSTORE_PAYLOAD_MAX) return -E2BIG;
    requests++;
    int r = ring_write(&h, sizeof h);
    for (int i = 0; i < n && r == 0; i++) r = ring_write(parts[i], lens[i]);
    if (r) return r;
    evtchn_notify(xs_port);
    for (;;) {
        struct xsd_sockmsg reply;
        if ((r = read_message(&reply))) return r;
        if (reply.type == XS_WATCH_EVENT) {
            queue_watch_event(MIN((size_t)reply.len, sizeof msg - 1));
            continue;
        }
        if (reply.req_id != h.req_id) continue; /* a stale reply */
        if (reply.type == XS_ERROR) return error_code(msg);
        if (reply_len) *reply_len = MIN((size_t)reply.len, sizeof msg - 1);
        return 0;
    }
}

static int talk_path(uint32_t type, xenbus_transaction_t t, const char *path, size_t *reply_len) {
    const char *parts[] = {path};
    size_t lens[] = {strlen(path) + 1};
    return talk(type, t, parts, lens, 1, reply_len);
}

int xenbus_read(xenbus_transaction_t t, const char *path, char *value, size_t size) {
    size_t len;
    int r = talk_path(XS_READ, t, path, &len);
    if (r) return r;
    strlcpy(value, msg, MIN(size, len + 1));
    return 0;
}

int xenbus_write(xenbus_transaction_t t, const char *path, const char *value) {
    const char *parts[] = {path, value};
    size_t lens[] = {strlen(path) + 1, strlen(value)}; /* the value is not NUL-terminated on the wire */
    return talk(XS_WRITE, t, parts, lens, 2, NULL);
}

int xenbus_printf(xenbus_transaction_t t, const char *dir, const char *node, const char *fmt, ...) {
    char path[160], value[64];
    snprintf(path, sizeof path, "%s/%s", dir, node);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(value, sizeof value, fmt, ap);
    va_end(ap);
    return xenbus_write(t, path, value);
}

int xenbus_read_int(const char *path, long long *out) {
    char v[32];
    int r = xenbus_read(XBT_NIL, path, v, sizeof v);
    if (r) return r;
    long long x = 0;
    bool neg = v[0] == '-';
    const char *p = v + neg;
    if (!isdigit(*p)) return -EINVAL;
    while (isdigit(*p)) x = x * 10 + (*p++ - '0');
    *out = neg ? -x : x;
    return 0;
}

int xenbus_rm(xenbus_transaction_t t, const char *path) { return talk_path(XS_RM, t, path, NULL); }

int xenbus_directory(xenbus_transaction_t t, const char *path, char *buf, size_t size) {
    size_t len;
    int r = talk_path(XS_DIRECTORY, t, path, &len);
    if (r) return r;
    int count = 0;
    for (size_t i = 0; i < len; i++)
        if (msg[i] == 0) count++;
    memcpy(buf, msg, MIN(len, size));
    if (size) buf[MIN(len, size - 1)] = 0;
    return count;
}

int xenbus_transaction_start(xenbus_transaction_t *t) {
    const char *parts[] = {""};
    size_t lens[] = {1};
    int r = talk(XS_TRANSACTION_START, XBT_NIL, parts, lens, 1, NULL);
    if (r) return r;
    uint32_t id;
    if (!parse_u32(msg, &id)) return -EPROTO;
    *t = id;
    return 0;
}

int xenbus_transaction_end(xenbus_transaction_t t, bool abort) {
    const char *parts[] = {abort ? "F" : "T"};
    size_t lens[] = {2};
    return talk(XS_TRANSACTION_END, t, parts, lens, 1, NULL);
}

int xenbus_watch(const char *path, const char *token) {
    const char *parts[] = {path, token};
    size_t lens[] = {strlen(path) + 1, strlen(token) + 1};
    return talk(XS_WATCH, XBT_NIL, parts, lens, 2, NULL);
}

int xenbus_unwatch(const char *path, const char *token) {
    const char *parts[] = {path, token};
    size_t lens[] = {strlen(path) + 1, strlen(token) + 1};
    return talk(XS_UNWATCH, XBT_NIL, parts, lens, 2, NULL);
}

/* Pull in whatever complete messages (watch events) have arrived, without waiting. */
static void poll_ring(void) {
    while (xs && xs->rsp_prod - xs->rsp_cons >= sizeof(struct xsd_sockmsg)) {
        struct xsd_sockmsg h;
        if (read_message(&h)) return;
        if (h.type == XS_WATCH_EVENT) queue_watch_event(MIN((size_t)h.len, sizeof msg - 1));
    }
}

void xenbus_set_watch_handler(xenbus_watch_fn fn) { watch_fn = fn; }

static void drop_events(const char *token) {
    unsigned keep = ev_head;
    for (unsigned i = ev_head; i != ev_tail; i++)
        if (strcmp(events[i % MAX_EVENTS].token, token) != 0) events[keep++ % MAX_EVENTS] = events[i % MAX_EVENTS];
    ev_tail = keep;
}

void xenbus_dispatch_watches(void) {
    poll_ring();
    while (ev_head != ev_tail) {
        unsigned i = ev_head++ % MAX_EVENTS;
        if (watch_fn) watch_fn(events[i].path, events[i].token);
    }
}

const char *xenbus_state_name(int s) {
    static const char *const names[] = {"Unknown", "Initialising", "InitWait", "Initialised", "Connected",
                                        "Closing", "Closed", "Reconfiguring", "Reconfigured"};
    return s >= 0 && s < (int)ARRAY_SIZE(names) ? names[s] : "?";
}

int xenbus_wait_for_state(const char *path, int want, unsigned timeout_ms) {
    static unsigned serial;
    char token[24];
    snprintf(token, sizeof token, "wait-%u", ++serial);
    int r = xenbus_watch(path, token);
    if (r) return r;
    uint64_t until = timer_deadline_ms(timeout_ms);
    long long state = XenbusStateUnknown;
    for (;;) {
        if (xenbus_read_int(path, &state) < 0) state = XenbusStateUnknown;
        if (state >= want || state == XenbusStateClosed) break;
        if (timer_now() > until) {
            state = -ETIMEDOUT;
            break;
        }
        /* Sleep until xenstore says something (our watch fires on every change). */
        timer_arm(until);
        wait_for_interrupt();
        poll_ring();
        drop_events(token); /* ours were only a wake-up; others stay queued */
    }
    xenbus_unwatch(path, token);
    return (int)state;
}

int xenbus_switch_state(const char *dir, int state) {
    char path[160];
    snprintf(path, sizeof path, "%s/state", dir);
    char v[4];
    snprintf(v, sizeof v, "%d", state);
    return xenbus_write(XBT_NIL, path, v);
}

unsigned long xenbus_requests(void) { return requests; }
int xenbus_domid(void) { return domid; }
bool xenbus_ready(void) { return xs != NULL; }

int xenbus_init(void) {
    if (!start_info || !start_info->store_mfn) return -ENODEV;
    xs = (volatile struct xenstore_domain_interface *)(uintptr_t)(start_info->store_mfn << PAGE_SHIFT);
    xs_port = start_info->store_evtchn;
    static struct device probe_dev;
    dev = &probe_dev;
    evtchn_bind(xs_port, xs_event, 0, "xenstore");
    long long id;
    int r = xenbus_read_int("domid", &id);
    if (r) {
        printk("xenbus: xenstore does not answer (%s)\n", strerror(r));
        xs = NULL;
        return r;
    }
    domid = (int)id;
    char name[64] = "?";
    xenbus_read(XBT_NIL, "name", name, sizeof name);
    dev = device_add("xenbus", "xen/xenbus.c", "xenstore ring at 0x%08lx, event channel %lu; domain %d \"%s\"",
                     (unsigned long)(uintptr_t)xs, (unsigned long)xs_port, domid, name);
    return 0;
}
