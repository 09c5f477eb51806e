/**
 * Guest accesses per register or port, by datasheet name: the device models'
 * share of VM-exit accounting (every access to them is one trapped exit), in
 * the spirit of MmioDevice.accessCount but finer.
 */
export class AccessCounter {
  private readonly counts = new Map<string, number>();
  private sum = 0;

  constructor(names: readonly string[]) {
    for (const n of names) this.counts.set(n, 0);
  }

  hit(name: string): void {
    this.sum++;
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }

  /** All accesses so far. */
  get total(): number {
    return this.sum;
  }

  get(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  /** A copy, register name → count (plain data, for stats and snapshots). */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  restore(counts: Readonly<Record<string, number>>): void {
    this.counts.clear();
    this.sum = 0;
    for (const [n, c] of Object.entries(counts)) {
      this.counts.set(n, c);
      this.sum += c;
    }
  }
}
