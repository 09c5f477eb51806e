/*
 * On-disk structures of the FAT file system (Microsoft, "FAT: General
 * Overview of On-Disk Format" v1.03, 2000, "fatgen103"), shared by fs/fat.c
 * and fs/fat-format.c. All fields are little-endian.
 */
#ifndef SPROUT_FAT_H
#define SPROUT_FAT_H
#include <stdint.h>

/* BIOS parameter block, boot sector offsets */
#define BPB_BytsPerSec 11
#define BPB_SecPerClus 13
#define BPB_RsvdSecCnt 14
#define BPB_NumFATs 16
#define BPB_RootEntCnt 17
#define BPB_TotSec16 19
#define BPB_Media 21
#define BPB_FATSz16 22
#define BPB_SecPerTrk 24
#define BPB_NumHeads 26
#define BPB_HiddSec 28
#define BPB_TotSec32 32
/* FAT12/16 from offset 36 */
#define BS16_DrvNum 36
#define BS16_BootSig 38
#define BS16_VolID 39
#define BS16_VolLab 43
#define BS16_FilSysType 54
/* FAT32 from offset 36 */
#define BPB32_FATSz32 36
#define BPB32_ExtFlags 40
#define BPB32_FSVer 42
#define BPB32_RootClus 44
#define BPB32_FSInfo 48
#define BPB32_BkBootSec 50
#define BS32_DrvNum 64
#define BS32_BootSig 66
#define BS32_VolID 67
#define BS32_VolLab 71
#define BS32_FilSysType 82

/* FSInfo sector (FAT32) */
#define FSI_LeadSig 0
#define FSI_StrucSig 484
#define FSI_Free_Count 488
#define FSI_Nxt_Free 492
#define FSI_TrailSig 508
#define FSI_LEAD_SIG 0x41615252
#define FSI_STRUC_SIG 0x61417272
#define FSI_TRAIL_SIG 0xAA550000

/* Directory entry (32 bytes) */
#define DIR_Name 0          /* 11 bytes: 8 name + 3 extension, space-padded */
#define DIR_Attr 11
#define DIR_NTRes 12        /* bit 3: base name lower case, bit 4: extension lower case */
#define DIR_CrtTimeTenth 13
#define DIR_CrtTime 14
#define DIR_CrtDate 16
#define DIR_LstAccDate 18
#define DIR_FstClusHI 20
#define DIR_WrtTime 22
#define DIR_WrtDate 24
#define DIR_FstClusLO 26
#define DIR_FileSize 28
#define DIR_ENTRY_SIZE 32

#define ATTR_READ_ONLY 0x01
#define ATTR_HIDDEN 0x02
#define ATTR_SYSTEM 0x04
#define ATTR_VOLUME_ID 0x08
#define ATTR_DIRECTORY 0x10
#define ATTR_ARCHIVE 0x20
#define ATTR_LONG_NAME 0x0F
#define NTRES_LOWER_BASE 0x08
#define NTRES_LOWER_EXT 0x10
#define DIR_FREE 0xE5
#define DIR_END 0x00

/* Long-name entry: 13 UTF-16 characters in three pieces */
#define LDIR_Ord 0
#define LDIR_Name1 1        /* 5 characters */
#define LDIR_Attr 11
#define LDIR_Chksum 13
#define LDIR_Name2 14       /* 6 characters */
#define LDIR_Name3 28       /* 2 characters */
#define LAST_LONG_ENTRY 0x40
#define LFN_CHARS 13

/* Cluster counts decide the type (fatgen103, "FAT Type Determination") */
#define FAT12_MAX_CLUSTERS 4084
#define FAT16_MAX_CLUSTERS 65524

static inline uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static inline void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static inline void put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

/* fs/fat-format.c */
struct block_device;
int fat_format(struct block_device *bd, const char *label, char *summary, unsigned summary_size);
/* FAT date and time of now (1980-01-01 00:00 without a clock). */
void fat_timestamp(uint16_t *date, uint16_t *time);

#endif
