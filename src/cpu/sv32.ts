import { PRIV_M, PRIV_S, PRIV_U } from './privilege';
import { MSTATUS_MXR, MSTATUS_SUM, SATP_MODE_SV32, SATP_PPN_MASK } from './status-bits';

/** Sv32 page-table entry bits (privileged spec 1.12 §4.3.1, Fig. 4.18). */
export const PTE_V = 1 << 0;
export const PTE_R = 1 << 1;
export const PTE_W = 1 << 2;
export const PTE_X = 1 << 3;
export const PTE_U = 1 << 4;
export const PTE_G = 1 << 5;
export const PTE_A = 1 << 6;
export const PTE_D = 1 << 7;

export const AccessType = { Fetch: 0, Load: 1, Store: 2 } as const;
export type AccessTypeId = (typeof AccessType)[keyof typeof AccessType];

/** Permission bits of a translation result (which accesses the hart may make to the page now). */
export const PERM_READ = 1;
export const PERM_WRITE = 2;
export const PERM_EXEC = 4;

/** Walk results below zero are faults. */
export const WALK_PAGE_FAULT = -1;
export const WALK_ACCESS_FAULT = -2;

/** Physical memory the walker reads page tables from (RAM only, like QEMU's A/D updates). */
export interface PageTableMemory {
  readonly ram32: Int32Array;
  readonly ramBase: number;
  /** Called when the walker writes a PTE (A/D update) at this RAM byte offset. */
  pageTableWritten(offset: number): void;
}

const PAGE = 4096;

/**
 * Translates `va` for one access as the Sv32 algorithm of §4.3.2 does, including
 * the hardware A/D update QEMU 7.2 performs (step 7, "Svadu" behaviour).
 * `priv` is the effective privilege (MPRV already applied by the caller).
 * Returns ppn << 3 | permissions (PERM_*) of the 4 KiB page holding `va`, or a
 * WALK_* fault code. Permissions other than the requested one are reported only
 * where they can be used without another walk (write needs D already set).
 * A `dryRun` (tracing) leaves A/D untouched.
 */
export function translateSv32(
  mem: PageTableMemory,
  va: number,
  access: AccessTypeId,
  priv: number,
  mstatus: number,
  satp: number,
  dryRun = false,
): number {
  if (priv === PRIV_M || (satp & SATP_MODE_SV32) === 0) {
    return ((va >>> 12) << 3) | PERM_READ | PERM_WRITE | PERM_EXEC;
  }
  let tableBase = (satp & SATP_PPN_MASK) * PAGE;
  let level = 1;
  for (;;) {
    const vpn = level === 1 ? va >>> 22 : (va >>> 12) & 0x3ff;
    const pteAddr = tableBase + vpn * 4;
    const offset = pteAddr - mem.ramBase;
    // Step 2: a PTE outside RAM is an access fault (PMP/PMA violation of the walk).
    if (offset < 0 || offset >= mem.ram32.length * 4) return WALK_ACCESS_FAULT;
    const pte = mem.ram32[offset >>> 2] ?? 0;
    // Step 3: invalid, or the reserved R=0/W=1 combinations.
    if ((pte & PTE_V) === 0 || ((pte & PTE_R) === 0 && (pte & PTE_W) !== 0)) {
      return WALK_PAGE_FAULT;
    }
    if ((pte & (PTE_R | PTE_X)) === 0) {
      // Step 4: pointer to the next level.
      if (level === 0) return WALK_PAGE_FAULT;
      level = 0;
      tableBase = (pte >>> 10) * PAGE;
      continue;
    }
    // Step 5: leaf permission checks.
    const user = (pte & PTE_U) !== 0;
    let perms = 0;
    if (priv === PRIV_U ? user : !user || (mstatus & MSTATUS_SUM) !== 0) {
      if ((pte & PTE_R) !== 0 || ((pte & PTE_X) !== 0 && (mstatus & MSTATUS_MXR) !== 0)) {
        perms |= PERM_READ;
      }
      if ((pte & PTE_W) !== 0) perms |= PERM_WRITE;
    }
    // S-mode never executes user pages, whatever SUM says (§4.3.1).
    if ((pte & PTE_X) !== 0 && (priv === PRIV_U ? user : priv === PRIV_S && !user)) {
      perms |= PERM_EXEC;
    }
    const needed =
      access === AccessType.Fetch ? PERM_EXEC : access === AccessType.Load ? PERM_READ : PERM_WRITE;
    if ((perms & needed) === 0) return WALK_PAGE_FAULT;
    // Step 6: a superpage must be aligned (PPN[0] = 0).
    const ppn = pte >>> 10;
    if (level === 1 && (ppn & 0x3ff) !== 0) return WALK_PAGE_FAULT;
    // Step 7: set A, and D on a store.
    const updated = pte | PTE_A | (access === AccessType.Store ? PTE_D : 0);
    if (updated !== pte && !dryRun) {
      mem.ram32[offset >>> 2] = updated;
      mem.pageTableWritten(offset);
    }
    if ((updated & PTE_D) === 0) perms &= ~PERM_WRITE;
    const pagePpn = level === 1 ? (ppn & ~0x3ff) | ((va >>> 12) & 0x3ff) : ppn;
    return (pagePpn << 3) | perms;
  }
}
