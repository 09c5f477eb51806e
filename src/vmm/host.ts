import { PAGE_SIZE } from './abi/hypercall';

const MiB = 1024 * 1024;

/** Raised when the host RAM pool cannot satisfy an allocation. */
export class HostMemoryError extends Error {
  override name = 'HostMemoryError';
}

/**
 * The host's RAM as a pool of 4 KiB pages that domains reserve from
 * (Xen's domheap): creation takes a domain's memory, ballooning moves pages
 * back and forth, destruction returns everything.
 */
export class HostMemoryPool {
  readonly totalPages: number;
  private readonly owners = new Map<number, number>();
  private used = 0;

  constructor(totalBytes: number) {
    if (!Number.isInteger(totalBytes) || totalBytes <= 0 || totalBytes % PAGE_SIZE !== 0) {
      throw new RangeError(`host RAM must be a positive multiple of ${PAGE_SIZE} bytes`);
    }
    this.totalPages = totalBytes / PAGE_SIZE;
  }

  get freePages(): number {
    return this.totalPages - this.used;
  }
  get usedPages(): number {
    return this.used;
  }

  pagesOf(domid: number): number {
    return this.owners.get(domid) ?? 0;
  }

  /** Reserve `pages` for `domid`, or throw a HostMemoryError that says how much is left. */
  allocate(domid: number, pages: number, what = `domain ${domid}`): void {
    if (!Number.isInteger(pages) || pages < 0) throw new RangeError(`bad page count ${pages}`);
    if (pages > this.freePages) {
      const mib = (p: number): string =>
        `${((p * PAGE_SIZE) / MiB).toFixed(p > 0 && p * PAGE_SIZE < MiB ? 2 : 0)} MiB`;
      throw new HostMemoryError(
        `not enough host memory for ${what}: it needs ${mib(pages)} but only ${mib(this.freePages)} ` +
          `of ${mib(this.totalPages)} are free`,
      );
    }
    this.used += pages;
    this.owners.set(domid, this.pagesOf(domid) + pages);
  }

  /** Reserve up to `pages`; returns how many were granted (ballooning: partial success is allowed). */
  allocateUpTo(domid: number, pages: number): number {
    const n = Math.max(0, Math.min(pages, this.freePages));
    this.allocate(domid, n);
    return n;
  }

  release(domid: number, pages: number): void {
    const held = this.pagesOf(domid);
    const n = Math.min(held, Math.max(0, pages));
    this.used -= n;
    if (held - n === 0) this.owners.delete(domid);
    else this.owners.set(domid, held - n);
  }

  releaseAll(domid: number): void {
    this.release(domid, this.pagesOf(domid));
  }
}
