import type { EthernetLink, EthernetPort, MacAddress } from './ethernet';
import { parseMac, formatMac } from './ethernet';
import { isWireFrameLength, type HostWire } from './host-wire';

/**
 * eth0: Domain-0's host NIC, enslaved to xenbr0 the way Xen's network-bridge
 * script enslaves the physical NIC. Like a bridged NIC it is promiscuous:
 * every frame the bridge sends it goes out on the host wire, every frame off
 * the wire goes onto the bridge. Its own MAC only names it (ip link); the
 * bridge forwards by the MACs it learns.
 *
 * No echo: a frame from the wire enters the bridge through this port, and
 * the bridge never delivers a frame back to its ingress port, so it never
 * goes back out on the wire. (A BroadcastChannel doesn't deliver to its
 * sender either, so two tabs can't loop a frame between them.)
 */

export const HOST_NIC_DEFAULT_MAC: MacAddress = '00:16:3e:00:00:02';

export interface HostNicCounters {
  /** Frames from the bridge put on the wire. */
  txFrames: number;
  txBytes: number;
  /** Frames from the wire put on the bridge. */
  rxFrames: number;
  rxBytes: number;
  /** Frames off the wire with an impossible length (Linux rx_length_errors), dropped. */
  rxLengthErrors: number;
  /** Frames the bridge offered after close(), refused. */
  txDropped: number;
}

export interface HostNicOptions {
  name?: string;
  mac?: MacAddress;
}

/** What the NIC needs of the bridge (the Bridge fits). */
export interface BridgeAttach {
  readonly name: string;
  attach(port: EthernetPort): EthernetLink;
}

export class HostNic implements EthernetPort {
  readonly name: string;
  readonly mac: MacAddress;
  readonly counters: HostNicCounters = {
    txFrames: 0,
    txBytes: 0,
    rxFrames: 0,
    rxBytes: 0,
    rxLengthErrors: 0,
    txDropped: 0,
  };
  private readonly link: EthernetLink;
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(
    private readonly bridge: BridgeAttach,
    readonly wire: HostWire,
    opts: HostNicOptions = {},
  ) {
    this.name = opts.name ?? 'eth0';
    // Normalise (and validate) the MAC to xl's lower-case form.
    this.mac = formatMac(parseMac(opts.mac ?? HOST_NIC_DEFAULT_MAC));
    this.link = bridge.attach(this);
    this.unsubscribe = wire.onReceive((frame) => this.fromWire(frame));
  }

  /** For the boot log: "eth0 00:16:3e:00:00:02 on xenbr0 ↔ BroadcastChannel tabvisor-wire (…)". */
  describe(): string {
    return `${this.name} ${this.mac} on ${this.bridge.name} ↔ ${this.wire.description}`;
  }

  deliver(frame: Uint8Array): boolean {
    if (this.closed) {
      this.counters.txDropped++;
      return false;
    }
    this.counters.txFrames++;
    this.counters.txBytes += frame.length;
    this.wire.send(frame);
    return true;
  }

  /** Leave the bridge and stop listening to the wire (the wire itself stays open; its owner closes it). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    this.link.detach();
  }

  private fromWire(frame: Uint8Array): void {
    if (this.closed) return;
    if (!isWireFrameLength(frame.length)) {
      this.counters.rxLengthErrors++;
      return;
    }
    this.counters.rxFrames++;
    this.counters.rxBytes += frame.length;
    this.link.transmit(frame);
  }
}
