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
