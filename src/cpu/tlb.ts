/**
 * A direct-mapped software TLB (privileged spec 1.12 §4.3.2 allows caching
 * translations until SFENCE.VMA). One set per effective privilege; each of the 256
 * entries is four Int32 words: the VPN tag for loads, for stores and for fetches
 * (−1 where that access must walk again), and the RAM byte offset of the page.
 * Only RAM pages are entered: MMIO always takes the slow path.
 */
export const TLB_ENTRIES = 256;
export const TLB_STRIDE = 4;
export const TLB_READ_TAG = 0;
export const TLB_WRITE_TAG = 1;
export const TLB_EXEC_TAG = 2;
export const TLB_RAM_OFFSET = 3;

export function createTlb(): Int32Array {
  return new Int32Array(TLB_ENTRIES * TLB_STRIDE).fill(-1);
}

/** Index of the entry for virtual address `va`: ((va >>> 12) & 255) * 4. */
export function tlbIndex(va: number): number {
  return (va >>> 10) & 0x3fc;
}

export function tlbFill(
  tlb: Int32Array,
  va: number,
  read: boolean,
  write: boolean,
  exec: boolean,
  ramOffset: number,
): void {
  const vpn = va >>> 12;
  const e = tlbIndex(va);
  tlb[e + TLB_READ_TAG] = read ? vpn : -1;
  tlb[e + TLB_WRITE_TAG] = write ? vpn : -1;
  tlb[e + TLB_EXEC_TAG] = exec ? vpn : -1;
  tlb[e + TLB_RAM_OFFSET] = ramOffset;
}
