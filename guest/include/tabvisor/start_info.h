/*
 * The start-info page of a PV guest (xen/include/public/xen.h struct
 * start_info), ilp32. Addresses are guest-physical; *_mfn fields hold guest
 * frame numbers. A PV guest finds it in a2 at entry and in the DTB
 * (/hypervisor, property tabvisor,start-info). Mirrors src/vmm/abi/start-info.ts.
 */
#ifndef TABVISOR_START_INFO_H
#define TABVISOR_START_INFO_H
#include <stdint.h>

#define START_INFO_MAGIC "xen-3.0-riscv32"
#define MAX_GUEST_CMDLINE 1024

struct start_info {
    char magic[32];
    uint32_t nr_pages;
    uint32_t shared_info;     /* guest-physical address */
    uint32_t flags;           /* SIF_* */
    uint32_t store_mfn;
    uint32_t store_evtchn;
    uint32_t console_mfn;
    uint32_t console_evtchn;
    uint32_t pt_base;
    uint32_t nr_pt_frames;
    uint32_t mfn_list;
    uint32_t mod_start;
    uint32_t mod_len;
    char cmd_line[MAX_GUEST_CMDLINE];
    uint32_t first_p2m_pfn;
    uint32_t nr_p2m_frames;
};

#define SIF_PRIVILEGED (1 << 0)
#define SIF_INITDOMAIN (1 << 1)

#endif
