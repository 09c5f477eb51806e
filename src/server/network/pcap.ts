import type { BridgeFrameEvent } from './bridge';

/**
 * Packet capture in the classic libpcap file format (pcap-savefile(5),
 * draft-ietf-opsawg-pcap §4–5), readable by tcpdump, Wireshark and tshark:
 * a 24-byte global header (magic 0xa1b2c3d4 = microsecond timestamps,
 * version 2.4, snaplen, LINKTYPE_ETHERNET), then per packet a 16-byte record
 * header (ts_sec, ts_usec, incl_len, orig_len) and the captured bytes.
 * Written little-endian; readers tell the byte order from the magic.
 *
 * The writer keeps only the last `capacity` frames (a ring: the oldest is
 * dropped), so a long-running tab's capture stays bounded.
 */

export const PCAP_MAGIC_MICROSECONDS = 0xa1b2c3d4;
export const PCAP_VERSION_MAJOR = 2;
export const PCAP_VERSION_MINOR = 4;
/** LINKTYPE_ETHERNET (tcpdump.org link-layer header types): IEEE 802.3 without FCS. */
export const LINKTYPE_ETHERNET = 1;
export const PCAP_DEFAULT_SNAPLEN = 65535;
export const PCAP_GLOBAL_HEADER_SIZE = 24;
export const PCAP_RECORD_HEADER_SIZE = 16;

export interface PcapWriterOptions {
  /** Frames kept, at most (default 1000). */
  capacity?: number;
  /** Bytes kept per frame, at most (default 65535). */
  snaplen?: number;
}

interface Captured {
  /** Unix epoch, microseconds. */
  timeUs: number;
  origLength: number;
  data: Uint8Array;
}

export class PcapWriter {
  readonly capacity: number;
  readonly snaplen: number;
  private readonly ring: (Captured | undefined)[];
  /** Index of the oldest frame. */
  private head = 0;
  private count = 0;
  private overwritten = 0;

  constructor(opts: PcapWriterOptions = {}) {
    this.capacity = opts.capacity ?? 1000;
    this.snaplen = opts.snaplen ?? PCAP_DEFAULT_SNAPLEN;
    if (!Number.isInteger(this.capacity) || this.capacity < 1)
      throw new Error(`pcap capacity must be a positive integer, not ${this.capacity}`);
    if (!Number.isInteger(this.snaplen) || this.snaplen < 1 || this.snaplen > 0x3ffff)
      throw new Error(`pcap snaplen out of range: ${this.snaplen}`);
    this.ring = new Array<Captured | undefined>(this.capacity);
  }

  /** Frames held now. */
  get size(): number {
    return this.count;
  }

  /** Frames dropped from the ring to make room for newer ones. */
  get dropped(): number {
    return this.overwritten;
  }

  /** Capture from a bridge's tap until the returned function is called. */
  attach(bridge: { onFrame(listener: (e: BridgeFrameEvent) => void): () => void }): () => void {
    return bridge.onFrame((e) => this.record(e.frame, e.timeMs));
  }

  /** Keep a copy of `frame` (at most snaplen bytes) seen at `timeMs` (Unix epoch, ms). */
  record(frame: Uint8Array, timeMs: number): void {
    const captured: Captured = {
      timeUs: Math.max(0, Math.floor(timeMs * 1000)),
      origLength: frame.length,
      data: frame.slice(0, this.snaplen),
    };
    const slot = (this.head + this.count) % this.capacity;
    this.ring[slot] = captured;
    if (this.count < this.capacity) this.count++;
    else {
      this.head = (this.head + 1) % this.capacity;
      this.overwritten++;
    }
  }

  clear(): void {
    this.ring.fill(undefined);
    this.head = 0;
    this.count = 0;
    this.overwritten = 0;
  }

  /** The capture as a .pcap file, oldest frame first. */
  toBytes(): Uint8Array {
    const frames: Captured[] = [];
    for (let i = 0; i < this.count; i++) {
      const c = this.ring[(this.head + i) % this.capacity];
      if (c) frames.push(c);
    }
    const total = frames.reduce(
      (n, c) => n + PCAP_RECORD_HEADER_SIZE + c.data.length,
      PCAP_GLOBAL_HEADER_SIZE,
    );
    const out = new Uint8Array(total);
    const view = new DataView(out.buffer);
    view.setUint32(0, PCAP_MAGIC_MICROSECONDS, true);
    view.setUint16(4, PCAP_VERSION_MAJOR, true);
    view.setUint16(6, PCAP_VERSION_MINOR, true);
    view.setInt32(8, 0, true); // thiszone: timestamps are UTC
    view.setUint32(12, 0, true); // sigfigs: always 0
    view.setUint32(16, this.snaplen, true);
    view.setUint32(20, LINKTYPE_ETHERNET, true);
    let at = PCAP_GLOBAL_HEADER_SIZE;
    for (const c of frames) {
      const sec = Math.floor(c.timeUs / 1_000_000);
      view.setUint32(at, sec >>> 0, true);
      view.setUint32(at + 4, c.timeUs - sec * 1_000_000, true);
      view.setUint32(at + 8, c.data.length, true);
      view.setUint32(at + 12, c.origLength, true);
      out.set(c.data, at + PCAP_RECORD_HEADER_SIZE);
      at += PCAP_RECORD_HEADER_SIZE + c.data.length;
    }
    return out;
  }
}
