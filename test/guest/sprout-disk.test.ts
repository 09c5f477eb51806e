import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  fatToolsAvailable,
  fsckFat,
  loadImage,
  mtools,
  mtype,
  saveImage,
  scratchDir,
} from './fat-tools';
import { SproutGuest } from './harness';

const MiB = 1 << 20;

describe('one disk, two modes, standard tools', () => {
  it('reads in PV mode what it wrote in HVM mode, and the reverse', () => {
    const disk = new Uint8Array(16 * MiB);
    const hvm = new SproutGuest({ mode: 'hvm', disk });
    hvm.bootToPrompt();
    expect(hvm.command('echo written by the HVM guest over ATA PIO > from-hvm.txt')).toBe('');
    hvm.command('poweroff');

    const pv = new SproutGuest({ mode: 'pv', disk });
    pv.bootToPrompt();
    expect(pv.output()).not.toContain('formatting');
    expect(pv.command('cat from-hvm.txt')).toBe('written by the HVM guest over ATA PIO\n');
    expect(pv.command('echo written by the PV guest over blkfront > from-pv.txt')).toBe('');
    pv.command('poweroff');

    const again = new SproutGuest({ mode: 'hvm', disk });
    again.bootToPrompt();
    expect(again.command('ls')).toBe('from-hvm.txt\nfrom-pv.txt\n');
    expect(again.command('cat from-pv.txt')).toBe('written by the PV guest over blkfront\n');
  });

  it.skipIf(!fatToolsAvailable)(
    'reads and extends FAT16 and FAT32 volumes made by mformat and mcopy',
    () => {
      const dir = scratchDir();
      const note = join(dir, 'note.txt');
      writeFileSync(note, 'made with mtools\n');
      for (const [name, fat32, sectors] of [
        ['m16.img', false, 65536],
        ['m32.img', true, 131072],
      ] as const) {
        const img = join(dir, name);
        saveImage(img, new Uint8Array(sectors * 512));
        mtools(
          'mformat',
          '-i',
          img,
          ...(fat32 ? ['-F'] : []),
          '-T',
          String(sectors),
          '-h',
          '16',
          '-s',
          '32',
          '-v',
          'TOOLS',
          '::',
        );
        mtools('mmd', '-i', img, '::/Sub Dir');
        mtools('mcopy', '-i', img, note, '::/Sub Dir/A note with a long name.txt');
        mtools('mcopy', '-i', img, note, '::/README.TXT');
        const disk = loadImage(img);
        const g = new SproutGuest({ mode: fat32 ? 'pv' : 'hvm', disk });
        g.bootToPrompt();
        expect(g.output()).toContain(`FAT${fat32 ? 32 : 16} volume "TOOLS"`);
        expect(g.command('ls')).toBe('README.TXT\nSub Dir/\n');
        expect(g.command('cat "sub dir/a note with a long name.txt" readme.txt')).toBe(
          'made with mtools\nmade with mtools\n',
        );
        expect(g.command('echo added by sprout > "Sub Dir/added by sprout.txt"')).toBe('');
        expect(g.command('rm readme.txt')).toBe('');
        g.command('poweroff');
        saveImage(img, disk);
        expect(mtype(img, '/Sub Dir/added by sprout.txt')).toBe('added by sprout\n');
        expect(mtools('mdir', '-i', img, '-b', '::/').trim()).toBe('::/Sub Dir/');
        const fsck = fsckFat(img);
        expect(fsck.code, fsck.report).toBe(0);
      }
    },
  );

  it.skipIf(!fatToolsAvailable)('formats a blank 600 MiB disk as FAT32, clean for fsck.fat', () => {
    const disk = new Uint8Array(600 * MiB);
    const g = new SproutGuest({ mode: 'pv', disk });
    g.bootToPrompt(20e9);
    expect(g.output()).toMatch(
      /fs: formatted xvda: FAT32, \d+ clusters of 4096 bytes, \d+ MiB, label SPROUT/,
    );
    expect(g.command('mkdir a')).toBe('');
    expect(g.command('echo deep > a/file.txt')).toBe('');
    expect(g.command('df')).toMatch(/xvda +FAT32 +SPROUT/);
    g.command('poweroff');
    const img = join(scratchDir(), 'fat32.img');
    saveImage(img, disk);
    expect(mtype(img, '/a/file.txt')).toBe('deep\n');
    const fsck = fsckFat(img);
    expect(fsck.report).toContain('32 bit entries');
    expect(fsck.code, fsck.report).toBe(0);
    // mtools sees the same: a FAT32 boot sector.
    expect(execFileSync('minfo', ['-i', img, '::'], { encoding: 'latin1' })).toMatch(
      /disk type="FAT32 {3}"/,
    );
  });

  it('bench disk: sequential write and read, in MB/s, HVM (ATA PIO) against PV (blkfront)', () => {
    const results: Record<string, { write: number; read: number; exits: number }> = {};
    for (const mode of ['hvm', 'pv'] as const) {
      const g = new SproutGuest({ mode, disk: new Uint8Array(32 * MiB) });
      g.bootToPrompt();
      const out = g.command('bench disk 1024', 60e9);
      expect(out).toContain('data verified');
      const m =
        /write +1024 KiB in +[\d.]+ ms: +([\d.]+) MB\/s .*?(\d+) exits\)\n +read +1024 KiB in +[\d.]+ ms: +([\d.]+) MB\/s/.exec(
          out,
        );
      expect(m, out).not.toBeNull();
      results[mode] = { write: Number(m![1]), read: Number(m![3]), exits: Number(m![2]) };
    }
    const { hvm, pv } = results as Record<
      'hvm' | 'pv',
      { write: number; read: number; exits: number }
    >;
    // Each PIO word is a VM exit; blkfront moves 44 KiB per ring request and one notification per batch.
    expect(hvm.exits).toBeGreaterThan(1024 * 512);
    expect(pv.exits).toBeLessThan(hvm.exits / 100);
    expect(pv.write).toBeGreaterThan(hvm.write);
    expect(pv.read).toBeGreaterThan(hvm.read);
    console.log(
      `bench disk (guest time, MB/s): HVM write ${hvm.write} read ${hvm.read}; PV write ${pv.write} read ${pv.read}`,
    );
  });
});
