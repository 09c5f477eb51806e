/*
 * Shared rings between a front end (here) and a back end (the VM server):
 * xen/include/public/io/ring.h, with the request/response layouts of
 * io/blkif.h, io/netif.h and io/console.h, ilp32. Mirrors src/vmm/abi/ring.ts.
 *
 * One page holds a 64-byte header (four free-running indices and padding)
 * and an array of slots, each a union of one request and one response; the
 * slot count is rounded down to a power of two so that an index masks into
 * the array. The front end produces requests and consumes responses:
 *
 *   req_prod   published by the front end      rsp_prod   by the back end
 *   req_event  "notify me when req_prod passes this" (read by the front end)
 *   rsp_event  "notify me when rsp_prod passes this" (set by the front end)
 *
 * and keeps two private indices, req_prod_pvt (requests written but not yet
 * published) and rsp_cons (responses consumed).
 */
#ifndef TABVISOR_RING_H
#define TABVISOR_RING_H
#include <stdint.h>
#include "grant_table.h"

typedef uint32_t RING_IDX;

/* Round a 32-bit number down to a power of two (ring.h __RD32). */
#define __RD2(_x)  (((_x) & 0x00000002) ? 0x2 : ((_x) & 0x1))
#define __RD4(_x)  (((_x) & 0x0000000c) ? __RD2((_x)>>2)<<2 : __RD2(_x))
#define __RD8(_x)  (((_x) & 0x000000f0) ? __RD4((_x)>>4)<<4 : __RD4(_x))
#define __RD16(_x) (((_x) & 0x0000ff00) ? __RD8((_x)>>8)<<8 : __RD8(_x))
#define __RD32(_x) (((_x) & 0xffff0000) ? __RD16((_x)>>16)<<16 : __RD16(_x))

#define SRING_HEADER_SIZE 64

/* The ring's types: NAME_sring (shared page) and NAME_front_ring (front end's private state). */
#define DEFINE_RING_TYPES(name, req_t, rsp_t)                                   \
    union name##_sring_entry { req_t req; rsp_t rsp; };                         \
    struct name##_sring {                                                       \
        RING_IDX req_prod, req_event;                                           \
        RING_IDX rsp_prod, rsp_event;                                           \
        uint8_t __pad[SRING_HEADER_SIZE - 16];                                  \
        union name##_sring_entry ring[1];                                       \
    };                                                                          \
    struct name##_front_ring {                                                  \
        RING_IDX req_prod_pvt;                                                  \
        RING_IDX rsp_cons;                                                      \
        unsigned int nr_ents;                                                   \
        struct name##_sring *sring;                                             \
    }

/* Slots in a one-page ring of this type. */
#define __RING_SIZE(name, page_size)                                            \
    __RD32(((page_size) - SRING_HEADER_SIZE) / sizeof(union name##_sring_entry))

/* The front end initialises the shared page: producers 0, events 1. */
#define SHARED_RING_INIT(s) do {                                                \
    (s)->req_prod = (s)->rsp_prod = 0;                                          \
    (s)->req_event = (s)->rsp_event = 1;                                        \
    for (unsigned _i = 0; _i < sizeof((s)->__pad); _i++) (s)->__pad[_i] = 0;   \
} while (0)

#define FRONT_RING_INIT(r, s, size) do {                                        \
    (r)->req_prod_pvt = 0;                                                      \
    (r)->rsp_cons = 0;                                                          \
    (r)->nr_ents = (size);                                                      \
    (r)->sring = (s);                                                           \
} while (0)

#define RING_SIZE(r) ((r)->nr_ents)
/* Slots the front end may still fill. */
#define RING_FREE_REQUESTS(r) (RING_SIZE(r) - ((r)->req_prod_pvt - (r)->rsp_cons))
#define RING_FULL(r) (RING_FREE_REQUESTS(r) == 0)
#define RING_GET_REQUEST(r, idx) (&((r)->sring->ring[(idx) & (RING_SIZE(r) - 1)].req))
#define RING_GET_RESPONSE(r, idx) (&((r)->sring->ring[(idx) & (RING_SIZE(r) - 1)].rsp))
#define RING_HAS_UNCONSUMED_RESPONSES(r) ((r)->sring->rsp_prod - (r)->rsp_cons)

/*
 * Publish the private requests; `notify` becomes 1 iff the back end asked to
 * be told about an index in (old, new]: (new - event) < (new - old).
 */
#define RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(r, notify) do {                     \
    RING_IDX __old = (r)->sring->req_prod;                                      \
    RING_IDX __new = (r)->req_prod_pvt;                                         \
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* requests before index */       \
    (r)->sring->req_prod = __new;                                               \
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* index before reading event */  \
    (notify) = ((RING_IDX)(__new - (r)->sring->req_event) <                     \
                (RING_IDX)(__new - __old));                                     \
} while (0)

/*
 * With nothing left to consume, ask to be notified of the next response
 * (rsp_event = rsp_cons + 1), then look again: one may have slipped in.
 */
#define RING_FINAL_CHECK_FOR_RESPONSES(r, more) do {                            \
    (more) = RING_HAS_UNCONSUMED_RESPONSES(r);                                  \
    if (more) break;                                                            \
    (r)->sring->rsp_event = (r)->rsp_cons + 1;                                  \
    __atomic_thread_fence(__ATOMIC_SEQ_CST);                                    \
    (more) = RING_HAS_UNCONSUMED_RESPONSES(r);                                  \
} while (0)

/* ---- io/console.h ------------------------------------------------------ */

struct xencons_interface {
    char in[1024];
    char out[2048];
    RING_IDX in_cons, in_prod;
    RING_IDX out_cons, out_prod;
};
#define MASK_XENCONS_IDX(idx, ring) ((idx) & (sizeof(ring) - 1))

/* ---- io/blkif.h -------------------------------------------------------- */

#define BLKIF_OP_READ 0
#define BLKIF_OP_WRITE 1
#define BLKIF_OP_WRITE_BARRIER 2
#define BLKIF_OP_FLUSH_DISKCACHE 3
#define BLKIF_OP_DISCARD 5
#define BLKIF_OP_INDIRECT 6

#define BLKIF_RSP_OKAY 0
#define BLKIF_RSP_ERROR (-1)
#define BLKIF_RSP_EOPNOTSUPP (-2)

#define BLKIF_MAX_SEGMENTS_PER_REQUEST 11
#define BLKIF_SECTOR_SIZE 512

typedef uint16_t blkif_vdev_t;
typedef uint64_t blkif_sector_t;

/* One granted frame: sectors first_sect..last_sect (512-byte units) of it. */
struct blkif_request_segment {
    grant_ref_t gref;
    uint8_t first_sect, last_sect;
};

struct blkif_request {
    uint8_t operation;        /* BLKIF_OP_* */
    uint8_t nr_segments;
    blkif_vdev_t handle;
    uint64_t id;              /* echoed in the response */
    blkif_sector_t sector_number;
    struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
};

struct blkif_response {
    uint64_t id;
    uint8_t operation;
    int16_t status;           /* BLKIF_RSP_* */
};

DEFINE_RING_TYPES(blkif, struct blkif_request, struct blkif_response);

/* ---- io/netif.h -------------------------------------------------------- */

/*
 * One frame is one TX request: a whole Ethernet frame (no FCS, at most
 * 1514 bytes) inside one granted page, offset + size <= 4096. Multi-slot
 * frames (more_data) and extra-info slots are not offered by Tabvisor's
 * netback and get NETIF_RSP_ERROR. RX: the back end copies a frame to
 * offset 0 of the page granted by the next RX request; status = length.
 * TX and RX share the one event channel.
 */

/* netif_tx_request.flags */
#define NETTXF_csum_blank 1       /* protocol checksum field is blank */
#define NETTXF_data_validated 2   /* protocol checksum validated */
#define NETTXF_more_data 4        /* more slots follow for this frame */
#define NETTXF_extra_info 8       /* a netif_extra_info slot follows */

/* netif_rx_response.flags */
#define NETRXF_data_validated 1
#define NETRXF_csum_blank 2
#define NETRXF_more_data 4
#define NETRXF_extra_info 8

#define NETIF_RSP_DROPPED (-2)
#define NETIF_RSP_ERROR (-1)
#define NETIF_RSP_OKAY 0
#define NETIF_RSP_NULL 1          /* no response: used for an extra-info slot */

struct netif_tx_request {
    grant_ref_t gref;         /* page holding the frame */
    uint16_t offset;          /* of the frame in that page */
    uint16_t flags;           /* NETTXF_* */
    uint16_t id;              /* echoed in the response */
    uint16_t size;            /* frame bytes */
};

struct netif_tx_response {
    uint16_t id;
    int16_t status;           /* NETIF_RSP_* */
};

/* The slot after a request flagged NETTXF_extra_info (GSO, multicast…; none offered). */
struct netif_extra_info {
    uint8_t type;             /* XEN_NETIF_EXTRA_TYPE_* */
    uint8_t flags;            /* XEN_NETIF_EXTRA_FLAG_* */
    union {
        struct { uint16_t size; uint8_t type; uint8_t pad; uint16_t features; } gso;
        struct { uint8_t addr[6]; } mcast;
        uint16_t pad[3];
    } u;
};
#define XEN_NETIF_EXTRA_FLAG_MORE 1  /* another extra-info slot follows */

struct netif_rx_request {
    uint16_t id;              /* echoed in the response */
    uint16_t pad;
    grant_ref_t gref;         /* page the back end copies a frame into */
};

struct netif_rx_response {
    uint16_t id;
    uint16_t offset;          /* of the frame in the page (0) */
    uint16_t flags;           /* NETRXF_* */
    int16_t status;           /* > 0: bytes received; < 0: NETIF_RSP_* */
};

DEFINE_RING_TYPES(netif_tx, struct netif_tx_request, struct netif_tx_response);
DEFINE_RING_TYPES(netif_rx, struct netif_rx_request, struct netif_rx_response);

/* __RING_SIZE(netif_tx, 4096) and __RING_SIZE(netif_rx, 4096), as plain numbers. */
#define NET_TX_RING_SIZE 256
#define NET_RX_RING_SIZE 256

_Static_assert(sizeof(struct netif_tx_request) == 12, "netif_tx_request is 12 bytes");
_Static_assert(sizeof(struct netif_tx_response) == 4, "netif_tx_response is 4 bytes");
_Static_assert(sizeof(struct netif_extra_info) == 8, "netif_extra_info is 8 bytes");
_Static_assert(sizeof(struct netif_rx_request) == 8, "netif_rx_request is 8 bytes");
_Static_assert(sizeof(struct netif_rx_response) == 8, "netif_rx_response is 8 bytes");
_Static_assert(sizeof(union netif_tx_sring_entry) == 12, "a TX slot is 12 bytes");
_Static_assert(sizeof(union netif_rx_sring_entry) == 8, "an RX slot is 8 bytes");
_Static_assert(__RING_SIZE(netif_tx, 4096) == NET_TX_RING_SIZE, "NET_TX_RING_SIZE");
_Static_assert(__RING_SIZE(netif_rx, 4096) == NET_RX_RING_SIZE, "NET_RX_RING_SIZE");

#endif
