import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ImagePiece } from '../server/storage/disk-image.ts';
import type { HostFiles } from '../server/shell/host-files.ts';

/** The host's file system for `disk export` / `disk import` in `tabvisor shell` (paths relative to the process's cwd). */
export class NodeHostFiles implements HostFiles {
  readonly description = 'the host file system';

  async writeImage(path: string, size: number, pieces: AsyncIterable<ImagePiece>): Promise<void> {
    const fh = await open(resolve(path), 'w');
    try {
      // Sized first, data written where it is: the holes of the export stay holes in the file.
      await fh.truncate(size);
      for await (const p of pieces) if (p.data) await fh.write(p.data, 0, p.length, p.offset);
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  async readImage(path: string): Promise<{ size: number; chunks: AsyncIterable<Uint8Array> }> {
    const full = resolve(path);
    const { size } = await stat(full);
    async function* chunks(): AsyncGenerator<Uint8Array> {
      const fh = await open(full, 'r');
      try {
        const buf = new Uint8Array(1024 * 1024);
        for (let pos = 0; pos < size;) {
          const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - pos), pos);
          if (bytesRead === 0) break;
          pos += bytesRead;
          yield buf.slice(0, bytesRead);
        }
      } finally {
        await fh.close();
      }
    }
    return { size, chunks: chunks() };
  }
}
