import { describe, expect, it } from 'vitest';
import { ARP_REPLY, ARP_REQUEST, buildArp } from '../../../src/server/network/arp.ts';
import { buildDhcp, DhcpMessageType } from '../../../src/server/network/dhcp.ts';
import { buildEthernetFrame } from '../../../src/server/network/dom0-interface.ts';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4 } from '../../../src/server/network/ethernet.ts';
import { describeFrame } from '../../../src/server/network/frame-summary.ts';
import { HostNetwork } from '../../../src/server/network/host-network.ts';
import { buildIcmpEcho, ICMP_ECHO_REQUEST } from '../../../src/server/network/icmp.ts';
import { buildIpv4, IPPROTO_ICMP, IPPROTO_UDP } from '../../../src/server/network/ipv4.ts';
import { buildUdp } from '../../../src/server/network/udp.ts';

const A = '00:16:3e:11:22:33';
const B = '00:16:3e:44:55:66';
const BCAST = 'ff:ff:ff:ff:ff:ff';

const arp = (operation: number): Uint8Array =>
  buildEthernetFrame(
    operation === ARP_REQUEST ? BCAST : B,
    A,
    ETHERTYPE_ARP,
    buildArp({
      operation,
      senderMac: A,
      senderIp: '10.0.0.101',
      targetMac: operation === ARP_REQUEST ? '00:00:00:00:00:00' : B,
      targetIp: '10.0.0.1',
    }),
  );

const ping = buildEthernetFrame(
  B,
  A,
  ETHERTYPE_IPV4,
  buildIpv4(
    { source: '10.0.0.101', destination: '10.0.0.1', protocol: IPPROTO_ICMP },
    buildIcmpEcho(ICMP_ECHO_REQUEST, 7, 3, new Uint8Array(56)),
  ),
);

const discover = buildEthernetFrame(
  BCAST,
  A,
  ETHERTYPE_IPV4,
  buildIpv4(
    { source: '0.0.0.0', destination: '255.255.255.255', protocol: IPPROTO_UDP },
    buildUdp(
      { source: '0.0.0.0', destination: '255.255.255.255', sourcePort: 68, destinationPort: 67 },
      buildDhcp({
        op: 1,
        xid: 0x1234,
        flags: 0x8000,
        ciaddr: '0.0.0.0',
        yiaddr: '0.0.0.0',
        siaddr: '0.0.0.0',
        giaddr: '0.0.0.0',
        chaddr: A,
        options: { messageType: DhcpMessageType.DISCOVER },
      }),
    ),
  ),
);

describe('describeFrame: one tcpdump-style line per frame', () => {
  it.each([
    ['an ARP request', arp(ARP_REQUEST), 'ARP, Request who-has 10.0.0.1 tell 10.0.0.101'],
    ['an ARP reply', arp(ARP_REPLY), `ARP, Reply 10.0.0.101 is-at ${A}`],
    [
      'an echo request',
      ping,
      'IP 10.0.0.101 > 10.0.0.1: ICMP echo request, id 7, seq 3, length 64',
    ],
    ['a DHCP discover', discover, `IP 0.0.0.0.68 > 255.255.255.255.67: DHCPDISCOVER from ${A}`],
    ['a runt', new Uint8Array(10), 'runt frame, 10 bytes'],
    [
      'another EtherType',
      buildEthernetFrame(B, A, 0x86dd, new Uint8Array(40)),
      'ethertype 0x86dd, length 60',
    ],
  ])('%s', (_what, frame, line) => {
    expect(describeFrame(frame)).toBe(line);
  });

  it('says what is wrong with a damaged packet instead of throwing', () => {
    const bad = ping.slice();
    bad[14 + 10] = (bad[14 + 10] ?? 0) ^ 0xff; // IPv4 header checksum
    expect(describeFrame(bad)).toMatch(/^IP, malformed \(.*checksum.*\)$/);
  });
});

describe('HostNetwork: what crossed xenbr0', () => {
  it('lists the newest frames with their ingress port, oldest first, and forgets beyond its window', () => {
    const net = new HostNetwork({ macSalt: 1 });
    const link = net.bridge.attach({ name: 'vif9.0', deliver: () => true });
    link.transmit(arp(ARP_REQUEST));
    // Domain-0 does not answer a MAC that is not one of this tab's guests: one frame.
    const frames = net.recentFrames();
    expect(frames.map((f) => [f.ingress, f.summary])).toEqual([
      ['vif9.0', 'ARP, Request who-has 10.0.0.1 tell 10.0.0.101'],
    ]);
    for (let i = 0; i < 250; i++) link.transmit(ping);
    const last = net.recentFrames(0, 1000);
    expect(last).toHaveLength(200);
    expect(last.at(-1)?.seq).toBe(251);
    expect(net.recentFrames(250).map((f) => f.seq)).toEqual([251]);
    net.close();
  });
});
