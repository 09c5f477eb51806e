import { ARP_REPLY, ARP_REQUEST, parseArp } from './arp';
import { messageTypeName, parseDhcp } from './dhcp';
import { ETH_HEADER_SIZE, ETHERTYPE_ARP, ETHERTYPE_IPV4, etherType } from './ethernet';
import { ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, parseIcmp } from './icmp';
import { IPPROTO_ICMP, IPPROTO_UDP, isFragment, parseIpv4 } from './ipv4';
import { parseUdp } from './udp';

/** DHCP's well-known ports (RFC 2131 §4.1). */
const DHCP_PORTS = new Set([67, 68]);

/**
 * One line per frame, in tcpdump's words, for the desktop's view of
 * xenbr0 and `brctl`-side tools: "ARP, Request who-has 10.0.0.1 tell
 * 10.0.0.101", "IP 10.0.0.101 > 10.0.0.1: ICMP echo request, id 1, seq 1",
 * "IP 0.0.0.0.68 > 255.255.255.255.67: DHCPDISCOVER". Never throws.
 */
export function describeFrame(frame: Uint8Array): string {
  if (frame.length < ETH_HEADER_SIZE) return `runt frame, ${frame.length} bytes`;
  const type = etherType(frame);
  const payload = frame.subarray(ETH_HEADER_SIZE);
  if (type === ETHERTYPE_ARP) {
    const r = parseArp(payload);
    if (!r.ok) return `ARP, malformed (${r.reason})`;
    const a = r.packet;
    if (a.operation === ARP_REQUEST) return `ARP, Request who-has ${a.targetIp} tell ${a.senderIp}`;
    if (a.operation === ARP_REPLY) return `ARP, Reply ${a.senderIp} is-at ${a.senderMac}`;
    return `ARP, operation ${a.operation}`;
  }
  if (type !== ETHERTYPE_IPV4)
    return `ethertype 0x${type.toString(16).padStart(4, '0')}, length ${frame.length}`;
  const ip = parseIpv4(payload);
  if (!ip.ok) return `IP, malformed (${ip.reason})`;
  const h = ip.packet.header;
  if (isFragment(h)) return `IP ${h.source} > ${h.destination}: fragment`;
  if (h.protocol === IPPROTO_ICMP) {
    const m = parseIcmp(ip.packet.payload);
    if (!m.ok) return `IP ${h.source} > ${h.destination}: ICMP, malformed`;
    const kind =
      m.packet.type === ICMP_ECHO_REQUEST
        ? 'echo request'
        : m.packet.type === ICMP_ECHO_REPLY
          ? 'echo reply'
          : `type ${m.packet.type}`;
    return `IP ${h.source} > ${h.destination}: ICMP ${kind}, id ${m.packet.identifier}, seq ${m.packet.sequence}, length ${ip.packet.payload.length}`;
  }
  if (h.protocol === IPPROTO_UDP) {
    const u = parseUdp(ip.packet.payload, h.source, h.destination);
    if (!u.ok) return `IP ${h.source} > ${h.destination}: UDP, malformed`;
    const { sourcePort: sp, destinationPort: dp } = u.packet;
    const ends = `IP ${h.source}.${sp} > ${h.destination}.${dp}`;
    if (DHCP_PORTS.has(sp) && DHCP_PORTS.has(dp)) {
      const d = parseDhcp(u.packet.payload);
      if (d.ok) {
        const yours = d.packet.yiaddr !== '0.0.0.0' ? ` your-ip ${d.packet.yiaddr}` : '';
        return `${ends}: ${messageTypeName(d.packet.options.messageType)} from ${d.packet.chaddr}${yours}`;
      }
    }
    return `${ends}: UDP, length ${u.packet.payload.length}`;
  }
  return `IP ${h.source} > ${h.destination}: protocol ${h.protocol}`;
}
