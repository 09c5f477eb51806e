import { describe, expect, it } from 'vitest';
import {
  ARP_REPLY,
  ARP_REQUEST,
  buildArp,
  parseArp,
  type ArpPacket,
} from '../../../src/server/network/arp';
import { hex } from './dom0-rig';

const request: ArpPacket = {
  operation: ARP_REQUEST,
  senderMac: '00:16:3e:12:34:56',
  senderIp: '10.0.0.100',
  targetMac: '00:00:00:00:00:00',
  targetIp: '10.0.0.1',
};

// RFC 826 "Packet format": hrd, pro, hln, pln, op, sha, spa, tha, tpa.
const requestBytes = hex('0001 0800 06 04 0001 00163e123456 0a000064 000000000000 0a000001');

describe('ARP (RFC 826)', () => {
  it('builds the 28-byte Ethernet/IPv4 packet field by field', () => {
    expect([...buildArp(request)]).toEqual([...requestBytes]);
  });

  it('parses it back, and a reply with the roles swapped', () => {
    expect(parseArp(requestBytes)).toEqual({ ok: true, packet: request });
    const reply: ArpPacket = {
      operation: ARP_REPLY,
      senderMac: '00:16:3e:00:00:01',
      senderIp: '10.0.0.1',
      targetMac: request.senderMac,
      targetIp: request.senderIp,
    };
    const bytes = buildArp(reply);
    expect(bytes[7]).toBe(2);
    expect(parseArp(bytes)).toEqual({ ok: true, packet: reply });
  });

  it('ignores bytes after the packet (Ethernet padding)', () => {
    const padded = new Uint8Array(46);
    padded.set(requestBytes);
    padded.fill(0xaa, 28);
    expect(parseArp(padded)).toEqual({ ok: true, packet: request });
  });

  it.each([
    ['truncated', requestBytes.subarray(0, 27), /truncated/],
    ['hardware type 6 (IEEE 802)', requestBytes.map((b, i) => (i === 1 ? 6 : b)), /hardware/],
    [
      'protocol IPv6',
      requestBytes.map((b, i) => (i === 2 ? 0x86 : i === 3 ? 0xdd : b)),
      /protocol/,
    ],
    ['hardware length 8', requestBytes.map((b, i) => (i === 4 ? 8 : b)), /lengths/],
  ])('rejects %s', (_name, bytes, reason) => {
    const r = parseArp(bytes);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});
