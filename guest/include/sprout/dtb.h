/*
 * A reader for the flattened device tree the VMM passes at boot
 * (Devicetree Specification v0.4, chapter 5: header, memory reservation
 * block, structure block of FDT_BEGIN_NODE / FDT_PROP / FDT_END_NODE tokens,
 * strings block; all big-endian). A node is named by its offset in the
 * structure block, as libfdt does.
 */
#ifndef SPROUT_DTB_H
#define SPROUT_DTB_H
#include <stdbool.h>
#include <stdint.h>

bool dtb_init(const void *blob);
uint32_t dtb_total_size(void);
/* The next node after `node` (depth-first), or -1; dtb_next_node(-1) is the root. */
int dtb_next_node(int node, int *depth);
const char *dtb_node_name(int node);
int dtb_find_path(const char *path);
/* The idx-th node whose compatible list contains `compat`, or -1. */
int dtb_find_compatible(const char *compat, int idx);
bool dtb_is_compatible(int node, const char *compat);
const void *dtb_prop(int node, const char *name, int *len);
bool dtb_prop_u32(int node, const char *name, uint32_t *out);
/* The idx-th cell of a property, or false. */
bool dtb_prop_cell(int node, const char *name, int idx, uint32_t *out);
/* reg entry `idx` with 2 address and 2 size cells (all our nodes use that). */
bool dtb_reg(int node, int idx, uint64_t *addr, uint64_t *size);
const char *dtb_prop_string(int node, const char *name);
/* Memory reservation block entry `idx`. */
bool dtb_reservation(int idx, uint64_t *addr, uint64_t *size);
/* The full path of a node, for messages. */
void dtb_node_path(int node, char *buf, unsigned size);
static inline uint32_t be32(const void *p) {
    const uint8_t *b = p;
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

#endif
