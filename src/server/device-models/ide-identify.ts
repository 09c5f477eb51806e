import {
  CHS_HEADS,
  CHS_MAX_CYLINDERS,
  CHS_SECTORS_PER_TRACK,
  LBA28_LIMIT,
  MAX_MULTIPLE_SECTORS,
} from './ide-registers';

/**
 * The 256 words IDENTIFY DEVICE returns (ATA/ATAPI-6 §8.15, Table 16),
 * for a fixed, LBA48-capable, PIO-only disk with a write cache.
 */

export interface IdentifyParams {
  /** Capacity in 512-byte sectors. */
  readonly sectors: number;
  /** ≤ 40 characters. */
  readonly model: string;
  /** ≤ 20 characters. */
  readonly serial: string;
  /** ≤ 8 characters. */
  readonly firmware: string;
  /** Current READ/WRITE MULTIPLE block (0 = not set). */
  readonly multipleSectors: number;
  readonly writeCacheEnabled: boolean;
  readonly lookAheadEnabled: boolean;
}

/** ATA strings put the first character of each pair in the high byte of the word (§8.15.x "ATA string"). */
function putString(words: Uint16Array, first: number, count: number, text: string): void {
  const padded = text.padEnd(count * 2, ' ').slice(0, count * 2);
  for (let i = 0; i < count; i++)
    words[first + i] = (padded.charCodeAt(2 * i) << 8) | padded.charCodeAt(2 * i + 1);
}

export function chsGeometry(sectors: number): {
  cylinders: number;
  heads: number;
  sectorsPerTrack: number;
} {
  const cylinders = Math.min(
    CHS_MAX_CYLINDERS,
    Math.floor(sectors / (CHS_HEADS * CHS_SECTORS_PER_TRACK)),
  );
  return { cylinders, heads: CHS_HEADS, sectorsPerTrack: CHS_SECTORS_PER_TRACK };
}

/** The 512-byte IDENTIFY DEVICE data, little-endian words as they cross the data port. */
export function identifyDevice(p: IdentifyParams): Uint8Array {
  const w = new Uint16Array(256);
  const geo = chsGeometry(p.sectors);
  const chsCapacity = geo.cylinders * geo.heads * geo.sectorsPerTrack;
  const lba28 = Math.min(p.sectors, LBA28_LIMIT);
  w[0] = 0x0040; // ATA device, fixed (bit 6), not removable
  w[1] = geo.cylinders;
  w[3] = geo.heads;
  w[6] = geo.sectorsPerTrack;
  putString(w, 10, 10, p.serial);
  putString(w, 23, 4, p.firmware);
  putString(w, 27, 20, p.model);
  w[47] = 0x8000 | MAX_MULTIPLE_SECTORS; // READ/WRITE MULTIPLE: up to 16 sectors per DRQ block
  w[49] = 1 << 9; // LBA supported; no DMA
  w[50] = 0x4000; // bit 14 shall be one
  w[53] = 0x0003; // words 54–58 and 64–70 are valid
  w[54] = geo.cylinders;
  w[55] = geo.heads;
  w[56] = geo.sectorsPerTrack;
  w[57] = chsCapacity & 0xffff;
  w[58] = (chsCapacity >>> 16) & 0xffff;
  w[59] = p.multipleSectors > 0 ? 0x0100 | p.multipleSectors : 0;
  w[60] = lba28 & 0xffff; // total user addressable sectors (LBA28)
  w[61] = (lba28 >>> 16) & 0xffff;
  w[64] = 0x0003; // PIO modes 3 and 4
  w[65] = 120; // cycle times, ns
  w[66] = 120;
  w[67] = 120;
  w[68] = 120;
  w[80] = 0x0070; // major version: ATA/ATAPI-4, -5, -6
  // Command sets supported (82–84) and enabled (85–87), §8.15.37–42.
  w[82] = (1 << 14) | (1 << 6) | (1 << 5); // NOP, read look-ahead, write cache
  w[83] = 0x4000 | (1 << 13) | (1 << 12) | (1 << 10); // FLUSH CACHE EXT, FLUSH CACHE, 48-bit
  w[84] = 0x4000;
  w[85] = (1 << 14) | (p.lookAheadEnabled ? 1 << 6 : 0) | (p.writeCacheEnabled ? 1 << 5 : 0);
  w[86] = (1 << 13) | (1 << 12) | (1 << 10);
  w[87] = 0x4000;
  // Max user LBA for 48-bit commands, words 100–103 (a 64-bit quantity, low word first).
  let rest = p.sectors;
  for (let i = 100; i <= 103; i++) {
    w[i] = rest % 0x10000;
    rest = Math.floor(rest / 0x10000);
  }
  w[106] = 0x4000; // word valid; one 512-byte logical sector per physical sector
  const bytes = new Uint8Array(512);
  const v = new DataView(bytes.buffer);
  for (let i = 0; i < 255; i++) v.setUint16(i * 2, w[i] as number, true);
  // Integrity word (§8.15.62): signature A5h, then a checksum making all 512 bytes sum to 0 mod 256.
  bytes[510] = 0xa5;
  let sum = 0;
  for (let i = 0; i < 511; i++) sum += bytes[i] as number;
  bytes[511] = (256 - (sum & 0xff)) & 0xff;
  return bytes;
}

/** Reads back an ATA string from IDENTIFY data (for tests and the desktop). */
export function identifyString(data: Uint8Array, firstWord: number, words: number): string {
  let s = '';
  for (let i = 0; i < words; i++) {
    const lo = data[(firstWord + i) * 2] as number;
    const hi = data[(firstWord + i) * 2 + 1] as number;
    s += String.fromCharCode(hi, lo);
  }
  return s.trimEnd();
}
