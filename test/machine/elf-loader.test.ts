import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ElfError, loadElfIntoRam, parseElf } from '../../src/machine/elf-loader';
import { buildProgram, haveToolchain, makeBuildDir } from './guest-build';

const RAM_BASE = 0x8000_0000;

describe('ELF loader: rejects what it cannot run', () => {
  const elfHeader = (cls: number, data: number, machine: number, type = 2): Uint8Array => {
    const b = new Uint8Array(52);
    b.set([0x7f, 0x45, 0x4c, 0x46, cls, data, 1]);
    const v = new DataView(b.buffer);
    v.setUint16(16, type, data === 1);
    v.setUint16(18, machine, data === 1);
    return b;
  };
  it.each([
    ['an empty file', new Uint8Array(0), /^not an ELF file$/],
    ['a text file', new TextEncoder().encode('#!/bin/sh\necho hi\n'), /^not an ELF file$/],
    ['a 64-bit RISC-V ELF', elfHeader(2, 1, 243), /^not a 32-bit RISC-V executable/],
    ['a big-endian ELF', elfHeader(1, 2, 243), /^not a 32-bit RISC-V executable/],
    ['an x86 ELF', elfHeader(1, 1, 3), /^not a 32-bit RISC-V executable/],
    ['a relocatable object', elfHeader(1, 1, 243, 1), /^not an executable ELF file/],
    ['an executable without segments', elfHeader(1, 1, 243), /no loadable segments/],
  ])('%s', (_name, bytes, message) => {
    expect(() => parseElf(bytes)).toThrow(ElfError);
    expect(() => parseElf(bytes)).toThrow(message);
  });
});

describe.runIf(haveToolchain)('ELF loader on programs built with riscv64-unknown-elf-gcc', () => {
  let dir = '';
  beforeAll(() => {
    dir = makeBuildDir();
  });

  it('loads segments at their physical addresses, zero-fills .bss and finds the entry', () => {
    const file = readFileSync(buildProgram('uart-irq', dir));
    const image = parseElf(file);
    expect(image.entry).toBe(RAM_BASE);
    expect(image.symbols.get('_start')).toBe(RAM_BASE);
    const ram = new Uint8Array(1 << 20).fill(0xaa);
    loadElfIntoRam(image, ram, RAM_BASE);
    // `buf` is a 256-byte static array in .bss: it must read back as zeros.
    const buf = image.symbols.get('buf');
    expect(buf).toBeDefined();
    expect(ram.subarray(buf! - RAM_BASE, buf! - RAM_BASE + 256).every((b) => b === 0)).toBe(true);
    // The first instruction bytes are the file's bytes at the text segment.
    const text = image.segments.find((s) => s.paddr === RAM_BASE);
    expect([...ram.subarray(0, 16)]).toEqual([...(text?.data.subarray(0, 16) ?? [])]);
    // Nothing beyond the image was touched.
    const end = Math.max(...image.segments.map((s) => s.paddr + s.memsz)) - RAM_BASE;
    expect(ram[end + 64]).toBe(0xaa);
  });

  it('finds the HTIF symbols', () => {
    const image = parseElf(readFileSync(buildProgram('htif', dir)));
    const tohost = image.symbols.get('tohost');
    expect(tohost).toBeDefined();
    expect(tohost! % 64).toBe(0);
    expect(image.symbols.get('fromhost')).toBe(tohost! + 8);
  });

  it('refuses a segment outside RAM', () => {
    const out = join(dir, 'low.elf');
    execFileSync(
      'riscv64-unknown-elf-gcc',
      [
        '-march=rv32imac_zicsr_zifencei',
        '-mabi=ilp32',
        '-nostdlib',
        '-nostartfiles',
        '-Wl,-Ttext=0x40000000',
        '-o',
        out,
        '-x',
        'assembler',
        '-',
      ],
      { input: '.globl _start\n_start: j _start\n', stdio: ['pipe', 'ignore', 'ignore'] },
    );
    const image = parseElf(readFileSync(out));
    expect(() => loadElfIntoRam(image, new Uint8Array(1 << 20), RAM_BASE)).toThrow(
      /^segment 0x(3fff|4000)[0-9a-f]{4}–0x[0-9a-f]{8} outside RAM \(0x80000000–0x800fffff\)$/,
    );
  });

  it('refuses a RISC-V 64-bit executable', () => {
    const out = join(dir, 'rv64.elf');
    execFileSync(
      'riscv64-unknown-elf-gcc',
      [
        '-march=rv64imac',
        '-mabi=lp64',
        '-nostdlib',
        '-nostartfiles',
        '-Wl,-Ttext=0x80000000',
        '-o',
        out,
        '-x',
        'assembler',
        '-',
      ],
      { input: '.globl _start\n_start: j _start\n', stdio: ['pipe', 'ignore', 'ignore'] },
    );
    expect(() => parseElf(readFileSync(out))).toThrow(/^not a 32-bit RISC-V executable/);
  });
});
