import { describe, expect, it } from 'vitest';
import { IPPROTO_UDP } from '../../../src/server/network/ipv4';
import { buildUdp, parseUdp, pseudoHeaderSum } from '../../../src/server/network/udp';
import { hex } from './dom0-rig';

const endpoints = {
  source: '10.0.0.1',
  destination: '10.0.0.100',
  sourcePort: 67,
  destinationPort: 68,
};

describe('UDP (RFC 768)', () => {
  it('sums the pseudo-header: addresses, zero, protocol 17, UDP length', () => {
    // 0a00 + 0001 + 0a00 + 0064 + 0011 + 000a
    expect(pseudoHeaderSum('10.0.0.1', '10.0.0.100', IPPROTO_UDP, 10)).toBe(0x1480);
  });

  it('builds a datagram with a hand-computed checksum', () => {
    // 1480 (pseudo) + 0043 + 0044 + 000a + 6869 = 7d7a, complemented 8285.
    expect([...buildUdp(endpoints, hex('6869'))]).toEqual([...hex('0043 0044 000a 8285 6869')]);
  });

  it('sends a computed checksum of 0 as ffff, and accepts it', () => {
    // 1511 + eaee = ffff, so the complement would be 0.
    const bytes = buildUdp(endpoints, hex('eaee'));
    expect([...bytes.subarray(6, 8)]).toEqual([0xff, 0xff]);
    expect(parseUdp(bytes, endpoints.source, endpoints.destination).ok).toBe(true);
  });

  it('round-trips, ignoring bytes past the length field', () => {
    const payload = Uint8Array.from({ length: 301 }, (_, i) => i * 7);
    const padded = new Uint8Array(8 + 301 + 5);
    padded.set(buildUdp(endpoints, payload));
    const r = parseUdp(padded, endpoints.source, endpoints.destination);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.packet).toMatchObject({ sourcePort: 67, destinationPort: 68, length: 309 });
    expect([...r.packet.payload]).toEqual([...payload]);
  });

  it('accepts a zero checksum as "none computed"', () => {
    expect(parseUdp(hex('0044 0043 000a 0000 6869'), '0.0.0.0', '255.255.255.255').ok).toBe(true);
  });

  it.each([
    ['a truncated header', hex('0043 0044 000a'), /truncated/],
    ['a length below 8', hex('0043 0044 0007 0000 6869'), /below/],
    ['a length beyond the datagram', hex('0043 0044 000b 8285 6869'), /beyond/],
    ['a bad checksum', hex('0043 0044 000a 8286 6869'), /checksum/],
    ['a flipped data bit', hex('0043 0044 000a 8285 6868'), /checksum/],
  ])('rejects %s', (_name, bytes, reason) => {
    const r = parseUdp(bytes, endpoints.source, endpoints.destination);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('checks the checksum against the addresses it was given (pseudo-header)', () => {
    const bytes = buildUdp(endpoints, hex('6869'));
    expect(parseUdp(bytes, '10.0.0.1', '10.0.0.101').ok).toBe(false);
  });
});
