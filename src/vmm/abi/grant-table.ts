/**
 * Grant tables — xen/include/public/grant_table.h, version 1.
 *
 * Deviation from x86 Xen, as on Arm: the grant table's frames are the guest's
 * own RAM. GNTTABOP_setup_table takes the list of guest frame numbers (IN) that
 * will hold the entries, and the VMM reads and updates entries there.
 */

/** `struct grant_entry_v1 { uint16_t flags; domid_t domid; uint32_t frame; }` */
export const GrantEntryV1 = { flags: 0, domid: 2, frame: 4, size: 8 } as const;
export const GRANT_ENTRIES_PER_FRAME = 4096 / GrantEntryV1.size;

/** Grant entry flags (GTF_*). The type lives in bits 0–1. */
export const GTF = {
  type_mask: 3,
  invalid: 0,
  permit_access: 1,
  accept_transfer: 2,
  readonly: 1 << 2,
  reading: 1 << 3,
  writing: 1 << 4,
} as const;

/** Grant references reserved for the toolstack (grant_table.h GNTTAB_RESERVED_*). */
export const GNTTAB_RESERVED_CONSOLE = 0;
export const GNTTAB_RESERVED_XENSTORE = 1;

/** GNTTABOP_* (see REFERENCES.md). */
export const GnttabOp = {
  map_grant_ref: 0,
  unmap_grant_ref: 1,
  setup_table: 2,
  copy: 5,
  query_size: 6,
} as const;

/** GNTMAP_* flags of map_grant_ref. */
export const GNTMAP = {
  device_map: 1 << 0,
  host_map: 1 << 1,
  readonly: 1 << 2,
} as const;

/** GNTCOPY_* flags of gnttab_copy. */
export const GNTCOPY = { source_gref: 1 << 0, dest_gref: 1 << 1 } as const;

/** Grant status codes (GNTST_*), returned in each op's `status` field. */
export const GNTST = {
  okay: 0,
  general_error: -1,
  bad_domain: -2,
  bad_gntref: -3,
  bad_handle: -4,
  bad_virt_addr: -5,
  bad_dev_addr: -6,
  no_device_space: -7,
  permission_denied: -8,
  bad_page: -9,
  bad_copy_arg: -10,
  address_too_big: -11,
  eagain: -12,
} as const;
export type GNTST = (typeof GNTST)[keyof typeof GNTST];

/** `struct gnttab_map_grant_ref` (ilp32, u64 aligned to 8). */
export const GnttabMapGrantRef = {
  host_addr: 0,
  flags: 8,
  ref: 12,
  dom: 16,
  status: 18,
  handle: 20,
  dev_bus_addr: 24,
  size: 32,
} as const;
/** `struct gnttab_unmap_grant_ref`. */
export const GnttabUnmapGrantRef = {
  host_addr: 0,
  dev_bus_addr: 8,
  handle: 16,
  status: 20,
  size: 24,
} as const;
/** `struct gnttab_setup_table { domid_t dom; uint32_t nr_frames; int16_t status; xen_pfn_t *frame_list; }` */
export const GnttabSetupTable = {
  dom: 0,
  nr_frames: 4,
  status: 8,
  frame_list: 12,
  size: 16,
} as const;
/** `struct gnttab_query_size { domid_t dom; uint32_t nr_frames, max_nr_frames; int16_t status; }` */
export const GnttabQuerySize = {
  dom: 0,
  nr_frames: 4,
  max_nr_frames: 8,
  status: 12,
  size: 16,
} as const;
/**
 * `struct gnttab_copy { struct { union { grant_ref_t ref; xen_pfn_t gmfn; } u; domid_t domid;
 *  uint16_t offset; } source, dest; uint16_t len, flags; int16_t status; }`
 */
export const GnttabCopy = {
  source_u: 0,
  source_domid: 4,
  source_offset: 6,
  dest_u: 8,
  dest_domid: 12,
  dest_offset: 14,
  len: 16,
  flags: 18,
  status: 20,
  size: 24,
} as const;

/** Grant frames a domain may set up (Xen's max_grant_frames default is 64; ours is smaller). */
export const MAX_GRANT_FRAMES = 4;
