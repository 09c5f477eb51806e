import { LitElement, css, html, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { customElement, property, state } from 'lit/decorators.js';
import { DomainsWatch } from './domains-watch.ts';
import { controls } from './shared-styles.ts';
import { MAX_COLUMNS, MIN_TILE_HEIGHT, TileLayout, spanAt } from './tile-layout.ts';
import './vm-tile.ts';
import type { GestureKind, TileArrange, TileGesture, VmTile } from './vm-tile.ts';
import type { VmServerClient } from './vm-server-client.ts';

/**
 * Every running guest's screen and console at once, tiled: choose how many
 * columns; drag a tile's title bar onto another tile's place to rearrange,
 * its right edge to span more columns (snapping to whole columns), its lower
 * edge to make it taller, its corner for both — or, with its title bar
 * focused, Alt+←/→ to move it and Alt+Shift+arrows to resize it. Maximise
 * one to fill the page (Escape restores). Clicking a screen gives it the
 * keyboard (its tile lights up).
 *
 * The arrangement is kept per guest name in localStorage, so it survives a
 * re-render, a reload and a guest being destroyed and created again. Tiles
 * stay in the DOM in the client's order and are placed with CSS `order`:
 * moving one never detaches its screen or console (an xterm would be torn
 * down), and `reading-flow: grid-order` keeps Tab and screen readers
 * following the visual order (CSS Display 4, §reading-flow).
 */

/** How far one Alt+Shift+↑/↓ (or ↑/↓ on the lower edge) changes a tile's height. */
const HEIGHT_STEP_PX = 40;
/** Grid widths below which at most 2 columns, then 1, fit (the old 900/600 px viewport breakpoints less the page padding). */
const TWO_COLUMNS_BELOW_PX = 870;
const ONE_COLUMN_BELOW_PX = 570;

const DEFAULT_LAYOUT_KEY = 'tabvisor:screen-layout';

/** localStorage, when the page may use it (it throws in some sandboxed frames). */
function pageStorage(): Pick<Storage, 'getItem' | 'setItem'> | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

interface Drag {
  readonly name: string;
  readonly kind: GestureKind;
  readonly x0: number;
  readonly y0: number;
  /** The tile's box and the grid's column geometry when the drag started. */
  readonly left: number;
  readonly top: number;
  readonly columnWidth: number;
  readonly gap: number;
  /** The layout before the drag (Escape or a cancelled pointer puts it back). */
  readonly before: string;
  dx: number;
  dy: number;
  target: string | null;
}

@customElement('screen-grid')
export class ScreenGrid extends LitElement {
  static override styles = [
    controls,
    css`
      :host {
        display: flex;
        flex-direction: column;
        gap: 0.6rem;
        min-height: 0;
      }
      .toolbar {
        display: flex;
        align-items: center;
        gap: 0.6rem;
        flex-wrap: wrap;
        font-size: 0.85rem;
      }
      .toolbar .spacer {
        flex: 1;
      }
      .toolbar button.reset {
        font-size: 0.8rem;
        padding: 0.25rem 0.55rem;
      }
      .cols {
        display: inline-flex;
        align-items: center;
      }
      .cols button {
        border-radius: 0;
        min-width: 2rem;
      }
      .cols button:first-of-type {
        border-radius: 6px 0 0 6px;
      }
      .cols button:last-of-type {
        border-radius: 0 6px 6px 0;
      }
      .cols button + button {
        border-left: none;
      }
      .cols button[aria-pressed='true'] {
        background: var(--tv-accent);
        border-color: var(--tv-accent);
        color: #fff;
      }
      .grid {
        --tile-gap: 0.6rem;
        flex: 1;
        display: grid;
        grid-template-columns: repeat(var(--cols, 3), minmax(0, 1fr));
        grid-auto-rows: auto;
        gap: var(--tile-gap);
        min-height: 0;
        reading-flow: grid-order;
      }
      .grid > vm-tile {
        min-height: var(--tile-h, 420px);
      }
      .grid > vm-tile[dragging] {
        z-index: 3;
        opacity: 0.85;
      }
      .grid.max {
        grid-template-columns: 1fr;
        grid-auto-rows: 1fr;
      }
      .grid.max vm-tile:not([maximised]) {
        display: none;
      }
      .empty {
        padding: 2rem;
        text-align: center;
      }
    `,
  ];

  @property({ attribute: false }) client: VmServerClient | null = null;
  /** Where the arrangement is kept (null: nowhere, it lasts as long as the element). */
  @property({ attribute: false }) storage: Pick<Storage, 'getItem' | 'setItem'> | null =
    pageStorage();
  @property({ attribute: 'layout-key' }) layoutKey = DEFAULT_LAYOUT_KEY;
  @state() private maximised: string | null = null;
  /** Columns that fit the grid's width (at most the chosen number). */
  @state() private fit = MAX_COLUMNS;
  @state() private drag: Drag | null = null;
  @state() private announcement = '';
  private layout = new TileLayout();
  private loadedFrom: string | null = null;
  private shown: string[] = [];
  // Re-render on the client's samples of the domain list; the screens poll themselves.
  private readonly watch = new DomainsWatch(this, null);
  private readonly sizeObserver = new ResizeObserver((entries) => {
    const w = entries[0]?.contentRect.width ?? 0;
    this.fit = w < ONE_COLUMN_BELOW_PX ? 1 : w < TWO_COLUMNS_BELOW_PX ? 2 : MAX_COLUMNS;
  });

  override connectedCallback(): void {
    super.connectedCallback();
    this.sizeObserver.observe(this);
    document.addEventListener('keydown', this.onDocumentKey);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.sizeObserver.disconnect();
    document.removeEventListener('keydown', this.onDocumentKey);
  }

  override willUpdate(): void {
    if (this.loadedFrom !== this.layoutKey) {
      this.loadedFrom = this.layoutKey;
      let json: string | null = null;
      try {
        json = this.storage?.getItem(this.layoutKey) ?? null;
      } catch {
        // Storage refused: start from the defaults.
      }
      this.layout = TileLayout.parse(json);
    }
  }

  private save(): void {
    try {
      this.storage?.setItem(this.layoutKey, this.layout.serialize());
    } catch {
      // Full or refused: the arrangement still holds until the page goes.
    }
  }

  private guests() {
    return (this.client?.domains ?? []).filter((d) => d.type !== 'host');
  }

  /** The columns the grid shows now. */
  private get columns(): number {
    return Math.min(this.layout.columns, this.fit);
  }

  /** The running guests' names in their places, first to last. */
  get order(): readonly string[] {
    return this.shown;
  }

  /** Bring a guest's tile forward and give it the keyboard. */
  async show(name: string): Promise<void> {
    await this.updateComplete;
    const tile = this.tile(name);
    if (!tile) return;
    if (this.maximised && this.maximised !== name) this.maximised = name;
    await this.updateComplete;
    tile.scrollIntoView({ block: 'nearest' });
    await tile.updateComplete;
    tile.takeKeyboard();
  }

  tile(name: string): VmTile | null {
    return [...this.renderRoot.querySelectorAll('vm-tile')].find((t) => t.domain === name) ?? null;
  }

  private onToggleMax(e: CustomEvent<{ name: string }>): void {
    this.maximised = this.maximised === e.detail.name ? null : e.detail.name;
  }

  private readonly onDocumentKey = (e: KeyboardEvent): void => {
    if (e.key !== 'Escape' || e.defaultPrevented) return;
    if (this.drag) {
      e.preventDefault();
      this.endDrag(false);
      return;
    }
    if (!this.maximised || !this.checkVisibility()) return;
    // Escape typed into a guest's screen or console (or a form field) is the guest's.
    const typing = e
      .composedPath()
      .some(
        (n) =>
          n instanceof HTMLElement &&
          ['vm-screen', 'vm-console', 'input', 'textarea', 'select'].includes(n.localName),
      );
    if (typing) return;
    e.preventDefault();
    const name = this.maximised;
    this.maximised = null;
    this.announce(`${name} restored`);
    void this.updateComplete.then(() => this.tile(name)?.scrollIntoView({ block: 'nearest' }));
  };

  private announce(text: string): void {
    this.announcement = text;
  }

  private readonly onArrange = (e: CustomEvent<TileArrange>): void => {
    const { name, action } = e.detail;
    if (this.maximised) return;
    const l = this.layout;
    const span = l.shownSpan(name, this.columns);
    switch (action) {
      case 'earlier':
      case 'later': {
        if (!l.moveBy(name, action === 'earlier' ? -1 : 1, this.shown)) return;
        const at = l.arrange(this.shown).indexOf(name) + 1;
        this.announce(`${name} moved to place ${at} of ${this.shown.length}`);
        break;
      }
      case 'wider':
      case 'narrower':
      case 'reset-width': {
        const next =
          action === 'reset-width'
            ? 1
            : Math.max(1, Math.min(this.columns, span + (action === 'wider' ? 1 : -1)));
        l.setSpan(name, next);
        this.announce(`${name} spans ${next} of ${this.columns} columns`);
        break;
      }
      case 'taller':
      case 'shorter':
      case 'reset-height': {
        if (action === 'reset-height') {
          l.setHeight(name, null);
          this.announce(`${name} as tall as its row`);
        } else {
          const now = l.height(name) ?? this.tile(name)?.getBoundingClientRect().height ?? 0;
          l.setHeight(name, now + (action === 'taller' ? HEIGHT_STEP_PX : -HEIGHT_STEP_PX));
          this.announce(`${name} ${l.height(name)} pixels tall`);
        }
        break;
      }
    }
    this.save();
    this.requestUpdate();
  };

  private readonly onGesture = (e: CustomEvent<TileGesture>): void => {
    const { name, kind, phase, x, y } = e.detail;
    if (phase === 'start') {
      const tile = this.tile(name);
      const grid = this.renderRoot.querySelector<HTMLElement>('.grid');
      if (!tile || !grid || this.maximised) return;
      const box = tile.getBoundingClientRect();
      const gap = parseFloat(getComputedStyle(grid).columnGap) || 0;
      const cols = this.columns;
      this.drag = {
        name,
        kind,
        x0: x,
        y0: y,
        left: box.left,
        top: box.top,
        columnWidth: (grid.getBoundingClientRect().width - gap * (cols - 1)) / cols,
        gap,
        before: this.layout.serialize(),
        dx: 0,
        dy: 0,
        target: null,
      };
      return;
    }
    const d = this.drag;
    if (!d || d.name !== name || d.kind !== kind) return;
    if (phase === 'end' || phase === 'cancel') {
      this.endDrag(phase === 'end');
      return;
    }
    if (kind === 'move') {
      d.dx = x - d.x0;
      d.dy = y - d.y0;
      d.target = this.tileAt(x, y, name);
    }
    if (kind === 'width' || kind === 'both')
      this.layout.setSpan(name, spanAt(x, d.left, d.columnWidth, d.gap, this.columns));
    if (kind === 'height' || kind === 'both') this.layout.setHeight(name, y - d.top);
    this.requestUpdate();
  };

  /** The other tile under a point, if any. */
  private tileAt(x: number, y: number, except: string): string | null {
    for (const t of this.renderRoot.querySelectorAll('vm-tile')) {
      if (t.domain === except) continue;
      const r = t.getBoundingClientRect();
      if (x >= r.left && x < r.right && y >= r.top && y < r.bottom) return t.domain;
    }
    return null;
  }

  private endDrag(commit: boolean): void {
    const d = this.drag;
    if (!d) return;
    this.drag = null;
    if (!commit) {
      const columns = this.layout.columns;
      this.layout = TileLayout.parse(d.before);
      this.layout.columns = columns;
      return;
    }
    if (d.kind === 'move') {
      if (!d.target) return;
      this.layout.moveTo(d.name, d.target);
      const at = this.layout.arrange(this.shown).indexOf(d.name) + 1;
      this.announce(`${d.name} moved to place ${at} of ${this.shown.length}`);
    } else {
      const h = this.layout.height(d.name);
      this.announce(
        `${d.name} spans ${this.layout.shownSpan(d.name, this.columns)} of ${this.columns} columns` +
          (h === null ? '' : `, ${h} pixels tall`),
      );
    }
    this.save();
  }

  private setColumns(n: number): void {
    this.layout.columns = n;
    this.maximised = null;
    this.save();
    this.requestUpdate();
  }

  private resetLayout(): void {
    this.layout.reset();
    this.maximised = null;
    this.save();
    this.announce('Layout reset');
    this.requestUpdate();
  }

  /** A tile's place, span and height (none while it fills the page). */
  private tileStyle(name: string, place: number): string {
    if (this.maximised === name) return '';
    const d = this.drag;
    const h = this.layout.height(name);
    return [
      `order:${place}`,
      `grid-column:span ${this.layout.shownSpan(name, this.columns)}`,
      h === null ? '' : `height:${h}px;min-height:${MIN_TILE_HEIGHT}px`,
      d?.kind === 'move' && d.name === name ? `transform:translate(${d.dx}px,${d.dy}px)` : '',
    ]
      .filter(Boolean)
      .join(';');
  }

  override render() {
    const guests = this.guests();
    if (this.maximised && !guests.some((g) => g.name === this.maximised)) this.maximised = null;
    this.shown = this.layout.arrange(guests.map((g) => g.name));
    const place = new Map(this.shown.map((n, i) => [n, i]));
    const cols = this.columns;
    const d = this.drag;
    return html`<div class="toolbar">
        <span class="muted">
          ${guests.length} running guest${guests.length === 1 ? '' : 's'} · click a screen to give
          it the keyboard · Ctrl+] gives it back · drag a title bar to move a tile, its edges to
          resize it
        </span>
        <span class="spacer"></span>
        <button class="reset" @click=${() => this.resetLayout()}>Reset layout</button>
        <span class="cols" role="group" aria-label="Columns">
          <span class="muted" style="margin-right:0.4rem">Columns</span>
          ${[1, 2, 3, 4].map(
            (n) =>
              html`<button
                aria-pressed=${String(this.layout.columns === n && !this.maximised)}
                @click=${() => this.setColumns(n)}
              >
                ${n}
              </button>`,
          )}
        </span>
        <span class="visually-hidden" role="status" aria-live="polite">${this.announcement}</span>
      </div>
      ${
        guests.length === 0
          ? html`<div class="empty panel muted">
              No guest is running. Start one from the Dashboard or the dom0 terminal (<code
                >xl create sprout-hvm</code
              >).
            </div>`
          : nothing
      }
      <div
        class="grid ${this.maximised ? 'max' : ''}"
        style="--cols:${cols}"
        @toggle-maximise=${this.onToggleMax}
        @tile-arrange=${this.onArrange}
        @tile-gesture=${this.onGesture}
      >
        ${repeat(
          guests,
          (g) => g.name,
          (g) =>
            html`<vm-tile
              .client=${this.client}
              .summary=${g}
              domain=${g.name}
              .span=${this.layout.shownSpan(g.name, cols)}
              .columns=${cols}
              .tileHeight=${this.layout.height(g.name)}
              ?maximised=${this.maximised === g.name}
              ?dragging=${d?.kind === 'move' && d.name === g.name}
              ?drop-target=${d?.target === g.name}
              style=${this.tileStyle(g.name, place.get(g.name) ?? 0)}
            ></vm-tile>`,
        )}
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'screen-grid': ScreenGrid;
  }
}
