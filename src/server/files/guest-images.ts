import { FsError } from './fs-error.ts';
import { basename, dirname, isWithin } from './fs-path.ts';
import type { DirEntry, FileStat, FileStore, WriteOptions } from './file-store.ts';

/**
 * Where the guest OS images ship: /usr/lib/tabvisor/guests in the VM server's
 * tree, filled from the deployment (public/guests/ fetched by the worker, the
 * checkout's public/guests/ in Node, a test's own images in tests) rather
 * than stored in the persistent tree. A file a user writes there wins.
 */
export const GUEST_IMAGE_DIR = '/usr/lib/tabvisor/guests';

export interface GuestImageSource {
  readonly description: string;
  /** Image names available (may be empty when the source cannot list). */
  list(): Promise<string[]>;
  /** The image's bytes, or null when there is none of that name. */
  read(name: string): Promise<Uint8Array | null>;
}

/** Images held in memory: tests, and embedders that bundle their guest. */
export class MemoryImageSource implements GuestImageSource {
  readonly description = 'memory';
  private readonly images: Map<string, Uint8Array>;

  constructor(images: Record<string, Uint8Array> = {}) {
    this.images = new Map(Object.entries(images));
  }

  list(): Promise<string[]> {
    return Promise.resolve([...this.images.keys()].sort());
  }

  read(name: string): Promise<Uint8Array | null> {
    return Promise.resolve(this.images.get(name)?.slice() ?? null);
  }
}

/** No images at all (a tree without a deployment behind it). */
export const NO_IMAGES: GuestImageSource = new MemoryImageSource();

/** ELF magic (ELF spec, e_ident[EI_MAG0..3]). A static host may answer a missing file with an HTML page. */
export function looksLikeElf(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 &&
    bytes[0] === 0x7f &&
    bytes[1] === 0x45 &&
    bytes[2] === 0x4c &&
    bytes[3] === 0x46
  );
}

/** Images fetched over HTTP from a base URL (the worker: `guests/` next to the page). */
export class FetchImageSource implements GuestImageSource {
  readonly description: string;
  private readonly cache = new Map<string, Promise<Uint8Array | null>>();

  constructor(
    private readonly baseUrl: string | URL,
    /** Names to list: a static host cannot list a directory. */
    private readonly known: readonly string[] = [],
  ) {
    this.description = `fetched from ${String(baseUrl)}`;
  }

  list(): Promise<string[]> {
    return Promise.resolve([...this.known]);
  }

  read(name: string): Promise<Uint8Array | null> {
    if (name.includes('/')) return Promise.resolve(null);
    let p = this.cache.get(name);
    if (!p) {
      p = (async () => {
        try {
          const res = await fetch(new URL(name, this.baseUrl));
          if (!res.ok) return null;
          const bytes = new Uint8Array(await res.arrayBuffer());
          return looksLikeElf(bytes) ? bytes : null;
        } catch {
          return null;
        }
      })();
      this.cache.set(name, p);
    }
    return p.then((b) => b?.slice() ?? null);
  }
}

/**
 * A FileStore that shows a GuestImageSource's images under GUEST_IMAGE_DIR
 * (read-only, beneath whatever the inner store has there). Everything else
 * is the inner store.
 */
export class ImageMountedStore implements FileStore {
  readonly description: string;

  constructor(
    readonly inner: FileStore,
    readonly images: GuestImageSource,
    readonly mountPoint = GUEST_IMAGE_DIR,
  ) {
    this.description = inner.description;
  }

  private imageName(path: string): string | null {
    return dirname(path) === this.mountPoint ? basename(path) : null;
  }

  async stat(path: string): Promise<FileStat | null> {
    const s = await this.inner.stat(path);
    if (s) return s;
    if (isWithin(this.mountPoint, path)) return { kind: 'dir', size: 0, mtimeMs: 0 };
    const name = this.imageName(path);
    if (name === null) return null;
    const bytes = await this.images.read(name);
    return bytes ? { kind: 'file', size: bytes.length, mtimeMs: 0 } : null;
  }

  async readFile(path: string): Promise<Uint8Array> {
    try {
      return await this.inner.readFile(path);
    } catch (e) {
      const name = this.imageName(path);
      if (!(e instanceof FsError) || e.code !== 'ENOENT' || name === null) throw e;
      const bytes = await this.images.read(name);
      if (!bytes) throw e;
      return bytes;
    }
  }

  writeFile(path: string, data: Uint8Array, options?: WriteOptions): Promise<void> {
    return this.inner.writeFile(path, data, options);
  }

  async readdir(path: string): Promise<DirEntry[]> {
    let own: DirEntry[] = [];
    try {
      own = await this.inner.readdir(path);
    } catch (e) {
      if (!(e instanceof FsError) || e.code !== 'ENOENT' || !isWithin(this.mountPoint, path))
        throw e;
    }
    const extra: DirEntry[] = [];
    if (path === this.mountPoint) {
      for (const name of await this.images.list()) {
        if (own.some((e) => e.name === name)) continue;
        const bytes = await this.images.read(name);
        if (bytes) extra.push({ name, kind: 'file', size: bytes.length, mtimeMs: 0 });
      }
    } else if (isWithin(this.mountPoint, path) && path !== this.mountPoint) {
      // An ancestor of the mount point: show the next component of it.
      const next = this.mountPoint
        .slice(path === '/' ? 1 : path.length + 1)
        .split('/')[0] as string;
      if (!own.some((e) => e.name === next))
        extra.push({ name: next, kind: 'dir', size: 0, mtimeMs: 0 });
    }
    return [...own, ...extra].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  mkdir(path: string, options?: { readonly parents?: boolean }): Promise<void> {
    return this.inner.mkdir(path, options);
  }

  async remove(path: string, options?: { readonly recursive?: boolean }): Promise<void> {
    if ((await this.inner.stat(path)) === null && (await this.stat(path)) !== null) {
      throw new FsError('EROFS', path);
    }
    return this.inner.remove(path, options);
  }
}
