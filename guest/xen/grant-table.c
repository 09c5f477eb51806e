/*
 * Grant tables, version 1 (xen/include/public/grant_table.h). To let the VM
 * server's back ends reach a page of ours, we fill an entry of our grant
 * table { flags, domid, frame } and tell them its index, the grant reference.
 * The back end maps or copies the frame through the VMM, which checks the
 * entry. Writing `flags` last (after a barrier) makes the entry valid.
 *
 * As on Arm, the table lives in our own RAM: GNTTABOP_setup_table is given
 * the frames that hold it. References 0-7 are reserved (Xen's
 * GNTTAB_NR_RESERVED_ENTRIES: 0 console, 1 xenstore).
 */
#include <sprout/device.h>
#include <sprout/kernel.h>
#include <sprout/mm.h>
#include <sprout/xen.h>

#define FRAMES 1
#define ENTRIES (FRAMES * GRANT_ENTRIES_PER_FRAME)
#define FIRST_FREE 8

static volatile struct grant_entry_v1 *table;
static uint16_t free_list[ENTRIES]; /* stack of free references */
static unsigned nfree;

int gnttab_init(void) {
    table = page_alloc_contiguous(FRAMES);
    if (!table) return -ENOMEM;
    uint32_t frames[FRAMES];
    for (unsigned i = 0; i < FRAMES; i++) frames[i] = (uint32_t)(((uintptr_t)table >> PAGE_SHIFT) + i);
    struct gnttab_setup_table op = {.dom = DOMID_SELF, .nr_frames = FRAMES, .status = 0, .frame_list = frames};
    long r = HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &op, 1);
    if (r < 0 || op.status != GNTST_okay) {
        printk("gnttab: setup_table failed (%ld, status %d)\n", r, op.status);
        return -EIO;
    }
    for (unsigned ref = ENTRIES; ref-- > FIRST_FREE;) free_list[nfree++] = (uint16_t)ref;
    device_add("gnttab", "xen/grant-table.c", "grant table v1, %u frame at 0x%08lx, %u references",
               FRAMES, (unsigned long)(uintptr_t)table, ENTRIES - FIRST_FREE);
    return 0;
}

int gnttab_grant_access(domid_t domid, uint32_t pfn, bool readonly) {
    if (!table) return -ENODEV;
    if (nfree == 0) return -ENOSPC;
    grant_ref_t ref = free_list[--nfree];
    table[ref].domid = domid;
    table[ref].frame = pfn;
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* the entry is complete before it is valid */
    table[ref].flags = (uint16_t)(GTF_permit_access | (readonly ? GTF_readonly : 0));
    return (int)ref;
}

int gnttab_end_access(grant_ref_t ref) {
    if (ref < FIRST_FREE || ref >= ENTRIES) return -EINVAL;
    uint16_t flags = table[ref].flags;
    if (flags & (GTF_reading | GTF_writing)) return -EBUSY; /* still mapped by the other side */
    /* Clear it only if nobody started mapping meanwhile (Xen's gnttab_end_foreign_access_ref). */
    uint16_t expected = flags;
    volatile uint16_t *fp = &table[ref].flags;
    if (!__atomic_compare_exchange_n((uint16_t *)fp, &expected, 0, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        return -EBUSY;
    free_list[nfree++] = (uint16_t)ref;
    return 0;
}

unsigned gnttab_in_use(void) { return table ? ENTRIES - FIRST_FREE - nfree : 0; }
unsigned gnttab_capacity(void) { return table ? ENTRIES - FIRST_FREE : 0; }
