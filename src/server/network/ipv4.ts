import { internetChecksum } from './inet-checksum';

/**
 * IPv4 addresses and the IPv4 header (RFC 791 §3.1), as Domain-0's small
 * host stack on xenbr0 reads and writes them. No options are written and
 * no fragments are reassembled: a fragment parses (so it can be counted)
 * and the caller drops it.
 *
 * Parsers here and in the other protocol files never throw on what came
 * off the wire: they return either the packet or the reason it is not one.
 */

/** "10.0.0.1", as xl's `ip=` and `ip addr` write it. */
export type Ipv4Address = string;

export const IPV4_HEADER_SIZE = 20;
export const IPPROTO_ICMP = 1;
export const IPPROTO_UDP = 17;
/** TTL of datagrams we originate (Linux's net.ipv4.ip_default_ttl). */
export const DEFAULT_TTL = 64;

export const IPV4_ANY: Ipv4Address = '0.0.0.0';
export const IPV4_BROADCAST: Ipv4Address = '255.255.255.255';

/** What a parser returns: the packet, or why the bytes are not one. */
export type ParseResult<T> = { ok: true; packet: T } | { ok: false; reason: string };

export function malformed(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

const DOTTED_QUAD = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIpv4Address(s: string): boolean {
  return DOTTED_QUAD.test(s);
}

/** The address as an unsigned 32-bit number; throws on anything but a dotted quad. */
export function ipv4ToNumber(ip: Ipv4Address): number {
  if (!isIpv4Address(ip)) throw new Error(`not an IPv4 address: ${JSON.stringify(ip)}`);
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

export function numberToIpv4(n: number): Ipv4Address {
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
}

/** The four bytes of a dotted quad; throws on anything else. */
export function parseIpv4Address(ip: Ipv4Address): Uint8Array {
  const n = ipv4ToNumber(ip);
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/** Four bytes at `offset` as a dotted quad. */
export function formatIpv4Address(bytes: Uint8Array, offset = 0): Ipv4Address {
  return [0, 1, 2, 3].map((i) => bytes[offset + i] ?? 0).join('.');
}

/** "255.255.255.0" for a /24. */
export function prefixToNetmask(prefixLength: number): Ipv4Address {
  return numberToIpv4(prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0);
}

export function sameSubnet(a: Ipv4Address, b: Ipv4Address, prefixLength: number): boolean {
  const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
  return (ipv4ToNumber(a) & mask) >>> 0 === (ipv4ToNumber(b) & mask) >>> 0;
}

export interface Ipv4Header {
  /** Header length in bytes (IHL × 4). */
  headerLength: number;
  /** Type of service / DSCP + ECN. */
  tos: number;
  totalLength: number;
  identification: number;
  dontFragment: boolean;
  moreFragments: boolean;
  /** In 8-byte units, as on the wire. */
  fragmentOffset: number;
  ttl: number;
  protocol: number;
  checksum: number;
  source: Ipv4Address;
  destination: Ipv4Address;
}

export interface Ipv4Packet {
  header: Ipv4Header;
  /** totalLength − headerLength bytes; Ethernet padding after them is not part of it. */
  payload: Uint8Array;
}

/** A fragment of a larger datagram (RFC 791 §2.3 "Fragmentation"): MF set or a non-zero offset. */
export function isFragment(header: Ipv4Header): boolean {
  return header.moreFragments || header.fragmentOffset !== 0;
}

/**
 * Reads the header at the start of `bytes` (an Ethernet payload) and checks
 * what RFC 1122 §3.2.1 says a host must: version 4, a sane IHL and total
 * length, and a header checksum that verifies.
 */
export function parseIpv4(bytes: Uint8Array): ParseResult<Ipv4Packet> {
  if (bytes.length < IPV4_HEADER_SIZE) return malformed('ipv4: truncated header');
  const b0 = bytes[0] ?? 0;
  if (b0 >> 4 !== 4) return malformed('ipv4: version is not 4');
  const headerLength = (b0 & 0x0f) * 4;
  if (headerLength < IPV4_HEADER_SIZE) return malformed('ipv4: IHL below 5');
  const totalLength = word(bytes, 2);
  if (totalLength < headerLength) return malformed('ipv4: total length shorter than header');
  if (totalLength > bytes.length) return malformed('ipv4: total length beyond frame');
  if (internetChecksum(bytes, 0, headerLength) !== 0) return malformed('ipv4: bad header checksum');
  const flagsOffset = word(bytes, 6);
  return {
    ok: true,
    packet: {
      header: {
        headerLength,
        tos: bytes[1] ?? 0,
        totalLength,
        identification: word(bytes, 4),
        dontFragment: (flagsOffset & 0x4000) !== 0,
        moreFragments: (flagsOffset & 0x2000) !== 0,
        fragmentOffset: flagsOffset & 0x1fff,
        ttl: bytes[8] ?? 0,
        protocol: bytes[9] ?? 0,
        checksum: word(bytes, 10),
        source: formatIpv4Address(bytes, 12),
        destination: formatIpv4Address(bytes, 16),
      },
      payload: bytes.subarray(headerLength, totalLength),
    },
  };
}

export interface Ipv4Datagram {
  source: Ipv4Address;
  destination: Ipv4Address;
  protocol: number;
  ttl?: number;
  identification?: number;
  dontFragment?: boolean;
  tos?: number;
}

/** A 20-byte header (no options) followed by `payload`, with the header checksum filled in. */
export function buildIpv4(d: Ipv4Datagram, payload: Uint8Array): Uint8Array {
  const totalLength = IPV4_HEADER_SIZE + payload.length;
  if (totalLength > 0xffff) throw new Error(`ipv4: datagram of ${totalLength} bytes`);
  const out = new Uint8Array(totalLength);
  out[0] = 0x45;
  out[1] = d.tos ?? 0;
  putWord(out, 2, totalLength);
  putWord(out, 4, d.identification ?? 0);
  putWord(out, 6, d.dontFragment ? 0x4000 : 0);
  out[8] = d.ttl ?? DEFAULT_TTL;
  out[9] = d.protocol;
  out.set(parseIpv4Address(d.source), 12);
  out.set(parseIpv4Address(d.destination), 16);
  putWord(out, 10, internetChecksum(out, 0, IPV4_HEADER_SIZE));
  out.set(payload, IPV4_HEADER_SIZE);
  return out;
}

/** Big-endian 16-bit word at `offset` (network byte order, RFC 791 Appendix B). */
export function word(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] ?? 0) << 8) | (bytes[offset + 1] ?? 0);
}

export function putWord(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = (value >>> 8) & 0xff;
  bytes[offset + 1] = value & 0xff;
}
