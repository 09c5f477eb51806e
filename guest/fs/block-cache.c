/*
 * The block cache: 128 sectors of file-system metadata (FAT sectors,
 * directory sectors, partial data sectors), kept until evicted (least
 * recently used first) or written back by `sync`. Writes are delayed: a
 * FAT sector changed by twenty cluster allocations goes to the disk once.
 * Writes to the first FAT are mirrored to the other FAT copies on the way
 * out, so the copies stay identical as fsck.fat expects.
 */
#include <sprout/block-cache.h>
#include <sprout/kernel.h>
#include <sprout/mm.h>

#define ENTRIES 128

struct entry {
    uint64_t lba;
    uint32_t used; /* LRU clock */
    bool valid, dirty;
    uint8_t *data;
};

static struct entry cache[ENTRIES];
static struct block_device *dev;
static uint32_t clock;
static unsigned long hits, misses;
static struct { uint64_t first; uint32_t count, stride, copies; } mirror;

void bcache_init(struct block_device *bd) {
    dev = bd;
    for (int i = 0; i < ENTRIES; i++) {
        if (!cache[i].data && !(cache[i].data = kmalloc(SECTOR_SIZE))) panic("bcache: out of memory");
        cache[i].valid = cache[i].dirty = false;
    }
    mirror.copies = 0;
}

void bcache_set_mirror(uint64_t first, uint32_t count, uint32_t stride, uint32_t copies) {
    mirror.first = first;
    mirror.count = count;
    mirror.stride = stride;
    mirror.copies = copies;
}

static int write_back(struct entry *e) {
    int r = block_write(dev, e->lba, 1, e->data);
    if (r == 0 && mirror.copies > 1 && e->lba >= mirror.first && e->lba < mirror.first + mirror.count)
        for (uint32_t k = 1; k < mirror.copies && r == 0; k++)
            r = block_write(dev, e->lba + (uint64_t)k * mirror.stride, 1, e->data);
    if (r == 0) e->dirty = false;
    return r;
}

static struct entry *lookup(uint64_t lba) {
    for (int i = 0; i < ENTRIES; i++)
        if (cache[i].valid && cache[i].lba == lba) return &cache[i];
    return NULL;
}

static struct entry *victim(void) {
    struct entry *v = &cache[0];
    for (int i = 0; i < ENTRIES; i++) {
        if (!cache[i].valid) return &cache[i];
        if (cache[i].used < v->used) v = &cache[i];
    }
    if (v->dirty && write_back(v) != 0) return NULL;
    v->valid = false;
    return v;
}

static uint8_t *get(uint64_t lba, bool read) {
    struct entry *e = lookup(lba);
    if (e) {
        hits++;
    } else {
        misses++;
        if (!(e = victim())) return NULL;
        if (read && block_read(dev, lba, 1, e->data) != 0) return NULL;
        e->lba = lba;
        e->valid = true;
        e->dirty = false;
    }
    e->used = ++clock;
    return e->data;
}

uint8_t *bcache_get(uint64_t lba) { return get(lba, true); }

uint8_t *bcache_get_blank(uint64_t lba) {
    uint8_t *p = get(lba, false);
    return p;
}

void bcache_mark_dirty(const uint8_t *data) {
    for (int i = 0; i < ENTRIES; i++)
        if (cache[i].data == data) cache[i].dirty = true;
}

int bcache_writeback_range(uint64_t lba, uint32_t count) {
    for (int i = 0; i < ENTRIES; i++)
        if (cache[i].valid && cache[i].dirty && cache[i].lba >= lba && cache[i].lba < lba + count) {
            int r = write_back(&cache[i]);
            if (r) return r;
        }
    return 0;
}

void bcache_drop_range(uint64_t lba, uint32_t count) {
    for (int i = 0; i < ENTRIES; i++)
        if (cache[i].valid && cache[i].lba >= lba && cache[i].lba < lba + count) cache[i].valid = cache[i].dirty = false;
}

/* Write back everything dirty, in disk order. */
int bcache_flush(void) {
    for (;;) {
        struct entry *next = NULL;
        for (int i = 0; i < ENTRIES; i++)
            if (cache[i].valid && cache[i].dirty && (!next || cache[i].lba < next->lba)) next = &cache[i];
        if (!next) return 0;
        int r = write_back(next);
        if (r) return r;
    }
}

unsigned bcache_dirty_count(void) {
    unsigned n = 0;
    for (int i = 0; i < ENTRIES; i++) n += cache[i].valid && cache[i].dirty;
    return n;
}

unsigned long bcache_hits(void) { return hits; }
unsigned long bcache_misses(void) { return misses; }
