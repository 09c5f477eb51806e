import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportImage, imageStream, importImage } from '../../../src/server/storage/disk-image';
import { readImageFile, writeImageFile } from '../../../src/server/storage/node-image-file';
import { StorageError } from '../../../src/server/storage/storage-error';
import { sameBytes } from './bytes';
import { pattern } from './chunk-store-contract';
import { MiB, smallHostDisk } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'tabvisor-image-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A FAT image made with mtools, with one file in it. */
function fatImage(name: string, sizeKiB: number, text: string): string {
  const img = join(dir, name);
  execFileSync('mkfs.fat', ['-C', '-n', 'TABVISOR', img, String(sizeKiB)], { stdio: 'ignore' });
  const txt = join(dir, `${name}.txt`);
  writeFileSync(txt, text);
  execFileSync('mcopy', ['-i', img, txt, '::/HELLO.TXT']);
  return img;
}

describe('raw images in and out of partitions', () => {
  it('imports a FAT image into a partition; the exported partition is read by mtools and passes fsck.fat -n', async () => {
    const { disk } = await smallHostDisk();
    const img = fatImage('fs.img', 8192, 'written by the tests\n');
    const { size, source } = await readImageFile(img);
    const part = disk.partitionDevice(2);
    const r = await importImage(part, source, size, { what: '/dev/sda2' });
    expect(r.bytes).toBe(8 * MiB);
    expect(r.zeroBytes).toBeGreaterThan(4 * MiB); // an empty FAT is mostly zeros: those became holes
    // The neighbours are untouched.
    expect((await disk.partitionDevice(1).read(0, 8)).every((b) => b === 0)).toBe(true);
    expect((await disk.partitionDevice(3).read(0, 8)).every((b) => b === 0)).toBe(true);
    const p = disk.partition(2);
    const out = join(dir, 'sda2.img');
    await writeImageFile(
      out,
      exportImage(disk.device, { start: p.firstLba, sectors: p.lastLba - p.firstLba + 1 }),
    );
    expect(statSync(out).size).toBe(64 * MiB);
    expect(execFileSync('mtype', ['-i', out, '::/HELLO.TXT'], { encoding: 'utf8' })).toBe(
      'written by the tests\n',
    );
    expect(execFileSync('mdir', ['-i', out, '-b', '::/'], { encoding: 'utf8' })).toContain(
      'HELLO.TXT',
    );
    const fsck = spawnSync('fsck.fat', ['-n', out], { encoding: 'utf8' });
    expect(fsck.status).toBe(0);
    // The first 8 MiB of the export are the image exactly.
    expect(sameBytes(readFileSync(out).subarray(0, size), readFileSync(img))).toBe(true);
  });

  it.each([
    [
      'bigger than the partition',
      64 * MiB + 512,
      /image is 64\.0 MiB .* but \/dev\/sda1 holds only 64\.0 MiB/,
    ],
    ['not whole sectors', 1000, /whole number of 512-byte sectors/],
  ])('refuses an image %s before writing anything', async (_w, size, msg) => {
    const { disk, store } = await smallHostDisk();
    await disk.partitionDevice(1).write(0, pattern(3, 512));
    await disk.flush();
    const before = await store.listChunks();
    const source = [new Uint8Array(size).fill(0x5a)];
    const err = await importImage(disk.partitionDevice(1), source, size, {
      what: '/dev/sda1',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).code).toBe('size');
    expect((err as Error).message).toMatch(msg);
    await disk.flush();
    expect(await store.listChunks()).toEqual(before);
    expect(sameBytes(await disk.partitionDevice(1).read(0, 1), pattern(3, 512))).toBe(true);
  });

  it('says so when the image is shorter than announced', async () => {
    const { disk } = await smallHostDisk();
    const err = await importImage(disk.partitionDevice(1), [new Uint8Array(1024)], 4096).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toMatch(/ended after 1024 of the 4096 bytes/);
  });

  it('streams an export with holes expanded, byte-identical to the device', async () => {
    const { disk } = await smallHostDisk();
    const p = disk.partition(3);
    await disk.device.write(p.firstLba + 2000, pattern(4, 4096));
    const reader = imageStream(
      exportImage(disk.device, { start: p.firstLba, sectors: 4096 }),
      64 * 1024,
    ).getReader();
    const parts: Uint8Array[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
    }
    const all = Buffer.concat(parts);
    expect(all.length).toBe(4096 * 512);
    expect(sameBytes(all, await disk.device.read(p.firstLba, 4096))).toBe(true);
  });
});
