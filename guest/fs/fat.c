/*
 * The FAT file system, FAT12/16/32 (Microsoft "fatgen103", see
 * include/sprout/fat.h), compatible with mtools and fsck.fat: long file names
 * (VFAT), the NT lower-case bits for plain 8.3 names, both FAT copies kept
 * identical, the FAT32 FSInfo free count kept exact.
 *
 * A volume is: reserved sectors (the boot sector with the BPB, on FAT32 also
 * FSInfo and a backup boot sector), the FATs, on FAT12/16 a fixed root
 * directory, then the data area of clusters numbered from 2. The FAT maps
 * each cluster to the next one of its file (0 = free, >= EOC = the last).
 * Directories are files of 32-byte entries; a long name is stored in extra
 * entries just before its 8.3 entry, last part first, each carrying a
 * checksum of the 8.3 name.
 *
 * Metadata goes through the block cache (fs/block-cache.c); file data of
 * whole sectors goes straight to the disk, contiguous runs merged into one
 * request, which is what makes `bench disk` measure the disk.
 */
#include <sprout/block-cache.h>
#include <sprout/fat.h>
#include <sprout/fs.h>
#include <sprout/kernel.h>
#include <sprout/mm.h>

static struct {
    struct block_device *bd;
    bool mounted;
    uint64_t start; /* the volume's first sector on the disk */
    int type;       /* 12, 16 or 32 */
    uint32_t spc, cluster_bytes;
    uint32_t reserved, nfats, fat_sectors, root_entries, root_sectors;
    uint32_t fat_start, root_start, data_start, total_sectors;
    uint32_t clusters;     /* data clusters: numbers 2 .. clusters + 1 */
    uint32_t root_cluster; /* FAT32 */
    uint32_t fsinfo;       /* FAT32 FSInfo sector, 0 if none */
    uint32_t free_count;   /* 0xFFFFFFFF: not known yet */
    uint32_t next_free;
    bool fsinfo_dirty;
    char label[12];
} fs;

#define UNKNOWN 0xFFFFFFFFu
#define ROOT 0 /* "cluster" naming the fixed root directory of FAT12/16 */

/* ---- sectors and clusters ---------------------------------------------- */

static uint64_t abs_lba(uint32_t rel) { return fs.start + rel; }
static uint64_t cluster_lba(uint32_t c) { return abs_lba(fs.data_start + (c - 2) * fs.spc); }
static uint32_t eoc(void) { return fs.type == 12 ? 0xFFF : fs.type == 16 ? 0xFFFF : 0x0FFFFFFF; }
static bool is_eoc(uint32_t v) { return v >= (fs.type == 12 ? 0xFF8u : fs.type == 16 ? 0xFFF8u : 0x0FFFFFF8u); }
static bool valid_cluster(uint32_t c) { return c >= 2 && c < fs.clusters + 2; }

/* Byte `off` of the first FAT, through the cache. */
static uint8_t *fat_byte(uint32_t off, uint8_t **sector) {
    *sector = bcache_get(abs_lba(fs.fat_start + off / SECTOR_SIZE));
    return *sector ? *sector + off % SECTOR_SIZE : NULL;
}

/* The FAT entry of cluster c. Entries are 12, 16 or 32 bits (FAT32 uses 28 of them). */
static int fat_get(uint32_t c, uint32_t *v) {
    uint8_t *sector, *p;
    if (fs.type == 12) {
        /* 1.5 bytes per entry: it may straddle two sectors, so go byte by byte. */
        uint32_t off = c + c / 2;
        uint8_t *lo = fat_byte(off, &sector);
        if (!lo) return -EIO;
        uint32_t w = *lo;
        uint8_t *hi = fat_byte(off + 1, &sector);
        if (!hi) return -EIO;
        w |= (uint32_t)*hi << 8;
        *v = c & 1 ? w >> 4 : w & 0xFFF;
        return 0;
    }
    if (!(p = fat_byte(fs.type == 16 ? c * 2 : c * 4, &sector))) return -EIO;
    *v = fs.type == 16 ? get16(p) : get32(p) & 0x0FFFFFFF;
    return 0;
}

static int fat_set(uint32_t c, uint32_t v) {
    uint8_t *sector, *p;
    if (fs.type == 12) {
        uint32_t off = c + c / 2;
        for (uint32_t i = 0; i < 2; i++) {
            if (!(p = fat_byte(off + i, &sector))) return -EIO;
            if (c & 1) *p = i == 0 ? (uint8_t)((*p & 0x0F) | (v << 4)) : (uint8_t)(v >> 4);
            else *p = i == 0 ? (uint8_t)v : (uint8_t)((*p & 0xF0) | ((v >> 8) & 0x0F));
            bcache_mark_dirty(sector);
        }
        return 0;
    }
    if (!(p = fat_byte(fs.type == 16 ? c * 2 : c * 4, &sector))) return -EIO;
    if (fs.type == 16) put16(p, (uint16_t)v);
    else put32(p, (get32(p) & 0xF0000000) | (v & 0x0FFFFFFF)); /* the top 4 bits are reserved */
    bcache_mark_dirty(sector);
    return 0;
}

static int count_free(void) {
    uint32_t n = 0;
    for (uint32_t c = 2; c < fs.clusters + 2; c++) {
        uint32_t v;
        if (fat_get(c, &v)) return -EIO;
        if (v == 0) n++;
    }
    fs.free_count = n;
    return 0;
}

/* A free cluster, marked end-of-chain and linked after `prev` (0: none). */
static int alloc_cluster(uint32_t prev, uint32_t *out) {
    if (fs.free_count == 0) return -ENOSPC;
    uint32_t start = valid_cluster(fs.next_free) ? fs.next_free : 2;
    uint32_t c = start;
    for (uint32_t tries = 0; tries < fs.clusters; tries++) {
        uint32_t v;
        if (fat_get(c, &v)) return -EIO;
        if (v == 0) {
            if (fat_set(c, eoc())) return -EIO;
            if (prev && fat_set(prev, c)) return -EIO;
            if (fs.free_count != UNKNOWN) fs.free_count--;
            fs.next_free = c + 1;
            fs.fsinfo_dirty = true;
            *out = c;
            return 0;
        }
        if (++c >= fs.clusters + 2) c = 2;
    }
    fs.free_count = 0;
    return -ENOSPC;
}

static int free_chain(uint32_t c) {
    while (valid_cluster(c)) {
        uint32_t next;
        if (fat_get(c, &next) || fat_set(c, 0)) return -EIO;
        if (fs.free_count != UNKNOWN) fs.free_count++;
        fs.fsinfo_dirty = true;
        if (is_eoc(next)) break;
        c = next;
    }
    return 0;
}

static int zero_cluster(uint32_t c) {
    for (uint32_t i = 0; i < fs.spc; i++) {
        uint8_t *s = bcache_get_blank(cluster_lba(c) + i);
        if (!s) return -EIO;
        memset(s, 0, SECTOR_SIZE);
        bcache_mark_dirty(s);
    }
    return 0;
}

/* ---- directories -------------------------------------------------------- */

/* A position in a directory: which sector, which entry in it. */
struct dir_iter {
    uint32_t first;   /* first cluster, or ROOT */
    uint32_t cluster; /* current cluster (unused for ROOT) */
    uint32_t sector;  /* sector index in the cluster, or in the fixed root */
    uint32_t entry;   /* 0..15 */
    bool end;
};

static uint32_t dir_first(uint32_t c) { return c == ROOT && fs.type == 32 ? fs.root_cluster : c; }

static void iter_start(struct dir_iter *it, uint32_t first) {
    it->first = dir_first(first);
    it->cluster = it->first;
    it->sector = it->entry = 0;
    it->end = it->first != ROOT && !valid_cluster(it->first);
}

static uint64_t iter_lba(const struct dir_iter *it) {
    return it->first == ROOT ? abs_lba(fs.root_start + it->sector) : cluster_lba(it->cluster) + it->sector;
}

/* The current entry, in the cache. */
static uint8_t *iter_entry(const struct dir_iter *it, uint8_t **sector) {
    uint8_t *s = bcache_get(iter_lba(it));
    if (sector) *sector = s;
    return s ? s + it->entry * DIR_ENTRY_SIZE : NULL;
}

/* Step to the next entry; with `grow`, a full directory gets a new, zeroed cluster. */
static int iter_next(struct dir_iter *it, bool grow) {
    if (++it->entry < SECTOR_SIZE / DIR_ENTRY_SIZE) return 0;
    it->entry = 0;
    it->sector++;
    if (it->first == ROOT) {
        if (it->sector >= fs.root_sectors) {
            it->end = true;
            return grow ? -ENOSPC : 0;
        }
        return 0;
    }
    if (it->sector < fs.spc) return 0;
    it->sector = 0;
    uint32_t next;
    if (fat_get(it->cluster, &next)) return -EIO;
    if (valid_cluster(next)) {
        it->cluster = next;
        return 0;
    }
    if (!grow) {
        it->end = true;
        return 0;
    }
    int r = alloc_cluster(it->cluster, &next);
    if (r) return r;
    if ((r = zero_cluster(next))) return r;
    it->cluster = next;
    return 0;
}

struct dentry {
    char name[FS_NAME_MAX + 1];
    uint8_t raw[DIR_ENTRY_SIZE];
    struct dir_iter at;    /* the 8.3 entry */
    struct dir_iter start; /* the first entry of the name (a long-name entry, or the 8.3 one) */
    unsigned nentries;     /* long-name entries + 1 */
};

static uint32_t entry_cluster(const uint8_t *e) {
    uint32_t hi = fs.type == 32 ? get16(e + DIR_FstClusHI) : 0;
    return hi << 16 | get16(e + DIR_FstClusLO);
}

static void set_entry_cluster(uint8_t *e, uint32_t c) {
    put16(e + DIR_FstClusHI, fs.type == 32 ? (uint16_t)(c >> 16) : 0);
    put16(e + DIR_FstClusLO, (uint16_t)c);
}

static uint8_t lfn_checksum(const uint8_t *sfn) {
    uint8_t sum = 0;
    for (int i = 0; i < 11; i++) sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + sfn[i]);
    return sum;
}

/* "README  TXT" -> "readme.txt" if the NT bits say lower case. */
static void sfn_to_name(const uint8_t *e, char *out) {
    int n = 0;
    uint8_t nt = e[DIR_NTRes];
    for (int i = 0; i < 8 && e[i] != ' '; i++) {
        char c = (char)(i == 0 && e[0] == 0x05 ? 0xE5 : e[i]);
        out[n++] = (char)(nt & NTRES_LOWER_BASE ? tolower(c) : c);
    }
    if (e[8] != ' ') {
        out[n++] = '.';
        for (int i = 8; i < 11 && e[i] != ' '; i++) out[n++] = (char)(nt & NTRES_LOWER_EXT ? tolower(e[i]) : e[i]);
    }
    out[n] = 0;
}

static const uint8_t lfn_offsets[LFN_CHARS] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};

/*
 * Walk a directory's entries: calls `fn` for each named entry (long name
 * assembled, "." and ".." included); stops when fn returns non-zero.
 */
static int dir_walk(uint32_t dir, int (*fn)(struct dentry *d, void *arg), void *arg) {
    struct dir_iter it;
    struct dentry d;
    unsigned lfn_left = 0, lfn_total = 0;
    uint8_t lfn_sum = 0;
    char lname[20 * LFN_CHARS + 1]; /* a long name takes at most 20 entries */
    iter_start(&it, dir);
    while (!it.end) {
        uint8_t *e = iter_entry(&it, NULL);
        if (!e) return -EIO;
        if (e[0] == DIR_END) break;
        if (e[0] == DIR_FREE) {
            lfn_left = 0;
        } else if ((e[DIR_Attr] & 0x3F) == ATTR_LONG_NAME) {
            unsigned ord = e[LDIR_Ord] & 0x3F;
            if (e[LDIR_Ord] & LAST_LONG_ENTRY) {
                lfn_total = lfn_left = ord;
                lfn_sum = e[LDIR_Chksum];
                d.start = it;
                memset(lname, 0, sizeof lname);
            }
            if (lfn_left && ord == lfn_left && e[LDIR_Chksum] == lfn_sum && ord >= 1 && ord <= 20) {
                for (int i = 0; i < LFN_CHARS; i++) {
                    uint16_t ch = get16(e + lfn_offsets[i]);
                    if (ch == 0 || ch == 0xFFFF) break;
                    lname[(ord - 1) * LFN_CHARS + i] = (char)(ch < 0x100 ? ch : '?');
                }
                lfn_left--;
                /* lfn_left == 0 now means: complete, the 8.3 entry comes next */
                if (lfn_left == 0) lfn_left = UINT32_MAX;
            } else {
                lfn_left = 0;
            }
        } else if (!(e[DIR_Attr] & ATTR_VOLUME_ID)) {
            memcpy(d.raw, e, DIR_ENTRY_SIZE);
            d.at = it;
            if (lfn_left == UINT32_MAX && lfn_checksum(e) == lfn_sum) {
                strlcpy(d.name, lname, sizeof d.name);
                d.nentries = lfn_total + 1;
            } else {
                sfn_to_name(e, d.name);
                d.start = it;
                d.nentries = 1;
            }
            lfn_left = 0;
            int r = fn(&d, arg);
            if (r) return r > 0 ? 0 : r;
        } else {
            lfn_left = 0;
        }
        int r = iter_next(&it, false);
        if (r) return r;
    }
    return 0;
}

struct find_arg {
    const char *name;
    struct dentry *out;
    bool found;
};

static int find_cb(struct dentry *d, void *arg) {
    struct find_arg *f = arg;
    char sfn[13];
    sfn_to_name(d->raw, sfn);
    if (strcasecmp(d->name, f->name) == 0 || strcasecmp(sfn, f->name) == 0) {
        *f->out = *d;
        f->found = true;
        return 1;
    }
    return 0;
}

static int dir_find(uint32_t dir, const char *name, struct dentry *out) {
    struct find_arg f = {name, out, false};
    int r = dir_walk(dir, find_cb, &f);
    if (r) return r;
    return f.found ? 0 : -ENOENT;
}

static bool entry_is_dir(const uint8_t *e) { return e[DIR_Attr] & ATTR_DIRECTORY; }

/*
 * Follow an absolute path. On success `d` is the entry and *parent the
 * directory holding it; the root itself comes back with d->name = "/".
 * With `parent_only` the last component need not exist (for creating it).
 */
static int resolve(const char *path, struct dentry *d, uint32_t *parent, const char **last) {
    uint32_t dir = ROOT;
    const char *p = path;
    while (*p == '/') p++;
    memset(d, 0, sizeof *d);
    strlcpy(d->name, "/", sizeof d->name);
    d->raw[DIR_Attr] = ATTR_DIRECTORY;
    if (parent) *parent = ROOT;
    if (last) *last = p;
    while (*p) {
        char comp[FS_NAME_MAX + 1];
        size_t n = 0;
        while (p[n] && p[n] != '/') n++;
        if (n > FS_NAME_MAX) return -ENAMETOOLONG;
        memcpy(comp, p, n);
        comp[n] = 0;
        if (last) *last = p;
        if (parent) *parent = dir;
        int r = dir_find(dir, comp, d);
        if (r) return r;
        p += n;
        while (*p == '/') p++;
        if (*p && !entry_is_dir(d->raw)) return -ENOTDIR;
        dir = entry_cluster(d->raw);
    }
    return 0;
}

/* ---- creating directory entries ---------------------------------------- */

static bool sfn_char_ok(char c) {
    if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || (uint8_t)c >= 0x80) return true;
    return strchr("$%'-_@~`!(){}^#&", c) != NULL && c != 0;
}

/*
 * The 8.3 name for `name` (fatgen103 "Basis-Name Generation"). Returns the
 * NT case bits if the name fits 8.3 as it is, or -1 if it needs a long name
 * (then `sfn` is the basis, to get a ~N tail).
 */
static int make_sfn(const char *name, uint8_t sfn[11]) {
    memset(sfn, ' ', 11);
    const char *dot = strrchr(name, '.');
    if (dot == name) dot = NULL; /* ".profile": all base */
    bool lossy = false;
    int nt = 0;
    bool upper[2] = {false, false}, lower[2] = {false, false};
    int n = 0;
    for (const char *p = name; *p && p != dot; p++) {
        char c = *p;
        if (c == ' ' || c == '.') { lossy = true; continue; }
        if (c >= 'a' && c <= 'z') lower[0] = true;
        if (c >= 'A' && c <= 'Z') upper[0] = true;
        c = (char)toupper(c);
        if (!sfn_char_ok(c)) c = '_', lossy = true;
        if (n < 8) sfn[n++] = (uint8_t)c;
        else lossy = true;
    }
    if (n == 0) sfn[n++] = '_', lossy = true;
    if (dot) {
        int k = 0;
        for (const char *p = dot + 1; *p; p++) {
            char c = *p;
            if (c == ' ') { lossy = true; continue; }
            if (c >= 'a' && c <= 'z') lower[1] = true;
            if (c >= 'A' && c <= 'Z') upper[1] = true;
            c = (char)toupper(c);
            if (!sfn_char_ok(c)) c = '_', lossy = true;
            if (k < 3) sfn[8 + k++] = (uint8_t)c;
            else lossy = true;
        }
    }
    if (sfn[0] == 0xE5) sfn[0] = 0x05;
    if (lossy || (upper[0] && lower[0]) || (upper[1] && lower[1])) return -1;
    if (lower[0]) nt |= NTRES_LOWER_BASE;
    if (lower[1]) nt |= NTRES_LOWER_EXT;
    return nt;
}

struct sfn_arg {
    const uint8_t *sfn;
    bool taken;
};

static int sfn_cb(struct dentry *d, void *arg) {
    struct sfn_arg *a = arg;
    if (memcmp(d->raw, a->sfn, 11) == 0) {
        a->taken = true;
        return 1;
    }
    return 0;
}

/* Basis "LONGFI~1": the first free numeric tail. */
static int numeric_tail(uint32_t dir, uint8_t sfn[11]) {
    uint8_t basis[8];
    memcpy(basis, sfn, 8);
    int blen = 8;
    while (blen > 0 && basis[blen - 1] == ' ') blen--;
    for (uint32_t n = 1; n < 1000000; n++) {
        char tail[9];
        int tlen = snprintf(tail, sizeof tail, "~%lu", (unsigned long)n);
        int keep = MIN(blen, 8 - tlen);
        memset(sfn, ' ', 8);
        memcpy(sfn, basis, (size_t)keep);
        memcpy(sfn + keep, tail, (size_t)tlen);
        struct sfn_arg a = {sfn, false};
        int r = dir_walk(dir, sfn_cb, &a);
        if (r) return r;
        if (!a.taken) return 0;
    }
    return -EEXIST;
}

static void stamp(uint8_t *e, bool created) {
    uint16_t date, time;
    fat_timestamp(&date, &time);
    if (created) {
        e[DIR_CrtTimeTenth] = 0;
        put16(e + DIR_CrtTime, time);
        put16(e + DIR_CrtDate, date);
    }
    put16(e + DIR_WrtTime, time);
    put16(e + DIR_WrtDate, date);
    put16(e + DIR_LstAccDate, date);
}

/* Add an entry named `name` to `dir`; `at` is where its 8.3 entry went. */
static int create_entry(uint32_t dir, const char *name, uint8_t attr, uint32_t cluster, struct dir_iter *at) {
    size_t len = strlen(name);
    if (len == 0) return -EINVAL;
    if (len > FS_NAME_MAX) return -ENAMETOOLONG;
    for (const char *p = name; *p; p++)
        if (strchr("\\/:*?\"<>|", *p) || (uint8_t)*p < 0x20) return -EINVAL;
    uint8_t sfn[11];
    int nt = make_sfn(name, sfn);
    unsigned nlfn = 0;
    if (nt < 0) {
        int r = numeric_tail(dir, sfn);
        if (r) return r;
        nt = 0;
        nlfn = (unsigned)((len + LFN_CHARS - 1) / LFN_CHARS);
    }
    unsigned need = nlfn + 1;
    /* Find `need` free entries in a row, growing the directory if it is full. */
    struct dir_iter it, run;
    unsigned found = 0;
    iter_start(&it, dir);
    for (;;) {
        uint8_t *e = iter_entry(&it, NULL);
        if (!e) return -EIO;
        if (e[0] == DIR_END || e[0] == DIR_FREE) {
            if (found++ == 0) run = it;
            if (found == need) break;
        } else {
            found = 0;
        }
        int r = iter_next(&it, true);
        if (r) return r;
    }
    /* Write the long-name entries (last part first), then the 8.3 entry. */
    uint8_t sum = lfn_checksum(sfn);
    it = run;
    for (unsigned k = 0; k < need; k++) {
        uint8_t *sector;
        uint8_t *e = iter_entry(&it, &sector);
        if (!e) return -EIO;
        memset(e, 0, DIR_ENTRY_SIZE);
        if (k < nlfn) {
            unsigned ord = nlfn - k;
            e[LDIR_Ord] = (uint8_t)(ord | (k == 0 ? LAST_LONG_ENTRY : 0));
            e[LDIR_Attr] = ATTR_LONG_NAME;
            e[LDIR_Chksum] = sum;
            for (int i = 0; i < LFN_CHARS; i++) {
                size_t idx = (ord - 1) * LFN_CHARS + (size_t)i;
                uint16_t ch = idx < len ? (uint8_t)name[idx] : idx == len ? 0 : 0xFFFF;
                put16(e + lfn_offsets[i], ch);
            }
        } else {
            memcpy(e + DIR_Name, sfn, 11);
            e[DIR_Attr] = attr;
            e[DIR_NTRes] = (uint8_t)nt;
            set_entry_cluster(e, cluster);
            stamp(e, true);
            *at = it;
        }
        bcache_mark_dirty(sector);
        if (k + 1 < need) {
            int r = iter_next(&it, false);
            if (r) return r;
        }
    }
    return 0;
}

/* ---- the public interface ---------------------------------------------- */

struct fs_file {
    struct dir_iter at; /* its directory entry */
    uint32_t first, size, pos;
    uint32_t cur, cur_index; /* the cluster holding pos, and its index in the chain */
    int mode;
    bool dirty;
};

bool fs_mounted(void) { return fs.mounted; }

static void fill_stat(const uint8_t *e, struct fs_stat *st) {
    st->is_dir = entry_is_dir(e);
    st->size = st->is_dir ? 0 : get32(e + DIR_FileSize);
    st->date = get16(e + DIR_WrtDate);
    st->time = get16(e + DIR_WrtTime);
}

int fs_stat(const char *path, struct fs_stat *st) {
    if (!fs.mounted) return -ENOMEDIUM;
    struct dentry d;
    int r = resolve(path, &d, NULL, NULL);
    if (r) return r;
    fill_stat(d.raw, st);
    return 0;
}

struct list_arg {
    void (*fn)(const struct fs_dirent *e, void *arg);
    void *arg;
    int count;
};

static int list_cb(struct dentry *d, void *arg) {
    struct list_arg *l = arg;
    if (strcmp(d->name, ".") == 0 || strcmp(d->name, "..") == 0) return 0;
    struct fs_dirent e;
    strlcpy(e.name, d->name, sizeof e.name);
    fill_stat(d->raw, &e.st);
    l->fn(&e, l->arg);
    l->count++;
    return 0;
}

int fs_list(const char *path, void (*fn)(const struct fs_dirent *e, void *arg), void *arg) {
    if (!fs.mounted) return -ENOMEDIUM;
    struct dentry d;
    int r = resolve(path, &d, NULL, NULL);
    if (r) return r;
    if (!entry_is_dir(d.raw)) return -ENOTDIR;
    struct list_arg l = {fn, arg, 0};
    r = dir_walk(entry_cluster(d.raw), list_cb, &l);
    return r ? r : l.count;
}

/* Write an entry back (through the cache). */
static int update_entry(const struct dir_iter *at, void (*edit)(uint8_t *e, void *arg), void *arg) {
    uint8_t *sector;
    uint8_t *e = iter_entry(at, &sector);
    if (!e) return -EIO;
    edit(e, arg);
    bcache_mark_dirty(sector);
    return 0;
}

struct fs_file *fs_open(const char *path, int mode, int *err) {
    *err = 0;
    if (!fs.mounted) {
        *err = -ENOMEDIUM;
        return NULL;
    }
    struct dentry d;
    uint32_t parent;
    const char *last;
    int r = resolve(path, &d, &parent, &last);
    if (r == -ENOENT && mode != FS_READ && !strchr(last, '/')) {
        struct dir_iter at;
        r = create_entry(parent, last, ATTR_ARCHIVE, 0, &at);
        if (r == 0) r = resolve(path, &d, NULL, NULL);
    }
    if (r == 0 && strcmp(d.name, "/") == 0) r = -EISDIR;
    if (r == 0 && entry_is_dir(d.raw)) r = -EISDIR;
    if (r == 0 && mode != FS_READ && (d.raw[DIR_Attr] & ATTR_READ_ONLY)) r = -EACCES;
    if (r) {
        *err = r;
        return NULL;
    }
    struct fs_file *f = kzalloc(sizeof *f);
    if (!f) {
        *err = -ENOMEM;
        return NULL;
    }
    f->at = d.at;
    f->first = entry_cluster(d.raw);
    f->size = get32(d.raw + DIR_FileSize);
    f->mode = mode;
    if (mode == FS_WRITE && (f->first || f->size)) {
        if ((r = free_chain(f->first))) {
            kfree(f);
            *err = r;
            return NULL;
        }
        f->first = 0;
        f->size = 0;
        f->dirty = true;
    }
    f->cur = f->first;
    f->cur_index = 0;
    if (mode == FS_APPEND) f->pos = f->size;
    return f;
}

/* Make f->cur the cluster with index `idx`, extending the chain when writing. */
static int seek_cluster(struct fs_file *f, uint32_t idx, bool extend) {
    if (!f->first) {
        if (!extend) return -EIO;
        int r = alloc_cluster(0, &f->first);
        if (r) return r;
        f->cur = f->first;
        f->cur_index = 0;
        f->dirty = true;
    }
    if (idx < f->cur_index) {
        f->cur = f->first;
        f->cur_index = 0;
    }
    while (f->cur_index < idx) {
        uint32_t next;
        if (fat_get(f->cur, &next)) return -EIO;
        if (!valid_cluster(next)) {
            if (!extend) return -EIO;
            int r = alloc_cluster(f->cur, &next);
            if (r) return r;
        }
        f->cur = next;
        f->cur_index++;
    }
    return 0;
}

/* Whole sectors are gathered into runs and moved straight between the disk and the caller's buffer. */
struct run {
    uint64_t lba;
    uint32_t count;
    uint8_t *buf;
    bool write;
};
#define RUN_MAX 1024

static int run_flush(struct run *run) {
    if (!run->count) return 0;
    int r;
    if (run->write) {
        bcache_drop_range(run->lba, run->count);
        r = block_write(fs.bd, run->lba, run->count, run->buf);
    } else {
        r = bcache_writeback_range(run->lba, run->count);
        if (!r) r = block_read(fs.bd, run->lba, run->count, run->buf);
    }
    run->count = 0;
    return r;
}

static int run_add(struct run *run, uint64_t lba, uint32_t count, uint8_t *buf) {
    if (run->count && run->lba + run->count == lba && run->buf + run->count * SECTOR_SIZE == buf &&
        run->count + count <= RUN_MAX) {
        run->count += count;
        return 0;
    }
    int r = run_flush(run);
    run->lba = lba;
    run->count = count;
    run->buf = buf;
    return r;
}

/* Move up to `n` bytes at f->pos, within the current cluster. */
static long transfer(struct fs_file *f, uint8_t *buf, uint32_t n, struct run *run) {
    uint32_t off = f->pos % fs.cluster_bytes;
    uint32_t chunk = MIN(n, fs.cluster_bytes - off);
    uint64_t lba = cluster_lba(f->cur) + off / SECTOR_SIZE;
    uint32_t done = 0;
    while (done < chunk) {
        uint32_t soff = (off + done) % SECTOR_SIZE;
        if (soff == 0 && chunk - done >= SECTOR_SIZE) {
            uint32_t whole = (chunk - done) / SECTOR_SIZE;
            int r = run_add(run, lba, whole, buf + done);
            if (r) return r;
            lba += whole;
            done += whole * SECTOR_SIZE;
            continue;
        }
        uint32_t k = MIN(chunk - done, SECTOR_SIZE - soff);
        int r = run_flush(run);
        if (r) return r;
        uint8_t *s = bcache_get(lba);
        if (!s) return -EIO;
        if (run->write) {
            memcpy(s + soff, buf + done, k);
            bcache_mark_dirty(s);
        } else {
            memcpy(buf + done, s + soff, k);
        }
        lba++;
        done += k;
    }
    return chunk;
}

long fs_read(struct fs_file *f, void *buf, uint32_t n) {
    if (f->pos >= f->size) return 0;
    n = MIN(n, f->size - f->pos);
    struct run run = {.write = false};
    uint32_t done = 0;
    while (done < n) {
        int r = seek_cluster(f, f->pos / fs.cluster_bytes, false);
        if (r) return r;
        long k = transfer(f, (uint8_t *)buf + done, n - done, &run);
        if (k < 0) return k;
        done += (uint32_t)k;
        f->pos += (uint32_t)k;
    }
    int r = run_flush(&run);
    return r ? r : (long)done;
}

long fs_write(struct fs_file *f, const void *buf, uint32_t n) {
    if (f->mode == FS_READ) return -EINVAL;
    if ((uint64_t)f->pos + n > 0xFFFFFFFFu) return -EFBIG;
    struct run run = {.write = true};
    uint32_t done = 0;
    int r = 0;
    while (done < n) {
        r = seek_cluster(f, f->pos / fs.cluster_bytes, true);
        if (r) break;
        long k = transfer(f, (uint8_t *)buf + done, n - done, &run);
        if (k < 0) {
            r = (int)k;
            break;
        }
        done += (uint32_t)k;
        f->pos += (uint32_t)k;
        if (f->pos > f->size) f->size = f->pos;
        f->dirty = true;
    }
    int r2 = run_flush(&run);
    if (r == 0) r = r2;
    return done ? (long)done : r;
}

struct close_arg {
    struct fs_file *f;
};

static void close_edit(uint8_t *e, void *arg) {
    struct fs_file *f = arg;
    set_entry_cluster(e, f->first);
    put32(e + DIR_FileSize, f->size);
    e[DIR_Attr] |= ATTR_ARCHIVE;
    stamp(e, false);
}

int fs_close(struct fs_file *f) {
    int r = 0;
    if (f->dirty) r = update_entry(&f->at, close_edit, f);
    kfree(f);
    return r;
}

struct mkdir_arg {
    uint32_t self, parent;
};

int fs_mkdir(const char *path) {
    if (!fs.mounted) return -ENOMEDIUM;
    struct dentry d;
    uint32_t parent;
    const char *last;
    int r = resolve(path, &d, &parent, &last);
    if (r == 0) return -EEXIST;
    if (r != -ENOENT || strchr(last, '/')) return r;
    uint32_t c;
    if ((r = alloc_cluster(0, &c))) return r;
    if ((r = zero_cluster(c))) return r;
    /* "." is the directory itself, ".." its parent (0 for the root, even on FAT32). */
    uint8_t *s = bcache_get(cluster_lba(c));
    if (!s) return -EIO;
    uint16_t date, time;
    fat_timestamp(&date, &time);
    for (int i = 0; i < 2; i++) {
        uint8_t *e = s + i * DIR_ENTRY_SIZE;
        memset(e, ' ', 11);
        e[0] = '.';
        if (i) e[1] = '.';
        e[DIR_Attr] = ATTR_DIRECTORY;
        set_entry_cluster(e, i == 0 ? c : parent); /* parent is ROOT (0) for the root */
        put16(e + DIR_CrtTime, time);
        put16(e + DIR_CrtDate, date);
        put16(e + DIR_WrtTime, time);
        put16(e + DIR_WrtDate, date);
        put16(e + DIR_LstAccDate, date);
    }
    bcache_mark_dirty(s);
    struct dir_iter at;
    r = create_entry(parent, last, ATTR_DIRECTORY, c, &at);
    if (r) free_chain(c);
    return r;
}

static int empty_cb(struct dentry *d, void *arg) {
    if (strcmp(d->name, ".") == 0 || strcmp(d->name, "..") == 0) return 0;
    *(bool *)arg = false;
    return 1;
}

int fs_remove(const char *path) {
    if (!fs.mounted) return -ENOMEDIUM;
    struct dentry d;
    int r = resolve(path, &d, NULL, NULL);
    if (r) return r;
    if (strcmp(d.name, "/") == 0) return -EBUSY;
    uint32_t c = entry_cluster(d.raw);
    if (entry_is_dir(d.raw)) {
        bool empty = true;
        if ((r = dir_walk(c, empty_cb, &empty))) return r;
        if (!empty) return -ENOTEMPTY;
    }
    /* Mark the long-name entries and the 8.3 entry free, then release the clusters. */
    struct dir_iter it = d.start;
    for (unsigned k = 0; k < d.nentries; k++) {
        uint8_t *sector;
        uint8_t *e = iter_entry(&it, &sector);
        if (!e) return -EIO;
        e[0] = DIR_FREE;
        bcache_mark_dirty(sector);
        if (k + 1 < d.nentries && (r = iter_next(&it, false))) return r;
    }
    return free_chain(c);
}

static int write_fsinfo(void) {
    if (fs.type != 32 || !fs.fsinfo || !fs.fsinfo_dirty) return 0;
    uint8_t *s = bcache_get(abs_lba(fs.fsinfo));
    if (!s) return -EIO;
    if (get32(s + FSI_LeadSig) != FSI_LEAD_SIG || get32(s + FSI_StrucSig) != FSI_STRUC_SIG) return 0;
    put32(s + FSI_Free_Count, fs.free_count);
    put32(s + FSI_Nxt_Free, valid_cluster(fs.next_free) ? fs.next_free : UNKNOWN);
    bcache_mark_dirty(s);
    fs.fsinfo_dirty = false;
    return 0;
}

int fs_sync(void) {
    if (!fs.mounted) return -ENOMEDIUM;
    int r = write_fsinfo();
    if (!r) r = bcache_flush();
    if (!r) r = block_flush(fs.bd);
    return r;
}

int fs_usage(struct fs_usage *u) {
    if (!fs.mounted) return -ENOMEDIUM;
    if (fs.free_count == UNKNOWN || fs.free_count > fs.clusters) {
        int r = count_free();
        if (r) return r;
    }
    u->type = fs.type == 32 ? "FAT32" : fs.type == 16 ? "FAT16" : "FAT12";
    strlcpy(u->label, fs.label, sizeof u->label);
    u->cluster_bytes = fs.cluster_bytes;
    u->total_clusters = fs.clusters;
    u->free_clusters = fs.free_count;
    u->bytes_total = (uint64_t)fs.clusters * fs.cluster_bytes;
    u->bytes_free = (uint64_t)fs.free_count * fs.cluster_bytes;
    u->device = fs.bd->name;
    return 0;
}

/* ---- mounting ----------------------------------------------------------- */

static bool is_bpb(const uint8_t *s) {
    uint16_t bps = get16(s + BPB_BytsPerSec);
    uint8_t spc = s[BPB_SecPerClus];
    return (s[0] == 0xEB || s[0] == 0xE9) && bps == SECTOR_SIZE && spc && !(spc & (spc - 1)) &&
           s[BPB_NumFATs] >= 1 && get16(s + BPB_RsvdSecCnt) >= 1;
}

static int read_bpb(const uint8_t *s) {
    fs.spc = s[BPB_SecPerClus];
    fs.cluster_bytes = fs.spc * SECTOR_SIZE;
    fs.reserved = get16(s + BPB_RsvdSecCnt);
    fs.nfats = s[BPB_NumFATs];
    fs.root_entries = get16(s + BPB_RootEntCnt);
    fs.root_sectors = (fs.root_entries * DIR_ENTRY_SIZE + SECTOR_SIZE - 1) / SECTOR_SIZE;
    fs.fat_sectors = get16(s + BPB_FATSz16) ? get16(s + BPB_FATSz16) : get32(s + BPB32_FATSz32);
    fs.total_sectors = get16(s + BPB_TotSec16) ? get16(s + BPB_TotSec16) : get32(s + BPB_TotSec32);
    fs.fat_start = fs.reserved;
    fs.root_start = fs.fat_start + fs.nfats * fs.fat_sectors;
    fs.data_start = fs.root_start + fs.root_sectors;
    if (fs.fat_sectors == 0 || fs.data_start >= fs.total_sectors) return -EINVAL;
    if (fs.start + fs.total_sectors > fs.bd->sectors) return -EINVAL;
    fs.clusters = (fs.total_sectors - fs.data_start) / fs.spc;
    /* FAT32 has no 16-bit FAT size (as Linux decides); otherwise the cluster count says 12 or 16. */
    fs.type = get16(s + BPB_FATSz16) == 0 ? 32 : fs.clusters <= FAT12_MAX_CLUSTERS ? 12 : 16;
    fs.free_count = UNKNOWN;
    fs.next_free = 2;
    fs.fsinfo = 0;
    const uint8_t *label = s + (fs.type == 32 ? BS32_VolLab : BS16_VolLab);
    uint8_t sig = s[fs.type == 32 ? BS32_BootSig : BS16_BootSig];
    memcpy(fs.label, sig == 0x29 ? (const char *)label : "NO NAME    ", 11);
    fs.label[11] = 0;
    for (int i = 10; i >= 0 && fs.label[i] == ' '; i--) fs.label[i] = 0;
    if (fs.type == 32) {
        fs.root_cluster = get32(s + BPB32_RootClus);
        fs.fsinfo = get16(s + BPB32_FSInfo);
        if (!valid_cluster(fs.root_cluster)) return -EINVAL;
    }
    return 0;
}

int fs_mount(struct block_device *bd) {
    fs.mounted = false;
    fs.bd = bd;
    fs.start = 0;
    bcache_init(bd);
    uint8_t *s = bcache_get(0);
    if (!s) return -EIO;
    bool blank = true;
    for (int i = 0; i < SECTOR_SIZE; i++) blank = blank && s[i] == 0;
    if (blank) {
        printk("fs: %s is blank: formatting it\n", bd->name);
        int r = fs_format(bd, "SPROUT");
        if (r) return r;
        bcache_init(bd);
        s = bcache_get(0);
        if (!s) return -EIO;
    }
    if (!is_bpb(s) && s[510] == 0x55 && s[511] == 0xAA) {
        /* A partition table (MBR): use the first FAT partition. */
        static const uint8_t fat_types[] = {0x01, 0x04, 0x06, 0x0B, 0x0C, 0x0E};
        for (int p = 0; p < 4 && fs.start == 0; p++) {
            const uint8_t *pe = s + 446 + p * 16;
            for (unsigned t = 0; t < sizeof fat_types; t++)
                if (pe[4] == fat_types[t]) fs.start = get32(pe + 8);
        }
        if (fs.start && !(s = bcache_get(fs.start))) return -EIO;
    }
    if (!is_bpb(s)) {
        printk("fs: %s holds no FAT file system (not formatting a disk that is not blank)\n", bd->name);
        return -EINVAL;
    }
    int r = read_bpb(s);
    if (r) {
        printk("fs: %s: inconsistent boot sector\n", bd->name);
        return r;
    }
    if (fs.type == 32 && fs.fsinfo) {
        uint8_t *fi = bcache_get(abs_lba(fs.fsinfo));
        if (fi && get32(fi + FSI_LeadSig) == FSI_LEAD_SIG && get32(fi + FSI_StrucSig) == FSI_STRUC_SIG) {
            uint32_t fc = get32(fi + FSI_Free_Count), nf = get32(fi + FSI_Nxt_Free);
            if (fc <= fs.clusters) fs.free_count = fc;
            if (valid_cluster(nf)) fs.next_free = nf;
        }
    }
    /* FAT sectors written through the cache go to every FAT copy. */
    bcache_set_mirror(abs_lba(fs.fat_start), fs.fat_sectors, fs.fat_sectors, fs.nfats);
    fs.mounted = true;
    printk("fs: %s: FAT%d volume \"%s\"%s, %lu clusters of %lu bytes (%lu MiB)\n", bd->name, fs.type,
           fs.label, fs.start ? " (partition)" : "", (unsigned long)fs.clusters, (unsigned long)fs.cluster_bytes,
           (unsigned long)((uint64_t)fs.clusters * fs.cluster_bytes >> 20));
    return 0;
}

int fs_format(struct block_device *bd, const char *label) {
    char summary[96];
    bool was_mounted = fs.mounted;
    fs.mounted = false;
    int r = fat_format(bd, label, summary, sizeof summary);
    if (r) {
        printk("fs: formatting %s failed: %s\n", bd->name, strerror(r));
        return r;
    }
    printk("fs: formatted %s: %s\n", bd->name, summary);
    (void)was_mounted;
    return 0;
}

/* ---- paths --------------------------------------------------------------- */

bool path_resolve(const char *cwd, const char *path, char *out, unsigned size) {
    char buf[FS_PATH_MAX * 2];
    if (path[0] == '/') strlcpy(buf, path, sizeof buf);
    else snprintf(buf, sizeof buf, "%s/%s", cwd, path);
    /* Split into components, applying "." and "..". */
    char *parts[64];
    int n = 0;
    char *p = buf;
    while (*p) {
        while (*p == '/') *p++ = 0;
        if (!*p) break;
        char *start = p;
        while (*p && *p != '/') p++;
        if (*p) *p++ = 0;
        if (strcmp(start, ".") == 0) continue;
        if (strcmp(start, "..") == 0) {
            if (n) n--;
            continue;
        }
        if (n == 64) return false;
        parts[n++] = start;
    }
    out[0] = 0;
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        len = strlcat(out, "/", size);
        len = strlcat(out, parts[i], size);
        if (len >= size) return false;
    }
    if (n == 0) strlcpy(out, "/", size);
    return true;
}
