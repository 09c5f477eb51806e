import { describe, expect, it } from 'vitest';
import { internetChecksum } from '../../../src/server/network/inet-checksum';
import {
  buildIcmpEcho,
  ICMP_ECHO_REPLY,
  ICMP_ECHO_REQUEST,
  parseIcmp,
} from '../../../src/server/network/icmp';
import { hex } from './dom0-rig';

describe('ICMP echo (RFC 792)', () => {
  it('builds an echo request with a hand-computed checksum', () => {
    // 0800 + 0001 + 0001 + 6162 + 6364 = cCC8, complemented 3337.
    const bytes = buildIcmpEcho(ICMP_ECHO_REQUEST, 1, 1, hex('61626364'));
    expect([...bytes]).toEqual([...hex('0800 3337 0001 0001 6162 6364')]);
  });

  it('round-trips an echo reply with odd-length data', () => {
    const data = Uint8Array.from({ length: 57 }, (_, i) => 255 - i);
    const bytes = buildIcmpEcho(ICMP_ECHO_REPLY, 0x1234, 0xfffe, data);
    expect(internetChecksum(bytes)).toBe(0);
    const r = parseIcmp(bytes);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.packet).toMatchObject({ type: 0, code: 0, identifier: 0x1234, sequence: 0xfffe });
    expect([...r.packet.data]).toEqual([...data]);
  });

  it.each([
    ['a truncated header', hex('0800 3337 0001 00'), /truncated/],
    ['a bad checksum', hex('0800 3338 0001 0001 6162 6364'), /checksum/],
    ['changed data', hex('0800 3337 0001 0001 6162 6365'), /checksum/],
  ])('rejects %s', (_name, bytes, reason) => {
    const r = parseIcmp(bytes);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});
