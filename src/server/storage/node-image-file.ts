/**
 * Node only (node:fs): raw image files for export and import from the CLI
 * and the tests. Never imported by browser code.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { ImagePiece } from './disk-image';

/** Writes image pieces to `path` as a sparse file: holes are skipped, the size is set at the end. */
export async function writeImageFile(
  path: string,
  pieces: AsyncIterable<ImagePiece>,
): Promise<number> {
  const fh = await open(path, 'w');
  let size = 0;
  try {
    for await (const p of pieces) {
      if (p.data) {
        let done = 0;
        while (done < p.data.length) {
          const { bytesWritten } = await fh.write(
            p.data,
            done,
            p.data.length - done,
            p.offset + done,
          );
          done += bytesWritten;
        }
      }
      size = Math.max(size, p.offset + p.length);
    }
    await fh.truncate(size);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return size;
}

/** A raw image file as a source for importImage: its size and its bytes in order. */
export async function readImageFile(
  path: string,
): Promise<{ size: number; source: AsyncIterable<Uint8Array> }> {
  const size = (await stat(path)).size;
  return {
    size,
    source: createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>,
  };
}
