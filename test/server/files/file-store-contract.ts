import { expect, it } from 'vitest';
import type { FileStore } from '../../../src/server/files/file-store.ts';
import { readText, writeText } from '../../../src/server/files/file-store.ts';
import { FsError } from '../../../src/server/files/fs-error.ts';

/** The behaviour every FileStore backend must have (POSIX semantics, FsError codes). */
export function fileStoreContract(make: () => Promise<FileStore>): void {
  const code = async (p: Promise<unknown>): Promise<string> => {
    try {
      await p;
      return 'ok';
    } catch (e) {
      expect(e).toBeInstanceOf(FsError);
      return (e as FsError).code;
    }
  };

  it('writes, reads, appends and replaces files', async () => {
    const fs = await make();
    await fs.mkdir('/etc');
    await writeText(fs, '/etc/a', 'one\n');
    await writeText(fs, '/etc/a', 'two\n', { append: true });
    expect(await readText(fs, '/etc/a')).toBe('one\ntwo\n');
    expect(await fs.stat('/etc/a')).toMatchObject({ kind: 'file', size: 8 });
    await writeText(fs, '/etc/a', 'x');
    expect(await readText(fs, '/etc/a')).toBe('x');
    const bin = Uint8Array.from([0, 255, 0x7f, 0x45]);
    await fs.writeFile('/etc/bin', bin);
    expect(await fs.readFile('/etc/bin')).toEqual(bin);
  });

  it('lists directories sorted by name with kinds and sizes', async () => {
    const fs = await make();
    await fs.mkdir('/d');
    await writeText(fs, '/d/b', '12');
    await writeText(fs, '/d/A', '');
    await fs.mkdir('/d/c');
    expect((await fs.readdir('/d')).map((e) => [e.name, e.kind, e.size])).toEqual([
      ['A', 'file', 0],
      ['b', 'file', 2],
      ['c', 'dir', 0],
    ]);
  });

  it('mkdir -p creates ancestors and accepts an existing directory; plain mkdir does not', async () => {
    const fs = await make();
    await fs.mkdir('/a/b/c', { parents: true });
    expect((await fs.stat('/a/b'))?.kind).toBe('dir');
    await fs.mkdir('/a/b/c', { parents: true });
    expect(await code(fs.mkdir('/a/b/c'))).toBe('EEXIST');
    expect(await code(fs.mkdir('/x/y'))).toBe('ENOENT');
  });

  it('reports POSIX errors: missing, not a directory, is a directory, not empty', async () => {
    const fs = await make();
    await fs.mkdir('/d');
    await writeText(fs, '/d/f', 'x');
    expect(await fs.stat('/nope')).toBeNull();
    expect(await code(fs.readFile('/nope'))).toBe('ENOENT');
    expect(await code(fs.readFile('/d'))).toBe('EISDIR');
    expect(await code(fs.writeFile('/d', new Uint8Array(1)))).toBe('EISDIR');
    expect(await code(fs.writeFile('/missing/f', new Uint8Array(1)))).toBe('ENOENT');
    expect(await code(fs.writeFile('/d/f/g', new Uint8Array(1)))).toBe('ENOTDIR');
    expect(await code(fs.readdir('/d/f'))).toBe('ENOTDIR');
    expect(await code(fs.readdir('/nope'))).toBe('ENOENT');
    expect(await code(fs.remove('/d'))).toBe('ENOTEMPTY');
    expect(await code(fs.remove('/nope'))).toBe('ENOENT');
  });

  it('removes files, empty directories, and trees with recursive', async () => {
    const fs = await make();
    await fs.mkdir('/t/u', { parents: true });
    await writeText(fs, '/t/u/f', 'x');
    await writeText(fs, '/t/g', 'y');
    await fs.remove('/t/g');
    expect(await fs.stat('/t/g')).toBeNull();
    await fs.remove('/t', { recursive: true });
    expect(await fs.stat('/t')).toBeNull();
    expect(await fs.stat('/t/u/f')).toBeNull();
    await fs.mkdir('/e');
    await fs.remove('/e');
    expect(await fs.stat('/e')).toBeNull();
  });
}
