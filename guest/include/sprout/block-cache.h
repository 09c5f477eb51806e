/* A small write-back cache of 512-byte sectors for file-system metadata (fs/block-cache.c). */
#ifndef SPROUT_BLOCK_CACHE_H
#define SPROUT_BLOCK_CACHE_H
#include <stdbool.h>
#include <stdint.h>
#include "block.h"

void bcache_init(struct block_device *bd);
/* The sector's bytes, read from the disk unless cached; NULL on an I/O error. */
uint8_t *bcache_get(uint64_t lba);
/* Like bcache_get, for a sector about to be overwritten entirely: no read. */
uint8_t *bcache_get_blank(uint64_t lba);
void bcache_mark_dirty(const uint8_t *data);
/* Writes of sectors [first, first + count) are repeated `copies - 1` more times, `stride` sectors apart (the FAT copies). */
void bcache_set_mirror(uint64_t first, uint32_t count, uint32_t stride, uint32_t copies);
/* Write back dirty sectors in a range (before reading it directly), or drop cached ones (before writing it directly). */
int bcache_writeback_range(uint64_t lba, uint32_t count);
void bcache_drop_range(uint64_t lba, uint32_t count);
int bcache_flush(void);
unsigned long bcache_hits(void);
unsigned long bcache_misses(void);
unsigned bcache_dirty_count(void);

#endif
