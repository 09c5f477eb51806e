import { describe, expect, it } from 'vitest';
import { ISA_IO_BASE } from '../../../src/vmm/abi/platform';
import { IoreqRegistry } from '../../../src/vmm/ioreq';
import { VbeEnable, VbeIndex, VbePort } from '../../../src/server/device-models/bochs-vbe';
import { Vga, type RenderTarget } from '../../../src/server/device-models/vga';
import { VGA_FONT_8X16 } from '../../../src/server/device-models/vga-font-8x16';
import { MODE3, VgaPort } from '../../../src/server/device-models/vga-registers';

const TEXT_BASE = 0x400b_8000;
const LFB_BASE = 0x5000_0000;
const VRAM = 2 * 1024 * 1024;

function setup(now: () => number = () => 0) {
  const vga = new Vga({ textBase: TEXT_BASE, lfbBase: LFB_BASE, vramSize: VRAM, now });
  const outb = (port: number, v: number): void => vga.write(port, 1, v);
  const inb = (port: number): number => vga.read(port, 1);
  const seq = (i: number): number => (outb(VgaPort.SEQ_INDEX, i), inb(VgaPort.SEQ_DATA));
  const gc = (i: number): number => (outb(VgaPort.GC_INDEX, i), inb(VgaPort.GC_DATA));
  const crtc = (i: number): number => (outb(VgaPort.CRTC_INDEX, i), inb(VgaPort.CRTC_DATA));
  const setCrtc = (i: number, v: number): void => (
    outb(VgaPort.CRTC_INDEX, i),
    outb(VgaPort.CRTC_DATA, v)
  );
  const attr = (i: number): number => {
    inb(VgaPort.INPUT_STATUS1_FEATURE_WRITE); // reset the flip-flop to "index"
    outb(VgaPort.ATTR_ADDR_DATA, 0x20 | i);
    return inb(VgaPort.ATTR_DATA_READ);
  };
  const setAttr = (i: number, v: number): void => {
    inb(VgaPort.INPUT_STATUS1_FEATURE_WRITE);
    outb(VgaPort.ATTR_ADDR_DATA, 0x20 | i);
    outb(VgaPort.ATTR_ADDR_DATA, v);
  };
  const poke = (row: number, col: number, ch: number, a: number): void =>
    vga.textMemory.write(TEXT_BASE + (row * 80 + col) * 2, 2, ch | (a << 8));
  const vbe = (i: number, v: number): void => {
    vga.write(VbePort.INDEX, 2, i);
    vga.write(VbePort.DATA, 2, v);
  };
  const vbeRead = (i: number): number => (
    vga.write(VbePort.INDEX, 2, i),
    vga.read(VbePort.DATA, 2)
  );
  return { vga, outb, inb, seq, gc, crtc, setCrtc, attr, setAttr, poke, vbe, vbeRead };
}

function target(width = 720, height = 400): RenderTarget {
  return { data: new Uint8ClampedArray(width * height * 4), width, height };
}

function pixel(t: RenderTarget, x: number, y: number): [number, number, number] {
  const o = (y * t.width + x) * 4;
  return [t.data[o] ?? -1, t.data[o + 1] ?? -1, t.data[o + 2] ?? -1];
}

const BLUE: [number, number, number] = [0x00, 0x00, 0xaa];
const WHITE: [number, number, number] = [0xff, 0xff, 0xff];
const BRIGHT_BLUE: [number, number, number] = [0x55, 0x55, 0xff];
const BLACK: [number, number, number] = [0, 0, 0];

describe('VGA registers (reset = mode 3 as the VGA BIOS sets it)', () => {
  it('resets the misc output register and PEL mask', () => {
    const { inb } = setup();
    expect(inb(VgaPort.MISC_READ)).toBe(0x67);
    expect(inb(VgaPort.DAC_PEL_MASK)).toBe(0xff);
  });

  it.each(MODE3.seq.map((v, i) => [i, v]))('resets SR%i to %i', (i, v) => {
    expect(setup().seq(i)).toBe(v);
  });
  it.each(MODE3.gc.map((v, i) => [i, v]))('resets GR%i to %i', (i, v) => {
    expect(setup().gc(i)).toBe(v);
  });
  it.each(MODE3.crtc.map((v, i) => [i, v]))('resets CR%i to %i', (i, v) => {
    expect(setup().crtc(i)).toBe(v);
  });
  it.each(MODE3.attr.map((v, i) => [i, v]))('resets AR%i to %i', (i, v) => {
    expect(setup().attr(i)).toBe(v);
  });

  // Writable bits per register (QEMU sr_mask / gr_mask / the attribute controller cases).
  it.each([
    ['SR1', 'seq', 1, 0x3d],
    ['SR2', 'seq', 2, 0x0f],
    ['SR4', 'seq', 4, 0x0e],
    ['GR3', 'gc', 3, 0x1f],
    ['GR5', 'gc', 5, 0x7b],
    ['GR8', 'gc', 8, 0xff],
    ['AR0', 'attr', 0, 0x3f],
    ['AR10', 'attr', 0x10, 0xef],
    ['AR12', 'attr', 0x12, 0x3f],
    ['AR14', 'attr', 0x14, 0x0f],
  ] as const)('%s keeps only its defined bits', (_n, kind, i, mask) => {
    const s = setup();
    if (kind === 'seq') {
      s.outb(VgaPort.SEQ_INDEX, i);
      s.outb(VgaPort.SEQ_DATA, 0xff);
      expect(s.seq(i)).toBe(mask);
    } else if (kind === 'gc') {
      s.outb(VgaPort.GC_INDEX, i);
      s.outb(VgaPort.GC_DATA, 0xff);
      expect(s.gc(i)).toBe(mask);
    } else {
      s.setAttr(i, 0xff);
      expect(s.attr(i)).toBe(mask);
    }
  });

  it('splits a 16-bit OUT into index and data (outw 0x3c4, 0x0f02)', () => {
    const s = setup();
    s.vga.write(VgaPort.SEQ_INDEX, 2, 0x0f02);
    expect(s.inb(VgaPort.SEQ_INDEX)).toBe(2);
    expect(s.seq(2)).toBe(0x0f);
    s.vga.write(VgaPort.CRTC_INDEX, 2, 0x500e);
    expect(s.crtc(0x0e)).toBe(0x50);
  });

  it('protects CR0–CR7 while CR11 bit 7 is set, except CR7 bit 4', () => {
    const s = setup();
    s.setCrtc(0x01, 0x27);
    expect(s.crtc(0x01)).toBe(0x4f);
    s.setCrtc(0x07, 0x00);
    expect(s.crtc(0x07)).toBe(0x0f); // 0x1f with only bit 4 changed
    s.setCrtc(0x11, 0x0e); // unlock
    s.setCrtc(0x01, 0x27);
    expect(s.crtc(0x01)).toBe(0x27);
  });

  it('runs the attribute controller index/data flip-flop, reset by reading 0x3DA', () => {
    const s = setup();
    s.inb(VgaPort.INPUT_STATUS1_FEATURE_WRITE);
    s.outb(VgaPort.ATTR_ADDR_DATA, 0x20 | 0x01); // index
    s.outb(VgaPort.ATTR_ADDR_DATA, 0x2a); // data → AR1
    s.outb(VgaPort.ATTR_ADDR_DATA, 0x20 | 0x02); // index again
    expect(s.inb(VgaPort.ATTR_ADDR_DATA)).toBe(0x22); // the address register reads back
    expect(s.inb(VgaPort.ATTR_DATA_READ)).toBe(0x02);
    s.outb(VgaPort.ATTR_ADDR_DATA, 0x15); // data → AR2
    expect(s.attr(1)).toBe(0x2a);
    expect(s.attr(2)).toBe(0x15);
    // Mid-sequence: after an index write the next write would be data; a 0x3DA read resets it.
    s.inb(VgaPort.INPUT_STATUS1_FEATURE_WRITE);
    s.outb(VgaPort.ATTR_ADDR_DATA, 0x20 | 0x03);
    s.inb(VgaPort.INPUT_STATUS1_FEATURE_WRITE);
    s.outb(VgaPort.ATTR_ADDR_DATA, 0x20 | 0x04); // taken as an index, not as AR3 data
    expect(s.inb(VgaPort.ATTR_ADDR_DATA)).toBe(0x24);
    expect(s.attr(3)).toBe(MODE3.attr[3]);
  });

  it('toggles vertical retrace in Input Status 1 so polling loops end', () => {
    const { inb } = setup();
    const reads = [1, 2, 3, 4].map(() => inb(VgaPort.INPUT_STATUS1_FEATURE_WRITE));
    expect(reads.map((v) => v & 0x08)).toEqual([0x08, 0, 0x08, 0]);
    let spins = 0;
    while (!(inb(VgaPort.INPUT_STATUS1_FEATURE_WRITE) & 0x08) && spins < 10) spins++;
    expect(spins).toBeLessThan(2);
  });

  it('stops decoding 0x3D4/0x3D5/0x3DA when misc bit 0 selects mono addressing', () => {
    const s = setup();
    s.outb(VgaPort.MISC_WRITE_INPUT_STATUS0, 0x66);
    expect(s.inb(VgaPort.MISC_READ)).toBe(0x66);
    expect(s.inb(VgaPort.CRTC_DATA)).toBe(0xff);
    s.outb(VgaPort.CRTC_INDEX, 0x0a);
    s.outb(VgaPort.CRTC_DATA, 0x20);
    s.outb(VgaPort.MISC_WRITE_INPUT_STATUS0, 0x67);
    expect(s.crtc(0x0a)).toBe(0x0d);
  });

  it('auto-increments the DAC through R, G, B and on to the next entry', () => {
    const { outb, inb } = setup();
    outb(VgaPort.DAC_WRITE_INDEX, 5);
    expect(inb(VgaPort.DAC_READ_INDEX_STATE)).toBe(0x00); // DAC state: write mode
    for (const v of [0x01, 0x02, 0x03, 0x3f, 0x7f, 0xc0]) outb(VgaPort.DAC_DATA, v);
    expect(inb(VgaPort.DAC_WRITE_INDEX)).toBe(7);
    outb(VgaPort.DAC_READ_INDEX_STATE, 5);
    expect(inb(VgaPort.DAC_READ_INDEX_STATE)).toBe(0x03); // read mode
    const back = [1, 2, 3, 4, 5, 6].map(() => inb(VgaPort.DAC_DATA));
    expect(back).toEqual([0x01, 0x02, 0x03, 0x3f, 0x3f, 0x00]); // 6-bit DAC
    // Entry 7 still holds the EGA colour 7 (0x2a, 0x2a, 0x2a).
    expect([1, 2, 3].map(() => inb(VgaPort.DAC_DATA))).toEqual([0x2a, 0x2a, 0x2a]);
  });

  it('latches a DAC entry only when its third component arrives', () => {
    const { vga, outb, poke } = setup();
    poke(0, 0, 0xdb, 0x01); // full block in colour 1 → DAC entry 1
    vga.takeDirty();
    outb(VgaPort.DAC_WRITE_INDEX, 1);
    outb(VgaPort.DAC_DATA, 0x3f);
    outb(VgaPort.DAC_DATA, 0x00);
    const t = target();
    vga.render(t);
    expect(pixel(t, 0, 0)).toEqual(BLUE);
    outb(VgaPort.DAC_DATA, 0x00);
    expect(vga.takeDirty()).toEqual([{ x: 0, y: 0, w: 720, h: 400 }]); // a palette change redraws all
    vga.render(t);
    expect(pixel(t, 0, 0)).toEqual([0xff, 0, 0]);
  });
});

describe('VGA text mode', () => {
  it('derives 80×25 with 9×16 cells from the mode-3 CRTC and sequencer', () => {
    const s = setup();
    expect(s.vga.geometry()).toEqual({ mode: 'text', width: 720, height: 400 });
    s.outb(VgaPort.SEQ_INDEX, 1);
    s.outb(VgaPort.SEQ_DATA, 0x01); // 8-dot clock
    expect(s.vga.geometry()).toEqual({ mode: 'text', width: 640, height: 400 });
  });

  it('takes the cursor position from CR0E/CR0F relative to the start address', () => {
    const s = setup();
    expect(s.vga.cursor()).toEqual({ row: 0, column: 0 });
    s.setCrtc(0x0e, 0x00);
    s.setCrtc(0x0f, 81);
    expect(s.vga.cursor()).toEqual({ row: 1, column: 1 });
    s.setCrtc(0x0e, 0x07);
    s.setCrtc(0x0f, 0xcf); // 1999: last cell
    expect(s.vga.cursor()).toEqual({ row: 24, column: 79 });
    s.setCrtc(0x0d, 80); // start address one row down
    expect(s.vga.cursor()).toEqual({ row: 23, column: 79 });
    s.setCrtc(0x0e, 0);
    s.setCrtc(0x0f, 10); // above the displayed page
    expect(s.vga.cursor()).toBeNull();
  });

  it('hides the cursor when CR0A bit 5 is set', () => {
    const s = setup();
    s.setCrtc(0x0a, 0x2d);
    expect(s.vga.cursor()).toBeNull();
  });

  it('renders "A" with attribute 0x1F as the font glyph, white on blue, and dirties exactly its cell', () => {
    const { vga, poke } = setup();
    expect(vga.takeDirty()).toEqual([{ x: 0, y: 0, w: 720, h: 400 }]); // first frame: everything
    expect(vga.takeDirty()).toEqual([]);
    poke(2, 5, 0x41, 0x1f);
    const dirty = vga.takeDirty();
    expect(dirty).toEqual([{ x: 5 * 9, y: 2 * 16, w: 9, h: 16 }]);
    const t = target();
    vga.render(t, dirty);
    for (let y = 0; y < 16; y++) {
      const bits = VGA_FONT_8X16[0x41 * 16 + y] ?? 0;
      for (let x = 0; x < 9; x++) {
        const on = x < 8 && ((bits >> (7 - x)) & 1) === 1;
        expect(pixel(t, 45 + x, 32 + y), `glyph pixel ${x},${y}`).toEqual(on ? WHITE : BLUE);
      }
    }
    // Known positions of the classic 'A': the apex at row 2, column 3; row 7 is the bar.
    expect(pixel(t, 45 + 3, 32 + 2)).toEqual(WHITE);
    expect(pixel(t, 45 + 0, 32 + 7)).toEqual(WHITE);
    expect(pixel(t, 45 + 0, 32 + 2)).toEqual(BLUE);
    // Only the dirty cell was drawn.
    expect(pixel(t, 44, 32)).toEqual([0, 0, 0]);
    expect(t.data[(32 * 720 + 44) * 4 + 3]).toBe(0);
  });

  it('reports one rectangle per run of changed cells in a row', () => {
    const { vga, poke } = setup();
    vga.takeDirty();
    poke(3, 10, 0x41, 0x07);
    poke(3, 11, 0x42, 0x07);
    poke(3, 20, 0x43, 0x07);
    poke(4, 0, 0x44, 0x07);
    poke(5, 0, 0x20, 0x07); // unchanged value: not dirty
    expect(vga.takeDirty()).toEqual([
      { x: 90, y: 48, w: 18, h: 16 },
      { x: 180, y: 48, w: 9, h: 16 },
      { x: 0, y: 64, w: 9, h: 16 },
    ]);
  });

  it('uses attribute bit 7 as blink with AR10 bit 3 set, as bright background without', () => {
    let now = 0;
    const s = setup(() => now);
    s.poke(0, 1, 0xdb, 0x9f); // full block, white on (bright) blue, blink
    s.vga.takeDirty();
    const t = target();
    s.vga.render(t);
    expect(pixel(t, 9, 0)).toEqual(WHITE); // blink phase on: foreground shows
    now = 500; // second half of the 32-frame blink period
    expect(s.vga.takeDirty()).toEqual([{ x: 9, y: 0, w: 9, h: 16 }]);
    s.vga.render(t);
    expect(pixel(t, 9, 0)).toEqual(BLUE); // background is colour 1, not 9; glyph hidden
    s.setAttr(0x10, 0x04); // blink off → bit 7 is background intensity
    expect(s.vga.takeDirty()).toEqual([{ x: 0, y: 0, w: 720, h: 400 }]);
    s.poke(0, 1, 0x20, 0x9f);
    s.vga.render(t);
    expect(pixel(t, 9, 0)).toEqual(BRIGHT_BLUE);
  });

  it('draws the cursor on its scan lines in the cell foreground and blinks it', () => {
    let now = 0;
    const s = setup(() => now);
    s.poke(1, 2, 0x20, 0x1e); // yellow on blue
    s.setCrtc(0x0e, 0);
    s.setCrtc(0x0f, 82);
    s.vga.takeDirty();
    const t = target();
    s.vga.render(t);
    const yellow = [0xff, 0xff, 0x55];
    expect(pixel(t, 18, 16 + 12)).toEqual(BLUE);
    expect(pixel(t, 18, 16 + 13)).toEqual(yellow); // CR0A = 0x0d
    expect(pixel(t, 18 + 8, 16 + 14)).toEqual(yellow); // CR0B = 0x0e, all 9 columns
    expect(pixel(t, 18, 16 + 15)).toEqual(BLUE);
    now = 300; // cursor half period is 16 frames at 70 Hz
    expect(s.vga.takeDirty()).toEqual([{ x: 18, y: 16, w: 9, h: 16 }]);
    s.vga.render(t);
    expect(pixel(t, 18, 16 + 13)).toEqual(BLUE);
  });

  it('scrolls with the start address and gives the text as a snapshot', () => {
    const s = setup();
    const text = 'Hello, VGA';
    [...text].forEach((c, i) => s.poke(0, i, c.charCodeAt(0), 0x07));
    s.poke(1, 0, 0xc9, 0x07); // ╔
    s.poke(1, 1, 0xcd, 0x07); // ═
    const snap = s.vga.textSnapshot().split('\n');
    expect(snap).toHaveLength(25);
    expect(snap[0]).toBe('Hello, VGA');
    expect(snap[1]).toBe('╔═');
    expect(snap[2]).toBe('');
    s.vga.takeDirty();
    s.setCrtc(0x0d, 80); // start one row down: the screen scrolls up
    expect(s.vga.textSnapshot().split('\n')[0]).toBe('╔═');
    const dirty = s.vga.takeDirty();
    expect(dirty).toEqual([
      // Row 0 changes from "Hello, VGA" to "╔═": every cell but the blank at column 6.
      { x: 0, y: 0, w: 6 * 9, h: 16 },
      { x: 7 * 9, y: 0, w: 3 * 9, h: 16 },
      { x: 0, y: 16, w: 2 * 9, h: 16 },
    ]);
  });

  it('blanks the screen while the attribute address has PAS clear', () => {
    const s = setup();
    s.poke(0, 0, 0xdb, 0x0f);
    s.inb(VgaPort.INPUT_STATUS1_FEATURE_WRITE);
    s.outb(VgaPort.ATTR_ADDR_DATA, 0x00);
    expect(s.vga.geometry().mode).toBe('blank');
    const t = target();
    s.vga.render(t);
    expect(pixel(t, 0, 0)).toEqual(BLACK);
    s.outb(VgaPort.ATTR_ADDR_DATA, 0x00); // data for AR0 (flip-flop)
    s.outb(VgaPort.ATTR_ADDR_DATA, 0x20);
    expect(s.vga.geometry().mode).toBe('text');
  });
});

describe('Bochs VBE linear framebuffer', () => {
  function mode640(s: ReturnType<typeof setup>, bpp = 32): void {
    s.vbe(VbeIndex.ENABLE, 0);
    s.vbe(VbeIndex.XRES, 640);
    s.vbe(VbeIndex.YRES, 480);
    s.vbe(VbeIndex.BPP, bpp);
    s.vbe(VbeIndex.ENABLE, VbeEnable.ENABLED | VbeEnable.LFB_ENABLED);
  }

  it('identifies as VBE_DISPI_ID5 and reports its memory and caps', () => {
    const s = setup();
    expect(s.vbeRead(VbeIndex.ID)).toBe(0xb0c5);
    expect(s.vbeRead(VbeIndex.VIDEO_MEMORY_64K)).toBe(VRAM / 65536);
    s.vbe(VbeIndex.ENABLE, VbeEnable.GETCAPS);
    expect([s.vbeRead(VbeIndex.XRES), s.vbeRead(VbeIndex.YRES), s.vbeRead(VbeIndex.BPP)]).toEqual([
      2560, 1600, 32,
    ]);
    s.vbe(VbeIndex.ID, 0x1234); // not an interface version: ignored
    expect(s.vbeRead(VbeIndex.ID)).toBe(0xb0c5);
    s.vbe(VbeIndex.ID, 0xb0c2);
    expect(s.vbeRead(VbeIndex.ID)).toBe(0xb0c2);
  });

  it('sets 640×480×32 and shows a pixel written through the framebuffer in render()', () => {
    const s = setup();
    mode640(s);
    expect(s.vga.geometry()).toEqual({ mode: 'graphics', width: 640, height: 480 });
    expect(s.vbeRead(VbeIndex.VIRT_WIDTH)).toBe(640);
    expect(s.vga.textSnapshot()).toBe('');
    expect(s.vga.takeDirty()).toEqual([{ x: 0, y: 0, w: 640, h: 480 }]);
    // BGRX little-endian: the word 0x00112233 is R=0x11, G=0x22, B=0x33.
    s.vga.framebuffer.write(LFB_BASE + (20 * 640 + 10) * 4, 4, 0x00112233);
    expect(s.vga.framebuffer.read(LFB_BASE + (20 * 640 + 10) * 4, 4)).toBe(0x00112233);
    const dirty = s.vga.takeDirty();
    expect(dirty).toEqual([{ x: 0, y: 20, w: 640, h: 1 }]);
    const t = target(640, 480);
    s.vga.render(t);
    expect(pixel(t, 10, 20)).toEqual([0x11, 0x22, 0x33]);
    expect(pixel(t, 11, 20)).toEqual(BLACK);
  });

  it('clears video memory on enable unless NOCLEARMEM', () => {
    const s = setup();
    mode640(s);
    s.vga.framebuffer.write(LFB_BASE, 4, 0x00ffffff);
    mode640(s);
    expect(s.vga.framebuffer.read(LFB_BASE, 4)).toBe(0);
    s.vga.framebuffer.write(LFB_BASE, 4, 0x00ffffff);
    s.vbe(VbeIndex.ENABLE, 0);
    s.vbe(VbeIndex.ENABLE, VbeEnable.ENABLED | VbeEnable.NOCLEARMEM);
    expect(s.vga.framebuffer.read(LFB_BASE, 4)).toBe(0x00ffffff);
  });

  it('fixes up impossible modes as QEMU does', () => {
    const s = setup();
    s.vbe(VbeIndex.XRES, 643);
    s.vbe(VbeIndex.YRES, 5000);
    s.vbe(VbeIndex.BPP, 7);
    s.vbe(VbeIndex.ENABLE, VbeEnable.ENABLED);
    expect(s.vbeRead(VbeIndex.XRES)).toBe(640); // multiple of 8
    expect(s.vbeRead(VbeIndex.BPP)).toBe(8); // unknown depth → 8
    expect(s.vbeRead(VbeIndex.YRES)).toBe(1600); // Bochs' limit
    expect(s.vbeRead(VbeIndex.VIRT_HEIGHT)).toBe(Math.floor(VRAM / 640));
  });

  it.each([
    [16, 2, 0xf800, [0xff, 0, 0]],
    [16, 2, 0x07e0, [0, 0xff, 0]],
    [15, 2, 0x001f, [0, 0, 0xff]],
    [24, 3, 0x0000ff, [0, 0, 0xff]],
  ])('decodes %i bpp pixels', (bpp, bytes, value, rgb) => {
    const s = setup();
    mode640(s, bpp);
    s.vga.framebuffer.write(LFB_BASE + 5 * bytes, 2, value & 0xffff);
    if (bytes === 3) s.vga.framebuffer.write(LFB_BASE + 5 * 3 + 2, 1, value >>> 16);
    const t = target(640, 480);
    s.vga.render(t);
    expect(pixel(t, 5, 0)).toEqual(rgb);
  });

  it('looks 8 bpp pixels up in the DAC', () => {
    const s = setup();
    mode640(s, 8);
    s.vga.framebuffer.write(LFB_BASE + 3, 1, 4); // colour 4: EGA red (0x2a, 0, 0)
    const t = target(640, 480);
    s.vga.render(t);
    expect(pixel(t, 3, 0)).toEqual([0xaa, 0, 0]);
  });

  it('scans out from the panning offsets and redraws everything when they move', () => {
    const s = setup();
    mode640(s);
    s.vbe(VbeIndex.VIRT_WIDTH, 1024);
    s.vga.takeDirty();
    s.vga.framebuffer.write(LFB_BASE + (10 * 1024 + 8) * 4, 4, 0x00ff0000);
    s.vbe(VbeIndex.X_OFFSET, 8);
    s.vbe(VbeIndex.Y_OFFSET, 10);
    expect(s.vga.takeDirty()).toEqual([{ x: 0, y: 0, w: 640, h: 480 }]);
    const t = target(640, 480);
    s.vga.render(t);
    expect(pixel(t, 0, 0)).toEqual([0xff, 0, 0]);
  });
});

describe('VGA as an ioreq server', () => {
  it('registers ports, text window and framebuffer and answers through the registry', () => {
    const s = setup();
    const reg = new IoreqRegistry();
    for (const spec of s.vga.ioreqSpecs()) reg.register(spec, () => null);
    const portAt = (p: number) => reg.find(ISA_IO_BASE + p, 1);
    const misc = portAt(VgaPort.MISC_READ);
    expect(misc && IoreqRegistry.read(misc, ISA_IO_BASE + VgaPort.MISC_READ, 1)).toBe(0x67);
    const vbe = reg.find(ISA_IO_BASE + VbePort.INDEX, 2);
    expect(vbe).toBeDefined();
    const text = reg.find(TEXT_BASE + 0x7ffe, 2);
    if (!text) throw new Error('text window not claimed');
    IoreqRegistry.write(text, TEXT_BASE, 2, 0x1f41);
    expect(s.vga.textSnapshot().startsWith('A')).toBe(true);
    expect(reg.find(LFB_BASE + VRAM - 4, 4)).toBeDefined();
    expect(reg.find(LFB_BASE + VRAM, 1)).toBeUndefined();
  });

  it('counts accesses per port and window', () => {
    const s = setup();
    s.crtc(0x0e);
    s.poke(0, 0, 0x41, 0x07);
    s.inb(0x3c3); // not a VGA register
    const c = s.vga.accessCounts();
    expect(c['crtc-address']).toBe(1);
    expect(c['crtc-data']).toBe(1);
    expect(c['text-memory']).toBe(1);
    expect(c['unassigned']).toBe(1);
    expect(s.vga.accessCount).toBe(4);
  });
});

describe('VGA save/restore', () => {
  it('round-trips registers, palette, text, VBE mode and video memory', () => {
    const a = setup();
    a.setCrtc(0x0f, 42);
    a.setAttr(0x10, 0x04);
    a.outb(VgaPort.DAC_WRITE_INDEX, 9);
    a.outb(VgaPort.DAC_DATA, 0x11); // half-written entry: the latch is state too
    a.poke(3, 3, 0x58, 0x4e);
    a.vbe(VbeIndex.XRES, 800);
    a.vbe(VbeIndex.YRES, 600);
    a.vbe(VbeIndex.BPP, 32);
    a.vga.framebuffer.write(LFB_BASE + 4 * 1000, 4, 0x00abcdef);
    const saved = a.vga.saveState();
    const b = setup();
    b.vga.restoreState(structuredClone(saved));
    // Video memory compared as bytes: a deep equal over megabytes is needlessly slow.
    const { vram: vramA, ...restA } = saved;
    const { vram: vramB, ...restB } = b.vga.saveState();
    expect(restB).toEqual(restA);
    expect(Buffer.from(vramB).equals(Buffer.from(vramA))).toBe(true);
    expect(b.vga.cursor()).toEqual({ row: 0, column: 42 });
    expect(b.vga.textSnapshot().split('\n')[3]).toBe('   X');
    b.outb(VgaPort.DAC_DATA, 0x22);
    b.outb(VgaPort.DAC_DATA, 0x33);
    b.outb(VgaPort.DAC_READ_INDEX_STATE, 9);
    expect([1, 2, 3].map(() => b.inb(VgaPort.DAC_DATA))).toEqual([0x11, 0x22, 0x33]);
    b.vbe(VbeIndex.ENABLE, VbeEnable.ENABLED | VbeEnable.NOCLEARMEM);
    const t = target(800, 600);
    b.vga.render(t);
    expect(pixel(t, 1000 % 800, 1)).toEqual([0xab, 0xcd, 0xef]);
  });
});
