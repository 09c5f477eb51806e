import { ETH_HEADER_SIZE, ETH_MAX_FRAME } from './ethernet';

/**
 * The host network wire: the "cable" behind the host NIC eth0. In the browser
 * it is a BroadcastChannel that every tab of the origin shares (one LAN
 * segment: a frame sent by one tab reaches all the others, never the
 * sender); in Node and tests, an in-memory segment with the same semantics.
 *
 * Receiving is asynchronous (a later task or microtask), so a frame received
 * from the wire never arrives while the bridge is delivering one.
 */
export interface HostWire {
  /** For the boot log, e.g. "BroadcastChannel tabvisor-wire (tabs of this origin)". */
  readonly description: string;
  readonly counters: HostWireCounters;
  /** Put a frame on the wire (copied; the caller keeps its buffer). A closed wire drops it. */
  send(frame: Uint8Array): void;
  /** Frames from the other ends of the wire. Returns the unsubscribe. */
  onReceive(listener: (frame: Uint8Array) => void): () => void;
  /** Leave the wire; nothing is sent or received afterwards. */
  close(): void;
}

export interface HostWireCounters {
  sentFrames: number;
  sentBytes: number;
  receivedFrames: number;
  receivedBytes: number;
  /** Messages off the wire that were not a well-formed frame, ignored. */
  ignored: number;
}

export function newHostWireCounters(): HostWireCounters {
  return { sentFrames: 0, sentBytes: 0, receivedFrames: 0, receivedBytes: 0, ignored: 0 };
}

/** A frame the wire may carry: a whole Ethernet header, at most an MTU of payload. */
export function isWireFrameLength(length: number): boolean {
  return length >= ETH_HEADER_SIZE && length <= ETH_MAX_FRAME;
}

/**
 * What every host wire does alike, whatever carries its frames: the
 * counters, the closed state and the receive listeners. A wire puts frames
 * on its medium in `transmit`, lets go of it in `disconnect`, and hands each
 * message that comes off it to `deliver`.
 */
export abstract class HostWireEnd implements HostWire {
  abstract readonly description: string;
  readonly counters = newHostWireCounters();
  private readonly listeners = new Set<(frame: Uint8Array) => void>();
  private closed = false;

  send(frame: Uint8Array): void {
    if (this.closed) return;
    this.counters.sentFrames++;
    this.counters.sentBytes += frame.length;
    this.transmit(frame);
  }

  onReceive(listener: (frame: Uint8Array) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.disconnect();
  }

  /** Carries a frame (the caller's buffer: copy it) to the other ends. */
  protected abstract transmit(frame: Uint8Array): void;
  /** Leaves the medium (called once, on close). */
  protected abstract disconnect(): void;

  /**
   * A message off the wire, as a frame, or null if it was none: counted,
   * then given to every listener if it is frame-sized; dropped once closed.
   */
  protected deliver(frame: Uint8Array | null): void {
    if (this.closed) return;
    if (frame === null || !isWireFrameLength(frame.length)) {
      this.counters.ignored++;
      return;
    }
    this.counters.receivedFrames++;
    this.counters.receivedBytes += frame.length;
    for (const listener of [...this.listeners]) listener(frame);
  }
}
