import type { ImagePiece } from '../storage/disk-image.ts';

/**
 * Files on the machine the VM server runs on, outside its own tree: where
 * `disk export` writes a raw image and `disk import` reads one. Node has
 * them (src/cli injects an implementation); in the browser there are none —
 * the desktop downloads and uploads images through the worker API instead.
 */
export interface HostFiles {
  readonly description: string;
  /** Writes a raw image of `size` bytes from its pieces; holes stay holes (a sparse file). */
  writeImage(path: string, size: number, pieces: AsyncIterable<ImagePiece>): Promise<void>;
  /** A host file's size and its bytes in order. */
  readImage(path: string): Promise<{ size: number; chunks: AsyncIterable<Uint8Array> }>;
}
