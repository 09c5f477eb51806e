/*
 * Making a FAT file system (mkfs), following fatgen103:
 *
 *   - FAT16 below 512 MiB, FAT32 from there (fatgen103's recommendation);
 *   - sectors per cluster from its DskTableFAT16 / DskTableFAT32;
 *   - the FAT size from its formula, which rounds up so the FAT always
 *     covers every cluster;
 *   - two FATs; FAT16 gets a 512-entry root directory, FAT32 a root
 *     directory in cluster 2, FSInfo in sector 1, a backup boot sector in 6.
 *
 * The whole disk is the volume ("superfloppy", no partition table), as
 * mformat and mkfs.fat make for an image; the geometry fields are chosen so
 * that mtools' sanity checks pass (sectors per track divides the total).
 * The FATs and the root directory are zeroed, which on a big disk is most
 * of the work: it is written 64 KiB at a time.
 */
#include <sprout/block.h>
#include <sprout/fat.h>
#include <sprout/kernel.h>
#include <sprout/mm.h>
#include <sprout/timer.h>
#include <sprout/wallclock.h>

#define ZERO_CHUNK 128 /* sectors per write while zeroing */

void fat_timestamp(uint16_t *date, uint16_t *time) {
    struct rtc_time t;
    if (!wallclock_now(&t) || t.year < 1980 || t.year > 2107) {
        *date = (0 << 9) | (1 << 5) | 1; /* 1980-01-01: the FAT epoch */
        *time = 0;
        return;
    }
    *date = (uint16_t)(((t.year - 1980) << 9) | (t.month << 5) | t.day);
    *time = (uint16_t)((t.hour << 11) | (t.minute << 5) | (t.second / 2));
}

/* fatgen103 DskTableFAT16 and DskTableFAT32: volume size (sectors) -> sectors per cluster. */
static uint32_t fat16_spc(uint32_t sectors) {
    if (sectors <= 32680) return 2;    /* up to 16 MiB: 1 KiB clusters */
    if (sectors <= 262144) return 4;   /* 128 MiB: 2 KiB */
    if (sectors <= 524288) return 8;   /* 256 MiB: 4 KiB */
    if (sectors <= 1048576) return 16; /* 512 MiB: 8 KiB */
    if (sectors <= 2097152) return 32;
    return 64;
}

static uint32_t fat32_spc(uint32_t sectors) {
    if (sectors <= 532480) return 1;    /* up to 260 MiB: 512 bytes */
    if (sectors <= 16777216) return 8;  /* 8 GiB: 4 KiB */
    if (sectors <= 33554432) return 16; /* 16 GiB: 8 KiB */
    if (sectors <= 67108864) return 32; /* 32 GiB: 16 KiB */
    return 64;                          /* 32 KiB */
}

static int zero_sectors(struct block_device *bd, uint64_t lba, uint32_t count, const uint8_t *zeros) {
    while (count) {
        uint32_t n = MIN(count, ZERO_CHUNK);
        int r = block_write(bd, lba, n, zeros);
        if (r) return r;
        lba += n;
        count -= n;
    }
    return 0;
}

/* Sectors per track for the BPB: the largest of 1..63 that divides the total (mtools checks). */
static uint16_t track_size(uint32_t total) {
    for (uint16_t s = 63; s > 1; s--)
        if (total % s == 0) return s;
    return 1;
}

int fat_format(struct block_device *bd, const char *label, char *summary, unsigned summary_size) {
    uint64_t disk = bd->sectors;
    if (disk > 0xFFFFFFFFull) disk = 0xFFFFFFFFull; /* FAT32 stops at 2 TiB */
    uint32_t total = (uint32_t)disk;
    bool fat32 = total >= 1048576; /* 512 MiB */
    uint32_t spc = fat32 ? fat32_spc(total) : fat16_spc(total);
    uint32_t reserved = fat32 ? 32 : 1, nfats = 2, root_entries = fat32 ? 0 : 512;
    uint32_t root_sectors = root_entries * DIR_ENTRY_SIZE / SECTOR_SIZE;
    uint32_t fat_size, clusters;
    /* Smaller clusters until a FAT16 volume has enough of them to be FAT16 (> 4084). */
    for (;;) {
        uint32_t tmp1 = total - (reserved + root_sectors);
        uint32_t tmp2 = 256 * spc + nfats;
        if (fat32) tmp2 /= 2;
        fat_size = (tmp1 + tmp2 - 1) / tmp2;
        uint32_t data = total - reserved - nfats * fat_size - root_sectors;
        clusters = data / spc;
        if (fat32 || clusters > FAT12_MAX_CLUSTERS || spc == 1) break;
        spc /= 2;
    }
    if (!fat32 && clusters <= FAT12_MAX_CLUSTERS) return -ENOSPC; /* too small for FAT16 */
    if (!fat32 && clusters > FAT16_MAX_CLUSTERS) return -EINVAL;

    uint8_t *zeros = page_alloc_contiguous(ZERO_CHUNK * SECTOR_SIZE / PAGE_SIZE);
    uint8_t *boot = kzalloc(SECTOR_SIZE);
    if (!zeros || !boot) return -ENOMEM;
    int r;
    uint16_t date, time;
    fat_timestamp(&date, &time);
    uint32_t volume_id = ((uint32_t)date << 16 | time) ^ (uint32_t)timer_now();

    /* The boot sector. */
    boot[0] = 0xEB;
    boot[1] = fat32 ? 0x58 : 0x3C;
    boot[2] = 0x90;
    memcpy(boot + 3, "SPROUT  ", 8);
    put16(boot + BPB_BytsPerSec, SECTOR_SIZE);
    boot[BPB_SecPerClus] = (uint8_t)spc;
    put16(boot + BPB_RsvdSecCnt, (uint16_t)reserved);
    boot[BPB_NumFATs] = (uint8_t)nfats;
    put16(boot + BPB_RootEntCnt, (uint16_t)root_entries);
    put16(boot + BPB_TotSec16, !fat32 && total < 65536 ? (uint16_t)total : 0);
    boot[BPB_Media] = 0xF8; /* fixed disk */
    put16(boot + BPB_FATSz16, fat32 ? 0 : (uint16_t)fat_size);
    put16(boot + BPB_SecPerTrk, track_size(total));
    put16(boot + BPB_NumHeads, 255);
    put32(boot + BPB_HiddSec, 0);
    put32(boot + BPB_TotSec32, !fat32 && total < 65536 ? 0 : total);
    char lab[11];
    memset(lab, ' ', 11);
    for (int i = 0; i < 11 && label[i]; i++) lab[i] = (char)toupper(label[i]);
    if (fat32) {
        put32(boot + BPB32_FATSz32, fat_size);
        put32(boot + BPB32_RootClus, 2);
        put16(boot + BPB32_FSInfo, 1);
        put16(boot + BPB32_BkBootSec, 6);
        boot[BS32_DrvNum] = 0x80;
        boot[BS32_BootSig] = 0x29;
        put32(boot + BS32_VolID, volume_id);
        memcpy(boot + BS32_VolLab, lab, 11);
        memcpy(boot + BS32_FilSysType, "FAT32   ", 8);
    } else {
        boot[BS16_DrvNum] = 0x80;
        boot[BS16_BootSig] = 0x29;
        put32(boot + BS16_VolID, volume_id);
        memcpy(boot + BS16_VolLab, lab, 11);
        memcpy(boot + BS16_FilSysType, "FAT16   ", 8);
    }
    boot[510] = 0x55;
    boot[511] = 0xAA;

    /* Reserved area, FATs and root directory: zero, then fill in. */
    uint32_t root_dir_start = reserved + nfats * fat_size;
    uint32_t zero_to = root_dir_start + (fat32 ? spc : root_sectors);
    if ((r = zero_sectors(bd, 0, zero_to, zeros))) goto out;
    if ((r = block_write(bd, 0, 1, boot))) goto out;
    if (fat32) {
        if ((r = block_write(bd, 6, 1, boot))) goto out; /* the backup boot sector */
        memset(zeros, 0, SECTOR_SIZE);
        put32(zeros + FSI_LeadSig, FSI_LEAD_SIG);
        put32(zeros + FSI_StrucSig, FSI_STRUC_SIG);
        put32(zeros + FSI_Free_Count, clusters - 1); /* cluster 2 is the root directory */
        put32(zeros + FSI_Nxt_Free, 3);
        put32(zeros + FSI_TrailSig, FSI_TRAIL_SIG);
        if ((r = block_write(bd, 1, 1, zeros))) goto out;
        if ((r = block_write(bd, 7, 1, zeros))) goto out; /* the backup FSInfo */
        memset(zeros, 0, SECTOR_SIZE);
    }
    /* FAT[0] holds the media byte, FAT[1] end-of-chain (with the "clean" bits set); FAT32's FAT[2] is the root. */
    if (fat32) {
        put32(zeros + 0, 0x0FFFFF00 | 0xF8);
        put32(zeros + 4, 0x0FFFFFFF);
        put32(zeros + 8, 0x0FFFFFFF);
    } else {
        put16(zeros + 0, 0xFF00 | 0xF8);
        put16(zeros + 2, 0xFFFF);
    }
    for (uint32_t k = 0; k < nfats; k++)
        if ((r = block_write(bd, reserved + k * fat_size, 1, zeros))) goto out;
    /* The volume label, as an entry in the root directory too (fsck.fat compares them). */
    memset(zeros, 0, SECTOR_SIZE);
    memcpy(zeros + DIR_Name, lab, 11);
    zeros[DIR_Attr] = ATTR_VOLUME_ID;
    put16(zeros + DIR_WrtTime, time);
    put16(zeros + DIR_WrtDate, date);
    if ((r = block_write(bd, root_dir_start, 1, zeros))) goto out;
    r = block_flush(bd);
    int lablen = 11;
    while (lablen > 0 && lab[lablen - 1] == ' ') lablen--;
    snprintf(summary, summary_size, "FAT%d, %lu clusters of %lu bytes, %lu MiB, label %.*s", fat32 ? 32 : 16,
             (unsigned long)clusters, (unsigned long)(spc * SECTOR_SIZE),
             (unsigned long)((uint64_t)clusters * spc * SECTOR_SIZE >> 20), lablen, lab);
out:
    for (unsigned i = 0; i < ZERO_CHUNK * SECTOR_SIZE / PAGE_SIZE; i++) page_free(zeros + i * PAGE_SIZE);
    kfree(boot);
    return r;
}
