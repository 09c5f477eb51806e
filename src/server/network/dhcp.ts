import { formatMac, parseMac, type MacAddress } from './ethernet';
import {
  formatIpv4Address,
  IPV4_ANY,
  malformed,
  parseIpv4Address,
  putWord,
  word,
  type Ipv4Address,
  type ParseResult,
} from './ipv4';

/**
 * DHCP messages (RFC 2131 §2 "Protocol Summary", Figure 1) and the options
 * Domain-0's server and its clients use (RFC 2132). The fixed part is the
 * BOOTP header (RFC 951); options follow the magic cookie 99.130.83.99.
 * Only Ethernet clients (htype 1, hlen 6) are spoken to.
 */

export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;

export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;
/** RFC 2131 §2, Figure 2: the leftmost bit of `flags`. */
export const BOOTP_BROADCAST_FLAG = 0x8000;

/** op … file: the BOOTP header before the options field. */
export const BOOTP_FIXED_SIZE = 236;
/** RFC 2131 §3: 99.130.83.99 at the start of the options field. */
export const DHCP_MAGIC_COOKIE = Uint8Array.of(99, 130, 83, 99);
/** BOOTP's 300-byte minimum message (RFC 951, 64-byte vendor area); relay agents expect it. */
export const BOOTP_MIN_MESSAGE = 300;

/** Option 53 values (RFC 2132 §9.6). */
export const DhcpMessageType = {
  DISCOVER: 1,
  OFFER: 2,
  REQUEST: 3,
  DECLINE: 4,
  ACK: 5,
  NAK: 6,
  RELEASE: 7,
  INFORM: 8,
} as const;

/** Option codes (RFC 2132). */
export const DhcpOption = {
  PAD: 0,
  SUBNET_MASK: 1,
  ROUTER: 3,
  DNS_SERVERS: 6,
  HOST_NAME: 12,
  REQUESTED_IP: 50,
  LEASE_TIME: 51,
  OVERLOAD: 52,
  MESSAGE_TYPE: 53,
  SERVER_ID: 54,
  PARAMETER_REQUEST_LIST: 55,
  CLIENT_ID: 61,
  END: 255,
} as const;

export interface DhcpOptions {
  messageType?: number;
  requestedIp?: Ipv4Address;
  leaseTime?: number;
  serverId?: Ipv4Address;
  subnetMask?: Ipv4Address;
  router?: Ipv4Address[];
  dnsServers?: Ipv4Address[];
  hostName?: string;
  /** Option 61: type byte then identifier (RFC 2132 §9.14). */
  clientId?: Uint8Array;
  parameterRequestList?: number[];
  /** Options not interpreted here, in order of first appearance. */
  other?: { code: number; data: Uint8Array }[];
}

export interface DhcpMessage {
  op: number;
  /** Always 1 (Ethernet) for a parsed message. */
  htype?: number;
  hops?: number;
  xid: number;
  secs?: number;
  flags: number;
  ciaddr: Ipv4Address;
  yiaddr: Ipv4Address;
  siaddr: Ipv4Address;
  giaddr: Ipv4Address;
  /** The first six bytes of chaddr: the client's Ethernet address. */
  chaddr: MacAddress;
  sname?: string;
  file?: string;
  options: DhcpOptions;
}

export function messageTypeName(type: number | undefined): string {
  const entry = Object.entries(DhcpMessageType).find(([, v]) => v === type);
  return entry ? `DHCP${entry[0]}` : `DHCP type ${type ?? 'missing'}`;
}

/** A NUL-terminated ASCII field (sname, file). */
function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return String.fromCharCode(...(end < 0 ? bytes : bytes.subarray(0, end)));
}

/**
 * The TLVs of one options area, appended to `into` (a repeated code is
 * concatenated, RFC 3396 §7). Stops at END; PAD is skipped. Returns an
 * error when an option runs past the area.
 */
function scanOptions(area: Uint8Array, into: Map<number, Uint8Array>): string | undefined {
  let i = 0;
  while (i < area.length) {
    const code = area[i] ?? 0;
    if (code === DhcpOption.END) return undefined;
    if (code === DhcpOption.PAD) {
      i++;
      continue;
    }
    const len = area[i + 1];
    if (len === undefined || i + 2 + len > area.length) return `option ${code} overruns the field`;
    const data = area.subarray(i + 2, i + 2 + len);
    const prev = into.get(code);
    if (prev) {
      const joined = new Uint8Array(prev.length + data.length);
      joined.set(prev);
      joined.set(data, prev.length);
      into.set(code, joined);
    } else {
      into.set(code, data);
    }
    i += 2 + len;
  }
  return undefined;
}

function addresses(data: Uint8Array): Ipv4Address[] {
  const out: Ipv4Address[] = [];
  for (let i = 0; i < data.length; i += 4) out.push(formatIpv4Address(data, i));
  return out;
}

function u32(data: Uint8Array, offset = 0): number {
  return word(data, offset) * 0x10000 + word(data, offset + 2);
}

/** Interprets the options, holding each to the length RFC 2132 gives it. */
function decodeOptions(raw: Map<number, Uint8Array>): DhcpOptions | string {
  const o: DhcpOptions = {};
  const other: { code: number; data: Uint8Array }[] = [];
  const fixed = (data: Uint8Array, n: number) => data.length === n;
  const list = (data: Uint8Array) => data.length >= 4 && data.length % 4 === 0;
  for (const [code, data] of raw) {
    switch (code) {
      case DhcpOption.MESSAGE_TYPE:
        if (!fixed(data, 1)) return 'option 53 length';
        o.messageType = data[0];
        break;
      case DhcpOption.REQUESTED_IP:
        if (!fixed(data, 4)) return 'option 50 length';
        o.requestedIp = formatIpv4Address(data);
        break;
      case DhcpOption.LEASE_TIME:
        if (!fixed(data, 4)) return 'option 51 length';
        o.leaseTime = u32(data);
        break;
      case DhcpOption.SERVER_ID:
        if (!fixed(data, 4)) return 'option 54 length';
        o.serverId = formatIpv4Address(data);
        break;
      case DhcpOption.SUBNET_MASK:
        if (!fixed(data, 4)) return 'option 1 length';
        o.subnetMask = formatIpv4Address(data);
        break;
      case DhcpOption.ROUTER:
        if (!list(data)) return 'option 3 length';
        o.router = addresses(data);
        break;
      case DhcpOption.DNS_SERVERS:
        if (!list(data)) return 'option 6 length';
        o.dnsServers = addresses(data);
        break;
      case DhcpOption.HOST_NAME:
        if (data.length < 1) return 'option 12 length';
        o.hostName = String.fromCharCode(...data);
        break;
      case DhcpOption.CLIENT_ID:
        if (data.length < 2) return 'option 61 length';
        o.clientId = data.slice();
        break;
      case DhcpOption.PARAMETER_REQUEST_LIST:
        o.parameterRequestList = [...data];
        break;
      case DhcpOption.OVERLOAD:
        break; // consumed by parseDhcp
      default:
        other.push({ code, data: data.slice() });
    }
  }
  if (other.length > 0) o.other = other;
  return o;
}

/** Reads a DHCP message (a UDP payload). A BOOTP message without the cookie is not DHCP. */
export function parseDhcp(bytes: Uint8Array): ParseResult<DhcpMessage> {
  if (bytes.length < BOOTP_FIXED_SIZE + DHCP_MAGIC_COOKIE.length)
    return malformed('dhcp: truncated');
  if (bytes[1] !== 1 || bytes[2] !== 6) return malformed('dhcp: hardware not Ethernet');
  for (let i = 0; i < DHCP_MAGIC_COOKIE.length; i++)
    if (bytes[BOOTP_FIXED_SIZE + i] !== DHCP_MAGIC_COOKIE[i])
      return malformed('dhcp: no magic cookie (BOOTP)');

  const raw = new Map<number, Uint8Array>();
  const sname = bytes.subarray(44, 108);
  const file = bytes.subarray(108, 236);
  let error = scanOptions(bytes.subarray(BOOTP_FIXED_SIZE + 4), raw);
  // Option 52 (RFC 2132 §9.3): file and/or sname carry more options, file first (RFC 2131 §4.1).
  const overload = raw.get(DhcpOption.OVERLOAD)?.[0] ?? 0;
  if (!error && overload & 1) error = scanOptions(file, raw);
  if (!error && overload & 2) error = scanOptions(sname, raw);
  if (error) return malformed(`dhcp: ${error}`);
  const options = decodeOptions(raw);
  if (typeof options === 'string') return malformed(`dhcp: ${options}`);

  return {
    ok: true,
    packet: {
      op: bytes[0] ?? 0,
      htype: 1,
      hops: bytes[3] ?? 0,
      xid: u32(bytes, 4),
      secs: word(bytes, 8),
      flags: word(bytes, 10),
      ciaddr: formatIpv4Address(bytes, 12),
      yiaddr: formatIpv4Address(bytes, 16),
      siaddr: formatIpv4Address(bytes, 20),
      giaddr: formatIpv4Address(bytes, 24),
      chaddr: formatMac(bytes, 28),
      sname: overload & 2 ? '' : cString(sname),
      file: overload & 1 ? '' : cString(file),
      options,
    },
  };
}

/** code, length, value — split into several instances when longer than 255 (RFC 3396 §5). */
function pushOption(out: number[], code: number, data: ArrayLike<number>): void {
  if (data.length === 0) {
    out.push(code, 0);
    return;
  }
  for (let i = 0; i < data.length; i += 255) {
    const n = Math.min(255, data.length - i);
    out.push(code, n);
    for (let j = 0; j < n; j++) out.push(data[i + j] ?? 0);
  }
}

function ascii(s: string): number[] {
  return Array.from(s, (c) => c.charCodeAt(0) & 0xff);
}

function be32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

/**
 * The message as bytes: message type first (RFC 2131 §4.1 does not require
 * it, but every implementation puts it there), END last, padded with zeros
 * to BOOTP's 300 bytes.
 */
export function buildDhcp(m: DhcpMessage): Uint8Array {
  const opts: number[] = [];
  const o = m.options;
  if (o.messageType !== undefined) pushOption(opts, DhcpOption.MESSAGE_TYPE, [o.messageType]);
  if (o.serverId !== undefined)
    pushOption(opts, DhcpOption.SERVER_ID, parseIpv4Address(o.serverId));
  if (o.requestedIp !== undefined)
    pushOption(opts, DhcpOption.REQUESTED_IP, parseIpv4Address(o.requestedIp));
  if (o.leaseTime !== undefined) pushOption(opts, DhcpOption.LEASE_TIME, be32(o.leaseTime));
  if (o.subnetMask !== undefined)
    pushOption(opts, DhcpOption.SUBNET_MASK, parseIpv4Address(o.subnetMask));
  if (o.router !== undefined)
    pushOption(
      opts,
      DhcpOption.ROUTER,
      o.router.flatMap((a) => [...parseIpv4Address(a)]),
    );
  if (o.dnsServers !== undefined)
    pushOption(
      opts,
      DhcpOption.DNS_SERVERS,
      o.dnsServers.flatMap((a) => [...parseIpv4Address(a)]),
    );
  if (o.hostName !== undefined) pushOption(opts, DhcpOption.HOST_NAME, ascii(o.hostName));
  if (o.clientId !== undefined) pushOption(opts, DhcpOption.CLIENT_ID, o.clientId);
  if (o.parameterRequestList !== undefined)
    pushOption(opts, DhcpOption.PARAMETER_REQUEST_LIST, o.parameterRequestList);
  for (const { code, data } of o.other ?? []) pushOption(opts, code, data);
  opts.push(DhcpOption.END);

  const size = Math.max(BOOTP_MIN_MESSAGE, BOOTP_FIXED_SIZE + 4 + opts.length);
  const out = new Uint8Array(size);
  out[0] = m.op;
  out[1] = m.htype ?? 1;
  out[2] = 6;
  out[3] = m.hops ?? 0;
  out.set(be32(m.xid), 4);
  putWord(out, 8, m.secs ?? 0);
  putWord(out, 10, m.flags);
  out.set(parseIpv4Address(m.ciaddr || IPV4_ANY), 12);
  out.set(parseIpv4Address(m.yiaddr || IPV4_ANY), 16);
  out.set(parseIpv4Address(m.siaddr || IPV4_ANY), 20);
  out.set(parseIpv4Address(m.giaddr || IPV4_ANY), 24);
  out.set(parseMac(m.chaddr), 28);
  out.set(ascii(m.sname ?? '').slice(0, 63), 44);
  out.set(ascii(m.file ?? '').slice(0, 127), 108);
  out.set(DHCP_MAGIC_COOKIE, BOOTP_FIXED_SIZE);
  out.set(opts, BOOTP_FIXED_SIZE + 4);
  return out;
}
