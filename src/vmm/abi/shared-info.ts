/**
 * The shared-info page (xen/include/public/xen.h `struct shared_info`), laid out
 * for ilp32 like x86_32: 32 vcpu_info slots of 64 bytes, then the 2-level event
 * channel bitmaps (32 words each), then the wallclock.
 */
export const MAX_VIRT_CPUS = 32;

/** `struct vcpu_info` (64 bytes). `arch` is unused on RISC-V. */
export const VcpuInfo = {
  evtchn_upcall_pending: 0,
  evtchn_upcall_mask: 1,
  evtchn_pending_sel: 4,
  /** `struct vcpu_time_info` */
  time_version: 32,
  time_system_time: 48,
  size: 64,
} as const;

export const SharedInfo = {
  vcpu_info: 0,
  evtchn_pending: MAX_VIRT_CPUS * VcpuInfo.size,
  evtchn_mask: MAX_VIRT_CPUS * VcpuInfo.size + 32 * 4,
  wc_version: MAX_VIRT_CPUS * VcpuInfo.size + 64 * 4,
  wc_sec: MAX_VIRT_CPUS * VcpuInfo.size + 64 * 4 + 4,
  wc_nsec: MAX_VIRT_CPUS * VcpuInfo.size + 64 * 4 + 8,
  size: MAX_VIRT_CPUS * VcpuInfo.size + 64 * 4 + 12,
} as const;
