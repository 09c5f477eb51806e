import { BROADCAST_MAC, parseMac, type MacAddress } from './ethernet';
import {
  BOOTP_BROADCAST_FLAG,
  BOOTREPLY,
  BOOTREQUEST,
  DHCP_CLIENT_PORT,
  DHCP_SERVER_PORT,
  DhcpMessageType,
  messageTypeName,
  type DhcpMessage,
  type DhcpOptions,
} from './dhcp';
import {
  IPV4_ANY,
  IPV4_BROADCAST,
  ipv4ToNumber,
  isIpv4Address,
  numberToIpv4,
  type Ipv4Address,
} from './ipv4';

/**
 * Domain-0's DHCP server on xenbr0 (RFC 2131 §4.3), for the guests of this
 * tab only: the toolstack registers each guest vif's MAC (with the `ip=` of
 * its vif line, if any), and anything from another MAC — another tab's
 * guest on the shared host wire — is ignored, so linked tabs don't answer
 * each other's clients.
 *
 * Address choice: a registered fixed `ip=`; otherwise the address this MAC
 * had before (bindings outlive releases and unregistration, so a guest
 * recreated with the same MAC gets the same address while the tab lives);
 * otherwise the lowest free pool address. Only when the pool is exhausted
 * is the binding of a MAC that is no longer registered taken back, oldest
 * first. A requested-IP option does not steer the choice (RFC 2131 §4.3.1
 * lets a server choose), so addresses follow creation order.
 *
 * Leases are not timed out: a tab lives far shorter than the 86400 s lease.
 */

export interface DhcpClientRegistration {
  /** The vif line's `ip=`: always given to this MAC. */
  ip?: Ipv4Address;
  /** Sent as option 12 and shown in the lease list. */
  hostname?: string;
}

export interface DhcpLease {
  mac: MacAddress;
  ip: Ipv4Address;
  hostname?: string;
  /** When the lease was first acknowledged, in the server's `now()` time (ms). */
  since: number;
}

export interface DhcpServerConfig {
  serverIp: Ipv4Address;
  subnetMask: Ipv4Address;
  /** Option 3; defaults to the server's own address. */
  router?: Ipv4Address;
  /** Option 51, seconds. */
  leaseSeconds?: number;
  poolFirst: Ipv4Address;
  poolLast: Ipv4Address;
  /** Clock for lease timestamps; Date.now by default. */
  now?: () => number;
}

/** Where a reply goes (RFC 2131 §4.1, the paragraph on giaddr, ciaddr and the broadcast bit). */
export interface DhcpReplyDestination {
  ip: Ipv4Address;
  mac: MacAddress;
  port: number;
}

export type DhcpOutcome =
  | { kind: 'reply'; reply: DhcpMessage; to: DhcpReplyDestination }
  /** Handled, nothing to send (RELEASE, DECLINE, a REQUEST for another server …). */
  | { kind: 'silent'; reason: string };

export interface DhcpServerStats {
  discovers: number;
  requests: number;
  declines: number;
  releases: number;
  informs: number;
  offers: number;
  acks: number;
  naks: number;
  /** Messages from MACs not registered here (another tab's guests). */
  ignoredUnregistered: number;
  /** Requests that name no address, unknown message types, BOOTREPLYs to port 67, an exhausted pool. */
  unanswered: number;
}

export const DEFAULT_LEASE_SECONDS = 86400;

export class DhcpServer {
  readonly serverIp: Ipv4Address;
  private readonly subnetMask: Ipv4Address;
  private readonly router: Ipv4Address;
  private readonly leaseSeconds: number;
  private readonly poolFirst: number;
  private readonly poolLast: number;
  private readonly now: () => number;

  private readonly clients = new Map<MacAddress, DhcpClientRegistration>();
  /** Pool address each MAC was given, in order of first allocation. */
  private readonly bindings = new Map<MacAddress, Ipv4Address>();
  /** Pool addresses a client found in use (DHCPDECLINE, RFC 2131 §4.3.3). */
  private readonly declined = new Set<Ipv4Address>();
  private readonly active = new Map<MacAddress, DhcpLease>();
  private readonly counters: DhcpServerStats = {
    discovers: 0,
    requests: 0,
    declines: 0,
    releases: 0,
    informs: 0,
    offers: 0,
    acks: 0,
    naks: 0,
    ignoredUnregistered: 0,
    unanswered: 0,
  };

  constructor(config: DhcpServerConfig) {
    this.serverIp = config.serverIp;
    this.subnetMask = config.subnetMask;
    this.router = config.router ?? config.serverIp;
    this.leaseSeconds = config.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
    this.poolFirst = ipv4ToNumber(config.poolFirst);
    this.poolLast = ipv4ToNumber(config.poolLast);
    this.now = config.now ?? Date.now;
  }

  /** Serve `mac` from now on (toolstack, on creating a guest's vif). Throws on a bad MAC or ip. */
  registerClient(mac: MacAddress, registration: DhcpClientRegistration = {}): void {
    parseMac(mac);
    if (registration.ip !== undefined && !isIpv4Address(registration.ip))
      throw new Error(`dhcp: not an IPv4 address: ${JSON.stringify(registration.ip)}`);
    this.clients.set(mac.toLowerCase(), { ...registration });
  }

  /** Stop serving `mac` (its guest is gone); its lease leaves the list, its pool binding stays. */
  unregisterClient(mac: MacAddress): void {
    const key = mac.toLowerCase();
    this.clients.delete(key);
    this.active.delete(key);
  }

  isRegistered(mac: MacAddress): boolean {
    return this.clients.has(mac.toLowerCase());
  }

  /** Acknowledged leases of registered clients, oldest first. */
  leases(): DhcpLease[] {
    return [...this.active.values()].sort((a, b) => a.since - b.since).map((l) => ({ ...l }));
  }

  stats(): DhcpServerStats {
    return { ...this.counters };
  }

  /**
   * One client message (already parsed, arriving on port 67). `frameSource`
   * is the Ethernet source of the frame it came in: a relay agent's address
   * when giaddr is set.
   */
  handle(request: DhcpMessage, frameSource: MacAddress): DhcpOutcome {
    if (request.op !== BOOTREQUEST) return this.unanswered('not a BOOTREQUEST');
    const mac = request.chaddr.toLowerCase();
    const client = this.clients.get(mac);
    if (!client) {
      this.counters.ignoredUnregistered++;
      return { kind: 'silent', reason: `unregistered client ${mac}` };
    }
    const o = request.options;
    switch (o.messageType) {
      case DhcpMessageType.DISCOVER: {
        this.counters.discovers++;
        const ip = this.addressFor(mac);
        if (!ip) return this.unanswered('address pool exhausted');
        this.counters.offers++;
        return this.reply(request, frameSource, DhcpMessageType.OFFER, ip, client);
      }
      case DhcpMessageType.REQUEST:
        this.counters.requests++;
        return this.request(request, frameSource, mac, client);
      case DhcpMessageType.DECLINE: {
        this.counters.declines++;
        const ip = o.requestedIp;
        if (o.serverId === this.serverIp && ip !== undefined && this.bindings.get(mac) === ip) {
          this.declined.add(ip);
          this.bindings.delete(mac);
          this.active.delete(mac);
        }
        return { kind: 'silent', reason: `DHCPDECLINE of ${ip ?? 'no address'}` };
      }
      case DhcpMessageType.RELEASE:
        this.counters.releases++;
        if (this.active.get(mac)?.ip === request.ciaddr) this.active.delete(mac);
        return { kind: 'silent', reason: `DHCPRELEASE of ${request.ciaddr}` };
      case DhcpMessageType.INFORM:
        // RFC 2131 §4.3.5: configuration only, no lease; sent to ciaddr.
        this.counters.informs++;
        this.counters.acks++;
        return this.reply(request, frameSource, DhcpMessageType.ACK, IPV4_ANY, client);
      default:
        return this.unanswered(`${messageTypeName(o.messageType)} from a client`);
    }
  }

  /** RFC 2131 §4.3.2: which state the client is in decides which address it is asking for. */
  private request(
    request: DhcpMessage,
    frameSource: MacAddress,
    mac: MacAddress,
    client: DhcpClientRegistration,
  ): DhcpOutcome {
    const o = request.options;
    let asked: Ipv4Address | undefined;
    if (o.serverId !== undefined) {
      // SELECTING: the client answers one of possibly several OFFERs.
      if (o.serverId !== this.serverIp)
        return { kind: 'silent', reason: `client chose server ${o.serverId}` };
      asked = o.requestedIp;
    } else if (o.requestedIp !== undefined) {
      asked = o.requestedIp; // INIT-REBOOT: verifying a remembered address
    } else if (request.ciaddr !== IPV4_ANY) {
      asked = request.ciaddr; // RENEWING or REBINDING
    }
    if (asked === undefined) return this.unanswered('DHCPREQUEST names no address');
    const ip = this.addressFor(mac);
    if (ip !== asked) {
      this.counters.naks++;
      return this.reply(request, frameSource, DhcpMessageType.NAK, IPV4_ANY, client);
    }
    const hostname = client.hostname ?? o.hostName;
    const previous = this.active.get(mac);
    this.active.set(mac, {
      mac,
      ip,
      ...(hostname !== undefined ? { hostname } : {}),
      since: previous?.ip === ip ? previous.since : this.now(),
    });
    this.counters.acks++;
    return this.reply(request, frameSource, DhcpMessageType.ACK, ip, client);
  }

  private unanswered(reason: string): DhcpOutcome {
    this.counters.unanswered++;
    return { kind: 'silent', reason };
  }

  /** The address `mac` gets; allocates a pool address if it has none. */
  private addressFor(mac: MacAddress): Ipv4Address | undefined {
    const fixed = this.clients.get(mac)?.ip;
    if (fixed !== undefined) return fixed;
    const fixedIps = new Set<Ipv4Address>();
    for (const c of this.clients.values()) if (c.ip !== undefined) fixedIps.add(c.ip);
    const bound = this.bindings.get(mac);
    if (bound !== undefined && !fixedIps.has(bound)) return bound;
    this.bindings.delete(mac);

    const taken = new Set<Ipv4Address>([this.serverIp, ...fixedIps, ...this.declined]);
    for (const ip of this.bindings.values()) taken.add(ip);
    let ip = this.lowestFree(taken);
    if (ip === undefined) {
      // Take back the oldest binding of a guest that is gone.
      const stale = [...this.bindings.keys()].find((m) => !this.clients.has(m));
      if (stale === undefined) return undefined;
      ip = this.bindings.get(stale);
      this.bindings.delete(stale);
    }
    if (ip !== undefined) this.bindings.set(mac, ip);
    return ip;
  }

  private lowestFree(taken: Set<Ipv4Address>): Ipv4Address | undefined {
    for (let n = this.poolFirst; n <= this.poolLast; n++) {
      const ip = numberToIpv4(n);
      if (!taken.has(ip)) return ip;
    }
    return undefined;
  }

  /** RFC 2131 §4.3.1 Table 3: the fields and options of a server's reply. */
  private reply(
    request: DhcpMessage,
    frameSource: MacAddress,
    type: number,
    yiaddr: Ipv4Address,
    client: DhcpClientRegistration,
  ): DhcpOutcome {
    const options: DhcpOptions = { messageType: type, serverId: this.serverIp };
    const inform = request.options.messageType === DhcpMessageType.INFORM;
    if (type !== DhcpMessageType.NAK) {
      if (!inform) options.leaseTime = this.leaseSeconds;
      options.subnetMask = this.subnetMask;
      options.router = [this.router];
      if (client.hostname !== undefined) options.hostName = client.hostname;
    }
    // RFC 6842: echo the client identifier.
    if (request.options.clientId) options.clientId = request.options.clientId;
    const reply: DhcpMessage = {
      op: BOOTREPLY,
      xid: request.xid,
      flags: request.flags,
      ciaddr: type === DhcpMessageType.ACK ? request.ciaddr : IPV4_ANY,
      yiaddr,
      siaddr: IPV4_ANY,
      giaddr: request.giaddr,
      chaddr: request.chaddr.toLowerCase(),
      options,
    };
    return { kind: 'reply', reply, to: replyDestination(request, reply, frameSource) };
  }
}

/**
 * RFC 2131 §4.1: via the relay when giaddr is set; a DHCPNAK is broadcast;
 * to ciaddr when the client has an address; broadcast when the client set
 * the BROADCAST bit (it cannot take unicast before it is configured);
 * otherwise unicast to yiaddr at chaddr.
 */
export function replyDestination(
  request: DhcpMessage,
  reply: DhcpMessage,
  frameSource: MacAddress,
): DhcpReplyDestination {
  if (request.giaddr !== IPV4_ANY)
    return { ip: request.giaddr, mac: frameSource, port: DHCP_SERVER_PORT };
  const broadcast = { ip: IPV4_BROADCAST, mac: BROADCAST_MAC, port: DHCP_CLIENT_PORT };
  if (reply.options.messageType === DhcpMessageType.NAK) return broadcast;
  if (request.ciaddr !== IPV4_ANY)
    return { ip: request.ciaddr, mac: reply.chaddr, port: DHCP_CLIENT_PORT };
  // An INFORM without ciaddr has no address to unicast to.
  if (request.flags & BOOTP_BROADCAST_FLAG || reply.yiaddr === IPV4_ANY) return broadcast;
  return { ip: reply.yiaddr, mac: reply.chaddr, port: DHCP_CLIENT_PORT };
}
