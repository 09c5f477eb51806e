import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseElf } from '../../src/machine/elf-loader';
import { GUEST_DIR, sproutImage } from './harness';

const COMMITTED = join(GUEST_DIR, '..', 'public', 'guests', 'sprout.elf');

describe('the Sprout image', () => {
  it('is committed and rebuilds byte-identically from guest/ (make check)', () => {
    expect(existsSync(COMMITTED)).toBe(true);
    const out = execFileSync('make', ['-s', '-C', GUEST_DIR, 'check'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(out).toContain('rebuilds byte-identically');
  });

  it('is the image the tests boot', () => {
    expect(Buffer.compare(Buffer.from(sproutImage()), readFileSync(COMMITTED))).toBe(0);
  });

  it('loads where the VMM expects an S-mode kernel: RAM above 0x80200000, text not writable', () => {
    const elf = parseElf(new Uint8Array(readFileSync(COMMITTED)));
    expect(elf.entry).toBe(0x80200000);
    for (const seg of elf.segments) {
      expect(seg.paddr).toBeGreaterThanOrEqual(0x80200000);
      expect(seg.paddr % 4096).toBe(0);
    }
    // PF_X = 1, PF_W = 2: what is executable is not writable (paging maps it so, too).
    const executable = elf.segments.filter((s) => s.flags & 1);
    expect(executable.length).toBe(1);
    expect(executable.every((s) => (s.flags & 2) === 0)).toBe(true);
  });
});
