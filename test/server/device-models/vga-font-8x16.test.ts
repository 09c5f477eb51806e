import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VGA_FONT_8X16 } from '../../../src/server/device-models/vga-font-8x16';

const ROM = '/usr/share/seabios/vgabios-stdvga.bin';
const ROM_FONT_OFFSET = 0x73c0;

const glyph = (c: number): number[] => [...VGA_FONT_8X16.subarray(c * 16, c * 16 + 16)];

describe('VGA 8x16 font', () => {
  it('has 256 glyphs of 16 rows', () => {
    expect(VGA_FONT_8X16.length).toBe(4096);
  });

  it.each([
    ['space is blank', 0x20, Array<number>(16).fill(0)],
    ['full block fills the cell', 0xdb, Array<number>(16).fill(0xff)],
    ['A', 0x41, [0, 0, 0x10, 0x38, 0x6c, 0xc6, 0xc6, 0xfe, 0xc6, 0xc6, 0xc6, 0xc6, 0, 0, 0, 0]],
    ['═ spans the cell', 0xcd, [0, 0, 0, 0, 0, 0xff, 0, 0xff, 0, 0, 0, 0, 0, 0, 0, 0]],
  ])('%s', (_n, c, rows) => {
    expect(glyph(c)).toEqual(rows);
  });

  it.runIf(existsSync(ROM))(
    "matches the public-domain font in SeaBIOS's VGA BIOS it was taken from",
    () => {
      const rom = readFileSync(ROM);
      expect(
        Buffer.from(VGA_FONT_8X16).equals(rom.subarray(ROM_FONT_OFFSET, ROM_FONT_OFFSET + 4096)),
      ).toBe(true);
    },
  );
});
