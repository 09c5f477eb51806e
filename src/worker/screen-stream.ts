import type { DirtyRect, Vga } from '../server/device-models/vga.ts';

/**
 * One guest screen leaving the worker without copying whole frames: the VGA
 * model reports what changed (takeDirty), only those rectangles are rendered
 * into the worker's RGBA copy of the screen, and only they are sent (or
 * drawn into an OffscreenCanvas the page transferred to the worker).
 */
export interface ScreenRegion extends DirtyRect {
  /** RGBA pixels of the rectangle, row by row (w × h × 4 bytes). */
  readonly pixels: Uint8ClampedArray;
}

export interface ScreenUpdate {
  readonly mode: 'text' | 'graphics' | 'blank';
  readonly width: number;
  readonly height: number;
  /** Empty when nothing changed. */
  readonly regions: readonly ScreenRegion[];
  /** Text mode: the characters on screen, one line per row. */
  readonly text: string;
}

export class ScreenStream {
  private frame = new Uint8ClampedArray(0);
  private width = 0;
  private height = 0;
  /** Pixels sent so far (to show what the dirty tracking saves). */
  bytesSent = 0;

  constructor(readonly vga: Vga) {}

  /** What changed since the last call (everything with `full`). */
  update(full = false): ScreenUpdate {
    const g = this.vga.geometry();
    if (g.width !== this.width || g.height !== this.height) {
      this.width = g.width;
      this.height = g.height;
      this.frame = new Uint8ClampedArray(g.width * g.height * 4);
      full = true;
    }
    let rects = this.vga.takeDirty();
    if (full) rects = [{ x: 0, y: 0, w: g.width, h: g.height }];
    this.vga.render({ data: this.frame, width: g.width, height: g.height }, rects);
    const regions = rects.map((r) => this.cut(r));
    for (const r of regions) this.bytesSent += r.pixels.length;
    return {
      mode: g.mode,
      width: g.width,
      height: g.height,
      regions,
      text: g.mode === 'text' ? this.vga.textSnapshot() : '',
    };
  }

  private cut(r: DirtyRect): ScreenRegion {
    const x0 = Math.max(0, r.x);
    const y0 = Math.max(0, r.y);
    const w = Math.max(0, Math.min(r.w, this.width - x0));
    const h = Math.max(0, Math.min(r.h, this.height - y0));
    const pixels = new Uint8ClampedArray(w * h * 4);
    for (let y = 0; y < h; y++) {
      const from = ((y0 + y) * this.width + x0) * 4;
      pixels.set(this.frame.subarray(from, from + w * 4), y * w * 4);
    }
    return { x: x0, y: y0, w, h, pixels };
  }
}

/** The subset of OffscreenCanvas the screen painter needs. */
export interface PaintTarget {
  width: number;
  height: number;
  getContext(kind: '2d'): { putImageData(data: ImageData, x: number, y: number): void } | null;
}

/** Paints a ScreenStream's changes into a canvas at a fixed rate. */
export class CanvasPainter {
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly stream: ScreenStream,
    private readonly canvas: PaintTarget,
    intervalMs = 1000 / 30,
  ) {
    this.paint(true);
    this.timer = setInterval(() => this.paint(false), intervalMs);
  }

  paint(full: boolean): void {
    const u = this.stream.update(full);
    if (this.canvas.width !== u.width || this.canvas.height !== u.height) {
      this.canvas.width = u.width;
      this.canvas.height = u.height;
      if (!full) return this.paint(true);
    }
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    for (const r of u.regions) {
      if (r.w > 0 && r.h > 0)
        ctx.putImageData(new ImageData(new Uint8ClampedArray(r.pixels), r.w, r.h), r.x, r.y);
    }
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
