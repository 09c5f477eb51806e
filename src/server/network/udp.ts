import { onesComplementSum, internetChecksum } from './inet-checksum';
import {
  IPPROTO_UDP,
  malformed,
  parseIpv4Address,
  putWord,
  word,
  type Ipv4Address,
  type ParseResult,
} from './ipv4';

/**
 * UDP (RFC 768): 8-byte header and a checksum over a pseudo-header (source
 * and destination address, zero, protocol 17, UDP length), the header and
 * the data. Over IPv4 a checksum of 0 means "none was computed"; a computed
 * 0 is sent as 0xffff.
 */

export const UDP_HEADER_SIZE = 8;

export interface UdpDatagram {
  sourcePort: number;
  destinationPort: number;
  /** The header's length field: header + data. */
  length: number;
  checksum: number;
  payload: Uint8Array;
}

/** The one's complement sum of the pseudo-header (RFC 768 "Fields"). */
export function pseudoHeaderSum(
  source: Ipv4Address,
  destination: Ipv4Address,
  protocol: number,
  length: number,
): number {
  const ph = new Uint8Array(12);
  ph.set(parseIpv4Address(source), 0);
  ph.set(parseIpv4Address(destination), 4);
  ph[9] = protocol;
  putWord(ph, 10, length);
  return onesComplementSum(ph);
}

/**
 * Reads the datagram in an IPv4 payload from `source` to `destination`.
 * Bytes past the length field are ignored; a non-zero checksum must verify.
 */
export function parseUdp(
  bytes: Uint8Array,
  source: Ipv4Address,
  destination: Ipv4Address,
): ParseResult<UdpDatagram> {
  if (bytes.length < UDP_HEADER_SIZE) return malformed('udp: truncated header');
  const length = word(bytes, 4);
  if (length < UDP_HEADER_SIZE) return malformed('udp: length below header size');
  if (length > bytes.length) return malformed('udp: length beyond datagram');
  const checksum = word(bytes, 6);
  if (checksum !== 0) {
    const initial = pseudoHeaderSum(source, destination, IPPROTO_UDP, length);
    if (internetChecksum(bytes, 0, length, initial) !== 0) return malformed('udp: bad checksum');
  }
  return {
    ok: true,
    packet: {
      sourcePort: word(bytes, 0),
      destinationPort: word(bytes, 2),
      length,
      checksum,
      payload: bytes.subarray(UDP_HEADER_SIZE, length),
    },
  };
}

export interface UdpEndpoints {
  source: Ipv4Address;
  destination: Ipv4Address;
  sourcePort: number;
  destinationPort: number;
}

/** Header + payload with the pseudo-header checksum filled in. */
export function buildUdp(e: UdpEndpoints, payload: Uint8Array): Uint8Array {
  const length = UDP_HEADER_SIZE + payload.length;
  if (length > 0xffff) throw new Error(`udp: datagram of ${length} bytes`);
  const out = new Uint8Array(length);
  putWord(out, 0, e.sourcePort);
  putWord(out, 2, e.destinationPort);
  putWord(out, 4, length);
  out.set(payload, UDP_HEADER_SIZE);
  const initial = pseudoHeaderSum(e.source, e.destination, IPPROTO_UDP, length);
  putWord(out, 6, internetChecksum(out, 0, length, initial) || 0xffff);
  return out;
}
