import { describe, expect, it } from 'vitest';
import { internetChecksum } from '../../../src/server/network/inet-checksum';
import {
  buildIpv4,
  formatIpv4Address,
  IPPROTO_ICMP,
  IPPROTO_UDP,
  ipv4ToNumber,
  isFragment,
  isIpv4Address,
  numberToIpv4,
  parseIpv4,
  parseIpv4Address,
  prefixToNetmask,
  sameSubnet,
  type Ipv4Packet,
} from '../../../src/server/network/ipv4';
import { hex } from './dom0-rig';

/** The well-known example header (192.168.0.1 → 192.168.0.199, UDP, DF, checksum b861) and 95 bytes of data. */
function exampleDatagram(): Uint8Array {
  const d = new Uint8Array(0x73);
  d.set(hex('4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7'));
  for (let i = 20; i < d.length; i++) d[i] = i;
  return d;
}

function parsed(bytes: Uint8Array): Ipv4Packet {
  const r = parseIpv4(bytes);
  if (!r.ok) throw new Error(r.reason);
  return r.packet;
}

/** Sets header bytes and rewrites the checksum so only the intended fault remains. */
function patch(bytes: Uint8Array, at: Record<number, number>): Uint8Array {
  const out = bytes.slice();
  for (const [i, v] of Object.entries(at)) out[Number(i)] = v;
  const ihl = ((out[0] ?? 0) & 0xf) * 4;
  out[10] = 0;
  out[11] = 0;
  const c = internetChecksum(out, 0, Math.min(ihl, out.length));
  out[10] = c >> 8;
  out[11] = c & 0xff;
  return out;
}

describe('IPv4 addresses', () => {
  it.each([
    ['10.0.0.1', true],
    ['255.255.255.255', true],
    ['0.0.0.0', true],
    ['10.0.0.256', false],
    ['10.0.0', false],
    ['10.0.0.01', false],
    ['10.0.0.1 ', false],
    ['a.b.c.d', false],
  ])('%s is an address: %s', (s, ok) => {
    expect(isIpv4Address(s)).toBe(ok);
  });

  it('converts between dotted quads, numbers and bytes', () => {
    expect(ipv4ToNumber('10.0.0.1')).toBe(0x0a000001);
    expect(ipv4ToNumber('255.255.255.255')).toBe(0xffffffff);
    expect(numberToIpv4(0xc0a800c7)).toBe('192.168.0.199');
    expect([...parseIpv4Address('10.0.0.100')]).toEqual([10, 0, 0, 100]);
    expect(formatIpv4Address(hex('00 c0a80001'), 1)).toBe('192.168.0.1');
    expect(() => parseIpv4Address('10.0.0.300')).toThrow(/not an IPv4 address/);
  });

  it('knows netmasks and subnets', () => {
    expect(prefixToNetmask(24)).toBe('255.255.255.0');
    expect(prefixToNetmask(16)).toBe('255.255.0.0');
    expect(prefixToNetmask(32)).toBe('255.255.255.255');
    expect(sameSubnet('10.0.0.1', '10.0.0.254', 24)).toBe(true);
    expect(sameSubnet('10.0.0.1', '10.0.1.1', 24)).toBe(false);
  });
});

describe('IPv4 header (RFC 791 §3.1)', () => {
  it('reads every field of the example header', () => {
    const p = parsed(exampleDatagram());
    expect(p.header).toEqual({
      headerLength: 20,
      tos: 0,
      totalLength: 0x73,
      identification: 0,
      dontFragment: true,
      moreFragments: false,
      fragmentOffset: 0,
      ttl: 64,
      protocol: IPPROTO_UDP,
      checksum: 0xb861,
      source: '192.168.0.1',
      destination: '192.168.0.199',
    });
    expect(p.payload.length).toBe(0x73 - 20);
    expect(p.payload[0]).toBe(20);
  });

  it('builds the example header byte for byte, checksum included', () => {
    const payload = exampleDatagram().subarray(20);
    const built = buildIpv4(
      {
        source: '192.168.0.1',
        destination: '192.168.0.199',
        protocol: IPPROTO_UDP,
        ttl: 64,
        dontFragment: true,
      },
      payload,
    );
    expect([...built]).toEqual([...exampleDatagram()]);
  });

  it('round-trips what it builds (identification, TTL, TOS)', () => {
    const payload = Uint8Array.of(1, 2, 3);
    const p = parsed(
      buildIpv4(
        {
          source: '10.0.0.1',
          destination: '10.0.0.100',
          protocol: IPPROTO_ICMP,
          identification: 0xbeef,
          ttl: 7,
          tos: 0x10,
        },
        payload,
      ),
    );
    expect(p.header).toMatchObject({
      identification: 0xbeef,
      ttl: 7,
      tos: 0x10,
      totalLength: 23,
      protocol: IPPROTO_ICMP,
      source: '10.0.0.1',
      destination: '10.0.0.100',
      dontFragment: false,
    });
    expect([...p.payload]).toEqual([1, 2, 3]);
  });

  it('ignores Ethernet padding after the total length', () => {
    const small = buildIpv4(
      { source: '10.0.0.1', destination: '10.0.0.2', protocol: IPPROTO_UDP },
      Uint8Array.of(9, 9),
    );
    const padded = new Uint8Array(46); // the minimum Ethernet payload
    padded.set(small);
    padded.fill(0xee, small.length);
    expect([...parsed(padded).payload]).toEqual([9, 9]);
  });

  it('finds the payload after options (IHL 6)', () => {
    const d = new Uint8Array(28);
    d.set(hex('4600 001c 0001 0000 4001 0000 0a000064 0a000001 01010100'));
    d.set([8, 0, 0xf7, 0xff], 24);
    const p = parsed(patch(d, {}));
    expect(p.header.headerLength).toBe(24);
    expect([...p.payload]).toEqual([8, 0, 0xf7, 0xff]);
  });

  it.each([
    ['first fragment (MF)', { 6: 0x20, 7: 0 }, true],
    ['later fragment (offset 185)', { 6: 0x00, 7: 185 }, true],
    ['last fragment (offset, no MF)', { 6: 0x01, 7: 0 }, true],
    ['DF only', { 6: 0x40, 7: 0 }, false],
  ])('flags a %s', (_name, at, fragment) => {
    expect(isFragment(parsed(patch(exampleDatagram(), at)).header)).toBe(fragment);
  });

  it.each([
    ['a truncated header', exampleDatagram().subarray(0, 19), /truncated/],
    ['version 6', patch(exampleDatagram(), { 0: 0x65 }), /version/],
    ['IHL 4', patch(exampleDatagram(), { 0: 0x44 }), /IHL/],
    [
      'a total length shorter than the header',
      patch(exampleDatagram(), { 2: 0, 3: 19 }),
      /shorter/,
    ],
    ['a total length beyond the frame', patch(exampleDatagram(), { 2: 0, 3: 0x74 }), /beyond/],
    ['IHL beyond the total length', patch(exampleDatagram(), { 0: 0x4f, 2: 0, 3: 40 }), /shorter/],
    ['a bad checksum', exampleDatagram().map((b, i) => (i === 11 ? b ^ 1 : b)), /checksum/],
    [
      'a flipped address bit',
      exampleDatagram().map((b, i) => (i === 19 ? b ^ 0x80 : b)),
      /checksum/,
    ],
  ])('rejects %s without throwing', (_name, bytes, reason) => {
    const r = parseIpv4(bytes);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});
