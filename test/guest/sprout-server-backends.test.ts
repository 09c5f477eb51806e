import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fatToolsAvailable, fsckFat, mtype, saveImage, scratchDir } from './fat-tools';
import { SproutGuest } from './harness';

const MiB = 1 << 20;

/** Sprout's disk drivers against the VM server's own back ends: src/server/device-models/ide.ts and src/server/backends/blkback.ts. */
describe('Sprout on the VM server IDE model and blkback', () => {
  for (const mode of ['hvm', 'pv'] as const) {
    it(`${mode}: formats, writes, syncs and powers off; mtools and fsck.fat agree`, async () => {
      const disk = new Uint8Array(16 * MiB);
      const g = new SproutGuest({ mode, disk, backends: 'server' });
      await g.bootToPromptAsync();
      expect(g.output()).toMatch(/fs: formatted (ata0|xvda): FAT16/);
      expect(await g.commandAsync('echo through the real back end > real.txt')).toBe('');
      expect(await g.commandAsync('cat real.txt')).toBe('through the real back end\n');
      const bench = await g.commandAsync('bench disk 256');
      expect(bench).toContain('data verified');
      expect(await g.commandAsync('sync')).toBe('');
      await g.commandAsync('poweroff');
      expect(g.state()).toBe('shutdown');
      if (mode === 'hvm') expect(g.ide?.commands.get('IDENTIFY DEVICE')).toBe(1);
      else expect(g.serverBlkback?.stats.errors).toBe(0);
      if (!fatToolsAvailable) return;
      const img = join(scratchDir(), `${mode}-server.img`);
      saveImage(img, disk);
      expect(mtype(img, '/real.txt')).toBe('through the real back end\n');
      const fsck = fsckFat(img);
      expect(fsck.code, fsck.report).toBe(0);
    });
  }
});
