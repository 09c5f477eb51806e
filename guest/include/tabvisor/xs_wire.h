/*
 * The xenstore wire protocol (xen/include/public/io/xs_wire.h,
 * docs/misc/xenstore.txt): every message is a 16-byte header followed by
 * `len` bytes of payload, mostly NUL-terminated strings. Over a ring, a PV
 * guest talks to xenstored through struct xenstore_domain_interface in the
 * page start_info.store_mfn names, with start_info.store_evtchn to notify.
 * Mirrors src/server/xenstore/xs-wire.ts and xs-ring.ts.
 */
#ifndef TABVISOR_XS_WIRE_H
#define TABVISOR_XS_WIRE_H
#include <stdint.h>

enum xsd_sockmsg_type {
    XS_CONTROL = 0,
    XS_DIRECTORY = 1,
    XS_READ = 2,
    XS_GET_PERMS = 3,
    XS_WATCH = 4,
    XS_UNWATCH = 5,
    XS_TRANSACTION_START = 6,
    XS_TRANSACTION_END = 7,
    XS_INTRODUCE = 8,
    XS_RELEASE = 9,
    XS_GET_DOMAIN_PATH = 10,
    XS_WRITE = 11,
    XS_MKDIR = 12,
    XS_RM = 13,
    XS_SET_PERMS = 14,
    XS_WATCH_EVENT = 15,
    XS_ERROR = 16,
    XS_IS_DOMAIN_INTRODUCED = 17,
    XS_RESUME = 18,
    XS_SET_TARGET = 19,
    XS_RESET_WATCHES = 21,
    XS_DIRECTORY_PART = 22,
    XS_GET_FEATURE = 23,
    XS_SET_FEATURE = 24,
    XS_GET_QUOTA = 25,
    XS_SET_QUOTA = 26,
    XS_INVALID = 0xffff,
};

struct xsd_sockmsg {
    uint32_t type;    /* XS_* */
    uint32_t req_id;  /* echoed in the reply */
    uint32_t tx_id;   /* transaction id, 0 for none */
    uint32_t len;     /* payload bytes that follow */
};

#define XSD_SOCKMSG_SIZE 16
#define XENSTORE_PAYLOAD_MAX 4096
#define XENSTORE_ABS_PATH_MAX 3072
#define XENSTORE_REL_PATH_MAX 2048

#define XENSTORE_RING_SIZE 1024
typedef uint32_t XENSTORE_RING_IDX;
#define MASK_XENSTORE_IDX(idx) ((idx) & (XENSTORE_RING_SIZE - 1))

struct xenstore_domain_interface {
    char req[XENSTORE_RING_SIZE];   /* requests to xenstored */
    char rsp[XENSTORE_RING_SIZE];   /* replies and watch events */
    XENSTORE_RING_IDX req_cons, req_prod;
    XENSTORE_RING_IDX rsp_cons, rsp_prod;
    uint32_t server_features;       /* XENSTORE_SERVER_FEATURE_* */
    uint32_t connection;            /* XENSTORE_CONNECTED / XENSTORE_RECONNECT */
    uint32_t error;                 /* XENSTORE_ERROR_* */
};

#define XENSTORE_SERVER_FEATURE_RECONNECTION 1
#define XENSTORE_SERVER_FEATURE_ERROR 2
#define XENSTORE_CONNECTED 0
#define XENSTORE_RECONNECT 1
#define XENSTORE_ERROR_NONE 0
#define XENSTORE_ERROR_COMM 1
#define XENSTORE_ERROR_RINGIDX 2
#define XENSTORE_ERROR_PROTO 3

#endif
