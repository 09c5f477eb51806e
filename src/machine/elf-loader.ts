/**
 * ELF32 little-endian RISC-V executable loader (System V ABI "ELF" chapters
 * 4–5; RISC-V ELF psABI: EM_RISCV = 243). Loads PT_LOAD segments by physical
 * address (p_paddr, as QEMU's loader does), zero-fills .bss (p_memsz beyond
 * p_filesz) and reads .symtab for the HTIF `tohost`/`fromhost` symbols.
 */

export class ElfError extends Error {
  override name = 'ElfError';
}

const EM_RISCV = 243;
const ET_EXEC = 2;
const ELFCLASS32 = 1;
const ELFDATA2LSB = 1;
const PT_LOAD = 1;
const SHT_SYMTAB = 2;
const EHDR_SIZE = 52;
const PHDR_SIZE = 32;
const SHDR_SIZE = 40;
const SYM_SIZE = 16;

export interface ElfSegment {
  /** Physical load address. */
  readonly paddr: number;
  readonly vaddr: number;
  /** The file-backed bytes (p_filesz). */
  readonly data: Uint8Array;
  readonly memsz: number;
  /** PF_X = 1, PF_W = 2, PF_R = 4. */
  readonly flags: number;
}

export interface ElfImage {
  readonly entry: number;
  readonly segments: readonly ElfSegment[];
  /** Symbol name → value, from .symtab (empty when stripped). */
  readonly symbols: ReadonlyMap<string, number>;
}

const hex = (n: number): string => '0x' + (n >>> 0).toString(16).padStart(8, '0');

export function parseElf(file: Uint8Array): ElfImage {
  if (
    file.length < 4 ||
    file[0] !== 0x7f ||
    file[1] !== 0x45 ||
    file[2] !== 0x4c ||
    file[3] !== 0x46
  ) {
    throw new ElfError('not an ELF file');
  }
  if (file.length < EHDR_SIZE) throw new ElfError('truncated ELF file (no complete ELF header)');
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const isLe = file[5] === ELFDATA2LSB;
  const machine = view.getUint16(18, isLe);
  if (file[4] !== ELFCLASS32 || !isLe || machine !== EM_RISCV) {
    throw new ElfError(
      `not a 32-bit RISC-V executable (class ${file[4]}, data ${file[5]}, machine ${machine})`,
    );
  }
  const type = view.getUint16(16, true);
  if (type !== ET_EXEC) {
    throw new ElfError(
      `not an executable ELF file (e_type ${type}; relocatable and shared objects cannot be run)`,
    );
  }
  const entry = view.getUint32(24, true);
  const phoff = view.getUint32(28, true);
  const shoff = view.getUint32(32, true);
  const phentsize = view.getUint16(42, true);
  const phnum = view.getUint16(44, true);
  const shentsize = view.getUint16(46, true);
  const shnum = view.getUint16(48, true);

  const within = (off: number, len: number, what: string): void => {
    if (off + len > file.length) throw new ElfError(`${what} lies beyond the end of the file`);
  };

  const segments: ElfSegment[] = [];
  if (phnum > 0 && phentsize < PHDR_SIZE) throw new ElfError('bad program header size');
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    within(ph, PHDR_SIZE, `program header ${i}`);
    if (view.getUint32(ph, true) !== PT_LOAD) continue;
    const offset = view.getUint32(ph + 4, true);
    const vaddr = view.getUint32(ph + 8, true);
    const paddr = view.getUint32(ph + 12, true);
    const filesz = view.getUint32(ph + 16, true);
    const memsz = view.getUint32(ph + 20, true);
    const flags = view.getUint32(ph + 24, true);
    if (filesz > memsz) throw new ElfError(`segment ${hex(paddr)}: p_filesz > p_memsz`);
    within(offset, filesz, `segment ${hex(paddr)}`);
    if (memsz === 0) continue;
    segments.push({ paddr, vaddr, data: file.subarray(offset, offset + filesz), memsz, flags });
  }
  if (segments.length === 0) throw new ElfError('ELF file has no loadable segments');

  return { entry, segments, symbols: readSymbols(file, view, shoff, shentsize, shnum) };
}

function readSymbols(
  file: Uint8Array,
  view: DataView,
  shoff: number,
  shentsize: number,
  shnum: number,
): Map<string, number> {
  const symbols = new Map<string, number>();
  if (shoff === 0 || shnum === 0 || shentsize < SHDR_SIZE) return symbols;
  if (shoff + shnum * shentsize > file.length) return symbols; // no usable section table
  const section = (i: number) => {
    const sh = shoff + i * shentsize;
    return {
      type: view.getUint32(sh + 4, true),
      offset: view.getUint32(sh + 16, true),
      size: view.getUint32(sh + 20, true),
      link: view.getUint32(sh + 24, true),
    };
  };
  const decoder = new TextDecoder();
  for (let i = 0; i < shnum; i++) {
    const symtab = section(i);
    if (symtab.type !== SHT_SYMTAB || symtab.link >= shnum) continue;
    const strtab = section(symtab.link);
    if (symtab.offset + symtab.size > file.length || strtab.offset + strtab.size > file.length) {
      continue;
    }
    for (let at = symtab.offset; at + SYM_SIZE <= symtab.offset + symtab.size; at += SYM_SIZE) {
      const nameOff = view.getUint32(at, true);
      if (nameOff === 0 || nameOff >= strtab.size) continue;
      const start = strtab.offset + nameOff;
      let end = start;
      while (end < strtab.offset + strtab.size && file[end] !== 0) end++;
      const name = decoder.decode(file.subarray(start, end));
      // A global (or weak) definition wins over a local one of the same name.
      const isLocal = (file[at + 12] as number) >>> 4 === 0;
      if (!isLocal || !symbols.has(name)) symbols.set(name, view.getUint32(at + 4, true));
    }
  }
  return symbols;
}

/** Throw unless every segment lies inside RAM [ramBase, ramBase + ramSize). */
export function checkSegmentsInRam(image: ElfImage, ramBase: number, ramSize: number): void {
  for (const seg of image.segments) {
    const off = seg.paddr - ramBase;
    if (off < 0 || off + seg.memsz > ramSize) {
      throw new ElfError(
        `segment ${hex(seg.paddr)}–${hex(seg.paddr + seg.memsz - 1)} outside RAM ` +
          `(${hex(ramBase)}–${hex(ramBase + ramSize - 1)})`,
      );
    }
  }
}

/** Copy an image's segments into RAM (physical [ramBase, ramBase + ram.length)). */
export function loadElfIntoRam(image: ElfImage, ram: Uint8Array, ramBase: number): void {
  checkSegmentsInRam(image, ramBase, ram.length);
  for (const seg of image.segments) {
    const off = seg.paddr - ramBase;
    ram.set(seg.data, off);
    ram.fill(0, off + seg.data.length, off + seg.memsz);
  }
}
