/**
 * The VM server's own file tree (/etc/xen/vm, guest images, logs): a small
 * POSIX-like tree of files and directories. Backends: memory (tests,
 * ephemeral widgets), IndexedDB (the browser), a directory on disk (Node,
 * `tabvisor shell --root DIR`; it lives in src/cli so browser bundles never
 * import node:fs). Paths passed to a store are absolute and normalised
 * (see fs-path.ts); every failure is an FsError.
 */
export type FileKind = 'file' | 'dir';

export interface FileStat {
  readonly kind: FileKind;
  /** Bytes (0 for a directory). */
  readonly size: number;
  readonly mtimeMs: number;
}

export interface DirEntry extends FileStat {
  readonly name: string;
}

export interface WriteOptions {
  /** Add to the end instead of replacing (the shell's `>>`). */
  readonly append?: boolean;
}

export interface FileStore {
  /** Where the tree lives, for `xl info` and the boot log ("memory", "IndexedDB", a directory). */
  readonly description: string;
  /** null when nothing is at `path`. */
  stat(path: string): Promise<FileStat | null>;
  readFile(path: string): Promise<Uint8Array>;
  /** Creates or replaces (or appends to) a file; its directory must exist. */
  writeFile(path: string, data: Uint8Array, options?: WriteOptions): Promise<void>;
  /** Entries sorted by name (byte order, as `LC_ALL=C ls`). */
  readdir(path: string): Promise<DirEntry[]>;
  /** `parents`: like mkdir -p, create missing ancestors and accept an existing directory. */
  mkdir(path: string, options?: { readonly parents?: boolean }): Promise<void>;
  /** Removes a file, or a directory (`recursive`, or when empty). */
  remove(path: string, options?: { readonly recursive?: boolean }): Promise<void>;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** Read a whole file as UTF-8 text. */
export async function readText(store: FileStore, path: string): Promise<string> {
  return utf8Decoder.decode(await store.readFile(path));
}

/** Write UTF-8 text. */
export async function writeText(
  store: FileStore,
  path: string,
  text: string,
  options?: WriteOptions,
): Promise<void> {
  await store.writeFile(path, utf8.encode(text), options);
}

export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
