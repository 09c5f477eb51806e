import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** test/server/guests, built by its Makefile (riscv64-unknown-elf-gcc, rv32 multilib). */
export const GUESTS_DIR = import.meta.dirname;

let built = false;

/** Bytes of a test guest image (hvm-echo.elf, pv-echo.elf, hvm-ide.elf), rebuilt first if its sources changed. */
export function guestImage(name: 'hvm-echo.elf' | 'pv-echo.elf' | 'hvm-ide.elf'): Uint8Array {
  if (!built) {
    try {
      execFileSync('make', ['-s', '-C', GUESTS_DIR], { stdio: ['ignore', 'ignore', 'inherit'] });
    } catch {
      // No toolchain: the prebuilt images in build/ are used.
    }
    built = true;
  }
  return new Uint8Array(readFileSync(join(GUESTS_DIR, 'build', name)));
}
