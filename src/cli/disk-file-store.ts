import {
  appendFile,
  mkdir,
  readdir,
  readFile,
  rm,
  rmdir,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { FS_ERROR_TEXT, FsError, type FsErrorCode } from '../server/files/fs-error.ts';
import {
  byteOrder,
  type DirEntry,
  type FileStat,
  type FileStore,
  type WriteOptions,
} from '../server/files/file-store.ts';

/**
 * The VM server's file tree kept in a directory on the host (`tabvisor shell
 * --root DIR`): tree path /etc/xen/vm/web is DIR/etc/xen/vm/web. Node only,
 * which is why it lives in src/cli and reaches the server by injection.
 * Paths come normalised from the shell, so none can climb out of DIR.
 */
export class DiskFileStore implements FileStore {
  readonly description: string;

  constructor(readonly root: string) {
    this.description = `directory ${root}`;
  }

  private host(path: string): string {
    if (!path.startsWith('/') || path.split('/').includes('..')) throw new FsError('EINVAL', path);
    return join(this.root, path);
  }

  async stat(path: string): Promise<FileStat | null> {
    try {
      const s = await stat(this.host(path));
      return {
        kind: s.isDirectory() ? 'dir' : 'file',
        size: s.isDirectory() ? 0 : s.size,
        mtimeMs: s.mtimeMs,
      };
    } catch (e) {
      if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') return null;
      throw fsError(e, path);
    }
  }

  async readFile(path: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await readFile(this.host(path)));
    } catch (e) {
      throw fsError(e, path);
    }
  }

  async writeFile(path: string, data: Uint8Array, options: WriteOptions = {}): Promise<void> {
    try {
      if (options.append) await appendFile(this.host(path), data);
      else await writeFile(this.host(path), data);
    } catch (e) {
      throw fsError(e, path);
    }
  }

  async readdir(path: string): Promise<DirEntry[]> {
    try {
      const names = (await readdir(this.host(path))).sort(byteOrder);
      const out: DirEntry[] = [];
      for (const name of names) {
        const s = await this.stat(path === '/' ? `/${name}` : `${path}/${name}`);
        if (s) out.push({ name, ...s });
      }
      return out;
    } catch (e) {
      throw fsError(e, path);
    }
  }

  async mkdir(path: string, options: { readonly parents?: boolean } = {}): Promise<void> {
    try {
      await mkdir(this.host(path), { recursive: options.parents ?? false });
    } catch (e) {
      throw fsError(e, path);
    }
  }

  async remove(path: string, options: { readonly recursive?: boolean } = {}): Promise<void> {
    if (path === '/') throw new FsError('EINVAL', path);
    try {
      const s = await stat(this.host(path));
      if (!s.isDirectory()) await unlink(this.host(path));
      else if (options.recursive) await rm(this.host(path), { recursive: true });
      else await rmdir(this.host(path));
    } catch (e) {
      throw fsError(e, path);
    }
  }
}

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

function fsError(e: unknown, path: string): FsError {
  if (e instanceof FsError) return e;
  const c = code(e);
  const known = c !== undefined && c in FS_ERROR_TEXT ? (c as FsErrorCode) : 'EIO';
  return new FsError(known, path);
}
