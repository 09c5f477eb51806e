/**
 * The VGA DAC's colour table as the VGA BIOS loads it for the 16-colour text
 * modes (vgabios vgatables.h `palette2`, DAC model 2 of mode 3): entries 0–63
 * hold the 64 EGA colours, the rest are black. An EGA colour number is rgbRGB:
 * bits 2/1/0 add 2/3 intensity (0x2A of 0x3F) to red/green/blue, bits 5/4/3 add
 * 1/3 (0x15). With the mode-3 attribute palette (0,1,2,3,4,5,0x14,7,0x38–0x3F)
 * this yields the familiar 16 CGA colours, brown included.
 */

export const DAC_ENTRIES = 256;

/** 6-bit R, G, B of EGA colour `n` (0–63). */
export function egaColor(n: number): [number, number, number] {
  const c = (hi: number, lo: number): number => (n & hi ? 0x2a : 0) + (n & lo ? 0x15 : 0);
  return [c(0x04, 0x20), c(0x02, 0x10), c(0x01, 0x08)];
}

/** DAC contents after the mode-3 set: 256 × (R, G, B), 6 bits each. */
export function mode3Dac(): Uint8Array {
  const dac = new Uint8Array(DAC_ENTRIES * 3);
  for (let n = 0; n < 64; n++) dac.set(egaColor(n), n * 3);
  return dac;
}

/** A 6-bit DAC value on an 8-bit channel (0x3F → 0xFF, 0x2A → 0xAA, 0x15 → 0x55). */
export function dac6to8(v: number): number {
  return ((v << 2) | (v >> 4)) & 0xff;
}
