/*
 * Grant tables: xen/include/public/grant_table.h, version 1.
 *
 * As on Arm, the grant table's frames are the guest's own RAM:
 * GNTTABOP_setup_table takes the list of guest frame numbers (IN) that will
 * hold the entries. Mirrors src/vmm/abi/grant-table.ts.
 */
#ifndef TABVISOR_GRANT_TABLE_H
#define TABVISOR_GRANT_TABLE_H
#include <stdint.h>
#include "event_channel.h"

typedef uint32_t grant_ref_t;
typedef uint32_t grant_handle_t;

struct grant_entry_v1 {
    uint16_t flags;  /* GTF_* */
    domid_t domid;   /* who may access the frame */
    uint32_t frame;  /* the frame granted */
};
#define GRANT_ENTRIES_PER_FRAME (4096 / 8)

/* Entry flags; the type lives in bits 0-1. */
#define GTF_type_mask 3
#define GTF_invalid 0
#define GTF_permit_access 1
#define GTF_accept_transfer 2
#define GTF_readonly (1 << 2)
#define GTF_reading (1 << 3)
#define GTF_writing (1 << 4)

/* References reserved for the toolstack (GNTTAB_RESERVED_*). */
#define GNTTAB_RESERVED_CONSOLE 0
#define GNTTAB_RESERVED_XENSTORE 1

#define GNTTABOP_map_grant_ref 0
#define GNTTABOP_unmap_grant_ref 1
#define GNTTABOP_setup_table 2
#define GNTTABOP_copy 5
#define GNTTABOP_query_size 6

#define GNTMAP_device_map (1 << 0)
#define GNTMAP_host_map (1 << 1)
#define GNTMAP_readonly (1 << 2)

#define GNTCOPY_source_gref (1 << 0)
#define GNTCOPY_dest_gref (1 << 1)

#define GNTST_okay 0
#define GNTST_general_error (-1)
#define GNTST_bad_domain (-2)
#define GNTST_bad_gntref (-3)
#define GNTST_bad_handle (-4)
#define GNTST_bad_virt_addr (-5)
#define GNTST_bad_dev_addr (-6)
#define GNTST_no_device_space (-7)
#define GNTST_permission_denied (-8)
#define GNTST_bad_page (-9)
#define GNTST_bad_copy_arg (-10)
#define GNTST_address_too_big (-11)
#define GNTST_eagain (-12)

struct gnttab_map_grant_ref {
    uint64_t host_addr;
    uint32_t flags;
    grant_ref_t ref;
    domid_t dom;
    int16_t status;          /* OUT */
    grant_handle_t handle;   /* OUT */
    uint64_t dev_bus_addr;   /* OUT */
};

struct gnttab_unmap_grant_ref {
    uint64_t host_addr;
    uint64_t dev_bus_addr;
    grant_handle_t handle;
    int16_t status;          /* OUT */
};

struct gnttab_setup_table {
    domid_t dom;
    uint32_t nr_frames;
    int16_t status;          /* OUT */
    uint32_t *frame_list;    /* IN here (see above) */
};

struct gnttab_query_size {
    domid_t dom;
    uint32_t nr_frames;      /* OUT */
    uint32_t max_nr_frames;  /* OUT */
    int16_t status;          /* OUT */
};

struct gnttab_copy_ptr {
    union {
        grant_ref_t ref;
        uint32_t gmfn;
    } u;
    domid_t domid;
    uint16_t offset;
};

struct gnttab_copy {
    struct gnttab_copy_ptr source, dest;
    uint16_t len;
    uint16_t flags;          /* GNTCOPY_* */
    int16_t status;          /* OUT */
};

/* Frames a domain may set up (Xen's default is 64; ours is smaller). */
#define MAX_GRANT_FRAMES 4

#endif
