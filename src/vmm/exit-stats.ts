/**
 * VM-exit accounting for one domain: a counter per reason, and a bounded ring
 * of the most recent exits with their (virtual) timestamps, for the desktop's
 * I/O path view. Reasons are strings such as "mmio:uart0", "port:ide0",
 * "sbi:TIME.set_timer", "hypercall:event_channel_op.send", "wfi", "timer",
 * "external-irq".
 */

export interface ExitEvent {
  /** The domain's exit number (1 for its first): device models and back ends name the exits a request took by it. */
  seq: number;
  /** Host time in ns (virtual in deterministic mode). */
  time: number;
  vcpu: number;
  reason: string;
  /** Address, port, hypercall argument…: what makes this exit interesting. */
  detail: number;
}

export interface ExitStatsState {
  counts: [string, number][];
  total: number;
}

export const DEFAULT_TRACE_CAPACITY = 256;

export class ExitStats {
  private readonly counts = new Map<string, number>();
  private readonly ring: (ExitEvent | undefined)[];
  private head = 0;
  total = 0;

  constructor(readonly capacity = DEFAULT_TRACE_CAPACITY) {
    this.ring = new Array<ExitEvent | undefined>(capacity);
  }

  record(time: number, vcpu: number, reason: string, detail = 0): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
    this.total++;
    if (this.capacity === 0) return;
    this.ring[this.head] = { seq: this.total, time, vcpu, reason, detail };
    this.head = (this.head + 1) % this.capacity;
  }

  count(reason: string): number {
    return this.counts.get(reason) ?? 0;
  }

  /** All counters, sorted by reason. */
  counters(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** Recent exits, oldest first. */
  trace(): ExitEvent[] {
    const out: ExitEvent[] = [];
    for (let i = 0; i < this.capacity; i++) {
      const e = this.ring[(this.head + i) % this.capacity];
      if (e) out.push(e);
    }
    return out;
  }

  /**
   * The newest `limit` exits numbered first…last still in the trace, oldest
   * first. Exit n sits `total − n` places behind the newest, so this reads
   * only what it returns.
   */
  between(first: number, last: number, limit: number): ExitEvent[] {
    const out: ExitEvent[] = [];
    const newest = Math.min(last, this.total);
    const oldest = Math.max(first, this.total - this.capacity + 1, 1);
    for (let seq = newest; seq >= oldest && out.length < limit; seq--) {
      const back = this.total - seq;
      const e = this.ring[(this.head - 1 - back + this.capacity * 2) % this.capacity];
      if (e?.seq === seq) out.push(e);
    }
    return out.reverse();
  }

  saveState(): ExitStatsState {
    return { counts: [...this.counts], total: this.total };
  }

  restoreState(s: ExitStatsState): void {
    this.counts.clear();
    for (const [k, v] of s.counts) this.counts.set(k, v);
    this.total = s.total;
  }
}
