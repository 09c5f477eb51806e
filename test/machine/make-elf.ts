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
