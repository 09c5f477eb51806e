import { ARP_REPLY, ARP_REQUEST, buildArp, parseArp } from './arp';
import { buildDhcp, DHCP_SERVER_PORT, parseDhcp } from './dhcp';
import {
  DhcpServer,
  type DhcpClientRegistration,
  type DhcpLease,
  type DhcpServerStats,
} from './dhcp-server';
import {
  BROADCAST_MAC,
  destinationMac,
  ETH_HEADER_SIZE,
  ETH_MIN_FRAME,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  etherType,
  parseMac,
  sourceMac,
  type EthernetLink,
  type EthernetPort,
  type MacAddress,
} from './ethernet';
import { buildIcmpEcho, ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, parseIcmp } from './icmp';
import {
  buildIpv4,
  DEFAULT_TTL,
  IPPROTO_ICMP,
  IPPROTO_UDP,
  IPV4_ANY,
  IPV4_BROADCAST,
  ipv4ToNumber,
  isFragment,
  isIpv4Address,
  numberToIpv4,
  parseIpv4,
  prefixToNetmask,
  type Ipv4Address,
  type Ipv4Header,
} from './ipv4';
import { buildUdp, parseUdp } from './udp';

/**
 * Domain-0's own interface on the bridge xenbr0 (Xen's "bridge mode": the
 * bridge device itself carries Dom0's address), with the small host stack
 * guests talk to: ARP (RFC 826), ICMP echo (RFC 792), and the DHCP server
 * that configures this tab's guests (RFC 2131).
 *
 * Several tabs may share one host wire, each with its own xenbr0 at
 * 10.0.0.1. So requests — ARP, echo, DHCP — are answered only for senders
 * whose MAC the toolstack registered (this tab's guest vifs); replies to
 * our own ARP requests and pings are taken from anyone.
 *
 * Whatever arrives, deliver() never throws: frames that do not parse are
 * dropped and counted as malformed, the rest that we do not handle are
 * counted by why.
 */

/** Time for pings and the ARP cache: a monotonic millisecond clock and one-shot timers. */
export interface NetworkClock {
  now(): number;
  /** Calls `callback` once after `ms`; the returned function cancels it. */
  after(ms: number, callback: () => void): () => void;
}

export const systemClock: NetworkClock = {
  now: () => performance.now(),
  after: (ms, callback) => {
    const handle = setTimeout(callback, ms);
    return () => clearTimeout(handle);
  },
};

export interface Dom0InterfaceOptions {
  name?: string;
  ip?: Ipv4Address;
  prefixLength?: number;
  mac?: MacAddress;
  clock?: NetworkClock;
  /** Timestamps of DHCP leases (`since`); Date.now by default. */
  wallClock?: () => number;
  poolFirst?: Ipv4Address;
  poolLast?: Ipv4Address;
  leaseSeconds?: number;
  /** An ARP cache entry older than this is resolved again before use (Linux: ~30 s reachable). */
  arpCacheTtlMs?: number;
  /** ARP request retransmission while resolving (Linux retrans_time_ms, 1 s). */
  arpRetransmitMs?: number;
}

export interface PingOptions {
  /** Echo identifier; a per-interface counter by default. */
  id?: number;
  /** Echo sequence number; 1 by default. */
  seq?: number;
  /** ICMP data bytes (ping's -s); 56 by default. At most 1472 (MTU 1500). */
  payloadBytes?: number;
  /** How long to wait for ARP and the reply together (ping's -W); 1000 ms by default. */
  timeoutMs?: number;
}

/** 'unreachable': not a host on the interface's subnet (there is no router behind xenbr0). */
export type PingResult = { rttMs: number; ttl: number } | 'timeout' | 'unreachable';

export interface ArpEntry {
  ip: Ipv4Address;
  mac: MacAddress;
  /** Clock time it was last confirmed. */
  at: number;
}

export interface Dom0InterfaceStats {
  framesIn: number;
  bytesIn: number;
  framesOut: number;
  bytesOut: number;
  /** Frames sent while not connected to a bridge. */
  framesDroppedDisconnected: number;
  /** Unicast to another MAC or IP (flooded by the bridge), multicast, broadcast pings. */
  notForUs: number;
  /** Requests (ARP, echo, DHCP) from MACs not registered here, unexpected echo replies. */
  ignored: number;
  /** EtherTypes, IP protocols, UDP ports and ICMP types this stack does not speak. */
  unsupported: number;
  fragmentsDropped: number;
  malformed: number;
  /** Why the last malformed frame was dropped. */
  lastMalformed?: string;
  arpRequestsAnswered: number;
  arpRequestsSent: number;
  arpRepliesReceived: number;
  icmpEchoesAnswered: number;
  pingsSent: number;
  pingRepliesReceived: number;
  pingTimeouts: number;
  dhcp: DhcpServerStats;
}

/** DIX Ethernet frame, zero-padded to the 60-byte minimum (802.3 §3.2.7). */
export function buildEthernetFrame(
  destination: MacAddress,
  source: MacAddress,
  type: number,
  payload: Uint8Array,
): Uint8Array {
  const frame = new Uint8Array(Math.max(ETH_MIN_FRAME, ETH_HEADER_SIZE + payload.length));
  frame.set(parseMac(destination), 0);
  frame.set(parseMac(source), 6);
  frame[12] = type >>> 8;
  frame[13] = type & 0xff;
  frame.set(payload, ETH_HEADER_SIZE);
  return frame;
}

export const DOM0_DEFAULT_IP = '10.0.0.1';
export const DOM0_DEFAULT_MAC = '00:16:3e:00:00:01';
const MAX_PING_PAYLOAD = 1500 - 20 - 8;

type Counter = Exclude<keyof Dom0InterfaceStats, 'dhcp' | 'lastMalformed'>;

interface ArpWaiter {
  done(mac: MacAddress | undefined): void;
}

export class Dom0Interface implements EthernetPort {
  readonly name: string;
  readonly ip: Ipv4Address;
  readonly mac: MacAddress;
  readonly prefixLength: number;
  private readonly clock: NetworkClock;
  private readonly dhcp: DhcpServer;
  private readonly arpTtl: number;
  private readonly arpRetransmit: number;
  private readonly network: number;
  private readonly mask: number;

  private link: EthernetLink | undefined;
  private readonly arpCache = new Map<Ipv4Address, ArpEntry>();
  private readonly arpWaiters = new Map<Ipv4Address, Set<ArpWaiter>>();
  private readonly pingWaiters = new Map<string, (ttl: number) => void>();
  private nextIdentification = 0;
  private nextPingId = 1;
  private readonly counters: Omit<Dom0InterfaceStats, 'dhcp'> = {
    framesIn: 0,
    bytesIn: 0,
    framesOut: 0,
    bytesOut: 0,
    framesDroppedDisconnected: 0,
    notForUs: 0,
    ignored: 0,
    unsupported: 0,
    fragmentsDropped: 0,
    malformed: 0,
    arpRequestsAnswered: 0,
    arpRequestsSent: 0,
    arpRepliesReceived: 0,
    icmpEchoesAnswered: 0,
    pingsSent: 0,
    pingRepliesReceived: 0,
    pingTimeouts: 0,
  };

  constructor(options: Dom0InterfaceOptions = {}) {
    this.name = options.name ?? 'xenbr0';
    this.ip = options.ip ?? DOM0_DEFAULT_IP;
    this.mac = (options.mac ?? DOM0_DEFAULT_MAC).toLowerCase();
    this.prefixLength = options.prefixLength ?? 24;
    parseMac(this.mac);
    if (!isIpv4Address(this.ip)) throw new Error(`xenbr0: not an IPv4 address: ${this.ip}`);
    if (!Number.isInteger(this.prefixLength) || this.prefixLength < 1 || this.prefixLength > 30)
      throw new Error(`xenbr0: prefix length ${this.prefixLength}`);
    this.mask = ipv4ToNumber(prefixToNetmask(this.prefixLength));
    this.network = (ipv4ToNumber(this.ip) & this.mask) >>> 0;
    this.clock = options.clock ?? systemClock;
    this.arpTtl = options.arpCacheTtlMs ?? 60_000;
    this.arpRetransmit = options.arpRetransmitMs ?? 1000;
    this.dhcp = new DhcpServer({
      serverIp: this.ip,
      subnetMask: prefixToNetmask(this.prefixLength),
      poolFirst: options.poolFirst ?? numberToIpv4(this.network + 100),
      poolLast: options.poolLast ?? numberToIpv4(this.network + 199),
      ...(options.leaseSeconds !== undefined ? { leaseSeconds: options.leaseSeconds } : {}),
      ...(options.wallClock ? { now: options.wallClock } : {}),
    });
  }

  /** Attach to the bridge: `link` is how frames leave. */
  connect(link: EthernetLink): void {
    this.link = link;
  }

  disconnect(): void {
    const link = this.link;
    this.link = undefined;
    link?.detach();
  }

  /** A guest vif of this tab: DHCP, ARP and echo requests from `mac` are answered. */
  registerClient(mac: MacAddress, registration: DhcpClientRegistration = {}): void {
    this.dhcp.registerClient(mac, registration);
  }

  unregisterClient(mac: MacAddress): void {
    this.dhcp.unregisterClient(mac);
  }

  leases(): DhcpLease[] {
    return this.dhcp.leases();
  }

  arpTable(): ArpEntry[] {
    return [...this.arpCache.values()].map((e) => ({ ...e }));
  }

  stats(): Dom0InterfaceStats {
    return { ...this.counters, dhcp: this.dhcp.stats() };
  }

  deliver(frame: Uint8Array): boolean {
    this.counters.framesIn++;
    this.counters.bytesIn += frame.length;
    try {
      this.receive(frame);
    } catch (e) {
      // A parser bug must not take the bridge down; it shows up in the counters.
      this.malformed(`internal: ${e instanceof Error ? e.message : String(e)}`);
    }
    return true;
  }

  /**
   * Sends ICMP echo requests to `ip` — after resolving its MAC with ARP —
   * and waits for the matching reply. Throws on an argument that is not an
   * address or a size out of range.
   */
  async ping(ip: Ipv4Address, options: PingOptions = {}): Promise<PingResult> {
    if (!isIpv4Address(ip)) throw new Error(`ping: not an IPv4 address: ${ip}`);
    const id = (options.id ?? this.nextPingId++) & 0xffff;
    const seq = (options.seq ?? 1) & 0xffff;
    const size = options.payloadBytes ?? 56;
    if (!Number.isInteger(size) || size < 0 || size > MAX_PING_PAYLOAD)
      throw new Error(`ping: payload of ${size} bytes`);
    const deadline = this.clock.now() + (options.timeoutMs ?? 1000);
    if (ip === this.ip) return { rttMs: 0, ttl: DEFAULT_TTL }; // the loopback path
    if (!this.isHostOnSubnet(ip)) return 'unreachable';

    const mac = await this.resolve(ip, deadline);
    if (mac === undefined) {
      this.counters.pingTimeouts++;
      return 'timeout';
    }
    const data = Uint8Array.from({ length: size }, (_, i) => i & 0xff);
    const key = `${ip}/${id}/${seq}`;
    const sentAt = this.clock.now();
    const reply = new Promise<number | undefined>((resolve) => {
      const cancel = this.clock.after(Math.max(0, deadline - sentAt), () => {
        this.pingWaiters.delete(key);
        resolve(undefined);
      });
      this.pingWaiters.set(key, (ttl) => {
        cancel();
        this.pingWaiters.delete(key);
        resolve(ttl);
      });
    });
    this.counters.pingsSent++;
    this.sendIpv4(mac, ip, IPPROTO_ICMP, buildIcmpEcho(ICMP_ECHO_REQUEST, id, seq, data));
    const ttl = await reply;
    if (ttl === undefined) {
      this.counters.pingTimeouts++;
      return 'timeout';
    }
    return { rttMs: this.clock.now() - sentAt, ttl };
  }

  private isHostOnSubnet(ip: Ipv4Address): boolean {
    const n = ipv4ToNumber(ip);
    const broadcast = (this.network | ~this.mask) >>> 0;
    return (n & this.mask) >>> 0 === this.network && n !== this.network && n !== broadcast;
  }

  private isBroadcastIp(ip: Ipv4Address): boolean {
    return ip === IPV4_BROADCAST || ipv4ToNumber(ip) === (this.network | ~this.mask) >>> 0;
  }

  private count(counter: Counter): void {
    this.counters[counter]++;
  }

  private malformed(reason: string): void {
    this.counters.malformed++;
    this.counters.lastMalformed = reason;
  }

  private receive(frame: Uint8Array): void {
    if (frame.length < ETH_HEADER_SIZE) return this.malformed('ethernet: truncated header');
    const to = destinationMac(frame);
    if (to !== this.mac && to !== BROADCAST_MAC) return this.count('notForUs');
    const from = sourceMac(frame);
    const payload = frame.subarray(ETH_HEADER_SIZE);
    switch (etherType(frame)) {
      case ETHERTYPE_ARP:
        return this.receiveArp(payload);
      case ETHERTYPE_IPV4:
        return this.receiveIpv4(payload, from);
      default:
        return this.count('unsupported');
    }
  }

  /** RFC 826 "Packet Reception", with the merge limited to senders we trust (see the class comment). */
  private receiveArp(bytes: Uint8Array): void {
    const parsed = parseArp(bytes);
    if (!parsed.ok) return this.malformed(parsed.reason);
    const arp = parsed.packet;
    const registered = this.dhcp.isRegistered(arp.senderMac);
    const awaited = arp.operation === ARP_REPLY && this.arpWaiters.has(arp.senderIp);
    // An RFC 5227 probe's sender address 0.0.0.0 is nobody's.
    const trusted = registered || (awaited && !this.arpCache.has(arp.senderIp));
    if (trusted && arp.senderIp !== IPV4_ANY) {
      const known = this.arpCache.has(arp.senderIp);
      if (known || arp.targetIp === this.ip) this.learn(arp.senderIp, arp.senderMac);
    }
    if (arp.targetIp !== this.ip) return this.count('notForUs');
    if (arp.operation === ARP_REQUEST) {
      if (!registered) return this.count('ignored');
      this.counters.arpRequestsAnswered++;
      this.send(
        arp.senderMac,
        ETHERTYPE_ARP,
        buildArp({
          operation: ARP_REPLY,
          senderMac: this.mac,
          senderIp: this.ip,
          targetMac: arp.senderMac,
          targetIp: arp.senderIp,
        }),
      );
    } else if (arp.operation === ARP_REPLY) {
      this.counters.arpRepliesReceived++;
      const mac = this.arpCache.get(arp.senderIp)?.mac;
      const waiters = this.arpWaiters.get(arp.senderIp);
      if (mac !== undefined && waiters) for (const w of [...waiters]) w.done(mac);
    } else {
      this.count('unsupported');
    }
  }

  private learn(ip: Ipv4Address, mac: MacAddress): void {
    this.arpCache.set(ip, { ip, mac, at: this.clock.now() });
  }

  private receiveIpv4(bytes: Uint8Array, from: MacAddress): void {
    const parsed = parseIpv4(bytes);
    if (!parsed.ok) return this.malformed(parsed.reason);
    const { header, payload } = parsed.packet;
    if (isFragment(header)) return this.count('fragmentsDropped');
    const toUs = header.destination === this.ip;
    if (!toUs && !this.isBroadcastIp(header.destination)) return this.count('notForUs'); // no routing
    switch (header.protocol) {
      case IPPROTO_ICMP:
        // Echo to a broadcast address is not answered (Linux icmp_echo_ignore_broadcasts).
        if (!toUs) return this.count('notForUs');
        return this.receiveIcmp(header, payload, from);
      case IPPROTO_UDP:
        return this.receiveUdp(header, payload, from);
      default:
        return this.count('unsupported');
    }
  }

  private receiveIcmp(ip: Ipv4Header, bytes: Uint8Array, from: MacAddress): void {
    const parsed = parseIcmp(bytes);
    if (!parsed.ok) return this.malformed(parsed.reason);
    const icmp = parsed.packet;
    if (icmp.type === ICMP_ECHO_REQUEST && icmp.code === 0) {
      if (!this.dhcp.isRegistered(from)) return this.count('ignored');
      this.counters.icmpEchoesAnswered++;
      // Back to the MAC it came from, as the sender's own neighbour entry would say.
      this.sendIpv4(
        from,
        ip.source,
        IPPROTO_ICMP,
        buildIcmpEcho(ICMP_ECHO_REPLY, icmp.identifier, icmp.sequence, icmp.data),
      );
    } else if (icmp.type === ICMP_ECHO_REPLY && icmp.code === 0) {
      const waiter = this.pingWaiters.get(`${ip.source}/${icmp.identifier}/${icmp.sequence}`);
      if (!waiter) return this.count('ignored');
      this.counters.pingRepliesReceived++;
      waiter(ip.ttl);
    } else {
      this.count('unsupported');
    }
  }

  private receiveUdp(ip: Ipv4Header, bytes: Uint8Array, from: MacAddress): void {
    const parsed = parseUdp(bytes, ip.source, ip.destination);
    if (!parsed.ok) return this.malformed(parsed.reason);
    const udp = parsed.packet;
    if (udp.destinationPort !== DHCP_SERVER_PORT) return this.count('unsupported');
    const dhcp = parseDhcp(udp.payload);
    if (!dhcp.ok) return this.malformed(dhcp.reason);
    if (!this.dhcp.isRegistered(dhcp.packet.chaddr)) this.count('ignored');
    const outcome = this.dhcp.handle(dhcp.packet, from);
    if (outcome.kind !== 'reply') return;
    const { reply, to } = outcome;
    const datagram = buildUdp(
      {
        source: this.ip,
        destination: to.ip,
        sourcePort: DHCP_SERVER_PORT,
        destinationPort: to.port,
      },
      buildDhcp(reply),
    );
    this.sendIpv4(to.mac, to.ip, IPPROTO_UDP, datagram);
  }

  /** The MAC for `ip`, from the cache or by ARP (retransmitted until `deadline`). */
  private resolve(ip: Ipv4Address, deadline: number): Promise<MacAddress | undefined> {
    const cached = this.arpCache.get(ip);
    if (cached && this.clock.now() - cached.at <= this.arpTtl) return Promise.resolve(cached.mac);
    this.arpCache.delete(ip); // stale: whoever answers now may have it
    return new Promise((resolve) => {
      let cancelRetransmit = () => {};
      let cancelDeadline = () => {};
      const waiters = this.arpWaiters.get(ip) ?? new Set<ArpWaiter>();
      this.arpWaiters.set(ip, waiters);
      const waiter: ArpWaiter = {
        done: (mac) => {
          cancelRetransmit();
          cancelDeadline();
          waiters.delete(waiter);
          if (waiters.size === 0 && this.arpWaiters.get(ip) === waiters) this.arpWaiters.delete(ip);
          resolve(mac);
        },
      };
      waiters.add(waiter);
      cancelDeadline = this.clock.after(Math.max(0, deadline - this.clock.now()), () =>
        waiter.done(undefined),
      );
      const ask = () => {
        if (!waiters.has(waiter)) return;
        this.counters.arpRequestsSent++;
        this.send(
          BROADCAST_MAC,
          ETHERTYPE_ARP,
          buildArp({
            operation: ARP_REQUEST,
            senderMac: this.mac,
            senderIp: this.ip,
            targetMac: '00:00:00:00:00:00',
            targetIp: ip,
          }),
        );
        if (waiters.has(waiter)) cancelRetransmit = this.clock.after(this.arpRetransmit, ask);
      };
      ask();
    });
  }

  private sendIpv4(mac: MacAddress, ip: Ipv4Address, protocol: number, payload: Uint8Array): void {
    const identification = this.nextIdentification;
    this.nextIdentification = (this.nextIdentification + 1) & 0xffff;
    this.send(
      mac,
      ETHERTYPE_IPV4,
      buildIpv4({ source: this.ip, destination: ip, protocol, identification }, payload),
    );
  }

  private send(destination: MacAddress, type: number, payload: Uint8Array): void {
    const frame = buildEthernetFrame(destination, this.mac, type, payload);
    if (!this.link) return this.count('framesDroppedDisconnected');
    this.counters.framesOut++;
    this.counters.bytesOut += frame.length;
    this.link.transmit(frame);
  }
}
