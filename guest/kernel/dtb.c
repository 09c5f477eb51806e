/*
 * Flattened device tree reader (Devicetree Specification v0.4, chapter 5).
 *
 *   header        magic 0xd00dfeed, sizes and offsets of the blocks below
 *   mem_rsvmap    {u64 address, u64 size} pairs ending with a zero pair
 *   dt_struct     tokens: BEGIN_NODE name, PROP {len, nameoff} value,
 *                 END_NODE, NOP, END; each padded to 4 bytes
 *   dt_strings    property names, NUL-terminated
 *
 * Everything is big-endian. The VMM builds the tree (src/vmm/guest-dtb.ts);
 * Sprout finds its RAM, PLIC, devices and the hypervisor node in it.
 */
#include <sprout/dtb.h>
#include <sprout/kernel.h>

#define FDT_MAGIC 0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9

static const uint8_t *blob;
static const uint8_t *dt_struct;
static uint32_t struct_size;
static const char *dt_strings;
static const uint8_t *rsvmap;

bool dtb_init(const void *p) {
    blob = p;
    if (!p || be32(blob) != FDT_MAGIC) return false;
    dt_struct = blob + be32(blob + 8);
    dt_strings = (const char *)blob + be32(blob + 12);
    rsvmap = blob + be32(blob + 16);
    struct_size = be32(blob + 36);
    return true;
}

uint32_t dtb_total_size(void) { return blob ? be32(blob + 4) : 0; }

static uint32_t tag_at(int off) { return off >= 0 && (uint32_t)off + 4 <= struct_size ? be32(dt_struct + off) : FDT_END; }

/* Offset of the token after the one at `off`. */
static int next_token(int off) {
    uint32_t tag = tag_at(off);
    off += 4;
    if (tag == FDT_BEGIN_NODE) {
        off += (int)strlen((const char *)dt_struct + off) + 1;
    } else if (tag == FDT_PROP) {
        off += 8 + (int)be32(dt_struct + off);
    }
    return (off + 3) & ~3;
}

int dtb_next_node(int node, int *depth) {
    int off;
    if (node < 0) {
        off = 0;
        while (tag_at(off) == FDT_NOP) off += 4;
        if (depth) *depth = 0;
        return tag_at(off) == FDT_BEGIN_NODE ? off : -1;
    }
    int d = depth ? *depth : 0;
    off = next_token(node);
    for (;;) {
        uint32_t tag = tag_at(off);
        if (tag == FDT_BEGIN_NODE) {
            if (depth) *depth = d + 1;
            return off;
        }
        if (tag == FDT_END_NODE) d--;
        if (tag == FDT_END) return -1;
        off = next_token(off);
    }
}

const char *dtb_node_name(int node) { return (const char *)dt_struct + node + 4; }

const void *dtb_prop(int node, const char *name, int *len) {
    if (node < 0) return NULL;
    int off = next_token(node);
    for (;;) {
        uint32_t tag = tag_at(off);
        if (tag == FDT_PROP) {
            const char *pname = dt_strings + be32(dt_struct + off + 8);
            if (strcmp(pname, name) == 0) {
                if (len) *len = (int)be32(dt_struct + off + 4);
                return dt_struct + off + 12;
            }
        } else if (tag != FDT_NOP) {
            return NULL; /* properties come before subnodes */
        }
        off = next_token(off);
    }
}

bool dtb_prop_cell(int node, const char *name, int idx, uint32_t *out) {
    int len;
    const uint8_t *p = dtb_prop(node, name, &len);
    if (!p || (idx + 1) * 4 > len) return false;
    *out = be32(p + idx * 4);
    return true;
}

bool dtb_prop_u32(int node, const char *name, uint32_t *out) { return dtb_prop_cell(node, name, 0, out); }

const char *dtb_prop_string(int node, const char *name) {
    int len;
    const char *p = dtb_prop(node, name, &len);
    return p && len > 0 && p[len - 1] == 0 ? p : NULL;
}

bool dtb_reg(int node, int idx, uint64_t *addr, uint64_t *size) {
    int len;
    const uint8_t *p = dtb_prop(node, "reg", &len);
    if (!p || (idx + 1) * 16 > len) return false;
    p += idx * 16;
    *addr = ((uint64_t)be32(p) << 32) | be32(p + 4);
    *size = ((uint64_t)be32(p + 8) << 32) | be32(p + 12);
    return true;
}

bool dtb_is_compatible(int node, const char *compat) {
    int len;
    const char *p = dtb_prop(node, "compatible", &len);
    if (!p) return false;
    for (const char *end = p + len; p < end; p += strlen(p) + 1)
        if (strcmp(p, compat) == 0) return true;
    return false;
}

int dtb_find_compatible(const char *compat, int idx) {
    int depth = 0;
    for (int n = dtb_next_node(-1, &depth); n >= 0; n = dtb_next_node(n, &depth))
        if (dtb_is_compatible(n, compat) && idx-- == 0) return n;
    return -1;
}

/* "uart@10000000" matches "uart@10000000", and "uart" matches it too. */
static bool name_matches(const char *node_name, const char *want, size_t want_len) {
    if (strncmp(node_name, want, want_len) != 0) return false;
    if (node_name[want_len] == 0) return true;
    for (size_t i = 0; i < want_len; i++)
        if (want[i] == '@') return false;
    return node_name[want_len] == '@';
}

int dtb_find_path(const char *path) {
    int depth = 0;
    int node = dtb_next_node(-1, &depth);
    if (node < 0 || path[0] != '/') return -1;
    const char *p = path + 1;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        /* Look for a child of `node` called p[0..len). */
        int want_depth = depth + 1, found = -1, d = depth;
        for (int n = dtb_next_node(node, &d); n >= 0 && d > depth; n = dtb_next_node(n, &d)) {
            if (d == want_depth && name_matches(dtb_node_name(n), p, len)) {
                found = n;
                break;
            }
        }
        if (found < 0) return -1;
        node = found;
        depth = want_depth;
        p += len;
        if (*p == '/') p++;
    }
    return node;
}

void dtb_node_path(int node, char *buf, unsigned size) {
    int stack[16];
    int depth = 0;
    for (int n = dtb_next_node(-1, &depth); n >= 0; n = dtb_next_node(n, &depth)) {
        if (depth < 16) stack[depth] = n;
        if (n == node) {
            buf[0] = 0;
            for (int i = 1; i <= depth && i < 16; i++) {
                strlcat(buf, "/", size);
                strlcat(buf, dtb_node_name(stack[i]), size);
            }
            if (depth == 0) strlcpy(buf, "/", size);
            return;
        }
    }
    strlcpy(buf, "?", size);
}

bool dtb_reservation(int idx, uint64_t *addr, uint64_t *size) {
    const uint8_t *p = rsvmap + idx * 16;
    *addr = ((uint64_t)be32(p) << 32) | be32(p + 4);
    *size = ((uint64_t)be32(p + 8) << 32) | be32(p + 12);
    return *addr != 0 || *size != 0;
}
