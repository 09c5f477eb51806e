import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** test/vmm/programs, built with its Makefile (riscv64-unknown-elf-gcc, rv32 multilib). */
export const PROGRAMS_DIR = join(import.meta.dirname, '..', 'programs');

let built = false;
export function buildPrograms(): void {
  if (built) return;
  execFileSync('make', ['-s', '-C', PROGRAMS_DIR], { stdio: ['ignore', 'ignore', 'inherit'] });
  built = true;
}

export function program(name: string): Uint8Array {
  buildPrograms();
  return new Uint8Array(readFileSync(join(PROGRAMS_DIR, 'build', name)));
}
