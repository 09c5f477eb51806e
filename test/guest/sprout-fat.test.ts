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
import { SparseStore } from './ata-disk-model';
import { SproutGuest } from './harness';

const MiB = 1 << 20;

describe.skipIf(!fatToolsAvailable)(
  'Sprout FAT: long names, growing directories, multi-cluster files',
  () => {
    it('keeps many long names in a directory that grows over several clusters, then removes half', () => {
      const disk = new Uint8Array(16 * MiB);
      const g = new SproutGuest({ mode: 'pv', disk });
      g.bootToPrompt();
      expect(g.command('mkdir many')).toBe('');
      const names: string[] = [];
      for (let i = 0; i < 60; i++) {
        // 13, 26 and 40-odd character names: one, two and four long-name entries.
        const name = `${'file number '.repeat(1 + (i % 4))}${i}.txt`.slice(i % 3 === 0 ? -13 : 0);
        names.push(name);
        expect(g.command(`echo content ${i} > "many/${name}"`)).toBe('');
      }
      const unique = [...new Set(names)].sort((a, b) =>
        a.toLowerCase().localeCompare(b.toLowerCase()),
      );
      expect(g.command('ls many').split('\n').filter(Boolean)).toEqual(unique);
      for (let i = 0; i < 60; i += 2) expect(g.command(`rm "many/${names[i]}"`)).toBe('');
      expect(g.command(`cat "many/${names[59]}"`)).toBe('content 59\n');
      g.command('poweroff');
      const img = join(scratchDir(), 'many.img');
      saveImage(img, disk);
      const listed = mtools('mdir', '-i', img, '-b', '::/many')
        .split('\n')
        .filter(Boolean)
        .map((l) => l.replace('::/many/', ''))
        .sort();
      const kept = [...new Set(names.filter((_, i) => i % 2 === 1))].sort();
      expect(listed).toEqual(kept);
      for (let i = 1; i < 60; i += 2)
        expect(mtype(img, `/many/${names[i]}`)).toBe(`content ${i}\n`);
      const fsck = fsckFat(img);
      expect(fsck.code, fsck.report).toBe(0);
    });

    it('reads a multi-cluster file mcopy wrote and appends to it across a cluster boundary', () => {
      const dir = scratchDir();
      const img = join(dir, 'big.img');
      saveImage(img, new Uint8Array(32 * MiB));
      mtools('mformat', '-i', img, '-T', '65536', '-h', '16', '-s', '32', '::');
      // 7000 lines, about 189 KB: hundreds of clusters, and not a whole number of sectors.
      const lines = Array.from(
        { length: 7000 },
        (_, i) => `line ${String(i).padStart(5, '0')} of the big file\n`,
      ).join('');
      expect(lines.length % 512).not.toBe(0);
      const src = join(dir, 'big.txt');
      writeFileSync(src, lines);
      mtools('mcopy', '-i', img, src, '::/BIG.TXT');
      const disk = loadImage(img);
      const g = new SproutGuest({ mode: 'hvm', disk });
      g.bootToPrompt();
      expect(g.command('cat big.txt', 60e9)).toBe(lines);
      expect(g.command('echo appended by sprout >> big.txt')).toBe('');
      expect(g.command('ls -l')).toMatch(
        new RegExp(
          `- +${lines.length + 'appended by sprout\n'.length} +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d  BIG\\.TXT`,
        ),
      );
      g.command('poweroff');
      saveImage(img, disk);
      expect(mtype(img, '/BIG.TXT')).toBe(`${lines}appended by sprout\n`);
      const fsck = fsckFat(img);
      expect(fsck.code, fsck.report).toBe(0);
    });
  },
);

describe('Sprout timer and CPU', () => {
  it('sleeps on the SBI timer and measures the CPU', () => {
    const g = new SproutGuest({ mode: 'hvm' });
    g.bootToPrompt();
    const t0 = g.guestNs();
    expect(g.command('sleep 250')).toBe('');
    expect(g.guestNs() - t0).toBeGreaterThanOrEqual(250e6);
    expect(g.command('uptime')).toMatch(/, [1-9]\d* timer interrupts/);
    expect(g.vmm.exitCounters(g.domid)['sbi:TIME.set_timer']).toBeGreaterThanOrEqual(1);
    // Deterministic mode runs 100 M instructions per guest second: the sieve sees ~100 MIPS.
    expect(g.command('bench cpu')).toMatch(
      /^bench cpu: sieve to 200000 \(17984 primes\) x \d+ in \d+ ms: \d+ instructions, (9\d|100) MIPS\n$/,
    );
  });
});

describe.skipIf(!fatToolsAvailable)('Sprout FAT12', () => {
  it('reads and writes a 1.44 MB floppy image mformat made (12-bit FAT entries across sector boundaries)', () => {
    const dir = scratchDir();
    const img = join(dir, 'floppy.img');
    saveImage(img, new Uint8Array(1474560));
    mtools('mformat', '-i', img, '-f', '1440', '-v', 'FLOPPY', '::');
    const text = Array.from({ length: 2000 }, (_, i) => `floppy line ${i}\n`).join('');
    const src = join(dir, 'f.txt');
    writeFileSync(src, text);
    mtools('mcopy', '-i', img, src, '::/F.TXT');
    const disk = loadImage(img);
    const g = new SproutGuest({ mode: 'pv', disk });
    g.bootToPrompt();
    expect(g.output()).toContain('FAT12 volume "FLOPPY"');
    expect(g.command('cat f.txt', 60e9)).toBe(text);
    for (let i = 0; i < 20; i++) expect(g.command(`echo note ${i} > note${i}.txt`)).toBe('');
    expect(g.command('rm note3.txt')).toBe('');
    expect(g.command('echo more >> f.txt')).toBe('');
    g.command('poweroff');
    saveImage(img, disk);
    expect(mtype(img, '/note19.txt')).toBe('note 19\n');
    expect(mtype(img, '/F.TXT')).toBe(`${text}more\n`);
    const fsck = fsckFat(img);
    expect(fsck.report).toContain('12 bit entries');
    expect(fsck.code, fsck.report).toBe(0);
  });
});

describe.skipIf(!fatToolsAvailable)(
  'Sprout beyond 128 GiB (ATA 48-bit addressing) and MBR partitions',
  () => {
    it('mounts a FAT partition that starts past the 28-bit limit and writes there with READ/WRITE SECTORS EXT', () => {
      const dir = scratchDir();
      const part = join(dir, 'part.img');
      const partSectors = 32768;
      saveImage(part, new Uint8Array(partSectors * 512));
      mtools(
        'mformat',
        '-i',
        part,
        '-T',
        String(partSectors),
        '-h',
        '16',
        '-s',
        '32',
        '-v',
        'FAR',
        '::',
      );
      const src = join(dir, 'far.txt');
      writeFileSync(src, 'far beyond 128 GiB\n');
      mtools('mcopy', '-i', part, src, '::/FAR.TXT');
      // An MBR with one FAT16 (LBA) partition at sector 2^28 + 4096, on a 130 GiB sparse disk.
      const start = 0x1000_0000 + 4096;
      const disk = new SparseStore(start + partSectors);
      const mbr = new Uint8Array(512);
      const entry = new DataView(mbr.buffer, 446, 16);
      entry.setUint8(4, 0x0e);
      entry.setUint32(8, start, true);
      entry.setUint32(12, partSectors, true);
      mbr[510] = 0x55;
      mbr[511] = 0xaa;
      disk.load(0, mbr);
      disk.load(start, loadImage(part));
      const g = new SproutGuest({ mode: 'hvm', sparseDisk: disk });
      g.bootToPrompt();
      expect(g.output()).toMatch(/ata0: 268472320 sectors \(131090 MiB\)/);
      expect(g.output()).toContain('fs: ata0: FAT16 volume "FAR" (partition)');
      expect(g.command('cat far.txt')).toBe('far beyond 128 GiB\n');
      expect(g.command('echo written far away > near.txt')).toBe('');
      g.command('poweroff');
      const cmds = g.ata!.commands;
      expect(cmds).toContain(0x24); // READ SECTORS EXT
      expect(cmds).toContain(0x34); // WRITE SECTORS EXT
      expect(cmds.filter((c) => c === 0x20 || c === 0x30).length).toBe(1); // only the MBR read used 28 bits
      saveImage(part, disk.extract(start, partSectors));
      expect(mtype(part, '/near.txt')).toBe('written far away\n');
      const fsck = fsckFat(part);
      expect(fsck.code, fsck.report).toBe(0);
    });
  },
);
