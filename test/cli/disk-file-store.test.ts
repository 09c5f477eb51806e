import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DiskFileStore } from '../../src/cli/disk-file-store.ts';
import { writeText } from '../../src/server/files/file-store.ts';
import { fileStoreContract } from '../server/files/file-store-contract.ts';

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});
function freshRoot(): string {
  const r = mkdtempSync(join(tmpdir(), 'tabvisor-root-'));
  roots.push(r);
  return r;
}

describe('DiskFileStore (tabvisor shell --root DIR)', () => {
  fileStoreContract(async () => new DiskFileStore(freshRoot()));

  it('keeps the tree as ordinary files under the root directory', async () => {
    const root = freshRoot();
    const fs = new DiskFileStore(root);
    await fs.mkdir('/etc/xen/vm', { parents: true });
    await writeText(fs, '/etc/xen/vm/web', 'name = "web"\n');
    expect(readFileSync(join(root, 'etc/xen/vm/web'), 'utf8')).toBe('name = "web"\n');
  });

  it('refuses paths that are not normalised (no way out of the root)', async () => {
    const fs = new DiskFileStore(freshRoot());
    await expect(fs.readFile('/../etc/passwd')).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(fs.readFile('relative')).rejects.toMatchObject({ code: 'EINVAL' });
  });
});
