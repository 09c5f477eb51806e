/*
 * The xenbus client: a xenstore connection over the ring page and event
 * channel named in start_info (xen/include/public/io/xs_wire.h), and the
 * XenbusState handshake helpers front-end drivers use.
 */
#ifndef SPROUT_XENBUS_H
#define SPROUT_XENBUS_H
#include <stdbool.h>
#include <stddef.h>
#include <tabvisor/xenbus_state.h>

typedef uint32_t xenbus_transaction_t;
#define XBT_NIL 0

int xenbus_init(void);
bool xenbus_ready(void);
/* Returns 0 or -errno; values are NUL-terminated. */
int xenbus_read(xenbus_transaction_t t, const char *path, char *value, size_t size);
int xenbus_write(xenbus_transaction_t t, const char *path, const char *value);
int xenbus_printf(xenbus_transaction_t t, const char *dir, const char *node, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int xenbus_read_int(const char *path, long long *out);
int xenbus_rm(xenbus_transaction_t t, const char *path);
/* Children of `path`, NUL-separated in `buf`; returns the count or -errno. */
int xenbus_directory(xenbus_transaction_t t, const char *path, char *buf, size_t size);
int xenbus_transaction_start(xenbus_transaction_t *t);
/* abort = true discards; returns -EAGAIN if the transaction must be retried. */
int xenbus_transaction_end(xenbus_transaction_t t, bool abort);
int xenbus_watch(const char *path, const char *token);
int xenbus_unwatch(const char *path, const char *token);
/* Handle watch events that arrived; calls the callback registered for their token. */
typedef void (*xenbus_watch_fn)(const char *path, const char *token);
void xenbus_set_watch_handler(xenbus_watch_fn fn);
void xenbus_dispatch_watches(void);
/* Wait until `path` holds a XenbusState >= want (or == Closed); returns the state seen or -errno. */
int xenbus_wait_for_state(const char *path, int want, unsigned timeout_ms);
int xenbus_switch_state(const char *dir, int state);
const char *xenbus_state_name(int s);
unsigned long xenbus_requests(void);
int xenbus_domid(void);

#endif
