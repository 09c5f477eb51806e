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
