/* The PV interface as a guest sees it: the numbers and structures are the
 * ABI mirror in guest/include/tabvisor (checked against src/vmm/abi by
 * test/guest/abi-mirror.test.ts); the hypercall wrapper is the test guests'
 * own, inline, since Sprout's lives in its kernel (xen/hypercall.c). */
#ifndef PV_H
#define PV_H
#include <stdint.h>
#include <tabvisor/errno.h>
#include <tabvisor/event_channel.h>
#include <tabvisor/grant_table.h>
#include <tabvisor/hypercall.h>
#include <tabvisor/platform.h>
#include <tabvisor/ring.h>
#include <tabvisor/shared_info.h>
#include <tabvisor/start_info.h>
#include "sbi.h"

/* An unknown hypercall comes back as SBI_ERR_NOT_SUPPORTED: report it as Xen would. */
static inline long hypercall(unsigned long nr, unsigned long a0, unsigned long a1, unsigned long a2) {
  struct sbiret r = sbi_ecall(PV_SBI_EXT, nr, a0, a1, a2, 0, 0, 0);
  return r.error ? -XEN_ENOSYS : r.value;
}

#endif
