/**
 * The start-info page of a PV guest (xen/include/public/xen.h `struct start_info`),
 * ilp32 layout. Addresses are guest-physical; `*_mfn` fields hold guest frame numbers.
 * A PV guest finds it through the DTB (`/hypervisor` node, property
 * `tabvisor,start-info`) and also in a2 at entry.
 */
export const START_INFO_MAGIC = 'xen-3.0-riscv32';

export const StartInfo = {
  magic: 0,
  nr_pages: 32,
  shared_info: 36,
  flags: 40,
  store_mfn: 44,
  store_evtchn: 48,
  console_mfn: 52,
  console_evtchn: 56,
  pt_base: 60,
  nr_pt_frames: 64,
  mfn_list: 68,
  mod_start: 72,
  mod_len: 76,
  cmd_line: 80,
  first_p2m_pfn: 1104,
  nr_p2m_frames: 1108,
  size: 1112,
} as const;
export const MAX_GUEST_CMDLINE = 1024;

/** SIF_* flags. */
export const SIF = { privileged: 1 << 0, initdomain: 1 << 1 } as const;
