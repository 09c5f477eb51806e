import {
  ETH_HEADER_SIZE,
  ETH_MAX_FRAME,
  destinationMac,
  isGroupAddress,
  sourceMac,
  type EthernetLink,
  type EthernetPort,
  type MacAddress,
} from './ethernet';

/**
 * xenbr0: Domain-0's software bridge, a transparent learning switch after
 * IEEE 802.1D-2004 §7 (as Linux's bridge driver does it, which is what Xen's
 * vif-bridge script enslaves the vifs to).
 *
 * - Learning (§7.8): the source MAC of every frame is recorded against the
 *   port it came in on; an entry not refreshed for the ageing time (§7.9.2,
 *   default 300 s, Table 7-5) is forgotten.
 * - Forwarding (§7.7): a frame for a known unicast MAC goes to that one port;
 *   a group (broadcast/multicast) or unknown destination is flooded to every
 *   port but the one it came in on. A frame whose destination was learned on
 *   its own ingress port is filtered: it never goes back where it came from.
 * - Frames for the reserved addresses 01:80:c2:00:00:00–0f (Table 7-10: STP
 *   BPDUs, pause, LLDP …) are link-local and never forwarded; frames with a
 *   group source address are invalid and dropped (Linux br_handle_frame).
 *
 * Delivery is synchronous but never re-entrant: a frame transmitted while
 * the bridge is delivering (a port answering from inside deliver()) is queued
 * and handled, in order, after the current one.
 */

/** 802.1D §7.9.2, Table 7-5: recommended ageing time. */
export const BRIDGE_AGEING_TIME_SEC = 300;
/** Bound on learned MACs, so a guest sending random source addresses can't grow the table without end. */
export const BRIDGE_MAX_MAC_ENTRIES = 4096;

export interface BridgePortCounters {
  /** Frames (and their bytes) the port put on the bridge, including ones the bridge dropped. */
  rxFrames: number;
  rxBytes: number;
  /** Frames (and bytes) the bridge delivered to the port and the port accepted. */
  txFrames: number;
  txBytes: number;
  /** Deliveries the port refused (deliver() returned false or threw). */
  drops: number;
}

export interface BridgeCounters {
  /** Frames transmitted onto the bridge by any port, valid or not. */
  rxFrames: number;
  rxBytes: number;
  /** Frames sent to exactly one port (known unicast). */
  forwarded: number;
  /** Frames sent to every other port (group or unknown destination). */
  flooded: number;
  /** Frames not sent anywhere because the destination sits behind the ingress port. */
  filtered: number;
  /** Frames shorter than the Ethernet header, dropped. */
  runts: number;
  /** Frames longer than ETH_MAX_FRAME, dropped. */
  giants: number;
  /** Frames with a group source address, dropped. */
  invalidSource: number;
  /** Frames for 802.1D reserved link-local addresses, not forwarded. */
  linkLocal: number;
  /** Deliveries to ports, and how many the ports refused. */
  deliveries: number;
  deliveryDrops: number;
  /** Source MACs not learned because the table was full. */
  learningRefused: number;
}

export interface BridgeMacEntry {
  mac: MacAddress;
  /** The port the MAC was last seen on. */
  port: string;
  /** Seconds since the MAC was last seen (brctl showmacs "ageing timer"). */
  ageSec: number;
}

export interface BridgePortInfo {
  /** Linux-style port number: 1, 2, … in attach order, never reused while the bridge lives. */
  portNo: number;
  name: string;
  counters: BridgePortCounters;
  /** MACs learned on this port, oldest-seen last. */
  macs: BridgeMacEntry[];
}

/** A frame entering the bridge, as the tap reports it. */
export interface BridgeFrameEvent {
  /** The bridge clock when the bridge took the frame (ms; the default clock is Unix epoch ms). */
  timeMs: number;
  /** Name of the ingress port. */
  ingress: string;
  /** The frame itself: shared, never to be changed; copy what you keep. */
  frame: Uint8Array;
}

export type BridgeFrameListener = (event: BridgeFrameEvent) => void;

export interface BridgeOptions {
  name?: string;
  /** Milliseconds, monotonic; the default is Unix epoch time with performance.now()'s resolution. */
  now?: () => number;
  ageingTimeSec?: number;
  maxMacEntries?: number;
}

interface PortState {
  readonly portNo: number;
  readonly port: EthernetPort;
  readonly counters: BridgePortCounters;
  attached: boolean;
}

interface MacState {
  port: PortState;
  lastSeenMs: number;
}

interface Pending {
  ingress: PortState;
  frame: Uint8Array;
}

function defaultClock(): number {
  return performance.timeOrigin + performance.now();
}

/** 01:80:c2:00:00:00 … 01:80:c2:00:00:0f (802.1D Table 7-10). */
function isReservedLinkLocal(frame: Uint8Array): boolean {
  return (
    frame[0] === 0x01 &&
    frame[1] === 0x80 &&
    frame[2] === 0xc2 &&
    frame[3] === 0 &&
    frame[4] === 0 &&
    ((frame[5] ?? 0xff) & 0xf0) === 0
  );
}

export class Bridge {
  readonly name: string;
  private readonly now: () => number;
  private readonly ageingMs: number;
  private readonly maxMacEntries: number;
  private readonly portStates: PortState[] = [];
  private readonly macs = new Map<MacAddress, MacState>();
  private readonly listeners = new Set<BridgeFrameListener>();
  private readonly queue: Pending[] = [];
  private draining = false;
  private nextPortNo = 1;
  private readonly stats: BridgeCounters = {
    rxFrames: 0,
    rxBytes: 0,
    forwarded: 0,
    flooded: 0,
    filtered: 0,
    runts: 0,
    giants: 0,
    invalidSource: 0,
    linkLocal: 0,
    deliveries: 0,
    deliveryDrops: 0,
    learningRefused: 0,
  };

  constructor(opts: BridgeOptions = {}) {
    this.name = opts.name ?? 'xenbr0';
    this.now = opts.now ?? defaultClock;
    this.ageingMs = (opts.ageingTimeSec ?? BRIDGE_AGEING_TIME_SEC) * 1000;
    this.maxMacEntries = opts.maxMacEntries ?? BRIDGE_MAX_MAC_ENTRIES;
  }

  /** Enslave a port (brctl addif). Port names are unique on a bridge. */
  attach(port: EthernetPort): EthernetLink {
    if (this.portStates.some((p) => p.port.name === port.name))
      throw new Error(`${this.name}: a port named ${port.name} is already attached`);
    const state: PortState = {
      portNo: this.nextPortNo++,
      port,
      counters: { rxFrames: 0, rxBytes: 0, txFrames: 0, txBytes: 0, drops: 0 },
      attached: true,
    };
    this.portStates.push(state);
    return {
      transmit: (frame) => this.transmit(state, frame),
      detach: () => this.detach(state),
    };
  }

  /** Tap every valid frame entering the bridge (pcap, the desktop's trace). Returns the unsubscribe. */
  onFrame(listener: BridgeFrameListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Ports in attach order with copies of their counters and learned MACs (brctl show / showmacs). */
  ports(): BridgePortInfo[] {
    const table = this.macTable();
    return this.portStates.map((p) => ({
      portNo: p.portNo,
      name: p.port.name,
      counters: { ...p.counters },
      macs: table.filter((m) => m.port === p.port.name),
    }));
  }

  /** Live MAC entries, most recently seen first. */
  macTable(): BridgeMacEntry[] {
    const now = this.now();
    this.expire(now);
    return [...this.macs]
      .map(([mac, s]) => ({ mac, port: s.port.port.name, ageSec: (now - s.lastSeenMs) / 1000 }))
      .sort((a, b) => a.ageSec - b.ageSec);
  }

  counters(): BridgeCounters {
    return { ...this.stats };
  }

  private detach(state: PortState): void {
    if (!state.attached) return;
    state.attached = false;
    this.portStates.splice(this.portStates.indexOf(state), 1);
    for (const [mac, s] of this.macs) if (s.port === state) this.macs.delete(mac);
  }

  private transmit(ingress: PortState, frame: Uint8Array): void {
    if (!ingress.attached) return;
    ingress.counters.rxFrames++;
    ingress.counters.rxBytes += frame.length;
    this.stats.rxFrames++;
    this.stats.rxBytes += frame.length;
    if (frame.length < ETH_HEADER_SIZE) {
      this.stats.runts++;
      return;
    }
    if (frame.length > ETH_MAX_FRAME) {
      this.stats.giants++;
      return;
    }
    this.queue.push({ ingress, frame });
    if (!this.draining) this.drain();
  }

  /**
   * Handle queued frames FIFO until none is left. A port or tap that throws
   * does not leave the bridge half-way: its delivery counts as a drop, the
   * queue is finished, and the first error is rethrown afterwards.
   */
  private drain(): void {
    this.draining = true;
    let failure: { error: unknown } | undefined;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) {
        const err = this.handle(next);
        if (err && !failure) failure = err;
      }
    } finally {
      this.draining = false;
    }
    if (failure) throw failure.error;
  }

  private handle({ ingress, frame }: Pending): { error: unknown } | undefined {
    let failure: { error: unknown } | undefined;
    const now = this.now();
    for (const listener of this.listeners) {
      try {
        listener({ timeMs: now, ingress: ingress.port.name, frame });
      } catch (error) {
        failure ??= { error };
      }
    }
    if ((frame[6] ?? 0) & 1) {
      this.stats.invalidSource++;
      return failure;
    }
    // Learn even from a link-local frame: its sender is still on that port.
    if (ingress.attached) this.learn(sourceMac(frame), ingress, now);
    if (isReservedLinkLocal(frame)) {
      this.stats.linkLocal++;
      return failure;
    }
    const known = isGroupAddress(frame) ? undefined : this.lookup(destinationMac(frame), now);
    if (known) {
      if (known === ingress) {
        this.stats.filtered++;
        return failure;
      }
      this.stats.forwarded++;
      return this.deliver(known, frame) ?? failure;
    }
    this.stats.flooded++;
    // A copy of the port list: a port may detach from inside deliver().
    for (const p of [...this.portStates]) {
      if (p === ingress || !p.attached) continue;
      const err = this.deliver(p, frame);
      failure ??= err;
    }
    return failure;
  }

  private deliver(p: PortState, frame: Uint8Array): { error: unknown } | undefined {
    this.stats.deliveries++;
    let accepted = false;
    let failure: { error: unknown } | undefined;
    try {
      accepted = p.port.deliver(frame);
    } catch (error) {
      failure = { error };
    }
    if (accepted) {
      p.counters.txFrames++;
      p.counters.txBytes += frame.length;
    } else {
      p.counters.drops++;
      this.stats.deliveryDrops++;
    }
    return failure;
  }

  private learn(mac: MacAddress, port: PortState, now: number): void {
    const entry = this.macs.get(mac);
    if (entry) {
      // Re-insert so the Map stays in least-recently-seen order (cheap expiry from the front).
      this.macs.delete(mac);
      entry.port = port;
      entry.lastSeenMs = now;
      this.macs.set(mac, entry);
      return;
    }
    if (this.macs.size >= this.maxMacEntries) {
      this.expire(now);
      if (this.macs.size >= this.maxMacEntries) {
        this.stats.learningRefused++;
        return;
      }
    }
    this.macs.set(mac, { port, lastSeenMs: now });
  }

  private lookup(mac: MacAddress, now: number): PortState | undefined {
    const entry = this.macs.get(mac);
    if (!entry) return undefined;
    if (now - entry.lastSeenMs > this.ageingMs) {
      this.macs.delete(mac);
      return undefined;
    }
    return entry.port;
  }

  /** Forget entries older than the ageing time; the Map is in last-seen order, so stop at the first fresh one. */
  private expire(now: number): void {
    for (const [mac, s] of this.macs) {
      if (now - s.lastSeenMs <= this.ageingMs) break;
      this.macs.delete(mac);
    }
  }
}
