import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { looksLikeElf, type GuestImageSource } from '../server/files/guest-images.ts';

/** The checkout's prebuilt guest images (public/guests), as the static site serves them. */
export const DEFAULT_GUEST_DIR = fileURLToPath(new URL('../../public/guests/', import.meta.url));

/** Guest images from a host directory (Node). */
export class DirectoryImageSource implements GuestImageSource {
  readonly description: string;

  constructor(readonly dir: string = DEFAULT_GUEST_DIR) {
    this.description = `directory ${dir}`;
  }

  async list(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((n) => n.endsWith('.elf')).sort();
    } catch {
      return [];
    }
  }

  async read(name: string): Promise<Uint8Array | null> {
    if (name.includes('/') || name.startsWith('.')) return null;
    try {
      const bytes = new Uint8Array(await readFile(join(this.dir, name)));
      return looksLikeElf(bytes) ? bytes : null;
    } catch {
      return null;
    }
  }
}
