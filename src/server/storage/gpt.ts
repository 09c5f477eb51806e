import { crc32 } from './crc32';
import { NIL_GUID, decodeGuid, encodeGuid, randomGuid, type RandomSource } from './guid';
import { SECTOR_SIZE, type SectorDevice } from './sector-device';
import { StorageError } from './storage-error';

/**
 * The GUID Partition Table, UEFI 2.x §5.2–5.3: a protective MBR at LBA 0,
 * the primary GPT header at LBA 1 followed by the partition entry array
 * (128 entries × 128 bytes = 32 sectors, LBA 2–33), and at the end of the
 * disk the backup entry array (32 sectors) and the backup header in the
 * last LBA. Each header carries the CRC32 of itself (with the CRC field
 * zeroed) and of the entry array.
 */

export const GPT_SIGNATURE = 'EFI PART';
/** Revision 1.0 (UEFI §5.3.2 Table 5-5). */
export const GPT_REVISION = 0x00010000;
export const GPT_HEADER_SIZE = 92;
export const GPT_ENTRY_COUNT = 128;
export const GPT_ENTRY_SIZE = 128;
export const GPT_ENTRY_SECTORS = (GPT_ENTRY_COUNT * GPT_ENTRY_SIZE) / SECTOR_SIZE;
/** Partition starts are aligned to 1 MiB, as parted and sgdisk do. */
export const PARTITION_ALIGNMENT = 2048;
/** Names are CHAR16[36] (UEFI §5.3.3 Table 5-6). */
export const GPT_NAME_UNITS = 36;

/** Partition type GUIDs (Discoverable Partitions Specification; sgdisk type codes in comments). */
export const PartitionType = {
  /** 8300 "Linux filesystem" */
  linuxFilesystem: '0FC63DAF-8483-4772-8E79-3D69D8477DE4',
  /** 0700 "Microsoft basic data" */
  basicData: 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7',
  /** EF00 "EFI system partition" */
  efiSystem: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
} as const;

/** Header field offsets (UEFI §5.3.2 Table 5-5). */
const H = {
  signature: 0,
  revision: 8,
  headerSize: 12,
  headerCrc: 16,
  reserved: 20,
  myLba: 24,
  alternateLba: 32,
  firstUsableLba: 40,
  lastUsableLba: 48,
  diskGuid: 56,
  entriesLba: 72,
  entryCount: 80,
  entrySize: 84,
  entriesCrc: 88,
} as const;

/** Partition entry offsets (UEFI §5.3.3 Table 5-6). */
const E = { type: 0, unique: 16, firstLba: 32, lastLba: 40, attributes: 48, name: 56 } as const;

export interface GptPartition {
  /** 1-based slot in the entry array: /dev/sdaN. */
  readonly number: number;
  readonly typeGuid: string;
  readonly uniqueGuid: string;
  readonly firstLba: number;
  /** Inclusive, as on disk. */
  readonly lastLba: number;
  readonly attributes: bigint;
  readonly name: string;
}

export interface GptLayout {
  readonly diskGuid: string;
  /** Size of the disk in sectors. */
  readonly sectors: number;
  /** Used entries, ascending by number. */
  readonly partitions: readonly GptPartition[];
}

export function partitionSectors(p: GptPartition): number {
  return p.lastLba - p.firstLba + 1;
}

export function firstUsableLba(): number {
  return 2 + GPT_ENTRY_SECTORS;
}

export function lastUsableLba(sectors: number): number {
  return sectors - 2 - GPT_ENTRY_SECTORS;
}

function minimumSectors(): number {
  return 2 * (1 + GPT_ENTRY_SECTORS) + 1 + 1;
}

// ------------------------------------------------------------------ encoding

/** The protective MBR (UEFI §5.2.3 Table 5-4): one 0xEE record covering the disk. */
export function protectiveMbr(sectors: number): Uint8Array {
  const b = new Uint8Array(SECTOR_SIZE);
  const v = new DataView(b.buffer);
  const rec = 446;
  b[rec + 0] = 0x00; // BootIndicator: not bootable
  b.set([0x00, 0x02, 0x00], rec + 1); // StartingCHS 0x000200
  b[rec + 4] = 0xee; // OSType: GPT protective
  b.set([0xff, 0xff, 0xff], rec + 5); // EndingCHS: not representable
  v.setUint32(rec + 8, 1, true); // StartingLBA
  v.setUint32(rec + 12, Math.min(sectors - 1, 0xffffffff), true); // SizeInLBA
  b[510] = 0x55;
  b[511] = 0xaa;
  return b;
}

function encodeName(name: string, out: Uint8Array, at: number): void {
  if (name.length > GPT_NAME_UNITS)
    throw new StorageError(
      'layout',
      `partition name "${name}" is longer than ${GPT_NAME_UNITS} characters`,
    );
  const v = new DataView(out.buffer, out.byteOffset);
  for (let i = 0; i < name.length; i++) v.setUint16(at + 2 * i, name.charCodeAt(i), true);
}

function decodeName(b: Uint8Array, at: number): string {
  const v = new DataView(b.buffer, b.byteOffset);
  let s = '';
  for (let i = 0; i < GPT_NAME_UNITS; i++) {
    const u = v.getUint16(at + 2 * i, true);
    if (u === 0) break;
    s += String.fromCharCode(u);
  }
  return s;
}

export function encodeEntries(partitions: readonly GptPartition[]): Uint8Array {
  const b = new Uint8Array(GPT_ENTRY_COUNT * GPT_ENTRY_SIZE);
  const v = new DataView(b.buffer);
  for (const p of partitions) {
    if (!Number.isInteger(p.number) || p.number < 1 || p.number > GPT_ENTRY_COUNT)
      throw new StorageError('layout', `partition number ${p.number} is not 1–${GPT_ENTRY_COUNT}`);
    const at = (p.number - 1) * GPT_ENTRY_SIZE;
    encodeGuid(p.typeGuid, b, at + E.type);
    encodeGuid(p.uniqueGuid, b, at + E.unique);
    v.setBigUint64(at + E.firstLba, BigInt(p.firstLba), true);
    v.setBigUint64(at + E.lastLba, BigInt(p.lastLba), true);
    v.setBigUint64(at + E.attributes, p.attributes, true);
    encodeName(p.name, b, at + E.name);
  }
  return b;
}

interface HeaderFields {
  myLba: number;
  alternateLba: number;
  entriesLba: number;
  sectors: number;
  diskGuid: string;
  entriesCrc: number;
}

export function encodeHeader(f: HeaderFields): Uint8Array {
  const b = new Uint8Array(SECTOR_SIZE);
  const v = new DataView(b.buffer);
  for (let i = 0; i < 8; i++) b[H.signature + i] = GPT_SIGNATURE.charCodeAt(i);
  v.setUint32(H.revision, GPT_REVISION, true);
  v.setUint32(H.headerSize, GPT_HEADER_SIZE, true);
  v.setBigUint64(H.myLba, BigInt(f.myLba), true);
  v.setBigUint64(H.alternateLba, BigInt(f.alternateLba), true);
  v.setBigUint64(H.firstUsableLba, BigInt(firstUsableLba()), true);
  v.setBigUint64(H.lastUsableLba, BigInt(lastUsableLba(f.sectors)), true);
  encodeGuid(f.diskGuid, b, H.diskGuid);
  v.setBigUint64(H.entriesLba, BigInt(f.entriesLba), true);
  v.setUint32(H.entryCount, GPT_ENTRY_COUNT, true);
  v.setUint32(H.entrySize, GPT_ENTRY_SIZE, true);
  v.setUint32(H.entriesCrc, f.entriesCrc, true);
  // HeaderCRC32 is computed with the field itself zero (UEFI §5.3.2).
  v.setUint32(H.headerCrc, crc32(b.subarray(0, GPT_HEADER_SIZE)), true);
  return b;
}

export interface EncodedGpt {
  /** LBA 0 … 33: protective MBR, primary header, primary entries. */
  readonly primary: Uint8Array;
  /** The last 33 sectors: backup entries then the backup header. */
  readonly backup: Uint8Array;
  readonly backupLba: number;
}

export function encodeGpt(layout: GptLayout): EncodedGpt {
  checkLayout(layout);
  const { sectors, diskGuid } = layout;
  const entries = encodeEntries(layout.partitions);
  const entriesCrc = crc32(entries);
  const last = sectors - 1;
  const backupEntriesLba = last - GPT_ENTRY_SECTORS;
  const primary = new Uint8Array((2 + GPT_ENTRY_SECTORS) * SECTOR_SIZE);
  primary.set(protectiveMbr(sectors), 0);
  primary.set(
    encodeHeader({ myLba: 1, alternateLba: last, entriesLba: 2, sectors, diskGuid, entriesCrc }),
    SECTOR_SIZE,
  );
  primary.set(entries, 2 * SECTOR_SIZE);
  const backup = new Uint8Array((GPT_ENTRY_SECTORS + 1) * SECTOR_SIZE);
  backup.set(entries, 0);
  backup.set(
    encodeHeader({
      myLba: last,
      alternateLba: 1,
      entriesLba: backupEntriesLba,
      sectors,
      diskGuid,
      entriesCrc,
    }),
    GPT_ENTRY_SECTORS * SECTOR_SIZE,
  );
  return { primary, backup, backupLba: backupEntriesLba };
}

// ------------------------------------------------------------------ decoding

export interface DecodedHeader {
  myLba: number;
  alternateLba: number;
  firstUsableLba: number;
  lastUsableLba: number;
  diskGuid: string;
  entriesLba: number;
  entryCount: number;
  entrySize: number;
  entriesCrc: number;
}

/** Checks a header sector per UEFI §5.3.2 "Validating the GPT header"; returns the fields or why it is bad. */
export function decodeHeader(sector: Uint8Array, lba: number): DecodedHeader | string {
  const v = new DataView(sector.buffer, sector.byteOffset, sector.length);
  let sig = '';
  for (let i = 0; i < 8; i++) sig += String.fromCharCode(sector[i] as number);
  if (sig !== GPT_SIGNATURE) return 'no "EFI PART" signature';
  const size = v.getUint32(H.headerSize, true);
  if (size < GPT_HEADER_SIZE || size > sector.length) return `header size ${size} is invalid`;
  const crc = v.getUint32(H.headerCrc, true);
  const copy = sector.slice(0, size);
  new DataView(copy.buffer).setUint32(H.headerCrc, 0, true);
  if (crc32(copy) !== crc) return 'header CRC32 mismatch';
  const myLba = Number(v.getBigUint64(H.myLba, true));
  if (myLba !== lba) return `header says it is at LBA ${myLba}, found at ${lba}`;
  const entrySize = v.getUint32(H.entrySize, true);
  const entryCount = v.getUint32(H.entryCount, true);
  if (entrySize < 128 || entrySize % 8 !== 0 || entryCount === 0 || entryCount > 4096)
    return `entry array of ${entryCount} × ${entrySize} bytes is invalid`;
  return {
    myLba,
    alternateLba: Number(v.getBigUint64(H.alternateLba, true)),
    firstUsableLba: Number(v.getBigUint64(H.firstUsableLba, true)),
    lastUsableLba: Number(v.getBigUint64(H.lastUsableLba, true)),
    diskGuid: decodeGuid(sector, H.diskGuid),
    entriesLba: Number(v.getBigUint64(H.entriesLba, true)),
    entryCount,
    entrySize,
    entriesCrc: v.getUint32(H.entriesCrc, true),
  };
}

export function decodeEntries(bytes: Uint8Array, count: number, size: number): GptPartition[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out: GptPartition[] = [];
  for (let n = 0; n < count; n++) {
    const at = n * size;
    const typeGuid = decodeGuid(bytes, at + E.type);
    if (typeGuid === NIL_GUID) continue; // unused entry
    out.push({
      number: n + 1,
      typeGuid,
      uniqueGuid: decodeGuid(bytes, at + E.unique),
      firstLba: Number(v.getBigUint64(at + E.firstLba, true)),
      lastLba: Number(v.getBigUint64(at + E.lastLba, true)),
      attributes: v.getBigUint64(at + E.attributes, true),
      name: decodeName(bytes, at + E.name),
    });
  }
  return out;
}

export interface GptReadResult {
  readonly layout: GptLayout;
  readonly primaryValid: boolean;
  readonly backupValid: boolean;
  /** What was wrong with either copy (empty when both are fine). */
  readonly problems: readonly string[];
}

async function readCopy(
  dev: SectorDevice,
  headerLba: number,
): Promise<{ header: DecodedHeader; entries: Uint8Array } | string> {
  const header = decodeHeader(await dev.read(headerLba, 1), headerLba);
  if (typeof header === 'string') return header;
  const bytes = header.entryCount * header.entrySize;
  const count = Math.ceil(bytes / SECTOR_SIZE);
  if (header.entriesLba < 0 || header.entriesLba + count > dev.sectors)
    return `entry array at LBA ${header.entriesLba} is outside the disk`;
  const entries = (await dev.read(header.entriesLba, count)).subarray(0, bytes);
  if (crc32(entries) !== header.entriesCrc) return 'partition entry array CRC32 mismatch';
  return { header, entries };
}

/**
 * Reads the GPT: the primary copy if it is valid, else the backup (UEFI
 * §5.3.2). Returns null when neither copy is valid.
 */
export async function readGpt(dev: SectorDevice): Promise<GptReadResult | null> {
  if (dev.sectors < minimumSectors()) return null;
  const problems: string[] = [];
  const primary = await readCopy(dev, 1);
  if (typeof primary === 'string') problems.push(`primary GPT: ${primary}`);
  const backupLba =
    typeof primary !== 'string' && primary.header.alternateLba < dev.sectors
      ? primary.header.alternateLba
      : dev.sectors - 1;
  const backup = await readCopy(dev, backupLba);
  if (typeof backup === 'string') problems.push(`backup GPT: ${backup}`);
  const good = typeof primary !== 'string' ? primary : typeof backup !== 'string' ? backup : null;
  if (!good) return null;
  const partitions = decodeEntries(good.entries, good.header.entryCount, good.header.entrySize);
  return {
    layout: { diskGuid: good.header.diskGuid, sectors: dev.sectors, partitions },
    primaryValid: typeof primary !== 'string',
    backupValid: typeof backup !== 'string',
    problems,
  };
}

/** Writes the protective MBR and both GPT copies, then flushes. */
export async function writeGpt(dev: SectorDevice, layout: GptLayout): Promise<void> {
  if (layout.sectors !== dev.sectors)
    throw new StorageError(
      'layout',
      `GPT for ${layout.sectors} sectors on a ${dev.sectors}-sector disk`,
    );
  const enc = encodeGpt(layout);
  await dev.write(0, enc.primary);
  await dev.write(enc.backupLba, enc.backup);
  await dev.flush();
}

// ------------------------------------------------------------------ editing

/** Throws unless every partition lies in the usable area, without overlaps, with unique numbers. */
export function checkLayout(layout: GptLayout): void {
  if (layout.sectors < minimumSectors())
    throw new StorageError('layout', `a ${layout.sectors}-sector disk is too small for a GPT`);
  const first = firstUsableLba();
  const last = lastUsableLba(layout.sectors);
  const sorted = [...layout.partitions].sort((a, b) => a.firstLba - b.firstLba);
  const numbers = new Set<number>();
  sorted.forEach((p, i) => {
    if (numbers.has(p.number))
      throw new StorageError('layout', `partition number ${p.number} is used twice`);
    numbers.add(p.number);
    if (p.firstLba < first || p.lastLba > last || p.firstLba > p.lastLba)
      throw new StorageError(
        'layout',
        `partition ${p.number} (LBA ${p.firstLba}–${p.lastLba}) is outside the usable area ${first}–${last}`,
      );
    const prev = sorted[i - 1];
    if (prev && prev.lastLba >= p.firstLba)
      throw new StorageError('layout', `partitions ${prev.number} and ${p.number} overlap`);
  });
}

/** A new, empty layout for a disk of `sectors`. */
export function emptyLayout(sectors: number, random?: RandomSource): GptLayout {
  const layout = { diskGuid: randomGuid(random), sectors, partitions: [] };
  checkLayout(layout);
  return layout;
}

export interface NewPartition {
  name: string;
  sectors: number;
  typeGuid?: string;
  uniqueGuid?: string;
  /** Exact start (default: the first aligned gap that fits). */
  firstLba?: number;
}

/** Free extents [first, last] (inclusive) of the usable area. */
export function freeExtents(layout: GptLayout): [number, number][] {
  const out: [number, number][] = [];
  let cursor = firstUsableLba();
  const end = lastUsableLba(layout.sectors);
  for (const p of [...layout.partitions].sort((a, b) => a.firstLba - b.firstLba)) {
    if (p.firstLba > cursor) out.push([cursor, p.firstLba - 1]);
    cursor = Math.max(cursor, p.lastLba + 1);
  }
  if (cursor <= end) out.push([cursor, end]);
  return out;
}

/** Adds a partition in the lowest free slot and the first 1 MiB-aligned gap that holds it. */
export function addPartition(
  layout: GptLayout,
  spec: NewPartition,
  random?: RandomSource,
): { layout: GptLayout; partition: GptPartition } {
  if (!Number.isSafeInteger(spec.sectors) || spec.sectors <= 0)
    throw new StorageError('layout', `partition size of ${spec.sectors} sectors is invalid`);
  if (spec.name.length === 0 || spec.name.length > GPT_NAME_UNITS)
    throw new StorageError('layout', `partition name must be 1–${GPT_NAME_UNITS} characters`);
  if (layout.partitions.some((p) => p.name === spec.name))
    throw new StorageError('layout', `a partition named "${spec.name}" already exists`);
  const used = new Set(layout.partitions.map((p) => p.number));
  let number = 1;
  while (used.has(number)) number++;
  if (number > GPT_ENTRY_COUNT)
    throw new StorageError('layout', `all ${GPT_ENTRY_COUNT} partition entries are in use`);
  let start: number | undefined;
  for (const [a, b] of freeExtents(layout)) {
    const s = spec.firstLba ?? Math.ceil(a / PARTITION_ALIGNMENT) * PARTITION_ALIGNMENT;
    if (s >= a && s + spec.sectors - 1 <= b) {
      start = s;
      break;
    }
  }
  if (start === undefined) {
    const biggest = Math.max(0, ...freeExtents(layout).map(([a, b]) => b - a + 1));
    throw new StorageError(
      'layout',
      `no free space for ${formatBytes(spec.sectors * SECTOR_SIZE)} (largest gap ${formatBytes(biggest * SECTOR_SIZE)})`,
    );
  }
  const partition: GptPartition = {
    number,
    typeGuid: spec.typeGuid ?? PartitionType.linuxFilesystem,
    uniqueGuid: spec.uniqueGuid ?? randomGuid(random),
    firstLba: start,
    lastLba: start + spec.sectors - 1,
    attributes: 0n,
    name: spec.name,
  };
  const next = {
    ...layout,
    partitions: [...layout.partitions, partition].sort((a, b) => a.number - b.number),
  };
  checkLayout(next);
  return { layout: next, partition };
}

export function removePartition(layout: GptLayout, number: number): GptLayout {
  if (!layout.partitions.some((p) => p.number === number))
    throw new StorageError('layout', `there is no partition ${number}`);
  return { ...layout, partitions: layout.partitions.filter((p) => p.number !== number) };
}

/** "20.0 GiB", "512.0 MiB", "4.0 KiB" — sgdisk's style. */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  let v = n;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} bytes` : `${v.toFixed(1)} ${units[u]}`;
}
