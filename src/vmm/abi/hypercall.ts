/**
 * The PV hypercall interface: one vendor SBI extension (a7 = PV_SBI_EXT) whose
 * function id (a6) is the Xen hypercall number (xen/include/public/xen.h) and
 * whose arguments are a0..a5. The VMM returns the SBI error in a0 (SUCCESS when
 * the hypercall was dispatched, NOT_SUPPORTED for an unknown number) and the
 * hypercall's own result — a Xen `long`, ≥ 0 or −errno — in a1.
 *
 * Pointer arguments are guest *virtual* addresses, translated through the
 * calling vCPU's satp (Sv32), as Xen does for PV guests.
 */

/** "\x09XEN": inside the vendor range 0x09000000–0x09FFFFFF (SBI §3). */
export const PV_SBI_EXT = 0x0958454e;

/** Hypercall numbers (xen.h `__HYPERVISOR_*`). */
export const Hypercall = {
  memory_op: 12,
  xen_version: 17,
  console_io: 18,
  grant_table_op: 20,
  sched_op: 29,
  event_channel_op: 32,
  /**
   * Tabvisor's vendor hypercall, in the slot Xen keeps for architecture
   * use (xen.h __HYPERVISOR_arch_0): sub-ops in TabvisorOp.
   */
  tabvisor_op: 48,
} as const;
export type Hypercall = (typeof Hypercall)[keyof typeof Hypercall];

/** console_io(cmd, count, buffer) — xen.h CONSOLEIO_*. */
export const ConsoleIo = { write: 0, read: 1 } as const;

/** sched_op(cmd, arg) — sched.h SCHEDOP_*. */
export const SchedOp = {
  yield: 0,
  block: 1,
  shutdown: 2,
  poll: 3,
  remote_shutdown: 4,
  shutdown_code: 5,
  watchdog: 6,
} as const;

/** `struct sched_shutdown { unsigned int reason; }` reasons — sched.h SHUTDOWN_*. */
export const ShutdownCode = { poweroff: 0, reboot: 1, suspend: 2, crash: 3, watchdog: 4 } as const;

/** `struct sched_poll { evtchn_port_t *ports; unsigned int nr_ports; uint64_t timeout; }` (ilp32). */
export const SchedPoll = { ports: 0, nr_ports: 4, timeout: 8, size: 16 } as const;
/** Largest nr_ports sched_op(poll) accepts (Xen: 128 on a 1-vCPU wait queue). */
export const SCHED_POLL_MAX_PORTS = 128;

/** memory_op(cmd, arg) — memory.h XENMEM_*. */
export const MemoryOp = {
  increase_reservation: 0,
  decrease_reservation: 1,
  maximum_ram_page: 2,
  current_reservation: 3,
  maximum_reservation: 4,
  populate_physmap: 6,
} as const;

/**
 * `struct xen_memory_reservation` (ilp32): extent_start is a pointer to an
 * array of xen_pfn_t (u32) frame numbers.
 */
export const MemoryReservation = {
  extent_start: 0,
  nr_extents: 4,
  extent_order: 8,
  mem_flags: 12,
  domid: 16,
  size: 20,
} as const;

/** xen_version(cmd, arg) — version.h XENVER_*. */
export const XenVersion = {
  version: 0,
  extraversion: 1,
  compile_info: 2,
  capabilities: 3,
  changeset: 4,
  platform_parameters: 5,
  get_features: 6,
  pagesize: 7,
  guest_handle: 8,
} as const;
/** The version this VMM reports: Xen 4.17's interface. */
export const XEN_VERSION_MAJOR = 4;
export const XEN_VERSION_MINOR = 17;
export const XEN_EXTRAVERSION = '-tabvisor';
export const XEN_CAPABILITIES = 'xen-3.0-riscv32';

/** Special domain ids (xen.h). */
export const DOMID_SELF = 0x7ff0;
export const DOMID_FIRST_RESERVED = 0x7ff0;

/** Page size of every guest (Sv32). */
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;

/** tabvisor_op(cmd, arg) sub-ops. */
export const TabvisorOp = {
  /** Copy the calling domain's VM-exit counters (arg: struct tabvisor_exit_counters). */
  exit_counters: 0,
} as const;

/**
 * `struct tabvisor_exit_counters` (in/out): the guest sets max_entries and
 * provides that many `struct tabvisor_exit_counter` after the header; the VMM
 * fills them with its counters for the domain, largest first (ties by
 * reason), and sets nr_entries (written), nr_reasons (counters it keeps)
 * and total_exits (all exits; low 32 bits). Returns nr_entries or −errno.
 */
export const TabvisorExitCounters = {
  max_entries: 0,
  nr_entries: 4,
  nr_reasons: 8,
  total_exits: 12,
  entries: 16,
  size: 16,
} as const;

/** Longest reason name an entry holds, with its NUL ("hypercall:grant_table_op.unmap_grant_ref" fits). */
export const TABVISOR_REASON_LEN = 44;

/** `struct tabvisor_exit_counter { char reason[44]; uint32_t count; }`: the VMM's exit reason and its count (low 32 bits). */
export const TabvisorExitCounter = { reason: 0, count: TABVISOR_REASON_LEN, size: 48 } as const;

/** Most entries one exit_counters call copies. */
export const TABVISOR_EXIT_COUNTERS_MAX = 64;
