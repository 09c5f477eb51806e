import { describe, expect, it } from 'vitest';
import { MemoryFileStore, type FileNode } from '../../../src/server/files/memory-file-store.ts';
import { readText, writeText } from '../../../src/server/files/file-store.ts';
import { fileStoreContract } from './file-store-contract.ts';

describe('MemoryFileStore', () => {
  fileStoreContract(async () => new MemoryFileStore());

  it('writes every change through to its persistence before resolving, and reloads from it', async () => {
    const saved = new Map<string, FileNode>();
    const log: string[] = [];
    const persistence = {
      put: async (p: string, n: FileNode) => {
        log.push(`put ${p}`);
        saved.set(p, n);
      },
      delete: async (ps: readonly string[]) => {
        log.push(`del ${[...ps].sort().join(',')}`);
        for (const p of ps) saved.delete(p);
      },
    };
    const fs = new MemoryFileStore({ persistence });
    await fs.mkdir('/etc/xen', { parents: true });
    await writeText(fs, '/etc/xen/a', 'A');
    await writeText(fs, '/etc/xen/a', 'B', { append: true });
    await fs.mkdir('/tmp');
    await writeText(fs, '/tmp/x', '1');
    await fs.remove('/tmp', { recursive: true });
    expect(log).toEqual([
      'put /etc',
      'put /etc/xen',
      'put /etc/xen/a',
      'put /etc/xen/a',
      'put /tmp',
      'put /tmp/x',
      'del /tmp,/tmp/x',
    ]);

    // A new store opened on what was saved (the IndexedDB backend's reload) sees the same tree.
    const again = new MemoryFileStore({ initial: saved.entries() });
    expect(await readText(again, '/etc/xen/a')).toBe('AB');
    expect((await again.readdir('/')).map((e) => e.name)).toEqual(['etc']);
  });

  it('rebuilds missing parent directories of loaded records and skips files under files', async () => {
    const fs = new MemoryFileStore({
      initial: [
        ['/a/b/c', { kind: 'file', mtimeMs: 1, data: Uint8Array.of(1) }],
        ['/a/b/c/d', { kind: 'file', mtimeMs: 1, data: Uint8Array.of(2) }],
      ],
    });
    expect((await fs.stat('/a/b'))?.kind).toBe('dir');
    expect(await fs.readFile('/a/b/c')).toEqual(Uint8Array.of(1));
    expect(await fs.stat('/a/b/c/d')).toBeNull();
  });

  it('returns copies, so callers cannot change stored bytes', async () => {
    const fs = new MemoryFileStore();
    const data = Uint8Array.of(1, 2, 3);
    await fs.writeFile('/f', data);
    data[0] = 9;
    const read = await fs.readFile('/f');
    read[1] = 9;
    expect(await fs.readFile('/f')).toEqual(Uint8Array.of(1, 2, 3));
  });
});
