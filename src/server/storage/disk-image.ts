import { isAllZero, type BlockDevice } from './block-device';
import { formatBytes } from './gpt';
import { SECTOR_SIZE, checkRange, type SectorDevice } from './sector-device';
import { StorageError } from './storage-error';

/**
 * Raw images in and out of the host disk. Export walks the allocated
 * chunks only: holes come out as `data: null` pieces, so a writer can keep
 * the image sparse (a Node file: skip them; a browser download: a stream
 * that expands them to zeros). Import checks the size before writing a
 * byte, so a wrong image changes nothing; all-zero stretches become holes.
 */

export interface ImagePiece {
  /** Byte offset in the image. */
  readonly offset: number;
  readonly length: number;
  /** The bytes, or null for a hole (all zeros). */
  readonly data: Uint8Array | null;
}

export interface ImageRange {
  /** First sector on the device. */
  readonly start: number;
  readonly sectors: number;
}

/** The pieces of an image of `range` of `dev` (the whole device by default), in order. */
export async function* exportImage(
  dev: BlockDevice,
  range: ImageRange = { start: 0, sectors: dev.sectors },
): AsyncGenerator<ImagePiece> {
  checkRange(dev, range.start, range.sectors);
  const from = range.start * SECTOR_SIZE;
  const to = from + range.sectors * SECTOR_SIZE;
  const cs = dev.chunkSize;
  const allocated = dev.allocatedChunks().filter((i) => (i + 1) * cs > from && i * cs < to);
  let cursor = from;
  for (const i of allocated) {
    const a = Math.max(from, i * cs);
    const b = Math.min(to, (i + 1) * cs);
    if (a > cursor) yield { offset: cursor - from, length: a - cursor, data: null };
    const data = await dev.read(a / SECTOR_SIZE, (b - a) / SECTOR_SIZE);
    // A chunk of zeros (written but not yet dropped by a flush) is a hole too.
    yield isAllZero(data)
      ? { offset: a - from, length: b - a, data: null }
      : { offset: a - from, length: b - a, data };
    cursor = b;
  }
  if (cursor < to) yield { offset: cursor - from, length: to - cursor, data: null };
}

/** The image as a byte stream with holes expanded (a browser download, a pipe). */
export function imageStream(
  pieces: AsyncIterable<ImagePiece>,
  zeroBlock = 1 << 20,
): ReadableStream<Uint8Array> {
  const it = pieces[Symbol.asyncIterator]();
  let hole = 0;
  const zeros = new Uint8Array(zeroBlock);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (hole > 0) {
        const n = Math.min(hole, zeros.length);
        hole -= n;
        controller.enqueue(n === zeros.length ? zeros.slice() : new Uint8Array(n));
        return;
      }
      const next = await it.next();
      if (next.done) {
        controller.close();
        return;
      }
      if (next.value.data) controller.enqueue(next.value.data);
      else {
        hole = next.value.length;
        const n = Math.min(hole, zeros.length);
        hole -= n;
        controller.enqueue(new Uint8Array(n));
      }
    },
    async cancel() {
      await it.return?.(undefined);
    },
  });
}

export interface ImportResult {
  readonly bytes: number;
  /** Bytes that were all zeros and became holes. */
  readonly zeroBytes: number;
}

/**
 * Writes a raw image of `size` bytes to the start of `target` (a partition),
 * then flushes. The size is checked first: it must be whole sectors and fit.
 */
export async function importImage(
  target: SectorDevice,
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  size: number,
  opts: { blockBytes?: number; what?: string } = {},
): Promise<ImportResult> {
  const what = opts.what ?? 'the target';
  if (!Number.isSafeInteger(size) || size <= 0 || size % SECTOR_SIZE !== 0)
    throw new StorageError(
      'size',
      `an image must be a whole number of 512-byte sectors (got ${size} bytes)`,
    );
  const capacity = target.sectors * SECTOR_SIZE;
  if (size > capacity)
    throw new StorageError(
      'size',
      `the image is ${formatBytes(size)} (${size} bytes) but ${what} holds only ${formatBytes(capacity)} (${capacity} bytes)`,
    );
  const block = opts.blockBytes ?? 1 << 20;
  const buf = new Uint8Array(block);
  let fill = 0;
  let written = 0;
  let zeroBytes = 0;
  let received = 0;
  const put = async (n: number): Promise<void> => {
    const lba = written / SECTOR_SIZE;
    const part = buf.subarray(0, n);
    if (isAllZero(part)) {
      await target.writeZeroes(lba, n / SECTOR_SIZE);
      zeroBytes += n;
    } else {
      await target.write(lba, part.slice());
    }
    written += n;
  };
  for await (const piece of source) {
    received += piece.length;
    if (received > size)
      throw new StorageError('size', `the image is longer than the ${size} bytes announced`);
    let at = 0;
    while (at < piece.length) {
      const n = Math.min(block - fill, piece.length - at);
      buf.set(piece.subarray(at, at + n), fill);
      fill += n;
      at += n;
      if (fill === block) {
        await put(block);
        fill = 0;
      }
    }
  }
  if (fill > 0) await put(fill);
  await target.flush();
  if (received !== size)
    throw new StorageError(
      'size',
      `the image ended after ${received} of the ${size} bytes announced; ${received} bytes were imported`,
    );
  return { bytes: written, zeroBytes };
}
