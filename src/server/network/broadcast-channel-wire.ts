import { isWireFrameLength, newHostWireCounters, type HostWire } from './host-wire';

/**
 * The host wire in the browser: a BroadcastChannel (HTML Living Standard
 * §9.6), which delivers a message to every other BroadcastChannel object of
 * the same name in the same origin — other tabs, their workers, and other
 * objects in this very context — but never to the posting object itself.
 * That is one shared LAN segment for all Tabvisor tabs of the origin.
 *
 * A frame travels as an ArrayBuffer of exactly its bytes (structured clone
 * copies it). Anything else arriving on the channel — another program's
 * messages, a wrong size, a message that failed to deserialize — is ignored
 * and counted.
 */

export const DEFAULT_WIRE_CHANNEL = 'tabvisor-wire';

export interface BroadcastChannelWireOptions {
  channelName?: string;
}

export class BroadcastChannelWire implements HostWire {
  readonly counters = newHostWireCounters();
  readonly description: string;
  readonly channelName: string;
  private readonly channel: BroadcastChannel;
  private readonly listeners = new Set<(frame: Uint8Array) => void>();
  private closed = false;

  /** False in an environment without BroadcastChannel (use MemoryWire there). */
  static isAvailable(): boolean {
    return typeof globalThis.BroadcastChannel === 'function';
  }

  constructor(opts: BroadcastChannelWireOptions = {}) {
    this.channelName = opts.channelName ?? DEFAULT_WIRE_CHANNEL;
    if (!BroadcastChannelWire.isAvailable())
      throw new Error('BroadcastChannel is not available here: use a MemoryWire instead');
    this.description = `BroadcastChannel ${this.channelName} (tabs of this origin)`;
    this.channel = new BroadcastChannel(this.channelName);
    this.channel.onmessage = (e: MessageEvent<unknown>) => this.arrive(e.data);
    this.channel.onmessageerror = () => {
      this.counters.ignored++;
    };
  }

  send(frame: Uint8Array): void {
    if (this.closed) return;
    this.counters.sentFrames++;
    this.counters.sentBytes += frame.length;
    // slice(): a fresh buffer of exactly the frame, not the (maybe larger) buffer under a view.
    this.channel.postMessage(frame.slice().buffer);
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
    this.channel.onmessage = null;
    this.channel.onmessageerror = null;
    this.channel.close();
  }

  private arrive(data: unknown): void {
    if (this.closed) return;
    if (!isArrayBuffer(data) || !isWireFrameLength(data.byteLength)) {
      this.counters.ignored++;
      return;
    }
    const frame = new Uint8Array(data);
    this.counters.receivedFrames++;
    this.counters.receivedBytes += frame.length;
    for (const listener of [...this.listeners]) listener(frame);
  }
}

/** Realm-independent (a buffer deserialized in another realm fails instanceof). */
function isArrayBuffer(data: unknown): data is ArrayBuffer {
  return Object.prototype.toString.call(data) === '[object ArrayBuffer]';
}
