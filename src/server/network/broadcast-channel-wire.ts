import { HostWireEnd } from './host-wire';

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

export class BroadcastChannelWire extends HostWireEnd {
  readonly description: string;
  readonly channelName: string;
  private readonly channel: BroadcastChannel;

  /** False in an environment without BroadcastChannel (use MemoryWire there). */
  static isAvailable(): boolean {
    return typeof globalThis.BroadcastChannel === 'function';
  }

  constructor(opts: BroadcastChannelWireOptions = {}) {
    super();
    this.channelName = opts.channelName ?? DEFAULT_WIRE_CHANNEL;
    if (!BroadcastChannelWire.isAvailable())
      throw new Error('BroadcastChannel is not available here: use a MemoryWire instead');
    this.description = `BroadcastChannel ${this.channelName} (tabs of this origin)`;
    this.channel = new BroadcastChannel(this.channelName);
    this.channel.onmessage = (e: MessageEvent<unknown>) =>
      this.deliver(isArrayBuffer(e.data) ? new Uint8Array(e.data) : null);
    this.channel.onmessageerror = () => {
      this.counters.ignored++;
    };
  }

  protected transmit(frame: Uint8Array): void {
    // slice(): a fresh buffer of exactly the frame, not the (maybe larger) buffer under a view.
    this.channel.postMessage(frame.slice().buffer);
  }

  protected disconnect(): void {
    this.channel.onmessage = null;
    this.channel.onmessageerror = null;
    this.channel.close();
  }
}

/** Realm-independent (a buffer deserialized in another realm fails instanceof). */
function isArrayBuffer(data: unknown): data is ArrayBuffer {
  return Object.prototype.toString.call(data) === '[object ArrayBuffer]';
}
