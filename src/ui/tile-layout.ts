/**
 * Where each guest's tile goes on the screens page: the order of the tiles,
 * how many columns each spans, how tall each is, and how many columns the
 * grid has. Kept by guest *name*, not domain id, so a guest that is
 * destroyed and created again (a new domid) comes back to its old place
 * and size; names of guests that are not running keep their place in the
 * order. Pure data: the screen grid renders it and stores it.
 */

export const MAX_COLUMNS = 4;
/** A tile's shortest and tallest explicit height, in CSS pixels. */
export const MIN_TILE_HEIGHT = 220;
export const MAX_TILE_HEIGHT = 2000;
/** How many names the order remembers (running or not); the oldest absent ones go first. */
const MAX_REMEMBERED = 64;

interface TileSize {
  /** Columns spanned, 1..MAX_COLUMNS (shown as at most the grid's columns). */
  span: number;
  /** Explicit height in px, or null: as tall as its row. */
  height: number | null;
}

/** The stored form (JSON). */
interface StoredLayout {
  readonly columns?: unknown;
  readonly order?: unknown;
  readonly tiles?: unknown;
}

const clamp = (n: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, n));

export class TileLayout {
  columns = 3;
  private order: string[] = [];
  private readonly sizes = new Map<string, TileSize>();

  /** A layout from its stored JSON; anything unreadable is left at the defaults. */
  static parse(json: string | null): TileLayout {
    const l = new TileLayout();
    let data: StoredLayout;
    try {
      data = json ? (JSON.parse(json) as StoredLayout) : {};
    } catch {
      return l;
    }
    if (typeof data !== 'object' || data === null) return l;
    if (typeof data.columns === 'number' && Number.isInteger(data.columns))
      l.columns = clamp(data.columns, 1, MAX_COLUMNS);
    if (Array.isArray(data.order))
      l.order = [...new Set(data.order.filter((n): n is string => typeof n === 'string'))];
    if (typeof data.tiles === 'object' && data.tiles !== null) {
      for (const [name, t] of Object.entries(data.tiles as Record<string, unknown>)) {
        if (typeof t !== 'object' || t === null) continue;
        const { span, height } = t as { span?: unknown; height?: unknown };
        if (typeof span === 'number') l.setSpan(name, span);
        if (typeof height === 'number') l.setHeight(name, height);
      }
    }
    return l;
  }

  serialize(): string {
    const tiles: Record<string, { span?: number; height?: number }> = {};
    for (const [name, s] of this.sizes) {
      const t: { span?: number; height?: number } = {};
      if (s.span !== 1) t.span = s.span;
      if (s.height !== null) t.height = s.height;
      if (t.span !== undefined || t.height !== undefined) tiles[name] = t;
    }
    return JSON.stringify({ columns: this.columns, order: this.order, tiles });
  }

  /**
   * The running guests in display order: each at its remembered place,
   * guests never seen before after them in the order given. Remembers the
   * new ones.
   */
  arrange(running: readonly string[]): string[] {
    for (const n of running) if (!this.order.includes(n)) this.order.push(n);
    if (this.order.length > MAX_REMEMBERED) {
      const live = new Set(running);
      let excess = this.order.length - MAX_REMEMBERED;
      this.order = this.order.filter((n) => live.has(n) || excess-- <= 0);
    }
    const place = new Map(this.order.map((n, i) => [n, i]));
    return [...running].sort((a, b) => (place.get(a) ?? 0) - (place.get(b) ?? 0));
  }

  span(name: string): number {
    return this.sizes.get(name)?.span ?? 1;
  }

  /** The span as shown on a grid of `columns` columns. */
  shownSpan(name: string, columns: number): number {
    return Math.min(this.span(name), Math.max(1, columns));
  }

  height(name: string): number | null {
    return this.sizes.get(name)?.height ?? null;
  }

  setSpan(name: string, span: number): void {
    this.size(name).span = clamp(Math.round(span), 1, MAX_COLUMNS);
  }

  /** An explicit height (clamped), or null for "as tall as the row". */
  setHeight(name: string, px: number | null): void {
    this.size(name).height =
      px === null || !Number.isFinite(px)
        ? null
        : clamp(Math.round(px), MIN_TILE_HEIGHT, MAX_TILE_HEIGHT);
  }

  /**
   * Put `name` where `target` is: the tiles between shift one place toward
   * where `name` came from (a drop onto another tile).
   */
  moveTo(name: string, target: string): void {
    if (name === target) return;
    for (const n of [name, target]) if (!this.order.includes(n)) this.order.push(n);
    const from = this.order.indexOf(name);
    this.order.splice(from, 1);
    const to = this.order.indexOf(target);
    this.order.splice(from <= to ? to + 1 : to, 0, name);
  }

  /** One place earlier (-1) or later (+1) among the tiles shown. Returns whether it moved. */
  moveBy(name: string, delta: -1 | 1, shown: readonly string[]): boolean {
    const i = shown.indexOf(name);
    const target = shown[i + delta];
    if (i < 0 || target === undefined) return false;
    this.moveTo(name, target);
    return true;
  }

  /** Back to one column each, row height, first-seen order (the columns choice stays). */
  reset(): void {
    this.order = [];
    this.sizes.clear();
  }

  private size(name: string): TileSize {
    let s = this.sizes.get(name);
    if (!s) {
      s = { span: 1, height: null };
      this.sizes.set(name, s);
    }
    return s;
  }
}

/**
 * The span whose right edge is nearest `x`, for a tile whose left edge is
 * at `left` on a grid of `columns` columns `columnWidth` wide with `gap`
 * between them (dragging a tile's right edge snaps to whole columns).
 */
export function spanAt(
  x: number,
  left: number,
  columnWidth: number,
  gap: number,
  columns: number,
): number {
  // Span n ends at left + n·columnWidth + (n−1)·gap.
  const n = Math.round((x - left + gap) / (columnWidth + gap));
  return clamp(n, 1, Math.max(1, columns));
}
