import { SharedInfo, VcpuInfo } from './abi/shared-info';
import type { EventDelivery } from './event-channel';
import type { GuestMemory } from './guest-memory';

/**
 * 2-level event delivery into a guest's shared-info page (xen/common/event_2l.c):
 * evtchn_pending / evtchn_mask bitmaps, vcpu_info[0].evtchn_pending_sel and
 * evtchn_upcall_pending. The page is guest memory, so the guest may scribble on
 * it; every access stays inside that one page.
 */
export class SharedInfoEvents implements EventDelivery {
  constructor(
    private readonly mem: GuestMemory,
    /** Guest-physical address of the shared-info page. */
    readonly sharedInfoGpa: number,
    /** Called when vcpu_info[0].evtchn_upcall_pending goes 0 → 1 (vcpu_mark_events_pending). */
    private readonly onUpcall: () => void,
  ) {
    if (mem.offsetOf(sharedInfoGpa, SharedInfo.size) < 0)
      throw new RangeError('shared-info page outside RAM');
  }

  private word(base: number, port: number): number {
    return this.sharedInfoGpa + base + (port >>> 5) * 4;
  }

  private testAndSet(gpa: number, bit: number): boolean {
    const v = this.mem.readU32(gpa);
    this.mem.writeU32(gpa, v | (1 << bit));
    return ((v >>> bit) & 1) !== 0;
  }

  private markUpcall(port: number): void {
    const sel = this.sharedInfoGpa + VcpuInfo.evtchn_pending_sel;
    if (this.testAndSet(sel, port >>> 5)) return;
    this.raiseUpcall();
  }

  /** Set vcpu_info[0].evtchn_upcall_pending; notify when it was clear. */
  raiseUpcall(): void {
    const off = this.mem.offsetOf(this.sharedInfoGpa + VcpuInfo.evtchn_upcall_pending, 1);
    const was = this.mem.ram[off] as number;
    this.mem.ram[off] = 1;
    if (was === 0) this.onUpcall();
  }

  upcallPending(): boolean {
    return (
      this.mem.ram[this.mem.offsetOf(this.sharedInfoGpa + VcpuInfo.evtchn_upcall_pending, 1)] !== 0
    );
  }

  setPending(port: number): void {
    if (this.testAndSet(this.word(SharedInfo.evtchn_pending, port), port & 31)) return;
    if (!this.isMasked(port)) this.markUpcall(port);
  }

  isPending(port: number): boolean {
    return (
      ((this.mem.readU32(this.word(SharedInfo.evtchn_pending, port)) >>> (port & 31)) & 1) !== 0
    );
  }

  isMasked(port: number): boolean {
    return ((this.mem.readU32(this.word(SharedInfo.evtchn_mask, port)) >>> (port & 31)) & 1) !== 0;
  }

  unmask(port: number): void {
    const gpa = this.word(SharedInfo.evtchn_mask, port);
    const v = this.mem.readU32(gpa);
    const bit = 1 << (port & 31);
    if ((v & bit) === 0) return;
    this.mem.writeU32(gpa, v & ~bit);
    if (this.isPending(port)) this.markUpcall(port);
  }

  clear(port: number): void {
    const bit = ~(1 << (port & 31));
    for (const base of [SharedInfo.evtchn_pending, SharedInfo.evtchn_mask]) {
      const gpa = this.word(base, port);
      this.mem.writeU32(gpa, this.mem.readU32(gpa) & bit);
    }
  }
}

/**
 * Delivery for the host-side VM server (domain 0), which has no guest memory:
 * pending and mask bits in a set, notifications queued for its listener.
 */
export class HostEvents implements EventDelivery {
  private readonly pending = new Set<number>();
  private readonly masked = new Set<number>();
  private readonly queue: number[] = [];
  listener: ((port: number) => void) | null = null;
  /**
   * Told when a notification is queued for the listener: the VMM ends the
   * sender's time slice so the VM server sees it before the guest runs on.
   */
  onQueued: (() => void) | null = null;

  private enqueue(port: number): void {
    this.queue.push(port);
    this.onQueued?.();
  }

  setPending(port: number): void {
    if (this.pending.has(port)) return;
    this.pending.add(port);
    if (!this.masked.has(port)) this.enqueue(port);
  }
  isPending(port: number): boolean {
    return this.pending.has(port);
  }
  isMasked(port: number): boolean {
    return this.masked.has(port);
  }
  mask(port: number): void {
    this.masked.add(port);
  }
  unmask(port: number): void {
    if (!this.masked.delete(port)) return;
    if (this.pending.has(port)) this.enqueue(port);
  }
  clear(port: number): void {
    this.pending.delete(port);
    this.masked.delete(port);
  }
  /** Acknowledge: the listener has seen the event, it may be raised again. */
  clearPending(port: number): void {
    this.pending.delete(port);
  }
  /** Deliver queued notifications (called by the VMM between guest slices, and right after a slice that queued one). */
  flush(): number {
    let n = 0;
    while (this.queue.length) {
      const port = this.queue.shift() as number;
      this.pending.delete(port);
      n++;
      this.listener?.(port);
    }
    return n;
  }
  get queued(): number {
    return this.queue.length;
  }
}
