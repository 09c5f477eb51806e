/**
 * Builds the small bare-metal test programs in test/machine/programs with
 * Debian's riscv64-unknown-elf-gcc (rv32 multilib), into a temporary directory.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const programsDir = fileURLToPath(new URL('./programs/', import.meta.url));
const GCC = 'riscv64-unknown-elf-gcc';
// The multilib matcher does not know the _zicsr/_zifencei suffixes, so libgcc is named explicitly.
const LIBGCC = '/usr/lib/gcc/riscv64-unknown-elf/12.2.0/rv32imac/ilp32/libgcc.a';

export const haveToolchain =
  spawnSync(GCC, ['--version'], { stdio: 'ignore' }).status === 0 && existsSync(LIBGCC);
export const haveQemu =
  spawnSync('qemu-system-riscv32', ['--version'], { stdio: 'ignore' }).status === 0;
export const haveDtc = spawnSync('dtc', ['--version'], { stdio: 'ignore' }).status === 0;

export function makeBuildDir(): string {
  return mkdtempSync(join(tmpdir(), 'tabvisor-guest-'));
}

/** Compile programs/NAME.c (or NAME.S) with the start-up code; returns the ELF path. */
export function buildProgram(name: string, outDir: string, extraFlags: string[] = []): string {
  const source = existsSync(join(programsDir, `${name}.c`)) ? `${name}.c` : `${name}.S`;
  const out = join(outDir, `${name}.elf`);
  execFileSync(GCC, [
    '-march=rv32imac_zicsr_zifencei',
    '-mabi=ilp32',
    '-mcmodel=medany',
    '-O2',
    '-g0',
    '-ffreestanding',
    '-nostdlib',
    '-nostartfiles',
    '-Wl,--no-warn-rwx-segments',
    '-T',
    join(programsDir, 'link.ld'),
    ...extraFlags,
    '-o',
    out,
    join(programsDir, 'crt0.S'),
    join(programsDir, source),
    LIBGCC,
  ]);
  return out;
}

/** A minimal ELF32 RISC-V executable with the given PT_LOAD segments (no sections). */
export function makeElf(
  entry: number,
  segments: readonly { paddr: number; data: Uint8Array; memsz: number }[],
): Uint8Array {
  const EHDR = 52;
  const PHDR = 32;
  let offset = EHDR + PHDR * segments.length;
  const total = offset + segments.reduce((n, s) => n + s.data.length, 0);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 243, true); // EM_RISCV
  v.setUint32(20, 1, true);
  v.setUint32(24, entry, true);
  v.setUint32(28, EHDR, true);
  v.setUint16(40, EHDR, true);
  v.setUint16(42, PHDR, true);
  v.setUint16(44, segments.length, true);
  segments.forEach((s, i) => {
    const ph = EHDR + i * PHDR;
    v.setUint32(ph, 1, true); // PT_LOAD
    v.setUint32(ph + 4, offset, true);
    v.setUint32(ph + 8, s.paddr, true);
    v.setUint32(ph + 12, s.paddr, true);
    v.setUint32(ph + 16, s.data.length, true);
    v.setUint32(ph + 20, s.memsz, true);
    v.setUint32(ph + 24, 7, true);
    out.set(s.data, offset);
    offset += s.data.length;
  });
  return out;
}
