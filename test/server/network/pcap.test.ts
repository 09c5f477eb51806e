import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Bridge } from '../../../src/server/network/bridge';
import {
  BROADCAST_MAC,
  ETH_MIN_FRAME,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  parseMac,
  type EthernetPort,
  type MacAddress,
} from '../../../src/server/network/ethernet';
import {
  LINKTYPE_ETHERNET,
  PCAP_GLOBAL_HEADER_SIZE,
  PCAP_MAGIC_MICROSECONDS,
  PCAP_RECORD_HEADER_SIZE,
  PcapWriter,
} from '../../../src/server/network/pcap';

/**
 * The writer's files are read back by the real tshark (Wireshark's dissectors
 * are the reference for the format). Set TABVISOR_SKIP_CONFORMANCE=1 to skip
 * that part on a machine without tshark; without it, a missing tshark fails.
 */
const SKIP = process.env.TABVISOR_SKIP_CONFORMANCE === '1';
const haveTshark = spawnSync('tshark', ['--version'], { encoding: 'utf8' }).status === 0;

const GUEST: MacAddress = '00:16:3e:12:34:56';
const DOM0: MacAddress = '00:16:3e:00:00:01';

function ipBytes(ip: string): number[] {
  return ip.split('.').map(Number);
}

/** RFC 1071 Internet checksum of `b` (one's-complement sum of 16-bit words, complemented). */
function internetChecksum(b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) sum += ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function ethernet(dst: MacAddress, src: MacAddress, type: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(Math.max(ETH_MIN_FRAME, 14 + payload.length));
  f.set(parseMac(dst), 0);
  f.set(parseMac(src), 6);
  f[12] = type >> 8;
  f[13] = type & 0xff;
  f.set(payload, 14);
  return f;
}

/** ARP request (RFC 826): who has `target`? tell `senderIp`. */
function arpRequest(senderMac: MacAddress, senderIp: string, target: string): Uint8Array {
  const arp = new Uint8Array(28);
  arp.set([0, 1, 0x08, 0x00, 6, 4, 0, 1]); // Ethernet, IPv4, hlen 6, plen 4, op request
  arp.set(parseMac(senderMac), 8);
  arp.set(ipBytes(senderIp), 14);
  arp.set(ipBytes(target), 24); // target MAC stays zero
  return ethernet(BROADCAST_MAC, senderMac, ETHERTYPE_ARP, arp);
}

/** IPv4 header (RFC 791, no options) with its checksum, followed by `payload`. */
function ipv4(protocol: number, src: string, dst: string, payload: Uint8Array): Uint8Array {
  const p = new Uint8Array(20 + payload.length);
  p[0] = 0x45;
  p[2] = p.length >> 8;
  p[3] = p.length & 0xff;
  p[4] = 0x12; // identification
  p[5] = 0x34;
  p[6] = 0x40; // DF
  p[8] = 64; // TTL
  p[9] = protocol;
  p.set(ipBytes(src), 12);
  p.set(ipBytes(dst), 16);
  const sum = internetChecksum(p.subarray(0, 20));
  p[10] = sum >> 8;
  p[11] = sum & 0xff;
  p.set(payload, 20);
  return p;
}

/** ICMP echo request (RFC 792, type 8 code 0) with its checksum. */
function icmpEcho(id: number, seq: number, data: string): Uint8Array {
  const m = new Uint8Array(8 + data.length);
  m[0] = 8;
  m[4] = id >> 8;
  m[5] = id & 0xff;
  m[6] = seq >> 8;
  m[7] = seq & 0xff;
  m.set(new TextEncoder().encode(data), 8);
  const sum = internetChecksum(m);
  m[2] = sum >> 8;
  m[3] = sum & 0xff;
  return m;
}

/** A UDP datagram (RFC 768) with checksum 0 ("not computed", allowed over IPv4). */
function udp(srcPort: number, dstPort: number, data: Uint8Array): Uint8Array {
  const u = new Uint8Array(8 + data.length);
  u[0] = srcPort >> 8;
  u[1] = srcPort & 0xff;
  u[2] = dstPort >> 8;
  u[3] = dstPort & 0xff;
  u[4] = u.length >> 8;
  u[5] = u.length & 0xff;
  u.set(data, 8);
  return u;
}

class Sink implements EthernetPort {
  constructor(readonly name: string) {}
  deliver(): boolean {
    return true;
  }
}

/** Parse a classic pcap file (little-endian as we write it). */
function parsePcap(file: Uint8Array) {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const header = {
    magic: v.getUint32(0, true),
    major: v.getUint16(4, true),
    minor: v.getUint16(6, true),
    snaplen: v.getUint32(16, true),
    linktype: v.getUint32(20, true),
  };
  const records: { sec: number; usec: number; incl: number; orig: number; data: Uint8Array }[] = [];
  let at = PCAP_GLOBAL_HEADER_SIZE;
  while (at < file.length) {
    const incl = v.getUint32(at + 8, true);
    records.push({
      sec: v.getUint32(at, true),
      usec: v.getUint32(at + 4, true),
      incl,
      orig: v.getUint32(at + 12, true),
      data: file.slice(at + PCAP_RECORD_HEADER_SIZE, at + PCAP_RECORD_HEADER_SIZE + incl),
    });
    at += PCAP_RECORD_HEADER_SIZE + incl;
  }
  return { header, records };
}

const dir = mkdtempSync(join(tmpdir(), 'tabvisor-pcap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tshark(file: Uint8Array, fields: string[], extra: string[] = []): string[][] {
  const path = join(dir, `capture-${Math.random().toString(36).slice(2)}.pcap`);
  writeFileSync(path, file);
  const r = spawnSync(
    'tshark',
    [
      '-n',
      '-r',
      path,
      ...extra,
      '-T',
      'fields',
      '-E',
      'separator=|',
      ...fields.flatMap((f) => ['-e', f]),
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  // As root tshark warns on stderr; only the exit status and stdout matter.
  if (r.status !== 0) throw new Error(`tshark failed (${String(r.status)}): ${r.stderr}`);
  return r.stdout
    .trim()
    .split('\n')
    .map((line) => line.split('|'));
}

/** A capture made the way the VM server makes one: a PcapWriter on xenbr0's tap. */
function captureOnBridge(frames: [string, Uint8Array][], startMs: number, stepMs: number) {
  let now = startMs;
  const bridge = new Bridge({ now: () => now });
  const links = new Map(
    ['vif1.0', 'xenbr0', 'eth0'].map((n) => [n, bridge.attach(new Sink(n))] as const),
  );
  const writer = new PcapWriter();
  const stop = writer.attach(bridge);
  for (const [port, f] of frames) {
    links.get(port)?.transmit(f);
    now += stepMs;
  }
  stop();
  return writer;
}

const ARP = arpRequest(GUEST, '10.0.0.100', '10.0.0.1');
const PING = ethernet(
  DOM0,
  GUEST,
  ETHERTYPE_IPV4,
  ipv4(1, '10.0.0.100', '10.0.0.1', icmpEcho(0x1234, 1, 'tabvisor ping!')),
);
const DISCOVER_LIKE = ethernet(
  BROADCAST_MAC,
  '00:16:3e:77:88:99',
  ETHERTYPE_IPV4,
  ipv4(17, '0.0.0.0', '255.255.255.255', udp(68, 67, new Uint8Array(12).fill(0xab))),
);
/** 2024-01-02T03:04:05.678901Z */
const START_MS = 1_704_164_645_678.901;

describe('PcapWriter: libpcap capture of xenbr0', () => {
  it('writes the classic global header and one record per frame with µs timestamps', () => {
    const writer = captureOnBridge(
      [
        ['vif1.0', ARP],
        ['vif1.0', PING],
        ['eth0', DISCOVER_LIKE],
      ],
      START_MS,
      1.5,
    );
    const { header, records } = parsePcap(writer.toBytes());
    expect(header).toEqual({
      magic: PCAP_MAGIC_MICROSECONDS,
      major: 2,
      minor: 4,
      snaplen: 65535,
      linktype: LINKTYPE_ETHERNET,
    });
    expect(records.map((r) => [r.sec, r.usec, r.incl, r.orig])).toEqual([
      [1_704_164_645, 678_901, 60, 60],
      [1_704_164_645, 680_401, PING.length, PING.length],
      [1_704_164_645, 681_901, 60, 60],
    ]);
    expect(records.map((r) => r.data)).toEqual([ARP, PING, DISCOVER_LIKE]);
  });

  it('keeps only the last N frames, oldest dropped, and truncates to snaplen', () => {
    const writer = new PcapWriter({ capacity: 3, snaplen: 20 });
    for (let i = 0; i < 5; i++) {
      const f = ethernet(BROADCAST_MAC, GUEST, ETHERTYPE_IPV4, new Uint8Array([i]));
      writer.record(f, 1000 * i);
    }
    expect(writer.size).toBe(3);
    expect(writer.dropped).toBe(2);
    const { header, records } = parsePcap(writer.toBytes());
    expect(header.snaplen).toBe(20);
    expect(records.map((r) => [r.sec, r.incl, r.orig, r.data[14]])).toEqual([
      [2, 20, 60, 2],
      [3, 20, 60, 3],
      [4, 20, 60, 4],
    ]);
    writer.clear();
    expect(writer.toBytes().length).toBe(PCAP_GLOBAL_HEADER_SIZE);
    expect(() => new PcapWriter({ capacity: 0 })).toThrow();
  });

  it('default ring holds 1000 frames', () => {
    const writer = new PcapWriter();
    for (let i = 0; i < 1234; i++) writer.record(ARP, i);
    expect([writer.size, writer.dropped]).toEqual([1000, 234]);
    expect(parsePcap(writer.toBytes()).records[0]?.usec).toBe(234_000);
  });

  describe('read back by tshark', () => {
    if (!haveTshark && SKIP) {
      it.skip('skipped: no tshark and TABVISOR_SKIP_CONFORMANCE=1', () => {});
      return;
    }
    if (!haveTshark) {
      it('has tshark', () => {
        throw new Error(
          'tshark is missing: install it (scripts/install-test-deps.sh) or set TABVISOR_SKIP_CONFORMANCE=1',
        );
      });
      return;
    }

    it('dissects an ARP request, an ICMP echo request and a broadcast with the fields we wrote', () => {
      const writer = captureOnBridge(
        [
          ['vif1.0', ARP],
          ['vif1.0', PING],
          ['eth0', DISCOVER_LIKE],
        ],
        START_MS,
        1.5,
      );
      const rows = tshark(
        writer.toBytes(),
        [
          'eth.src',
          'eth.dst',
          'eth.type',
          'icmp.type',
          'arp.opcode',
          'arp.dst.proto_ipv4',
          'ip.dst',
          'udp.dstport',
        ],
        [],
      );
      expect(rows).toEqual([
        [GUEST, BROADCAST_MAC, '0x0806', '', '1', '10.0.0.1', '', ''],
        [GUEST, DOM0, '0x0800', '8', '', '', '10.0.0.1', ''],
        ['00:16:3e:77:88:99', BROADCAST_MAC, '0x0800', '', '', '', '255.255.255.255', '67'],
      ]);
    });

    it('agrees on timestamps, lengths and checksums (no malformed packets)', () => {
      const writer = captureOnBridge(
        [
          ['vif1.0', ARP],
          ['vif1.0', PING],
        ],
        START_MS,
        1.5,
      );
      const rows = tshark(
        writer.toBytes(),
        [
          'frame.time_epoch',
          'frame.len',
          'frame.cap_len',
          'ip.checksum.status',
          'icmp.checksum.status',
          'icmp.ident',
          'icmp.seq',
          '_ws.malformed',
          '_ws.expert.severity',
        ],
        ['-o', 'ip.check_checksum:TRUE'],
      );
      // Checksum status 1 = good (Wireshark's PROTO_CHECKSUM_E_GOOD).
      expect(rows).toEqual([
        ['1704164645.678901000', '60', '60', '', '', '', '', '', ''],
        [
          '1704164645.680401000',
          String(PING.length),
          String(PING.length),
          '1',
          '1',
          '4660',
          '1',
          '',
          '',
        ],
      ]);
    });

    it('reads a truncated capture (snaplen) as such', () => {
      const writer = new PcapWriter({ snaplen: 34 });
      writer.record(PING, START_MS);
      const rows = tshark(writer.toBytes(), ['frame.len', 'frame.cap_len', 'ip.dst']);
      expect(rows).toEqual([[String(PING.length), '34', '10.0.0.1']]);
    });
  });
});
