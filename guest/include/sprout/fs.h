/* The file system as the shell sees it (fs/fat.c implements it on a block device). */
#ifndef SPROUT_FS_H
#define SPROUT_FS_H
#include <stdbool.h>
#include <stdint.h>
#include "block.h"

#define FS_NAME_MAX 255
#define FS_PATH_MAX 256

struct fs_stat {
    bool is_dir;
    uint32_t size;
    uint16_t date, time; /* FAT encoding */
};

struct fs_dirent {
    char name[FS_NAME_MAX + 1];
    struct fs_stat st;
};

struct fs_file;

#define FS_READ 0
#define FS_WRITE 1    /* create if missing, truncate */
#define FS_APPEND 2   /* create if missing, write at the end */

/* Mount the volume on `bd`; format it first if it is blank. */
int fs_mount(struct block_device *bd);
bool fs_mounted(void);
int fs_format(struct block_device *bd, const char *label);
int fs_stat(const char *path, struct fs_stat *st);
struct fs_file *fs_open(const char *path, int mode, int *err);
long fs_read(struct fs_file *f, void *buf, uint32_t n);
long fs_write(struct fs_file *f, const void *buf, uint32_t n);
int fs_close(struct fs_file *f);
/* Calls fn for each entry of a directory (not "." and ".."); returns the count or -errno. */
int fs_list(const char *path, void (*fn)(const struct fs_dirent *e, void *arg), void *arg);
int fs_mkdir(const char *path);
int fs_remove(const char *path);
int fs_sync(void);
struct fs_usage {
    const char *type;     /* "FAT16" / "FAT32" */
    char label[12];
    uint32_t cluster_bytes;
    uint32_t total_clusters;
    uint32_t free_clusters;
    uint64_t bytes_total, bytes_free;
    const char *device;
};
int fs_usage(struct fs_usage *u);

/* Turn `path` (relative to `cwd`) into a clean absolute path; false if too long. */
bool path_resolve(const char *cwd, const char *path, char *out, unsigned size);

#endif
