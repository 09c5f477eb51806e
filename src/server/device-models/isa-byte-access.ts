/**
 * The ISA bus splits a 16- or 32-bit I/O cycle aimed at an 8-bit device into
 * byte cycles at consecutive ports, low byte first (so `outw 0x3c4, 0x0302`
 * writes index 2 to 0x3c4 and data 3 to 0x3c5, as VGA drivers rely on). The
 * legacy device models are 8-bit devices and go through these helpers.
 */

export function readBytes(
  port: number,
  size: 1 | 2 | 4,
  readByte: (port: number) => number,
): number {
  let value = 0;
  for (let i = 0; i < size; i++) value |= (readByte(port + i) & 0xff) << (8 * i);
  return value >>> 0;
}

export function writeBytes(
  port: number,
  size: 1 | 2 | 4,
  value: number,
  writeByte: (port: number, byte: number) => void,
): void {
  for (let i = 0; i < size; i++) writeByte(port + i, (value >>> (8 * i)) & 0xff);
}
