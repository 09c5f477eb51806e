import { formatMac, parseMac, type MacAddress } from './ethernet';
import {
  formatIpv4Address,
  malformed,
  parseIpv4Address,
  putWord,
  word,
  type Ipv4Address,
  type ParseResult,
} from './ipv4';

/**
 * ARP for IPv4 over Ethernet (RFC 826 "Packet format"): the 28-byte packet
 * in an EtherType 0x0806 frame. Other hardware or protocol types parse as
 * malformed — Domain-0's stack speaks only this pairing.
 */

export const ARP_PACKET_SIZE = 28;
/** ar$hrd for Ethernet (RFC 826; IANA ARP "Hardware Types"). */
export const ARP_HTYPE_ETHERNET = 1;
/** ar$pro: the EtherType of IPv4. */
export const ARP_PTYPE_IPV4 = 0x0800;
/** ar$op values (RFC 826: ares_op$REQUEST, ares_op$REPLY). */
export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;

export interface ArpPacket {
  operation: number;
  senderMac: MacAddress;
  senderIp: Ipv4Address;
  targetMac: MacAddress;
  targetIp: Ipv4Address;
}

export function parseArp(bytes: Uint8Array): ParseResult<ArpPacket> {
  if (bytes.length < ARP_PACKET_SIZE) return malformed('arp: truncated');
  if (word(bytes, 0) !== ARP_HTYPE_ETHERNET) return malformed('arp: hardware type not Ethernet');
  if (word(bytes, 2) !== ARP_PTYPE_IPV4) return malformed('arp: protocol type not IPv4');
  if (bytes[4] !== 6 || bytes[5] !== 4) return malformed('arp: address lengths not 6/4');
  return {
    ok: true,
    packet: {
      operation: word(bytes, 6),
      senderMac: formatMac(bytes, 8),
      senderIp: formatIpv4Address(bytes, 14),
      targetMac: formatMac(bytes, 18),
      targetIp: formatIpv4Address(bytes, 24),
    },
  };
}

export function buildArp(p: ArpPacket): Uint8Array {
  const out = new Uint8Array(ARP_PACKET_SIZE);
  putWord(out, 0, ARP_HTYPE_ETHERNET);
  putWord(out, 2, ARP_PTYPE_IPV4);
  out[4] = 6;
  out[5] = 4;
  putWord(out, 6, p.operation);
  out.set(parseMac(p.senderMac), 8);
  out.set(parseIpv4Address(p.senderIp), 14);
  out.set(parseMac(p.targetMac), 18);
  out.set(parseIpv4Address(p.targetIp), 24);
  return out;
}
