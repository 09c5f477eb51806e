import { describe, expect, it } from 'vitest';
import {
  GUEST_IMAGE_DIR,
  ImageMountedStore,
  MemoryImageSource,
} from '../../../src/server/files/guest-images.ts';
import { MemoryFileStore } from '../../../src/server/files/memory-file-store.ts';
import { FsError } from '../../../src/server/files/fs-error.ts';
import { SEED_FILES, seedFreshInstall, VM_CONFIG_DIR } from '../../../src/server/files/seed.ts';
import { parseXlConfig } from '../../../src/server/config/xl-config.ts';

const ELF = Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 1, 1, 1);

describe('guest images under /usr/lib/tabvisor/guests', () => {
  it('shows the image source read-only beneath the tree, and the tree wins', async () => {
    const inner = new MemoryFileStore();
    const fs = new ImageMountedStore(inner, new MemoryImageSource({ 'sprout.elf': ELF }));
    expect((await fs.readdir('/')).map((e) => e.name)).toEqual(['usr']);
    expect((await fs.readdir('/usr/lib/tabvisor')).map((e) => [e.name, e.kind])).toEqual([
      ['guests', 'dir'],
    ]);
    expect(await fs.readdir(GUEST_IMAGE_DIR)).toMatchObject([
      { name: 'sprout.elf', kind: 'file', size: ELF.length },
    ]);
    expect(await fs.readFile(`${GUEST_IMAGE_DIR}/sprout.elf`)).toEqual(ELF);
    await expect(fs.remove(`${GUEST_IMAGE_DIR}/sprout.elf`)).rejects.toMatchObject({
      code: 'EROFS',
    });
    await expect(fs.readFile(`${GUEST_IMAGE_DIR}/other.elf`)).rejects.toBeInstanceOf(FsError);

    await fs.mkdir(GUEST_IMAGE_DIR, { parents: true });
    await fs.writeFile(`${GUEST_IMAGE_DIR}/sprout.elf`, Uint8Array.of(9));
    expect(await fs.readFile(`${GUEST_IMAGE_DIR}/sprout.elf`)).toEqual(Uint8Array.of(9));
    expect(await fs.readdir(GUEST_IMAGE_DIR)).toHaveLength(1);
  });
});

describe('fresh-install seed', () => {
  it('writes three autostart Sprout definitions, HVM and PV, that parse cleanly', async () => {
    const fs = new MemoryFileStore();
    expect(await seedFreshInstall(fs)).toEqual([
      `${VM_CONFIG_DIR}/sprout-hvm`,
      `${VM_CONFIG_DIR}/sprout-pv`,
      `${VM_CONFIG_DIR}/sprout-hvm2`,
    ]);
    const types: string[] = [];
    for (const [path, text] of Object.entries(SEED_FILES)) {
      const { config, warnings } = parseXlConfig(text, { file: path });
      expect(warnings.map(String)).toEqual([]);
      expect(config.autostart).toBe(true);
      expect(config.kernel).toBe(`${GUEST_IMAGE_DIR}/sprout.elf`);
      expect(path.endsWith(config.name)).toBe(true);
      types.push(config.type);
    }
    expect(types.sort()).toEqual(['hvm', 'hvm', 'pv']);
  });

  it('leaves an installed tree alone, even one whose definitions were deleted', async () => {
    const fs = new MemoryFileStore();
    await fs.mkdir(VM_CONFIG_DIR, { parents: true });
    expect(await seedFreshInstall(fs)).toEqual([]);
    expect(await fs.readdir(VM_CONFIG_DIR)).toEqual([]);
  });
});
