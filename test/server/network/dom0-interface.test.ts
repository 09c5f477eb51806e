import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ARP_REPLY, ARP_REQUEST, buildArp, parseArp } from '../../../src/server/network/arp';
import {
  BOOTP_BROADCAST_FLAG,
  BOOTREQUEST,
  buildDhcp,
  DhcpMessageType,
  parseDhcp,
  type DhcpMessage,
  type DhcpOptions,
} from '../../../src/server/network/dhcp';
import { buildEthernetFrame, Dom0Interface } from '../../../src/server/network/dom0-interface';
import {
  BROADCAST_MAC,
  destinationMac,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  etherType,
  sourceMac,
} from '../../../src/server/network/ethernet';
import { buildIcmpEcho, ICMP_ECHO_REPLY, parseIcmp } from '../../../src/server/network/icmp';
import { internetChecksum, fold } from '../../../src/server/network/inet-checksum';
import { buildIpv4, IPPROTO_ICMP, IPPROTO_UDP, parseIpv4 } from '../../../src/server/network/ipv4';
import { buildUdp, parseUdp } from '../../../src/server/network/udp';
import { CapturingLink, hex, ManualClock, settle } from './dom0-rig';

const US = '00:16:3e:00:00:01';
const GUEST = '00:16:3e:12:34:56';
const STRANGER = '00:16:3e:99:99:99'; // another tab's guest on the shared wire

function rig(options: { register?: boolean } = {}) {
  const clock = new ManualClock();
  let wall = 1_700_000_000_000;
  const dom0 = new Dom0Interface({ clock, wallClock: () => wall++ });
  const link = new CapturingLink();
  dom0.connect(link);
  if (options.register !== false) dom0.registerClient(GUEST, { ip: '10.0.0.42', hostname: 'web' });
  return { clock, dom0, link };
}

function frame(dst: string, src: string, type: number, payload: Uint8Array): Uint8Array {
  return buildEthernetFrame(dst, src, type, payload);
}

function arpRequest(from: string, fromIp: string, forIp: string): Uint8Array {
  return frame(
    BROADCAST_MAC,
    from,
    ETHERTYPE_ARP,
    buildArp({
      operation: ARP_REQUEST,
      senderMac: from,
      senderIp: fromIp,
      targetMac: '00:00:00:00:00:00',
      targetIp: forIp,
    }),
  );
}

/** A client's DHCP message as its NIC puts it on the wire: 0.0.0.0:68 → 255.255.255.255:67. */
function dhcpFrame(mac: string, options: DhcpOptions, fields: Partial<DhcpMessage> = {}) {
  const m: DhcpMessage = {
    op: BOOTREQUEST,
    xid: 0xc0ffee,
    flags: 0,
    ciaddr: '0.0.0.0',
    yiaddr: '0.0.0.0',
    siaddr: '0.0.0.0',
    giaddr: '0.0.0.0',
    chaddr: mac,
    options,
    ...fields,
  };
  const src = m.ciaddr;
  const dst = '255.255.255.255';
  const udp = buildUdp(
    { source: src, destination: dst, sourcePort: 68, destinationPort: 67 },
    buildDhcp(m),
  );
  return frame(
    BROADCAST_MAC,
    mac,
    ETHERTYPE_IPV4,
    buildIpv4({ source: src, destination: dst, protocol: IPPROTO_UDP }, udp),
  );
}

/** Ethernet → IPv4 → UDP → DHCP of a frame Domain-0 sent, every checksum verified on the way. */
function decodeDhcpReply(f: Uint8Array) {
  expect(etherType(f)).toBe(ETHERTYPE_IPV4);
  const ip = parseIpv4(f.subarray(14));
  if (!ip.ok) throw new Error(ip.reason);
  expect(ip.packet.header.protocol).toBe(IPPROTO_UDP);
  const { source, destination } = ip.packet.header;
  const udp = parseUdp(ip.packet.payload, source, destination);
  if (!udp.ok) throw new Error(udp.reason);
  expect(udp.packet.checksum).not.toBe(0); // we always compute it
  const dhcp = parseDhcp(udp.packet.payload);
  if (!dhcp.ok) throw new Error(dhcp.reason);
  return {
    eth: { dst: destinationMac(f), src: sourceMac(f) },
    ip: ip.packet.header,
    udp: udp.packet,
    dhcp: dhcp.packet,
  };
}

/** Runs the clock in steps until `p` settles. */
async function run<T>(clock: ManualClock, p: Promise<T>, stepMs = 1, maxMs = 10_000): Promise<T> {
  let done = false;
  void p.then(() => (done = true));
  for (let t = 0; !done && t <= maxMs; t += stepMs) {
    await settle();
    if (!done) clock.advance(stepMs);
  }
  await settle();
  return p;
}

describe('Dom0Interface: ARP (RFC 826)', () => {
  it('answers a registered guest’s request for 10.0.0.1 with exactly the reply RFC 826 asks for', () => {
    const { dom0, link } = rig();
    expect(dom0.deliver(arpRequest(GUEST, '10.0.0.42', '10.0.0.1'))).toBe(true);
    const [reply, ...rest] = link.take();
    expect(rest).toEqual([]);
    if (!reply) throw new Error('no reply');
    expect(reply.length).toBe(60); // 14 + 28, padded to the Ethernet minimum
    expect(destinationMac(reply)).toBe(GUEST);
    expect(sourceMac(reply)).toBe(US);
    expect(etherType(reply)).toBe(ETHERTYPE_ARP);
    expect([...reply.subarray(14, 22)]).toEqual([0, 1, 8, 0, 6, 4, 0, 2]); // hrd, pro, hln, pln, op=2
    expect(parseArp(reply.subarray(14))).toEqual({
      ok: true,
      packet: {
        operation: ARP_REPLY,
        senderMac: US,
        senderIp: '10.0.0.1',
        targetMac: GUEST,
        targetIp: '10.0.0.42',
      },
    });
    expect(reply.subarray(42).every((b) => b === 0)).toBe(true);
    expect(dom0.arpTable().map(({ ip, mac }) => ({ ip, mac }))).toEqual([
      { ip: '10.0.0.42', mac: GUEST },
    ]);
    expect(dom0.stats()).toMatchObject({ framesIn: 1, framesOut: 1, arpRequestsAnswered: 1 });
  });

  it('stays quiet for other tabs’ guests and for other addresses', () => {
    const { dom0, link } = rig();
    dom0.deliver(arpRequest(STRANGER, '10.0.0.100', '10.0.0.1'));
    dom0.deliver(arpRequest(GUEST, '10.0.0.42', '10.0.0.43'));
    expect(link.take()).toEqual([]);
    expect(dom0.arpTable()).toEqual([]); // a stranger does not poison the cache
    expect(dom0.stats()).toMatchObject({ ignored: 1, notForUs: 1, arpRequestsAnswered: 0 });
  });
});

describe('Dom0Interface: ICMP echo (RFC 792)', () => {
  /** An echo request laid out by hand: Ethernet, IPv4 (TTL 64, id 0x1c46, DF), ICMP id 0x0042 seq 7, 56 data bytes. */
  function handBuiltEchoRequest(from = GUEST): Uint8Array {
    const f = new Uint8Array(14 + 20 + 8 + 56);
    f.set(hex('00163e000001'), 0);
    f.set(hex(from.replaceAll(':', '')), 6);
    f.set(hex('0800'), 12);
    f.set(hex('4500 0054 1c46 4000 4001 0000 0a00002a 0a000001'), 14);
    const ipck = internetChecksum(f, 14, 20);
    f[24] = ipck >> 8;
    f[25] = ipck & 0xff;
    f.set(hex('0800 0000 0042 0007'), 34);
    for (let i = 0; i < 56; i++) f[42 + i] = (i * 37 + 11) & 0xff;
    const ck = internetChecksum(f, 34);
    f[36] = ck >> 8;
    f[37] = ck & 0xff;
    return f;
  }

  it('replies with the same id, seq and data, TTL 64, and checksums that verify', () => {
    const { dom0, link } = rig();
    const req = handBuiltEchoRequest();
    dom0.deliver(req);
    const [rep] = link.take();
    if (!rep) throw new Error('no reply');
    expect(rep.length).toBe(req.length);
    // Ethernet: back to the sender.
    expect([...rep.subarray(0, 6)]).toEqual([...req.subarray(6, 12)]);
    expect([...rep.subarray(6, 12)]).toEqual([...req.subarray(0, 6)]);
    expect([...rep.subarray(12, 14)]).toEqual([8, 0]);
    // IPv4: version/IHL, TOS and total length as sent, TTL 64, protocol 1, addresses swapped.
    const ip = rep.subarray(14, 34);
    expect([...ip.subarray(0, 4)]).toEqual([...req.subarray(14, 18)]);
    expect(ip[8]).toBe(64);
    expect(ip[9]).toBe(IPPROTO_ICMP);
    expect([...ip.subarray(12, 16)]).toEqual([10, 0, 0, 1]);
    expect([...ip.subarray(16, 20)]).toEqual([10, 0, 0, 42]);
    expect(internetChecksum(ip)).toBe(0);
    // ICMP: type 0 code 0, id/seq/data unchanged.
    const icmp = rep.subarray(34);
    expect([icmp[0], icmp[1]]).toEqual([ICMP_ECHO_REPLY, 0]);
    expect([...icmp.subarray(4)]).toEqual([...req.subarray(38)]);
    expect(internetChecksum(icmp)).toBe(0);
    // Only the type changed 8 → 0, so the checksum grows by 0x0800 (RFC 1624 incremental update).
    const oldCk = ((req[36] ?? 0) << 8) | (req[37] ?? 0);
    const newCk = ((icmp[2] ?? 0) << 8) | (icmp[3] ?? 0);
    expect(newCk).toBe(fold(oldCk + 0x0800));
    expect(dom0.stats().icmpEchoesAnswered).toBe(1);
  });

  it('does not answer other tabs’ guests, broadcast pings or fragments', () => {
    const { dom0, link } = rig();
    dom0.deliver(handBuiltEchoRequest(STRANGER));
    const bcast = buildIpv4(
      { source: '10.0.0.42', destination: '10.0.0.255', protocol: IPPROTO_ICMP },
      buildIcmpEcho(8, 1, 1, new Uint8Array(8)),
    );
    dom0.deliver(frame(BROADCAST_MAC, GUEST, ETHERTYPE_IPV4, bcast));
    const frag = handBuiltEchoRequest();
    frag[20] = 0x20; // MF
    frag[24] = 0;
    frag[25] = 0;
    const ck = internetChecksum(frag, 14, 20);
    frag[24] = ck >> 8;
    frag[25] = ck & 0xff;
    dom0.deliver(frag);
    expect(link.take()).toEqual([]);
    expect(dom0.stats()).toMatchObject({
      ignored: 1,
      notForUs: 1,
      fragmentsDropped: 1,
      malformed: 0,
    });
  });
});

describe('Dom0Interface: DHCP server on the wire', () => {
  it('runs DORA for a registered guest with a fixed ip=, broadcast as the client asked', () => {
    const { dom0, link } = rig();
    dom0.deliver(
      dhcpFrame(GUEST, { messageType: DhcpMessageType.DISCOVER }, { flags: BOOTP_BROADCAST_FLAG }),
    );
    const [offerFrame] = link.take();
    if (!offerFrame) throw new Error('no offer');
    const offer = decodeDhcpReply(offerFrame);
    expect(offer.eth).toEqual({ dst: BROADCAST_MAC, src: US });
    expect(offer.ip).toMatchObject({ source: '10.0.0.1', destination: '255.255.255.255', ttl: 64 });
    expect(offer.udp).toMatchObject({ sourcePort: 67, destinationPort: 68 });
    expect(offer.dhcp).toMatchObject({
      op: 2,
      xid: 0xc0ffee,
      yiaddr: '10.0.0.42',
      chaddr: GUEST,
      options: {
        messageType: DhcpMessageType.OFFER,
        serverId: '10.0.0.1',
        leaseTime: 86400,
        subnetMask: '255.255.255.0',
        router: ['10.0.0.1'],
        hostName: 'web',
      },
    });
    expect(offer.dhcp.options.dnsServers).toBeUndefined();

    dom0.deliver(
      dhcpFrame(
        GUEST,
        { messageType: DhcpMessageType.REQUEST, serverId: '10.0.0.1', requestedIp: '10.0.0.42' },
        { flags: BOOTP_BROADCAST_FLAG },
      ),
    );
    const [ackFrame] = link.take();
    if (!ackFrame) throw new Error('no ack');
    const ack = decodeDhcpReply(ackFrame);
    expect(ack.dhcp.options.messageType).toBe(DhcpMessageType.ACK);
    expect(ack.dhcp.yiaddr).toBe('10.0.0.42');
    expect(dom0.leases()).toEqual([
      { mac: GUEST, ip: '10.0.0.42', hostname: 'web', since: 1_700_000_000_000 },
    ]);
    expect(dom0.stats().dhcp).toMatchObject({ offers: 1, acks: 1, naks: 0 });
  });

  it('unicasts to yiaddr at chaddr without the broadcast bit, and hands out the pool in order', () => {
    const { dom0, link } = rig();
    const macs = ['00:16:3e:00:00:10', '00:16:3e:00:00:11', '00:16:3e:00:00:12'];
    for (const m of macs) dom0.registerClient(m);
    const offered = macs.map((m) => {
      dom0.deliver(dhcpFrame(m, { messageType: DhcpMessageType.DISCOVER }));
      const [f] = link.take();
      if (!f) throw new Error('no offer');
      const o = decodeDhcpReply(f);
      expect(o.eth.dst).toBe(m);
      expect(o.ip.destination).toBe(o.dhcp.yiaddr);
      return o.dhcp.yiaddr;
    });
    expect(offered).toEqual(['10.0.0.100', '10.0.0.101', '10.0.0.102']);
  });

  it('NAKs a REQUEST for a foreign address, broadcast', () => {
    const { dom0, link } = rig();
    dom0.deliver(
      dhcpFrame(GUEST, { messageType: DhcpMessageType.REQUEST, requestedIp: '192.168.7.7' }),
    );
    const [f] = link.take();
    if (!f) throw new Error('no nak');
    const nak = decodeDhcpReply(f);
    expect(nak.eth.dst).toBe(BROADCAST_MAC);
    expect(nak.ip.destination).toBe('255.255.255.255');
    expect(nak.dhcp.options.messageType).toBe(DhcpMessageType.NAK);
    expect(dom0.leases()).toEqual([]);
  });

  it('ignores an unregistered MAC (another tab’s guest)', () => {
    const { dom0, link } = rig();
    dom0.deliver(dhcpFrame(STRANGER, { messageType: DhcpMessageType.DISCOVER }));
    dom0.deliver(
      dhcpFrame(STRANGER, { messageType: DhcpMessageType.REQUEST, requestedIp: '10.0.0.100' }),
    );
    expect(link.take()).toEqual([]);
    expect(dom0.stats()).toMatchObject({ ignored: 2, dhcp: { ignoredUnregistered: 2, offers: 0 } });
  });

  it('passes its OFFER through tshark’s decoder with checksums verified', (ctx) => {
    if (spawnSync('tshark', ['--version']).status !== 0) return ctx.skip();
    const { dom0, link } = rig();
    dom0.deliver(
      dhcpFrame(GUEST, { messageType: DhcpMessageType.DISCOVER }, { flags: BOOTP_BROADCAST_FLAG }),
    );
    dom0.deliver(arpRequest(GUEST, '10.0.0.42', '10.0.0.1'));
    const echo = buildIpv4(
      { source: '10.0.0.42', destination: '10.0.0.1', protocol: IPPROTO_ICMP },
      buildIcmpEcho(
        8,
        0x4242,
        3,
        Uint8Array.from({ length: 56 }, (_, i) => i),
      ),
    );
    dom0.deliver(frame(US, GUEST, ETHERTYPE_IPV4, echo));
    const frames = link.take();
    expect(frames.length).toBe(3);
    // A copy of the OFFER with a broken UDP checksum shows the check is live.
    const broken = (frames[0] ?? new Uint8Array()).slice();
    broken[14 + 20 + 7] = (broken[14 + 20 + 7] ?? 0) ^ 0xff;
    frames.push(broken);
    const fields = [
      'frame.protocols',
      'ip.checksum.status',
      'udp.checksum.status',
      'icmp.checksum.status',
      'dhcp.option.dhcp',
      'dhcp.ip.your',
      'dhcp.hw.mac_addr',
      'dhcp.option.subnet_mask',
      'dhcp.option.router',
      'dhcp.option.ip_address_lease_time',
      'dhcp.option.dhcp_server_id',
      'dhcp.option.hostname',
      'arp.opcode',
      'arp.src.proto_ipv4',
      'arp.dst.hw_mac',
      'icmp.type',
      'icmp.ident',
      'icmp.seq',
      '_ws.expert.message',
    ];
    const out = tshark(frames, fields);
    const rows = out.map((line) =>
      Object.fromEntries(line.split('|').map((v, i) => [fields[i], v])),
    );
    expect(rows[0]).toMatchObject({
      'frame.protocols': 'eth:ethertype:ip:udp:dhcp',
      'ip.checksum.status': '1', // PROTO_CHECKSUM_E_GOOD
      'udp.checksum.status': '1',
      'dhcp.option.dhcp': '2', // Offer
      'dhcp.ip.your': '10.0.0.42',
      'dhcp.hw.mac_addr': GUEST,
      'dhcp.option.subnet_mask': '255.255.255.0',
      'dhcp.option.router': '10.0.0.1',
      'dhcp.option.ip_address_lease_time': '86400',
      'dhcp.option.dhcp_server_id': '10.0.0.1',
      'dhcp.option.hostname': 'web',
      '_ws.expert.message': '',
    });
    expect(rows[1]).toMatchObject({
      'frame.protocols': 'eth:ethertype:arp',
      'arp.opcode': '2',
      'arp.src.proto_ipv4': '10.0.0.1',
      'arp.dst.hw_mac': GUEST,
    });
    expect(rows[2]).toMatchObject({
      'frame.protocols': 'eth:ethertype:ip:icmp:data',
      'ip.checksum.status': '1',
      'icmp.checksum.status': '1',
      'icmp.type': '0',
      'icmp.ident': '16962',
      'icmp.seq': '3',
    });
    expect(rows[3]?.['udp.checksum.status']).toBe('0'); // PROTO_CHECKSUM_E_BAD
  });
});

const dir = mkdtempSync(join(tmpdir(), 'tabvisor-dom0-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `frames` as a classic pcap (LINKTYPE_ETHERNET) and returns tshark's field rows. */
function tshark(frames: Uint8Array[], fields: string[]): string[] {
  const parts: Uint8Array[] = [];
  const global = new DataView(new ArrayBuffer(24));
  global.setUint32(0, 0xa1b2c3d4, true);
  global.setUint16(4, 2, true);
  global.setUint16(6, 4, true);
  global.setUint32(16, 65535, true);
  global.setUint32(20, 1, true);
  parts.push(new Uint8Array(global.buffer));
  frames.forEach((f, i) => {
    const rec = new DataView(new ArrayBuffer(16));
    rec.setUint32(0, i, true);
    rec.setUint32(8, f.length, true);
    rec.setUint32(12, f.length, true);
    parts.push(new Uint8Array(rec.buffer), f);
  });
  const file = join(dir, 'dom0.pcap');
  writeFileSync(file, Buffer.concat(parts));
  const r = spawnSync(
    'tshark',
    [
      '-r',
      file,
      '-o',
      'ip.check_checksum:TRUE',
      '-o',
      'udp.check_checksum:TRUE',
      '-T',
      'fields',
      '-E',
      'separator=|',
      ...fields.flatMap((f) => ['-e', f]),
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`tshark: ${r.stderr}`);
  return r.stdout.trimEnd().split('\n');
}

describe('Dom0Interface: ping', () => {
  const PEER = '00:16:3e:55:55:55';
  const PEER_IP = '10.0.0.77';

  /**
   * A host that answers ARP after `arpMs` and echo after `echoMs` (with
   * TTL 255). Its MAC is not registered: replies to our own pings count anyway.
   */
  function peer(
    dom0: Dom0Interface,
    link: CapturingLink,
    clock: ManualClock,
    opts: { arpMs?: number; echoMs?: number; answerEcho?: boolean; sync?: boolean } = {},
  ) {
    const later = (ms: number, f: Uint8Array) =>
      opts.sync ? dom0.deliver(f) : clock.after(ms, () => dom0.deliver(f));
    link.onTransmit = (f) => {
      if (etherType(f) === ETHERTYPE_ARP) {
        const a = parseArp(f.subarray(14));
        if (a.ok && a.packet.operation === ARP_REQUEST && a.packet.targetIp === PEER_IP)
          later(
            opts.arpMs ?? 2,
            frame(
              US,
              PEER,
              ETHERTYPE_ARP,
              buildArp({
                operation: ARP_REPLY,
                senderMac: PEER,
                senderIp: PEER_IP,
                targetMac: a.packet.senderMac,
                targetIp: a.packet.senderIp,
              }),
            ),
          );
        return;
      }
      const ip = parseIpv4(f.subarray(14));
      if (!ip.ok || ip.packet.header.destination !== PEER_IP || opts.answerEcho === false) return;
      expect(destinationMac(f)).toBe(PEER); // resolved before sending
      const icmp = parseIcmp(ip.packet.payload);
      if (!icmp.ok) throw new Error(icmp.reason);
      const { identifier, sequence, data } = icmp.packet;
      later(
        opts.echoMs ?? 5,
        frame(
          US,
          PEER,
          ETHERTYPE_IPV4,
          buildIpv4(
            { source: PEER_IP, destination: '10.0.0.1', protocol: IPPROTO_ICMP, ttl: 255 },
            buildIcmpEcho(ICMP_ECHO_REPLY, identifier, sequence, data),
          ),
        ),
      );
    };
  }

  it('resolves ARP first, then measures the echo round trip and reports the reply’s TTL', async () => {
    const { dom0, link, clock } = rig();
    peer(dom0, link, clock, { arpMs: 2, echoMs: 5 });
    const r = await run(clock, dom0.ping(PEER_IP, { id: 9, seq: 1, payloadBytes: 100 }));
    expect(r).toEqual({ rttMs: 5, ttl: 255 });
    const sent = link.take();
    expect(sent.map(etherType)).toEqual([ETHERTYPE_ARP, ETHERTYPE_IPV4]);
    const req = parseIpv4((sent[1] ?? new Uint8Array()).subarray(14));
    if (!req.ok) throw new Error(req.reason);
    const icmp = parseIcmp(req.packet.payload);
    expect(icmp.ok && icmp.packet).toMatchObject({ type: 8, identifier: 9, sequence: 1 });
    expect(icmp.ok && icmp.packet.data.length).toBe(100);

    // The cache answers the second time: no ARP.
    const r2 = await run(clock, dom0.ping(PEER_IP, { id: 9, seq: 2 }));
    expect(r2).toEqual({ rttMs: 5, ttl: 255 });
    expect(link.take().map(etherType)).toEqual([ETHERTYPE_IPV4]);
    expect(dom0.stats()).toMatchObject({
      arpRequestsSent: 1,
      arpRepliesReceived: 1,
      pingsSent: 2,
      pingRepliesReceived: 2,
      pingTimeouts: 0,
    });
    expect(clock.pending()).toBe(0); // no timers left behind
  });

  it('works when the answer comes back inside transmit()', async () => {
    const { dom0, link, clock } = rig();
    peer(dom0, link, clock, { sync: true });
    expect(await run(clock, dom0.ping(PEER_IP))).toEqual({ rttMs: 0, ttl: 255 });
  });

  it('times out when nobody answers ARP, retransmitting it every second', async () => {
    const { dom0, link, clock } = rig();
    const r = await run(clock, dom0.ping('10.0.0.88', { timeoutMs: 3000 }), 100);
    expect(r).toBe('timeout');
    const arps = link.take();
    expect(arps.length).toBe(3);
    expect(arps.every((f) => destinationMac(f) === BROADCAST_MAC)).toBe(true);
    expect(dom0.stats().pingTimeouts).toBe(1);
    expect(clock.pending()).toBe(0);
  });

  it('times out when the host resolves but does not answer the echo, and ignores a late reply', async () => {
    const { dom0, link, clock } = rig();
    peer(dom0, link, clock, { answerEcho: false });
    expect(await run(clock, dom0.ping(PEER_IP, { id: 5, seq: 1, timeoutMs: 1000 }))).toBe(
      'timeout',
    );
    const late = buildIpv4(
      { source: PEER_IP, destination: '10.0.0.1', protocol: IPPROTO_ICMP },
      buildIcmpEcho(ICMP_ECHO_REPLY, 5, 1, new Uint8Array(56)),
    );
    dom0.deliver(frame(US, PEER, ETHERTYPE_IPV4, late));
    expect(dom0.stats()).toMatchObject({ pingTimeouts: 1, pingRepliesReceived: 0, ignored: 1 });
  });

  it('answers itself, refuses what is not a host on 10.0.0.0/24, and rejects bad arguments', async () => {
    const { dom0, link } = rig();
    expect(await dom0.ping('10.0.0.1')).toEqual({ rttMs: 0, ttl: 64 });
    expect(await dom0.ping('192.168.1.1')).toBe('unreachable');
    expect(await dom0.ping('10.0.0.255')).toBe('unreachable');
    expect(await dom0.ping('10.0.0.0')).toBe('unreachable');
    await expect(dom0.ping('10.0.0')).rejects.toThrow(/not an IPv4 address/);
    await expect(dom0.ping('10.0.0.5', { payloadBytes: 1473 })).rejects.toThrow(/payload/);
    expect(link.take()).toEqual([]);
  });
});

describe('Dom0Interface: malformed input', () => {
  function ipFrame(payload: Uint8Array, protocol = IPPROTO_UDP, src = '10.0.0.42') {
    return frame(
      US,
      GUEST,
      ETHERTYPE_IPV4,
      buildIpv4({ source: src, destination: '10.0.0.1', protocol }, payload),
    );
  }
  const withByte = (f: Uint8Array, i: number, v: number) => f.map((b, j) => (j === i ? v : b));

  const goodEcho = ipFrame(buildIcmpEcho(8, 1, 1, new Uint8Array(20)), IPPROTO_ICMP);
  const discover = dhcpFrame(GUEST, { messageType: DhcpMessageType.DISCOVER });
  const udpAt = 14 + 20;

  it.each([
    ['a runt shorter than an Ethernet header', new Uint8Array(10), /ethernet/],
    [
      'a truncated ARP packet',
      frame(BROADCAST_MAC, GUEST, ETHERTYPE_ARP, new Uint8Array(20)).subarray(0, 14 + 20),
      /arp/,
    ],
    ['a truncated IPv4 header', goodEcho.subarray(0, 14 + 12), /ipv4: truncated/],
    ['an IPv4 total length beyond the frame', withByte(goodEcho, 17, 0xff), /ipv4/],
    [
      'a bad IPv4 header checksum',
      withByte(goodEcho, 25, (goodEcho[25] ?? 0) ^ 1),
      /ipv4: bad header checksum/,
    ],
    ['a bad ICMP checksum', withByte(goodEcho, 40, 0x55), /icmp: bad checksum/],
    [
      'a UDP length beyond the datagram',
      ipFrame(
        withByte(
          buildUdp(
            { source: '10.0.0.42', destination: '10.0.0.1', sourcePort: 68, destinationPort: 67 },
            new Uint8Array(4),
          ),
          5,
          200,
        ),
      ),
      /udp/,
    ],
    ['a bad UDP checksum', withByte(discover, udpAt + 8 + 100, 0x5a), /udp: bad checksum/],
    [
      'a DHCP message cut short',
      ipFrame(
        buildUdp(
          { source: '10.0.0.42', destination: '10.0.0.1', sourcePort: 68, destinationPort: 67 },
          new Uint8Array(100),
        ),
      ),
      /dhcp: truncated/,
    ],
  ])('drops and counts %s', (_name, bytes, reason) => {
    const { dom0, link } = rig();
    expect(() => dom0.deliver(bytes)).not.toThrow();
    expect(link.take()).toEqual([]);
    const s = dom0.stats();
    expect(s.malformed).toBe(1);
    expect(s.lastMalformed).toMatch(reason);
  });

  it('counts frames for other MACs and protocols it does not speak without answering', () => {
    const { dom0, link } = rig();
    dom0.deliver(frame('00:16:3e:44:44:44', GUEST, ETHERTYPE_IPV4, new Uint8Array(46)));
    dom0.deliver(frame('33:33:00:00:00:01', GUEST, 0x86dd, new Uint8Array(46))); // IPv6 multicast
    dom0.deliver(frame(US, GUEST, 0x86dd, new Uint8Array(46)));
    dom0.deliver(ipFrame(new Uint8Array(20), 6)); // TCP
    dom0.deliver(
      ipFrame(
        buildUdp(
          { source: '10.0.0.42', destination: '10.0.0.1', sourcePort: 5, destinationPort: 53 },
          new Uint8Array(4),
        ),
      ),
    );
    expect(link.take()).toEqual([]);
    expect(dom0.stats()).toMatchObject({ notForUs: 2, unsupported: 3, malformed: 0 });
  });

  it('survives thousands of truncated and bit-flipped frames without throwing', () => {
    const { dom0 } = rig();
    dom0.registerClient('00:16:3e:00:00:20');
    const seeds = [goodEcho, discover, arpRequest(GUEST, '10.0.0.42', '10.0.0.1')];
    let x = 2131;
    const rnd = (n: number) => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) % n;
    };
    for (let i = 0; i < 3000; i++) {
      const base = seeds[i % seeds.length] ?? goodEcho;
      let f = base.slice(0, rnd(base.length + 1));
      for (let k = rnd(4); k > 0 && f.length > 0; k--) {
        const at = rnd(f.length);
        f[at] = (f[at] ?? 0) ^ (1 << rnd(8));
      }
      if (i % 7 === 0) f = Uint8Array.from({ length: rnd(600) }, () => rnd(256));
      expect(() => dom0.deliver(f)).not.toThrow();
      // A parser that threw would be caught and recorded as "internal: …".
      expect(dom0.stats().lastMalformed ?? '').not.toMatch(/^internal/);
    }
    const s = dom0.stats();
    expect(s.framesIn).toBe(3000);
    expect(s.malformed).toBeGreaterThan(1000);
  });
});
