/*
 * The shared-info page (xen/include/public/xen.h struct shared_info), laid
 * out for ilp32 like x86_32: 32 vcpu_info slots of 64 bytes, the 2-level
 * event-channel bitmaps (32 words each), then the wallclock.
 * Mirrors src/vmm/abi/shared-info.ts.
 */
#ifndef TABVISOR_SHARED_INFO_H
#define TABVISOR_SHARED_INFO_H
#include <stdint.h>

#define MAX_VIRT_CPUS 32

/* x86_32's 64-bit fields are 4-byte aligned, so the page's size is that of Xen's x86_32 layout. */
typedef uint64_t uint64_align4_t __attribute__((aligned(4)));

struct vcpu_time_info {
    uint32_t version;
    uint32_t pad0;
    uint64_align4_t tsc_timestamp;
    uint64_align4_t system_time;
    uint32_t tsc_to_system_mul;
    int8_t tsc_shift;
    int8_t pad1[3];
};

struct vcpu_info {
    uint8_t evtchn_upcall_pending;
    uint8_t evtchn_upcall_mask;
    uint16_t pad;
    uint32_t evtchn_pending_sel;
    uint8_t arch[24];            /* unused on RISC-V */
    struct vcpu_time_info time;  /* at 32 */
};

struct shared_info {
    struct vcpu_info vcpu_info[MAX_VIRT_CPUS];
    uint32_t evtchn_pending[32];
    uint32_t evtchn_mask[32];
    uint32_t wc_version;
    uint32_t wc_sec;
    uint32_t wc_nsec;
};

#endif
