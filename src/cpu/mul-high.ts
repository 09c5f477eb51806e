/**
 * Upper 32 bits of 32×32-bit products for MULH/MULHSU/MULHU (unprivileged ISA §7.1),
 * without BigInt: the unsigned product is built from 16-bit halves so every partial
 * sum stays exact in a double, and the signed forms correct the unsigned one
 * (for a < 0, a as signed = a as unsigned − 2^32, so the high word loses b).
 */
export function mulhu(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const lh = al * bh;
  const hl = ah * bl;
  const mid = ((al * bl) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) | 0;
}

export function mulh(a: number, b: number): number {
  return (mulhu(a, b) - (a < 0 ? b : 0) - (b < 0 ? a : 0)) | 0;
}

/** rs1 signed × rs2 unsigned. */
export function mulhsu(a: number, b: number): number {
  return (mulhu(a, b) - (a < 0 ? b : 0)) | 0;
}
