/*
 * The block-device interface: what the file system sees, whichever driver is
 * underneath (ATA PIO on HVM, blkfront on PV). Sectors are 512 bytes.
 */
#ifndef SPROUT_BLOCK_H
#define SPROUT_BLOCK_H
#include <stdint.h>

#define SECTOR_SIZE 512

struct block_device {
    char name[16];
    const char *driver;
    uint64_t sectors;
    char model[48];
    int (*read)(struct block_device *bd, uint64_t lba, uint32_t count, void *buf);
    int (*write)(struct block_device *bd, uint64_t lba, uint32_t count, const void *buf);
    int (*flush)(struct block_device *bd);
    void *priv;
    /* Statistics */
    uint64_t sectors_read, sectors_written;
    unsigned long requests, flushes, errors;
};

void block_register(struct block_device *bd);
struct block_device *block_first(void);
/* Checked I/O: bounds, statistics, a clear error on failure. */
int block_read(struct block_device *bd, uint64_t lba, uint32_t count, void *buf);
int block_write(struct block_device *bd, uint64_t lba, uint32_t count, const void *buf);
int block_flush(struct block_device *bd);

#endif
