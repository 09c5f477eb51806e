import { describe, expect, it } from 'vitest';
import {
  fold,
  internetChecksum,
  onesComplementSum,
} from '../../../src/server/network/inet-checksum';
import { hex } from './dom0-rig';

/** The definition, word by word with an end-around carry after every add (RFC 1071 §1). */
function referenceSum(data: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < data.length; i += 2) {
    sum += ((data[i] ?? 0) << 8) | (data[i + 1] ?? 0);
    if (sum > 0xffff) sum = (sum & 0xffff) + 1;
  }
  return sum;
}

function seeded(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) & 0xff;
  };
}

describe('Internet checksum (RFC 1071)', () => {
  it('sums the RFC 1071 §3 example bytes 00 01 f2 03 f4 f5 f6 f7 to ddf2 (checksum 220d)', () => {
    const data = hex('0001 f203 f4f5 f6f7');
    expect(onesComplementSum(data)).toBe(0xddf2);
    expect(internetChecksum(data)).toBe(0x220d);
  });

  it('is byte-order independent: swapping every byte pair swaps the sum (RFC 1071 §2(B))', () => {
    // The §3 example computed "in swapped order" gives f2dd.
    expect(onesComplementSum(hex('0100 03f2 f5f4 f7f6'))).toBe(0xf2dd);
  });

  it('gives the IPv4 header checksum b861 of the well-known 192.168.0.1 → 192.168.0.199 header', () => {
    const header = hex('4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7');
    expect(internetChecksum(header)).toBe(0xb861);
    header[10] = 0xb8;
    header[11] = 0x61;
    expect(internetChecksum(header)).toBe(0); // a correct checksum in place verifies to 0
  });

  it.each([
    ['odd length pads the last byte as a high byte', '01', 0x0100],
    ['three bytes', '010203', 0x0402],
    ['end-around carry', 'ffff 0001', 0x0001],
    ['two all-ones words', 'ffff ffff', 0xffff],
    ['empty', '', 0],
  ])('%s', (_name, bytes, sum) => {
    expect(onesComplementSum(hex(bytes))).toBe(sum);
  });

  it('folds deferred carries of a large sum', () => {
    expect(fold(0x3fffc)).toBe(0xffff); // 0xfffc + 3
    expect(fold(0x1_0000_ffff)).toBe(0x0001); // words 0001 0000 ffff; needs three folds
    expect(fold(0x12345)).toBe(0x2346);
  });

  it('agrees with the word-by-word definition on random data at any offset and length', () => {
    const next = seeded(1071);
    for (let round = 0; round < 200; round++) {
      const data = Uint8Array.from({ length: 1 + ((next() * 7) % 1600) }, next);
      const offset = next() % Math.min(16, data.length);
      const length = data.length - offset - (next() % Math.max(1, data.length - offset));
      const slice = data.subarray(offset, offset + length);
      expect(onesComplementSum(data, offset, length)).toBe(referenceSum(slice));
    }
  });

  it('chains partial sums: a pseudo-header sum as `initial` equals summing the concatenation', () => {
    const a = hex('0a00 0001 0a00 0064 0011 000a');
    const b = hex('0043 0044 000a 0000 6869');
    const whole = new Uint8Array([...a, ...b]);
    expect(internetChecksum(b, 0, b.length, onesComplementSum(a))).toBe(internetChecksum(whole));
  });

  it('makes any packet verify to 0 once its checksum is written in', () => {
    const next = seeded(7);
    for (let round = 0; round < 50; round++) {
      const data = Uint8Array.from({ length: 20 + 2 * (next() % 100) }, next);
      data[10] = 0;
      data[11] = 0;
      const c = internetChecksum(data);
      data[10] = c >> 8;
      data[11] = c & 0xff;
      expect(internetChecksum(data)).toBe(0);
    }
  });
});
