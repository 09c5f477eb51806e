import { FsError } from './fs-error.ts';
import { basename, dirname, isWithin, joinPath, ancestors } from './fs-path.ts';
import {
  byteOrder,
  type DirEntry,
  type FileStat,
  type FileStore,
  type WriteOptions,
} from './file-store.ts';

/** One node of the tree as it is kept (and persisted by the IndexedDB backend). */
export type FileNode =
  | { readonly kind: 'dir'; readonly mtimeMs: number }
  | { readonly kind: 'file'; readonly mtimeMs: number; readonly data: Uint8Array };

/** Where a MemoryFileStore writes its changes through to (IndexedDB), if anywhere. */
export interface FilePersistence {
  put(path: string, node: FileNode): Promise<void>;
  delete(paths: readonly string[]): Promise<void>;
}

function checkPath(path: string): void {
  if (!path.startsWith('/') || (path !== '/' && path.endsWith('/')) || path.includes('//')) {
    throw new FsError('EINVAL', path);
  }
}

/**
 * The tree in memory: a map from path to node plus each directory's children.
 * With a FilePersistence it is the IndexedDB backend's cache: every change is
 * written through before the operation resolves.
 */
export class MemoryFileStore implements FileStore {
  readonly description: string;
  private readonly nodes = new Map<string, FileNode>();
  private readonly children = new Map<string, Set<string>>();

  constructor(
    options: {
      readonly description?: string;
      readonly persistence?: FilePersistence;
      /** Nodes to start from (a loaded IndexedDB store); parents are created as needed. */
      readonly initial?: Iterable<readonly [string, FileNode]>;
      readonly now?: () => number;
    } = {},
  ) {
    this.description = options.description ?? 'memory';
    this.persistence = options.persistence;
    this.now = options.now ?? Date.now;
    this.nodes.set('/', { kind: 'dir', mtimeMs: this.now() });
    this.children.set('/', new Set());
    const initial = [...(options.initial ?? [])].sort((a, b) => a[0].length - b[0].length);
    for (const [path, node] of initial) {
      if (path === '/') continue;
      for (const a of ancestors(path))
        if (!this.nodes.has(a)) this.link(a, { kind: 'dir', mtimeMs: node.mtimeMs });
      const parent = this.nodes.get(dirname(path));
      if (parent?.kind !== 'dir') continue; // A file under a file: a corrupt record, skipped.
      this.link(path, node);
    }
  }

  private readonly persistence: FilePersistence | undefined;
  private readonly now: () => number;

  private link(path: string, node: FileNode): void {
    this.nodes.set(path, node);
    if (node.kind === 'dir' && !this.children.has(path)) this.children.set(path, new Set());
    this.children.get(dirname(path))?.add(basename(path));
  }

  private dirOf(path: string): void {
    const parent = dirname(path);
    const p = this.nodes.get(parent);
    if (!p) throw new FsError('ENOENT', path);
    if (p.kind !== 'dir') throw new FsError('ENOTDIR', path);
  }

  stat(path: string): Promise<FileStat | null> {
    checkPath(path);
    const n = this.nodes.get(path);
    return Promise.resolve(n ? statOf(n) : null);
  }

  readFile(path: string): Promise<Uint8Array> {
    checkPath(path);
    const n = this.nodes.get(path);
    if (!n) return Promise.reject(new FsError('ENOENT', path));
    if (n.kind === 'dir') return Promise.reject(new FsError('EISDIR', path));
    return Promise.resolve(n.data.slice());
  }

  async writeFile(path: string, data: Uint8Array, options: WriteOptions = {}): Promise<void> {
    checkPath(path);
    if (path === '/') throw new FsError('EISDIR', path);
    this.dirOf(path);
    const old = this.nodes.get(path);
    if (old?.kind === 'dir') throw new FsError('EISDIR', path);
    let bytes: Uint8Array;
    if (options.append && old) {
      bytes = new Uint8Array(old.data.length + data.length);
      bytes.set(old.data);
      bytes.set(data, old.data.length);
    } else {
      bytes = data.slice();
    }
    const node: FileNode = { kind: 'file', mtimeMs: this.now(), data: bytes };
    this.link(path, node);
    await this.persistence?.put(path, node);
  }

  readdir(path: string): Promise<DirEntry[]> {
    checkPath(path);
    const n = this.nodes.get(path);
    if (!n) return Promise.reject(new FsError('ENOENT', path));
    if (n.kind !== 'dir') return Promise.reject(new FsError('ENOTDIR', path));
    const names = [...(this.children.get(path) ?? [])].sort(byteOrder);
    return Promise.resolve(
      names.map((name) => ({ name, ...statOf(this.nodes.get(joinPath(path, name)) as FileNode) })),
    );
  }

  async mkdir(path: string, options: { readonly parents?: boolean } = {}): Promise<void> {
    checkPath(path);
    const existing = this.nodes.get(path);
    if (existing) {
      if (options.parents && existing.kind === 'dir') return;
      throw new FsError('EEXIST', path);
    }
    const made: string[] = [];
    if (options.parents) {
      for (const a of ancestors(path)) {
        const n = this.nodes.get(a);
        if (n?.kind === 'file') throw new FsError('ENOTDIR', path);
        if (!n) {
          this.link(a, { kind: 'dir', mtimeMs: this.now() });
          made.push(a);
        }
      }
    } else {
      this.dirOf(path);
    }
    this.link(path, { kind: 'dir', mtimeMs: this.now() });
    made.push(path);
    for (const p of made) await this.persistence?.put(p, this.nodes.get(p) as FileNode);
  }

  async remove(path: string, options: { readonly recursive?: boolean } = {}): Promise<void> {
    checkPath(path);
    if (path === '/') throw new FsError('EINVAL', path);
    const n = this.nodes.get(path);
    if (!n) throw new FsError('ENOENT', path);
    const doomed = [path];
    if (n.kind === 'dir') {
      const kids = this.children.get(path) ?? new Set();
      if (kids.size > 0 && !options.recursive) throw new FsError('ENOTEMPTY', path);
      for (const p of this.nodes.keys()) if (p !== path && isWithin(p, path)) doomed.push(p);
    }
    for (const p of doomed) {
      this.nodes.delete(p);
      this.children.delete(p);
    }
    this.children.get(dirname(path))?.delete(basename(path));
    await this.persistence?.delete(doomed);
  }

  /** Every node, for tests and export. */
  entries(): [string, FileNode][] {
    return [...this.nodes.entries()];
  }
}

function statOf(n: FileNode): FileStat {
  return { kind: n.kind, size: n.kind === 'file' ? n.data.length : 0, mtimeMs: n.mtimeMs };
}
