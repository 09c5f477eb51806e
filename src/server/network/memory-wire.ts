import { HostWireEnd } from './host-wire';

/**
 * The in-memory host wire for Node and tests: a shared segment like the
 * browser's BroadcastChannel, where a frame sent by one end reaches every
 * other end (never the sender), as a copy, in a microtask, so nothing is
 * delivered while the sender is still on the stack.
 */
export class MemoryWireSegment {
  private readonly ends = new Set<MemoryWire>();
  private joined = 0;

  constructor(readonly name = 'memory-wire') {}

  /** A new end on this segment. */
  join(): MemoryWire {
    const end = new MemoryWire(this, `${this.name}#${++this.joined}`);
    this.ends.add(end);
    return end;
  }

  /** @internal */
  leave(end: MemoryWire): void {
    this.ends.delete(end);
  }

  /** @internal */
  carry(from: MemoryWire, frame: Uint8Array): void {
    for (const end of this.ends) {
      if (end === from) continue;
      const copy = frame.slice();
      queueMicrotask(() => end.arrive(copy));
    }
  }
}

export class MemoryWire extends HostWireEnd {
  readonly description: string;

  /** Two ends of one cable (two tabs on one LAN). */
  static pair(name?: string): [MemoryWire, MemoryWire] {
    const segment = new MemoryWireSegment(name);
    return [segment.join(), segment.join()];
  }

  /** @internal Use MemoryWireSegment.join() or MemoryWire.pair(). */
  constructor(
    private readonly segment: MemoryWireSegment,
    readonly endName: string,
  ) {
    super();
    this.description = `in-memory wire ${endName}`;
  }

  protected transmit(frame: Uint8Array): void {
    this.segment.carry(this, frame);
  }

  protected disconnect(): void {
    this.segment.leave(this);
  }

  /** @internal A frame from another end. */
  arrive(frame: Uint8Array): void {
    this.deliver(frame);
  }
}
