import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BlockDevice } from '../../../src/server/storage/block-device';
import { crc32 } from '../../../src/server/storage/crc32';
import {
  GPT_ENTRY_SECTORS,
  PARTITION_ALIGNMENT,
  PartitionType,
  addPartition,
  decodeHeader,
  emptyLayout,
  encodeGpt,
  readGpt,
  removePartition,
  writeGpt,
} from '../../../src/server/storage/gpt';
import { decodeGuid, encodeGuid, randomGuid } from '../../../src/server/storage/guid';
import { HostDisk, SEED_PARTITIONS } from '../../../src/server/storage/host-disk';
import { MemoryChunkStore } from '../../../src/server/storage/memory-chunk-store';
import { NodeFileChunkStore } from '../../../src/server/storage/node-file-chunk-store';
import { writeImageFile } from '../../../src/server/storage/node-image-file';
import { exportImage } from '../../../src/server/storage/disk-image';
import { StorageError } from '../../../src/server/storage/storage-error';

const dir = mkdtempSync(join(tmpdir(), 'tabvisor-gpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** A deterministic random source, so layouts are reproducible. */
function seeded(seed: number): (b: Uint8Array) => void {
  let x = seed >>> 0 || 1;
  return (b) => {
    for (let i = 0; i < b.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      b[i] = x & 0xff;
    }
  };
}

interface SgdiskRow {
  number: number;
  start: number;
  end: number;
  code: string;
  name: string;
}

/** `sgdisk -p` output's partition table rows. */
function sgdiskRows(out: string): SgdiskRow[] {
  const rows: SgdiskRow[] = [];
  for (const line of out.split('\n')) {
    const m = /^\s+(\d+)\s+(\d+)\s+(\d+)\s+[\d.]+ \S+\s+([0-9A-F]{4})\s+(.*)$/.exec(line);
    if (m)
      rows.push({ number: +m[1]!, start: +m[2]!, end: +m[3]!, code: m[4]!, name: m[5]!.trim() });
  }
  return rows;
}

describe('CRC32 and GUIDs', () => {
  it('computes the ISO 3309 CRC32 ("123456789" → CBF43926, the standard check value)', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('stores GUIDs mixed-endian (UEFI Appendix A): Linux filesystem data as AF 3D C6 0F 83 84 72 47 8E 79…', () => {
    const b = new Uint8Array(16);
    encodeGuid(PartitionType.linuxFilesystem, b);
    expect([...b].map((x) => x.toString(16).padStart(2, '0')).join(' ')).toBe(
      'af 3d c6 0f 83 84 72 47 8e 79 3d 69 d8 47 7d e4',
    );
    expect(decodeGuid(b)).toBe(PartitionType.linuxFilesystem);
  });

  it('makes version-4 GUIDs that differ', () => {
    const a = randomGuid();
    const b = randomGuid();
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
  });
});

describe('GPT encoding', () => {
  const sectors = (8 * GiB) / 512;
  const layout = addPartition(
    addPartition(emptyLayout(sectors, seeded(1)), { name: 'alpha', sectors: 4096 }, seeded(2))
      .layout,
    { name: 'beta ✓', sectors: 10000 },
    seeded(3),
  ).layout;

  it('writes the protective MBR, both headers and both entry arrays where UEFI §5.3 puts them', () => {
    const enc = encodeGpt(layout);
    const mbr = enc.primary.subarray(0, 512);
    expect([mbr[510], mbr[511]]).toEqual([0x55, 0xaa]);
    expect(mbr[446 + 4]).toBe(0xee);
    expect(new DataView(mbr.buffer).getUint32(446 + 8, true)).toBe(1);
    expect(new DataView(mbr.buffer).getUint32(446 + 12, true)).toBe(sectors - 1);
    const primary = decodeHeader(enc.primary.subarray(512, 1024), 1);
    if (typeof primary === 'string') throw new Error(primary);
    expect(primary).toMatchObject({
      myLba: 1,
      alternateLba: sectors - 1,
      firstUsableLba: 34,
      lastUsableLba: sectors - 34,
      entriesLba: 2,
      entryCount: 128,
      entrySize: 128,
      diskGuid: layout.diskGuid,
    });
    const entries = enc.primary.subarray(1024, 1024 + GPT_ENTRY_SECTORS * 512);
    expect(primary.entriesCrc).toBe(crc32(entries));
    expect(enc.backupLba).toBe(sectors - 33);
    expect(enc.backup.subarray(0, GPT_ENTRY_SECTORS * 512)).toEqual(entries);
    const backup = decodeHeader(enc.backup.subarray(GPT_ENTRY_SECTORS * 512), sectors - 1);
    if (typeof backup === 'string') throw new Error(backup);
    expect(backup).toMatchObject({ myLba: sectors - 1, alternateLba: 1, entriesLba: sectors - 33 });
    // Header CRC: recomputed independently over the 92 bytes with the field zeroed.
    const h = enc.primary.slice(512, 512 + 92);
    const stored = new DataView(h.buffer).getUint32(16, true);
    new DataView(h.buffer).setUint32(16, 0, true);
    expect(crc32(h)).toBe(stored);
  });

  it('round-trips through a disk: names (UTF-16LE), GUIDs, LBAs', async () => {
    const dev = await BlockDevice.open(new MemoryChunkStore(), { sizeBytes: 8 * GiB });
    await writeGpt(dev, layout);
    const back = await readGpt(dev);
    expect(back?.problems).toEqual([]);
    expect(back?.layout).toEqual(layout);
    expect(back?.layout.partitions.map((p) => [p.number, p.name, p.firstLba])).toEqual([
      [1, 'alpha', 2048],
      [2, 'beta ✓', 2048 + 4096],
    ]);
  });

  it('falls back to the backup when the primary header is damaged, and says so', async () => {
    const dev = await BlockDevice.open(new MemoryChunkStore(), { sizeBytes: 8 * GiB });
    await writeGpt(dev, layout);
    const h = await dev.read(1, 1);
    h[40] = (h[40] as number) ^ 1; // FirstUsableLBA changed: the header CRC no longer matches
    await dev.write(1, h);
    const back = await readGpt(dev);
    expect(back?.primaryValid).toBe(false);
    expect(back?.backupValid).toBe(true);
    expect(back?.problems.join()).toMatch(/primary GPT: header CRC32 mismatch/);
    expect(back?.layout.partitions).toEqual(layout.partitions);
  });

  it('detects a damaged entry array by its CRC', async () => {
    const dev = await BlockDevice.open(new MemoryChunkStore(), { sizeBytes: 8 * GiB });
    await writeGpt(dev, layout);
    const e = await dev.read(2, 1);
    e[56] = (e[56] as number) ^ 0x20; // a letter of partition 1's name
    await dev.write(2, e);
    const back = await readGpt(dev);
    expect(back?.problems.join()).toMatch(/primary GPT: partition entry array CRC32 mismatch/);
    expect(back?.layout.partitions[0]?.name).toBe('alpha');
  });

  it('places partitions first-fit on 1 MiB boundaries and reuses freed slots and gaps', () => {
    let l = emptyLayout(sectors, seeded(9));
    for (const [name, n] of [
      ['a', 100],
      ['b', 5000],
      ['c', 2048],
    ] as const)
      l = addPartition(l, { name, sectors: n }, seeded(n)).layout;
    expect(l.partitions.map((p) => [p.number, p.firstLba, p.lastLba])).toEqual([
      [1, 2048, 2147],
      [2, 4096, 9095],
      [3, 10240, 12287],
    ]);
    l = removePartition(l, 2);
    const r = addPartition(l, { name: 'd', sectors: 4096 }, seeded(4));
    expect([
      r.partition.number,
      r.partition.firstLba % PARTITION_ALIGNMENT,
      r.partition.firstLba,
    ]).toEqual([2, 0, 4096]);
  });

  it.each([
    ['a duplicate name', { name: 'alpha', sectors: 1 }, /already exists/],
    ['a name over 36 characters', { name: 'x'.repeat(37), sectors: 1 }, /1–36 characters/],
    ['more space than the disk has', { name: 'huge', sectors: sectors }, /no free space/],
    ['a size of zero', { name: 'z', sectors: 0 }, /size/],
  ])('refuses %s', (_w, spec, msg) => {
    expect(() => addPartition(layout, spec)).toThrow(msg);
    expect(() => addPartition(layout, spec)).toThrow(StorageError);
  });
});

describe('HostDisk and standard tools', () => {
  it('creates a GPT with the seeded guests on first boot and keeps it on the next', async () => {
    const store = new MemoryChunkStore();
    const disk = await HostDisk.open(store);
    expect(disk.firstBoot).toBe(true);
    expect(disk.sizeBytes).toBe(500 * GiB);
    expect(disk.partitions().map((p) => [p.device, p.name, p.sizeBytes])).toEqual([
      ['/dev/sda1', 'sprout-hvm', 20 * GiB],
      ['/dev/sda2', 'sprout-pv', 20 * GiB],
      ['/dev/sda3', 'sprout-hvm2', 20 * GiB],
    ]);
    expect(SEED_PARTITIONS).toHaveLength(3);
    // The whole 500 GiB disk with its GPT stores two chunks: the start and the end.
    expect(await store.listChunks()).toEqual([0, 500 * 1024 - 1]);
    const again = await HostDisk.open(store.reopen());
    expect(again.firstBoot).toBe(false);
    expect(again.layout).toEqual(disk.layout);
  });

  it('shares a host disk too small for the seeds equally, in whole MiB', async () => {
    const disk = await HostDisk.open(new MemoryChunkStore(), { sizeBytes: 1 * GiB });
    const sizes = disk.partitions().map((p) => p.sizeBytes);
    expect(disk.partitions().map((p) => p.name)).toEqual([
      'sprout-hvm',
      'sprout-pv',
      'sprout-hvm2',
    ]);
    expect(new Set(sizes).size).toBe(1);
    expect(sizes[0]! % MiB).toBe(0);
    expect(sizes[0]!).toBeGreaterThan(300 * MiB);
    expect(sizes[0]! * 3).toBeLessThan(1 * GiB);
  });

  it('refuses, clearly, a host disk too small for a partition per guest', async () => {
    await expect(HostDisk.open(new MemoryChunkStore(), { sizeBytes: 4 * MiB })).rejects.toThrow(
      /too small for 3 guest partitions/,
    );
  });

  it('resolves phy: targets: /dev/sdaN, by-partlabel and VG/NAME, never the whole disk', async () => {
    const disk = await HostDisk.open(new MemoryChunkStore());
    expect(disk.resolveDevicePath('/dev/sda2').name).toBe('sprout-pv');
    expect(disk.resolveDevicePath('/dev/disk/by-partlabel/sprout-hvm2').number).toBe(3);
    expect(disk.resolveDevicePath('/dev/vg0/sprout-hvm').number).toBe(1);
    expect(() => disk.resolveDevicePath('/dev/sda')).toThrow(/whole host disk/);
    expect(() => disk.resolveDevicePath('/dev/sda9')).toThrow(/does not exist/);
  });

  it('repairs a damaged primary GPT from the backup when it opens', async () => {
    const store = new MemoryChunkStore();
    const disk = await HostDisk.open(store, {
      sizeBytes: 1 * GiB,
      seed: [{ name: 'g', sizeBytes: 64 * MiB }],
    });
    const hdr = await disk.device.read(1, 1);
    hdr[0] = 0; // break the signature
    await disk.device.write(1, hdr);
    await disk.flush();
    const second = store.reopen();
    const again = await HostDisk.open(second);
    expect(again.problems.join()).toMatch(/signature/);
    const third = await HostDisk.open(second.reopen());
    expect(third.problems).toEqual([]);
    expect(third.partitions().map((p) => p.name)).toEqual(['g']);
  });

  it('will not put a new GPT over a disk that has data but no GPT', async () => {
    const store = new MemoryChunkStore();
    const dev = await BlockDevice.open(store, { sizeBytes: 1 * GiB });
    await dev.write(5000, new Uint8Array(512).fill(1));
    await dev.flush();
    await expect(HostDisk.open(store.reopen())).rejects.toMatchObject({ code: 'corrupt' });
  });

  it('exports a 500 GiB host disk that sgdisk -p reads with the expected partitions, and sgdisk -v finds no problems', async () => {
    const disk = await HostDisk.open(new MemoryChunkStore(), { random: seeded(42) });
    await disk.createPartition('scratch', 512 * MiB);
    await disk.deletePartition(2);
    const G20 = (20 * GiB) / 512;
    const M512 = (512 * MiB) / 512;
    const path = join(dir, 'host.img');
    const size = await writeImageFile(path, exportImage(disk.device));
    expect(size).toBe(500 * GiB);
    const out = execFileSync('sgdisk', ['-p', path], { encoding: 'utf8' });
    expect(out).toContain(`Disk identifier (GUID): ${disk.layout.diskGuid}`);
    expect(out).toMatch(/Disk .*: 1048576000 sectors, 500\.0 GiB/);
    expect(sgdiskRows(out)).toEqual([
      { number: 1, start: 2048, end: 2048 + G20 - 1, code: '8300', name: 'sprout-hvm' },
      {
        number: 3,
        start: 2048 + 2 * G20,
        end: 2048 + 3 * G20 - 1,
        code: '8300',
        name: 'sprout-hvm2',
      },
      // The new partition took the first free slot after 3 (2 was deleted after it was made).
      {
        number: 4,
        start: 2048 + 3 * G20,
        end: 2048 + 3 * G20 + M512 - 1,
        code: '8300',
        name: 'scratch',
      },
    ]);
    const verify = execFileSync('sgdisk', ['-v', path], { encoding: 'utf8' });
    expect(verify).toMatch(/No problems found/);
  });

  it('reads a GPT that sgdisk wrote (a raw image with no chunk map)', async () => {
    const path = join(dir, 'sgdisk-made.img');
    execFileSync('truncate', ['-s', '256M', path]);
    execFileSync(
      'sgdisk',
      [
        '-o',
        '-n',
        '1:2048:+64M',
        '-c',
        '1:boot',
        '-t',
        '1:ef00',
        '-n',
        '2:0:0',
        '-c',
        '2:rest',
        path,
      ],
      {
        stdio: 'ignore',
      },
    );
    const disk = await HostDisk.open(await NodeFileChunkStore.open(path));
    expect(disk.firstBoot).toBe(false);
    expect(
      disk.partitions().map((p) => [p.number, p.name, p.typeGuid, p.firstLba, p.sectors]),
    ).toEqual([
      [1, 'boot', PartitionType.efiSystem, 2048, 64 * 2048],
      // `-n 2:0:0`: from the next aligned sector to the last usable LBA (size − 34).
      [
        2,
        'rest',
        PartitionType.linuxFilesystem,
        2048 + 64 * 2048,
        256 * 2048 - 34 - (2048 + 64 * 2048) + 1,
      ],
    ]);
    await disk.close();
  });

  it('keeps the host disk as a sparse file that sgdisk reads directly (Node backend)', async () => {
    const path = join(dir, 'direct.img');
    const disk = await HostDisk.open(await NodeFileChunkStore.open(path), { random: seeded(7) });
    await disk.close();
    const rows = sgdiskRows(execFileSync('sgdisk', ['-p', path], { encoding: 'utf8' }));
    expect(rows.map((r) => r.name)).toEqual(['sprout-hvm', 'sprout-pv', 'sprout-hvm2']);
  });
});
