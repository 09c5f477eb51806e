import type { IoreqHandler, IoreqServerSpec } from '../../vmm/ioreq';
import { AccessCounter } from './access-counter';
import { BochsVbe, VbePort, type BochsVbeState, type VbeMode } from './bochs-vbe';
import { cp437ToUnicode } from './cp437';
import { readBytes, writeBytes } from './isa-byte-access';
import { isaPortRanges } from './isa-port-map';
import { FONT_HEIGHT, VGA_FONT_8X16 } from './vga-font-8x16';
import { dac6to8, DAC_ENTRIES, mode3Dac } from './vga-palette';
import {
  AR,
  AR10,
  AR_COUNT,
  AR_INDEX_MASK,
  AR_PAS,
  attrWriteMask,
  CHAR_BLINK_HALF_PERIOD_MS,
  CR,
  CR07_LINE_COMPARE_8,
  CR0A_CURSOR_DISABLE,
  CR11_PROTECT,
  CR_COUNT,
  CURSOR_BLINK_HALF_PERIOD_MS,
  DAC_STATE,
  GR06_GRAPHICS_MODE,
  GR_INDEX_MASK,
  GR_MASK,
  MISC,
  MODE3,
  SR,
  SR01,
  SR_INDEX_MASK,
  SR_MASK,
  ST01,
  VGA_PORT_NAMES,
  VgaPort,
} from './vga-registers';

/**
 * VGA display adapter with Bochs VBE extensions, as an HVM device model.
 *
 * Three windows reach it: the registers at ports 0x3C0–0x3DF plus the VBE
 * dispi ports (`read`/`write`, port numbers), the 32 KiB colour text buffer
 * at ISA memory 0xB8000 (`textMemory`, guest-physical addresses from
 * `textBase`), and the linear framebuffer (`framebuffer`, from `lfbBase`).
 *
 * What is drawn: 80×25-style alphanumeric mode from the CRTC geometry (columns
 * CR01+1, character height CR09+1, CR12/CR07 displayed lines, CR13 row pitch,
 * start address CR0C/CR0D, cursor CR0A/CR0B/CR0E/CR0F) with 8- or 9-dot
 * character clocks (SR01 bit 0) and the 16-colour attribute path
 * (AR palette → AR10/AR14 → PEL mask → DAC); or, with VBE enabled, the linear
 * framebuffer at 8 (DAC), 15, 16, 24 or 32 bpp (BGRX little-endian, as Bochs).
 * The planar/chain-4 VGA graphics modes and the 0xA0000 window are not modelled.
 *
 * Text memory is kept as the CPU sees it (character, attribute, …), not in
 * the card's interleaved planes, which nothing outside the card can observe.
 */

/** The colour text buffer's ISA address and size (mode 3: B800:0000, 32 KiB). */
export const VGA_TEXT_ISA_ADDRESS = 0xb8000;
export const VGA_TEXT_WINDOW_SIZE = 0x8000;
/** Default video memory: 4 MiB holds 1280×800×32. */
export const DEFAULT_VRAM_SIZE = 4 * 1024 * 1024;

const TEXT_CELLS = VGA_TEXT_WINDOW_SIZE / 2;
const MAX_TEXT_COLUMNS = 256;
const MAX_TEXT_ROWS = 128;

export interface RenderTarget {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

/** A rectangle of screen pixels. */
export interface DirtyRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface ScreenGeometry {
  /** `blank`: the attribute controller or sequencer turned the display off, or an unmodelled VGA graphics mode. */
  mode: 'text' | 'graphics' | 'blank';
  width: number;
  height: number;
}

interface TextGeometry {
  columns: number;
  rows: number;
  charWidth: number;
  charHeight: number;
  /** Characters from one row's start to the next's. */
  pitch: number;
  start: number;
}

export interface VgaOptions {
  /** Guest-physical address of ISA memory 0xB8000. */
  textBase: number;
  /** Guest-physical address of the linear framebuffer. */
  lfbBase: number;
  vramSize?: number;
  /** Milliseconds, for cursor and character blinking (default performance.now). */
  now?: () => number;
}

export interface VgaState {
  misc: number;
  featureControl: number;
  st01: number;
  seqIndex: number;
  seq: number[];
  gcIndex: number;
  gc: number[];
  crtcIndex: number;
  crtc: number[];
  attrIndex: number;
  attrFlipFlop: boolean;
  attr: number[];
  pelMask: number;
  dacReadIndex: number;
  dacWriteIndex: number;
  dacSubIndex: number;
  dacState: number;
  dacLatch: number[];
  dac: Uint8Array;
  vbe: BochsVbeState;
  text: Uint8Array;
  vram: Uint8Array;
  counts: Record<string, number>;
}

const PORT_COUNTER_NAMES = [
  ...VGA_PORT_NAMES.values(),
  'unassigned',
  'vbe-index',
  'vbe-data',
  'text-memory',
  'framebuffer',
];

export class Vga implements IoreqHandler {
  readonly textBase: number;
  readonly lfbBase: number;
  readonly vramSize: number;
  /** The text buffer window (guest-physical addresses). */
  readonly textMemory: IoreqHandler;
  /** The linear framebuffer window (guest-physical addresses). */
  readonly framebuffer: IoreqHandler;

  private readonly now: () => number;
  private readonly counter = new AccessCounter(PORT_COUNTER_NAMES);

  private misc: number = MODE3.misc;
  private featureControl = 0;
  private st01 = 0;
  private seqIndex = 0;
  private readonly seq = new Uint8Array(8);
  private gcIndex = 0;
  private readonly gc = new Uint8Array(16);
  private crtcIndex = 0;
  private readonly crtc = new Uint8Array(CR_COUNT);
  /** Reset leaves PAS set, as the BIOS does after programming the palette. */
  private attrIndex = AR_PAS;
  private attrFlipFlop = false;
  private readonly attr = new Uint8Array(AR_COUNT);
  private pelMask: number = MODE3.pelMask;
  private dacReadIndex = 0;
  private dacWriteIndex = 0;
  private dacSubIndex = 0;
  private dacState: number = DAC_STATE.WRITE;
  private readonly dacLatch = [0, 0, 0];
  private readonly dac = mode3Dac();
  private readonly vbe: BochsVbe;
  private readonly text = new Uint8Array(VGA_TEXT_WINDOW_SIZE);
  private readonly vram: Uint8Array;

  // Dirty tracking: anything global bumps `version`; text cells are diffed
  // against `shadow`; framebuffer lines are marked by writes.
  private version = 1;
  private seenVersion = 0;
  private seenKey = '';
  private shadow = new Int32Array(0);
  private readonly fbDirty = new Uint8Array(2048);
  private cursorOn = true;
  private blinkOn = true;

  constructor(opts: VgaOptions) {
    this.textBase = opts.textBase;
    this.lfbBase = opts.lfbBase;
    this.vramSize = opts.vramSize ?? DEFAULT_VRAM_SIZE;
    this.now = opts.now ?? (() => performance.now());
    this.vram = new Uint8Array(this.vramSize);
    this.seq.set(MODE3.seq);
    this.gc.set(MODE3.gc);
    this.crtc.set(MODE3.crtc);
    this.attr.set(MODE3.attr);
    // The BIOS clears the screen to blanks in light grey on black (attribute 0x07).
    for (let i = 0; i < VGA_TEXT_WINDOW_SIZE; i += 2) {
      this.text[i] = 0x20;
      this.text[i + 1] = 0x07;
    }
    this.vbe = new BochsVbe({
      vramSize: this.vramSize,
      clearMemory: (n) => this.vram.fill(0, 0, Math.min(n, this.vramSize)),
      onModeChange: () => this.version++,
    });
    this.textMemory = {
      read: (addr, size) => {
        this.counter.hit('text-memory');
        return readBytes(addr - this.textBase, size, (o) => this.text[o & 0x7fff] ?? 0);
      },
      write: (addr, size, value) => {
        this.counter.hit('text-memory');
        writeBytes(addr - this.textBase, size, value, (o, b) => (this.text[o & 0x7fff] = b));
      },
    };
    this.framebuffer = {
      read: (addr, size) => {
        this.counter.hit('framebuffer');
        return readBytes(addr - this.lfbBase, size, (o) => this.vram[o] ?? 0xff);
      },
      write: (addr, size, value) => {
        this.counter.hit('framebuffer');
        const off = addr - this.lfbBase;
        writeBytes(off, size, value, (o, b) => {
          if (o < this.vramSize) this.vram[o] = b;
        });
        this.markFramebuffer(off, size);
      },
    };
  }

  /** The ioreq servers to register for this model (ports, text window, framebuffer). */
  ioreqSpecs(): IoreqServerSpec[] {
    return [
      { name: 'vga', ranges: isaPortRanges('vga'), handler: this },
      {
        name: 'vga-text',
        ranges: [{ type: 'mmio', start: this.textBase, size: VGA_TEXT_WINDOW_SIZE }],
        handler: this.textMemory,
      },
      {
        name: 'vga-lfb',
        ranges: [{ type: 'mmio', start: this.lfbBase, size: this.vramSize }],
        handler: this.framebuffer,
      },
    ];
  }

  /** Register accesses so far, all ports and windows. */
  get accessCount(): number {
    return this.counter.total;
  }

  /** Accesses per register/window name. */
  accessCounts(): Record<string, number> {
    return this.counter.snapshot();
  }

  // ---- ports -------------------------------------------------------------

  read(port: number, size: 1 | 2 | 4): number {
    if (isVbePort(port)) return this.readVbe(port);
    return readBytes(port, size, (p) => this.readPort(p));
  }

  write(port: number, size: 1 | 2 | 4, value: number): void {
    if (isVbePort(port)) this.writeVbe(port, value);
    else writeBytes(port, size, value, (p, b) => this.writePort(p, b));
  }

  private readVbe(port: number): number {
    if (port === VbePort.INDEX) {
      this.counter.hit('vbe-index');
      return this.vbe.index;
    }
    this.counter.hit('vbe-data');
    return this.vbe.readData();
  }

  private writeVbe(port: number, value: number): void {
    if (port === VbePort.INDEX) {
      this.counter.hit('vbe-index');
      this.vbe.index = value & 0xffff;
    } else {
      this.counter.hit('vbe-data');
      this.vbe.writeData(value);
    }
  }

  /** CRTC and Input Status 1 answer at 0x3Dx only while misc bit 0 selects colour addressing. */
  private decodes(port: number): boolean {
    if (port >= 0x3d0 && port <= 0x3df) return (this.misc & MISC.IO_ADDRESS_SELECT) !== 0;
    return true;
  }

  private readPort(port: number): number {
    this.counter.hit(VGA_PORT_NAMES.get(port) ?? 'unassigned');
    if (!this.decodes(port)) return 0xff;
    switch (port) {
      case VgaPort.ATTR_ADDR_DATA:
        return this.attrIndex;
      case VgaPort.ATTR_DATA_READ: {
        const i = this.attrIndex & AR_INDEX_MASK;
        return i < AR_COUNT ? (this.attr[i] ?? 0) : 0;
      }
      case VgaPort.MISC_WRITE_INPUT_STATUS0:
        return 0x00; // Input Status #0: no switch sense, no CRT interrupt
      case VgaPort.SEQ_INDEX:
        return this.seqIndex;
      case VgaPort.SEQ_DATA:
        return this.seq[this.seqIndex] ?? 0;
      case VgaPort.DAC_PEL_MASK:
        return this.pelMask;
      case VgaPort.DAC_READ_INDEX_STATE:
        return this.dacState;
      case VgaPort.DAC_WRITE_INDEX:
        return this.dacWriteIndex;
      case VgaPort.DAC_DATA: {
        const v = this.dac[this.dacReadIndex * 3 + this.dacSubIndex] ?? 0;
        if (++this.dacSubIndex === 3) {
          this.dacSubIndex = 0;
          this.dacReadIndex = (this.dacReadIndex + 1) & 0xff;
        }
        return v;
      }
      case VgaPort.FEATURE_READ:
        return this.featureControl;
      case VgaPort.MISC_READ:
        return this.misc;
      case VgaPort.GC_INDEX:
        return this.gcIndex;
      case VgaPort.GC_DATA:
        return this.gc[this.gcIndex] ?? 0;
      case VgaPort.CRTC_INDEX:
        return this.crtcIndex;
      case VgaPort.CRTC_DATA:
        return this.crtcIndex < CR_COUNT ? (this.crtc[this.crtcIndex] ?? 0) : 0;
      case VgaPort.INPUT_STATUS1_FEATURE_WRITE:
        // No beam to follow: retrace and display-disabled toggle on every read so
        // "wait for retrace" loops end (as QEMU's vga_dumb_retrace). Reading also
        // resets the attribute controller's address/data flip-flop (FreeVGA, 3C0h).
        this.st01 ^= ST01.VERTICAL_RETRACE | ST01.DISPLAY_DISABLED;
        this.attrFlipFlop = false;
        return this.st01;
      default:
        return 0xff; // not decoded: the ISA bus floats high
    }
  }

  private writePort(port: number, v: number): void {
    this.counter.hit(VGA_PORT_NAMES.get(port) ?? 'unassigned');
    if (!this.decodes(port)) return;
    switch (port) {
      case VgaPort.ATTR_ADDR_DATA:
        if (!this.attrFlipFlop) {
          const pasChanged = ((this.attrIndex ^ v) & AR_PAS) !== 0;
          this.attrIndex = v & (AR_INDEX_MASK | AR_PAS);
          if (pasChanged) this.version++;
        } else {
          const i = this.attrIndex & AR_INDEX_MASK;
          if (i < AR_COUNT) this.attr[i] = v & attrWriteMask(i);
          this.version++;
        }
        this.attrFlipFlop = !this.attrFlipFlop;
        break;
      case VgaPort.MISC_WRITE_INPUT_STATUS0:
        this.misc = v & MISC.WRITE_MASK;
        this.version++;
        break;
      case VgaPort.SEQ_INDEX:
        this.seqIndex = v & SR_INDEX_MASK;
        break;
      case VgaPort.SEQ_DATA:
        this.seq[this.seqIndex] = v & (SR_MASK[this.seqIndex] ?? 0);
        this.version++;
        break;
      case VgaPort.DAC_PEL_MASK:
        this.pelMask = v;
        this.version++;
        break;
      case VgaPort.DAC_READ_INDEX_STATE:
        this.dacReadIndex = v;
        this.dacSubIndex = 0;
        this.dacState = DAC_STATE.READ;
        break;
      case VgaPort.DAC_WRITE_INDEX:
        this.dacWriteIndex = v;
        this.dacSubIndex = 0;
        this.dacState = DAC_STATE.WRITE;
        break;
      case VgaPort.DAC_DATA: {
        // R, G, B are latched and the entry is written on the third (FreeVGA, "DAC Operation").
        this.dacLatch[this.dacSubIndex] = this.vbe.mode()?.dac8bit ? v : v & 0x3f;
        if (++this.dacSubIndex === 3) {
          this.dac.set(this.dacLatch, this.dacWriteIndex * 3);
          this.dacSubIndex = 0;
          this.dacWriteIndex = (this.dacWriteIndex + 1) & 0xff;
          this.version++;
        }
        break;
      }
      case VgaPort.GC_INDEX:
        this.gcIndex = v & GR_INDEX_MASK;
        break;
      case VgaPort.GC_DATA:
        this.gc[this.gcIndex] = v & (GR_MASK[this.gcIndex] ?? 0);
        this.version++;
        break;
      case VgaPort.CRTC_INDEX:
        this.crtcIndex = v;
        break;
      case VgaPort.CRTC_DATA:
        this.writeCrtc(this.crtcIndex, v);
        break;
      case VgaPort.INPUT_STATUS1_FEATURE_WRITE:
        this.featureControl = v & 0x0b; // FC1, FC0 and VSS (FreeVGA, Feature Control)
        break;
      default:
        break;
    }
  }

  private writeCrtc(i: number, v: number): void {
    if (i >= CR_COUNT) return;
    if ((this.crtc[CR.V_RETRACE_END] ?? 0) & CR11_PROTECT && i <= CR.OVERFLOW) {
      // CR00–CR07 are write-protected, except CR07's Line Compare bit 8.
      if (i === CR.OVERFLOW) {
        const old = this.crtc[i] ?? 0;
        this.crtc[i] = (old & ~CR07_LINE_COMPARE_8) | (v & CR07_LINE_COMPARE_8);
      }
      return;
    }
    this.crtc[i] = v;
    // Cursor and start address are per-cell state (diffed); the rest is geometry.
    if (i < CR.CURSOR_START || i > CR.CURSOR_LOCATION_LOW) this.version++;
  }

  // ---- screen ------------------------------------------------------------

  /** What the screen shows now and its size in pixels. */
  geometry(): ScreenGeometry {
    const m = this.vbe.mode();
    if (m) return { mode: 'graphics', width: m.width, height: m.height };
    const t = this.textGeometry();
    const width = t.columns * t.charWidth;
    const height = t.rows * t.charHeight;
    return { mode: this.blanked() ? 'blank' : 'text', width, height };
  }

  /** The VBE mode in force, or null in VGA text mode. */
  vbeMode(): VbeMode | null {
    return this.vbe.mode();
  }

  private blanked(): boolean {
    return (
      !(this.attrIndex & AR_PAS) ||
      ((this.seq[SR.CLOCKING_MODE] ?? 0) & SR01.SCREEN_OFF) !== 0 ||
      ((this.gc[6] ?? 0) & GR06_GRAPHICS_MODE) !== 0
    );
  }

  private textGeometry(): TextGeometry {
    const cr = this.crtc;
    const c = (i: number): number => cr[i] ?? 0;
    const charHeight = (c(CR.MAX_SCAN_LINE) & 0x1f) + 1;
    const ovf = c(CR.OVERFLOW);
    const lines = (c(CR.V_DISPLAY_END) | ((ovf & 0x02) << 7) | ((ovf & 0x40) << 3)) + 1;
    return {
      columns: Math.min(c(CR.H_DISPLAY_END) + 1, MAX_TEXT_COLUMNS),
      rows: Math.max(1, Math.min(Math.floor(lines / charHeight), MAX_TEXT_ROWS)),
      charWidth: (this.seq[SR.CLOCKING_MODE] ?? 0) & SR01.DOTS_8 ? 8 : 9,
      charHeight,
      pitch: c(CR.OFFSET) * 2, // word mode: the offset counts pairs of characters
      start: (c(CR.START_ADDRESS_HIGH) << 8) | c(CR.START_ADDRESS_LOW),
    };
  }

  /** Cursor position as (row, column) on the screen, or null when off or outside it. */
  cursor(): { row: number; column: number } | null {
    const g = this.textGeometry();
    if ((this.crtc[CR.CURSOR_START] ?? 0) & CR0A_CURSOR_DISABLE) return null;
    const loc =
      ((this.crtc[CR.CURSOR_LOCATION_HIGH] ?? 0) << 8) | (this.crtc[CR.CURSOR_LOCATION_LOW] ?? 0);
    const rel = (loc - g.start) & (TEXT_CELLS - 1);
    if (g.pitch === 0) return null;
    const row = Math.floor(rel / g.pitch);
    const column = rel % g.pitch;
    if (row >= g.rows || column >= g.columns) return null;
    return { row, column };
  }

  /** The screen's characters, one line per text row, trailing blanks trimmed ('' outside text mode). */
  textSnapshot(): string {
    if (this.vbe.enabled) return '';
    const g = this.textGeometry();
    const lines: string[] = [];
    for (let r = 0; r < g.rows; r++) {
      let line = '';
      for (let c = 0; c < g.columns; c++) {
        const cell = (g.start + r * g.pitch + c) & (TEXT_CELLS - 1);
        line += cp437ToUnicode(this.text[cell * 2] ?? 0);
      }
      lines.push(line.trimEnd());
    }
    return lines.join('\n');
  }

  /**
   * What changed on screen since the previous call, as pixel rectangles: text
   * cells whose character, attribute, cursor or blink state changed (one rect
   * per run of adjacent cells in a row), framebuffer lines written, or the
   * whole screen after a mode, palette or geometry change. It also advances
   * the cursor and character blink clocks, so a screen calls it once a frame
   * and then `render(target, rects)`.
   */
  takeDirty(): DirtyRect[] {
    const t = this.now();
    this.cursorOn = Math.floor(t / CURSOR_BLINK_HALF_PERIOD_MS) % 2 === 0;
    this.blinkOn = Math.floor(t / CHAR_BLINK_HALF_PERIOD_MS) % 2 === 0;
    const g = this.geometry();
    const key = `${g.mode}:${g.width}x${g.height}`;
    const full = key !== this.seenKey || this.version !== this.seenVersion;
    this.seenKey = key;
    this.seenVersion = this.version;
    if (g.mode === 'graphics') return this.takeFramebufferDirty(g, full);
    if (g.mode === 'blank') {
      this.shadow = new Int32Array(0);
      return full ? [{ x: 0, y: 0, w: g.width, h: g.height }] : [];
    }
    return this.takeTextDirty(full);
  }

  private takeFramebufferDirty(g: ScreenGeometry, full: boolean): DirtyRect[] {
    const lines = Math.min(g.height, this.fbDirty.length);
    if (full) {
      this.fbDirty.fill(0);
      return [{ x: 0, y: 0, w: g.width, h: g.height }];
    }
    const rects: DirtyRect[] = [];
    for (let y = 0; y < lines; y++) {
      if (!this.fbDirty[y]) continue;
      let end = y;
      while (end + 1 < lines && this.fbDirty[end + 1]) end++;
      rects.push({ x: 0, y, w: g.width, h: end - y + 1 });
      y = end;
    }
    this.fbDirty.fill(0, 0, lines);
    return rects;
  }

  private takeTextDirty(full: boolean): DirtyRect[] {
    const g = this.textGeometry();
    const cells = g.rows * g.columns;
    if (this.shadow.length !== cells) {
      this.shadow = new Int32Array(cells);
      full = true;
    }
    const rects: DirtyRect[] = [];
    const cursor = this.cursor();
    for (let r = 0; r < g.rows; r++) {
      let runStart = -1;
      for (let c = 0; c <= g.columns; c++) {
        let changed = false;
        if (c < g.columns) {
          const s = this.cellState(g, r, c, cursor);
          const i = r * g.columns + c;
          changed = full || this.shadow[i] !== s;
          this.shadow[i] = s;
        }
        if (changed && runStart < 0) runStart = c;
        if (!changed && runStart >= 0) {
          rects.push({
            x: runStart * g.charWidth,
            y: r * g.charHeight,
            w: (c - runStart) * g.charWidth,
            h: g.charHeight,
          });
          runStart = -1;
        }
      }
    }
    if (full) return [{ x: 0, y: 0, w: g.columns * g.charWidth, h: g.rows * g.charHeight }];
    return rects;
  }

  /** Everything that decides a text cell's pixels, packed for diffing. */
  private cellState(
    g: TextGeometry,
    r: number,
    c: number,
    cursor: { row: number; column: number } | null,
  ): number {
    const cell = (g.start + r * g.pitch + c) & (TEXT_CELLS - 1);
    const ch = this.text[cell * 2] ?? 0;
    const attr = this.text[cell * 2 + 1] ?? 0;
    let s = ch | (attr << 8);
    if (attr & 0x80 && (this.attr[AR.MODE_CONTROL] ?? 0) & AR10.BLINK && !this.blinkOn) {
      s |= 1 << 16;
    }
    if (cursor && cursor.row === r && cursor.column === c && this.cursorOn) {
      const shape =
        ((this.crtc[CR.CURSOR_START] ?? 0) & 0x1f) |
        (((this.crtc[CR.CURSOR_END] ?? 0) & 0x1f) << 5);
      s |= (1 << 17) | (shape << 18);
    }
    return s;
  }

  /**
   * Draw the screen into an RGBA buffer: all of it, or only `regions` (as
   * returned by takeDirty). Pixels outside the target are clipped.
   */
  render(target: RenderTarget, regions?: readonly DirtyRect[]): void {
    const g = this.geometry();
    const rects = regions ?? [{ x: 0, y: 0, w: g.width, h: g.height }];
    for (const rect of rects) {
      const x0 = Math.max(0, rect.x);
      const y0 = Math.max(0, rect.y);
      const x1 = Math.min(rect.x + rect.w, g.width, target.width);
      const y1 = Math.min(rect.y + rect.h, g.height, target.height);
      if (x1 <= x0 || y1 <= y0) continue;
      if (g.mode === 'graphics') this.renderFramebuffer(target, x0, y0, x1, y1);
      else if (g.mode === 'text') this.renderText(target, x0, y0, x1, y1);
      else fillBlack(target, x0, y0, x1, y1);
    }
  }

  /** The 16 text colours as RGB triplets: attribute palette → colour select → PEL mask → DAC. */
  private textPalette(): Uint8Array {
    const out = new Uint8Array(16 * 3);
    const mode = this.attr[AR.MODE_CONTROL] ?? 0;
    const colorSelect = this.attr[AR.COLOR_SELECT] ?? 0;
    for (let i = 0; i < 16; i++) {
      const p = this.attr[i] ?? 0;
      let index =
        mode & AR10.P54_SELECT
          ? ((colorSelect & 0x0f) << 4) | (p & 0x0f)
          : ((colorSelect & 0x0c) << 4) | (p & 0x3f);
      index &= this.pelMask;
      for (let k = 0; k < 3; k++) out[i * 3 + k] = dac6to8(this.dac[index * 3 + k] ?? 0);
    }
    return out;
  }

  private renderText(t: RenderTarget, x0: number, y0: number, x1: number, y1: number): void {
    const g = this.textGeometry();
    const pal = this.textPalette();
    const mode = this.attr[AR.MODE_CONTROL] ?? 0;
    const blinkMode = (mode & AR10.BLINK) !== 0;
    const lineGraphics = (mode & AR10.LINE_GRAPHICS) !== 0;
    const cursor = this.cursorOn ? this.cursor() : null;
    const cursorStart = (this.crtc[CR.CURSOR_START] ?? 0) & 0x1f;
    const cursorEnd = Math.min((this.crtc[CR.CURSOR_END] ?? 0) & 0x1f, g.charHeight - 1);
    const d = t.data;
    for (let r = Math.floor(y0 / g.charHeight); r * g.charHeight < y1; r++) {
      for (let c = Math.floor(x0 / g.charWidth); c * g.charWidth < x1; c++) {
        const cell = (g.start + r * g.pitch + c) & (TEXT_CELLS - 1);
        const ch = this.text[cell * 2] ?? 0;
        const attr = this.text[cell * 2 + 1] ?? 0;
        let fg = attr & 0x0f;
        let bg = attr >> 4;
        if (blinkMode) {
          bg &= 0x07; // bit 7 blinks instead of brightening the background (AR10 bit 3)
          if (attr & 0x80 && !this.blinkOn) fg = bg;
        }
        const hasCursor = cursor !== null && cursor.row === r && cursor.column === c;
        const ninthCopies = lineGraphics && ch >= 0xc0 && ch <= 0xdf;
        for (let y = 0; y < g.charHeight; y++) {
          const py = r * g.charHeight + y;
          if (py < y0 || py >= y1) continue;
          let bits = y < FONT_HEIGHT ? (VGA_FONT_8X16[ch * FONT_HEIGHT + y] ?? 0) : 0;
          // The cursor fills its scan lines in the foreground colour (none if start > end).
          const cursorRow = hasCursor && y >= cursorStart && y <= cursorEnd;
          if (cursorRow) bits = 0xff;
          for (let x = 0; x < g.charWidth; x++) {
            const px = c * g.charWidth + x;
            if (px < x0 || px >= x1) continue;
            const on = x < 8 ? (bits >> (7 - x)) & 1 : cursorRow || ninthCopies ? bits & 1 : 0;
            const ci = (on ? fg : bg) * 3;
            const o = (py * t.width + px) * 4;
            d[o] = pal[ci] ?? 0;
            d[o + 1] = pal[ci + 1] ?? 0;
            d[o + 2] = pal[ci + 2] ?? 0;
            d[o + 3] = 255;
          }
        }
      }
    }
  }

  private renderFramebuffer(t: RenderTarget, x0: number, y0: number, x1: number, y1: number): void {
    const m = this.vbe.mode();
    if (!m) return;
    const pixel = this.pixelDecoder(m);
    const d = t.data;
    for (let y = y0; y < y1; y++) {
      let s = m.startOffset + y * m.lineLength + x0 * m.bytesPerPixel;
      let o = (y * t.width + x0) * 4;
      for (let x = x0; x < x1; x++, s += m.bytesPerPixel, o += 4) {
        const rgb = pixel(s);
        d[o] = rgb >>> 16;
        d[o + 1] = (rgb >>> 8) & 0xff;
        d[o + 2] = rgb & 0xff;
        d[o + 3] = 255;
      }
    }
  }

  /** Reads the pixel at a video-memory offset as 0xRRGGBB, for the mode's depth. */
  private pixelDecoder(m: VbeMode): (s: number) => number {
    const v = this.vram;
    const byte = (i: number): number => v[i] ?? 0;
    const rgb = (r: number, g: number, b: number): number => (r << 16) | (g << 8) | b;
    switch (m.bpp) {
      case 32:
      case 24: // B, G, R[, X] in memory order (Bochs VBE, little-endian)
        return (s) => rgb(byte(s + 2), byte(s + 1), byte(s));
      case 16: // RRRRRGGG GGGBBBBB
        return (s) => {
          const p = byte(s) | (byte(s + 1) << 8);
          return rgb(scale5(p >> 11), dac6to8((p >> 5) & 0x3f), scale5(p & 0x1f));
        };
      case 15: // xRRRRRGG GGGBBBBB
        return (s) => {
          const p = byte(s) | (byte(s + 1) << 8);
          return rgb(scale5((p >> 10) & 0x1f), scale5((p >> 5) & 0x1f), scale5(p & 0x1f));
        };
      default: {
        // 8 bpp indexes the DAC; VBE's 8BIT_DAC flag makes its entries full 8-bit values.
        const dac = this.dac;
        const conv = m.dac8bit ? (x: number): number => x : dac6to8;
        return (s) => {
          const i = (byte(s) & this.pelMask) * 3;
          return rgb(conv(dac[i] ?? 0), conv(dac[i + 1] ?? 0), conv(dac[i + 2] ?? 0));
        };
      }
    }
  }

  private markFramebuffer(off: number, size: number): void {
    const m = this.vbe.mode();
    if (!m || m.lineLength === 0) return;
    for (const at of [off, off + size - 1]) {
      const rel = at - m.startOffset;
      if (rel < 0) continue;
      const line = Math.floor(rel / m.lineLength);
      if (line < m.height && line < this.fbDirty.length) this.fbDirty[line] = 1;
    }
  }

  // ---- state -------------------------------------------------------------

  saveState(): VgaState {
    return {
      misc: this.misc,
      featureControl: this.featureControl,
      st01: this.st01,
      seqIndex: this.seqIndex,
      seq: [...this.seq],
      gcIndex: this.gcIndex,
      gc: [...this.gc],
      crtcIndex: this.crtcIndex,
      crtc: [...this.crtc],
      attrIndex: this.attrIndex,
      attrFlipFlop: this.attrFlipFlop,
      attr: [...this.attr],
      pelMask: this.pelMask,
      dacReadIndex: this.dacReadIndex,
      dacWriteIndex: this.dacWriteIndex,
      dacSubIndex: this.dacSubIndex,
      dacState: this.dacState,
      dacLatch: [...this.dacLatch],
      dac: this.dac.slice(),
      vbe: this.vbe.saveState(),
      text: this.text.slice(),
      vram: this.vram.slice(),
      counts: this.counter.snapshot(),
    };
  }

  restoreState(s: VgaState): void {
    this.misc = s.misc;
    this.featureControl = s.featureControl;
    this.st01 = s.st01;
    this.seqIndex = s.seqIndex;
    this.seq.set(s.seq);
    this.gcIndex = s.gcIndex;
    this.gc.set(s.gc);
    this.crtcIndex = s.crtcIndex;
    this.crtc.set(s.crtc);
    this.attrIndex = s.attrIndex;
    this.attrFlipFlop = s.attrFlipFlop;
    this.attr.set(s.attr);
    this.pelMask = s.pelMask;
    this.dacReadIndex = s.dacReadIndex;
    this.dacWriteIndex = s.dacWriteIndex;
    this.dacSubIndex = s.dacSubIndex;
    this.dacState = s.dacState;
    this.dacLatch.splice(0, 3, ...s.dacLatch);
    this.dac.set(s.dac.subarray(0, DAC_ENTRIES * 3));
    this.vbe.restoreState(s.vbe);
    this.text.set(s.text.subarray(0, VGA_TEXT_WINDOW_SIZE));
    this.vram.fill(0);
    this.vram.set(s.vram.subarray(0, this.vramSize));
    this.counter.restore(s.counts);
    this.version++; // everything on screen may differ
  }
}

function isVbePort(port: number): boolean {
  return port === VbePort.INDEX || port === VbePort.DATA || port === VbePort.DATA_ALIGNED;
}

function scale5(v: number): number {
  return ((v << 3) | (v >> 2)) & 0xff;
}

function fillBlack(t: RenderTarget, x0: number, y0: number, x1: number, y1: number): void {
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const o = (y * t.width + x) * 4;
      t.data[o] = 0;
      t.data[o + 1] = 0;
      t.data[o + 2] = 0;
      t.data[o + 3] = 255;
    }
  }
}
