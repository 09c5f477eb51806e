import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, readFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The standard FAT tools Sprout's disks are checked with: mtools (mdir,
 * mtype, mcopy, mformat, mmd) and dosfstools' fsck.fat. Images move between
 * the tests' memory and files; zero megabytes stay holes in the file, so a
 * 600 MiB FAT32 disk costs what was written to it.
 */

export const fatToolsAvailable = ['mtype', 'mdir', 'mformat', 'mcopy', 'mmd', 'fsck.fat'].every(
  (t) => spawnSync('sh', ['-c', `command -v ${t}`]).status === 0,
);

export function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), 'sprout-'));
}

/** Write an image as a sparse file. */
export function saveImage(path: string, image: Uint8Array): void {
  const fd = openSync(path, 'w');
  try {
    const chunk = 1 << 20;
    const words = new Uint32Array(image.buffer, image.byteOffset, image.byteLength >>> 2);
    for (let off = 0; off < image.length; off += chunk) {
      let zero = true;
      for (let i = off >>> 2, end = Math.min(off + chunk, image.length) >>> 2; i < end; i++) {
        if (words[i] !== 0) {
          zero = false;
          break;
        }
      }
      if (!zero) writeSync(fd, image, off, Math.min(chunk, image.length - off), off);
    }
    ftruncateSync(fd, image.length);
  } finally {
    closeSync(fd);
  }
}

export function loadImage(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

const env = { ...process.env, MTOOLS_SKIP_CHECK: '0', MTOOLS_NO_VFAT: '0', LC_ALL: 'C' };

export function mtools(cmd: string, ...args: string[]): string {
  return execFileSync(cmd, args, { env, encoding: 'latin1', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** mtype of one file. */
export function mtype(image: string, path: string): string {
  return mtools('mtype', '-i', image, `::${path}`);
}

/** fsck.fat -n (check only): exit code and report. */
export function fsckFat(image: string): { code: number; report: string } {
  const r = spawnSync('fsck.fat', ['-n', '-v', image], { encoding: 'latin1', env });
  return { code: r.status ?? -1, report: `${r.stdout}${r.stderr}` };
}
