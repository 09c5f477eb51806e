/*
 * The block-device layer: drivers register their disks here, and the file
 * system and `bench disk` reach them only through block_read/write/flush,
 * which check bounds and keep the statistics `df` and `lsdev` show.
 */
#include <sprout/block.h>
#include <sprout/kernel.h>

#define MAX_BLOCK_DEVICES 4
static struct block_device *devices[MAX_BLOCK_DEVICES];
static int ndevices;

void block_register(struct block_device *bd) {
    if (ndevices < MAX_BLOCK_DEVICES) devices[ndevices++] = bd;
    printk("%s: %llu sectors (%llu MiB), %s\n", bd->name, (unsigned long long)bd->sectors,
           (unsigned long long)(bd->sectors / 2048), bd->model[0] ? bd->model : bd->driver);
}

struct block_device *block_first(void) { return ndevices ? devices[0] : NULL; }

static int check(struct block_device *bd, uint64_t lba, uint32_t count) {
    if (!bd) return -ENODEV;
    if (lba + count > bd->sectors || lba + count < lba) return -EINVAL;
    return 0;
}

int block_read(struct block_device *bd, uint64_t lba, uint32_t count, void *buf) {
    int r = check(bd, lba, count);
    if (r || count == 0) return r;
    bd->requests++;
    r = bd->read(bd, lba, count, buf);
    if (r < 0) {
        bd->errors++;
        printk("%s: read of %lu sectors at %llu failed: %s\n", bd->name, (unsigned long)count,
               (unsigned long long)lba, strerror(r));
        return r;
    }
    bd->sectors_read += count;
    return 0;
}

int block_write(struct block_device *bd, uint64_t lba, uint32_t count, const void *buf) {
    int r = check(bd, lba, count);
    if (r || count == 0) return r;
    bd->requests++;
    r = bd->write(bd, lba, count, buf);
    if (r < 0) {
        bd->errors++;
        printk("%s: write of %lu sectors at %llu failed: %s\n", bd->name, (unsigned long)count,
               (unsigned long long)lba, strerror(r));
        return r;
    }
    bd->sectors_written += count;
    return 0;
}

int block_flush(struct block_device *bd) {
    if (!bd) return -ENODEV;
    bd->flushes++;
    return bd->flush ? bd->flush(bd) : 0;
}
