import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { DomainSummary } from './api-types.ts';
import { domainColor } from './domain-colors.ts';
import { keyboardIcon, maximiseIcon, restoreIcon } from './icons.ts';
import { cornerGrip, gripIcon } from './tile-icons.ts';
import { controls } from './shared-styles.ts';
import { MAX_TILE_HEIGHT, MIN_TILE_HEIGHT } from './tile-layout.ts';
import './vm-console.ts';
import './vm-screen.ts';
import type { VmConsole } from './vm-console.ts';
import type { VmScreen } from './vm-screen.ts';
import { stateWord } from './domain-state.ts';
import type { VmServerClient } from './vm-server-client.ts';

/**
 * One guest on the screens page: its VGA screen (HVM) and its console, with
 * a title bar saying which guest it is, what kind, whether it has the
 * keyboard, and buttons to switch view and to maximise. The split between
 * screen and console can be dragged (the screen's lower edge).
 *
 * The tile does not place itself: dragging its title bar, its right or
 * lower edge or its corner, and the keys on its title bar (Alt+←/→ move,
 * Alt+Shift+arrows resize) become `tile-gesture` and `tile-arrange` events
 * that the screen grid turns into a layout.
 */

export type TileView = 'both' | 'screen' | 'console';

/** What a pointer drag on the tile moves: the tile itself, or its edges. */
export type GestureKind = 'move' | 'width' | 'height' | 'both';

export interface TileGesture {
  readonly name: string;
  readonly kind: GestureKind;
  readonly phase: 'start' | 'move' | 'end' | 'cancel';
  /** Pointer position (client coordinates). */
  readonly x: number;
  readonly y: number;
}

export type ArrangeAction =
  | 'earlier'
  | 'later'
  | 'wider'
  | 'narrower'
  | 'taller'
  | 'shorter'
  | 'reset-width'
  | 'reset-height';

export interface TileArrange {
  readonly name: string;
  readonly action: ArrangeAction;
}

/** The title bar's keys: Alt+arrow moves the tile, Alt+Shift+arrow resizes it. */
const MOVE_KEYS: Readonly<Record<string, ArrangeAction>> = {
  ArrowLeft: 'earlier',
  ArrowRight: 'later',
};
const RESIZE_KEYS: Readonly<Record<string, ArrangeAction>> = {
  ArrowLeft: 'narrower',
  ArrowRight: 'wider',
  ArrowUp: 'shorter',
  ArrowDown: 'taller',
};

/** A title-bar drag starts once the pointer has moved this far (a click stays a click). */
const DRAG_SLOP_PX = 5;

@customElement('vm-tile')
export class VmTile extends LitElement {
  static override styles = [
    controls,
    css`
      :host {
        display: flex;
        flex-direction: column;
        position: relative;
        min-width: 0;
        min-height: 220px;
      }
      .frame {
        flex: 1;
        display: flex;
        flex-direction: column;
        min-height: 0;
        background: var(--tv-panel);
        border: 2px solid var(--tv-border);
        border-radius: var(--tv-radius);
        overflow: hidden;
      }
      :host([keyboard]) .frame {
        border-color: var(--tv-focus);
        box-shadow: 0 0 0 3px #f29e0c55;
      }
      :host([dragging]) .frame {
        box-shadow: 0 8px 24px #1c243040;
      }
      :host([drop-target]) .frame {
        outline: 3px dashed var(--tv-accent);
        outline-offset: 2px;
      }
      header {
        display: flex;
        align-items: center;
        gap: 0.3rem;
        padding: 0.3rem 0.4rem 0.3rem 0.3rem;
        border-bottom: 1px solid var(--tv-border);
        background: var(--tv-panel-2);
        font-size: 0.85rem;
        min-height: 2.2rem;
        cursor: grab;
        user-select: none;
        touch-action: none;
      }
      :host([dragging]) header {
        cursor: grabbing;
      }
      :host([maximised]) header {
        cursor: default;
      }
      header:focus-visible {
        /* Blue, not the keyboard orange: this tile is selected for arranging, the guest has no keys. */
        outline: 3px solid var(--tv-accent);
        outline-offset: -3px;
      }
      header button {
        cursor: pointer;
      }
      .grip {
        display: inline-flex;
        color: var(--tv-muted);
        flex: none;
      }
      :host([maximised]) .grip {
        visibility: hidden;
      }
      /* Resize handles sit in the gap beside and below the tile (--tile-gap, set by the grid). */
      .edge {
        position: absolute;
        z-index: 1;
        touch-action: none;
        display: grid;
        place-items: center;
      }
      .edge::after {
        content: '';
        border-radius: 2px;
        background: var(--tv-border);
      }
      .edge:hover::after,
      .edge:focus-visible::after,
      :host([resizing]) .edge::after {
        background: var(--tv-accent);
      }
      .edge:focus-visible {
        outline: 2px solid var(--tv-accent);
        outline-offset: 0;
      }
      .edge.width {
        top: 0;
        bottom: 0;
        right: calc(-1 * var(--tile-gap, 0.6rem));
        width: var(--tile-gap, 0.6rem);
        cursor: col-resize;
      }
      .edge.width::after {
        width: 3px;
        height: 2.5rem;
      }
      .edge.height {
        left: 0;
        right: 0;
        bottom: calc(-1 * var(--tile-gap, 0.6rem));
        height: var(--tile-gap, 0.6rem);
        cursor: row-resize;
      }
      .edge.height::after {
        width: 2.5rem;
        height: 3px;
      }
      .corner {
        position: absolute;
        z-index: 2;
        right: calc(-1 * var(--tile-gap, 0.6rem));
        bottom: calc(-1 * var(--tile-gap, 0.6rem));
        width: calc(var(--tile-gap, 0.6rem) + 14px);
        height: calc(var(--tile-gap, 0.6rem) + 14px);
        cursor: nwse-resize;
        touch-action: none;
        color: #c7d0dc;
      }
      .corner:hover,
      :host([resizing]) .corner {
        color: var(--tv-accent);
      }
      .corner svg {
        position: absolute;
        left: 0;
        top: 0;
      }
      :host([keyboard]) header {
        background: #fff4e0;
      }
      .swatch {
        width: 0.7rem;
        height: 0.7rem;
        border-radius: 3px;
        flex: none;
      }
      .name {
        font-weight: 650;
        min-width: 3rem;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .dot {
        width: 0.55rem;
        height: 0.55rem;
        border-radius: 50%;
        background: var(--tv-ok);
        flex: none;
      }
      .dot.paused {
        background: var(--tv-warn);
      }
      .dot.crashed,
      .dot.off,
      .dot.shut {
        background: var(--tv-error);
      }
      .kbd {
        display: inline-flex;
        align-items: center;
        gap: 0.25rem;
        font-size: 0.72rem;
        font-weight: 700;
        color: #7a4a00;
        background: #ffd98a;
        border-radius: 4px;
        padding: 0.05rem 0.35rem;
        white-space: nowrap;
      }
      .spacer {
        flex: 1;
      }
      .views {
        display: inline-flex;
      }
      .views button {
        border-radius: 0;
        padding: 0.12rem 0.4rem;
        font-size: 0.72rem;
      }
      .views button:first-child {
        border-radius: 6px 0 0 6px;
      }
      .views button:last-child {
        border-radius: 0 6px 6px 0;
      }
      .views button + button {
        border-left: none;
      }
      .views button[aria-pressed='true'] {
        background: var(--tv-accent);
        border-color: var(--tv-accent);
        color: #fff;
      }
      .icon {
        padding: 0.2rem 0.35rem;
        display: inline-flex;
        align-items: center;
      }
      .body {
        flex: 1;
        display: flex;
        flex-direction: column;
        min-height: 0;
        background: #000;
      }
      vm-screen {
        flex: 0 0 auto;
        aspect-ratio: 9 / 5;
        max-height: 65%;
        min-height: 80px;
        resize: vertical;
        overflow: hidden;
      }
      .body.screen-only vm-screen {
        flex: 1;
        aspect-ratio: auto;
        max-height: none;
        resize: none;
      }
      vm-console {
        flex: 1;
        min-height: 80px;
        border-top: 2px solid #273244;
      }
      .body.console-only vm-console {
        border-top: none;
      }
    `,
  ];

  @property({ attribute: false }) client: VmServerClient | null = null;
  @property({ attribute: false }) summary: DomainSummary | null = null;
  @property({ reflect: true }) domain = '';
  @property({ type: Boolean, reflect: true }) maximised = false;
  /** Set while something inside has keyboard focus. */
  @property({ type: Boolean, reflect: true }) keyboard = false;
  /** Columns this tile spans, and the grid's columns (for the width handle's value). */
  @property({ type: Number }) span = 1;
  @property({ type: Number }) columns = 1;
  /** Explicit height in px, or null (as tall as its row). */
  @property({ attribute: false }) tileHeight: number | null = null;
  /** Set while one of its edges is being dragged. */
  @property({ type: Boolean, reflect: true }) resizing = false;
  @state() view: TileView = 'both';
  private gesture: {
    kind: GestureKind;
    pointer: number;
    x0: number;
    y0: number;
    live: boolean;
  } | null = null;
  private viewChosen = false;

  override connectedCallback(): void {
    super.connectedCallback();
    // On the shadow root, not the host: a focus move between two parts of this tile
    // (title bar → screen) has the host as both target and relatedTarget once
    // retargeted, and so never reaches listeners on the host (DOM §2.9 dispatch).
    this.renderRoot.addEventListener('focusin', this.onFocusChange);
    this.renderRoot.addEventListener('focusout', this.onFocusChange);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.renderRoot.removeEventListener('focusin', this.onFocusChange);
    this.renderRoot.removeEventListener('focusout', this.onFocusChange);
  }

  private readonly onFocusChange = (): void => {
    // Once the focus has landed (during focusout it is still on its way).
    queueMicrotask(() => {
      // Only the screen and the console take the keyboard; the title bar and its buttons do not.
      const at = (this.renderRoot as ShadowRoot).activeElement?.localName;
      this.keyboard = at === 'vm-screen' || at === 'vm-console';
    });
  };

  override willUpdate(): void {
    const hasScreen = this.summary?.hasScreen ?? false;
    if (!this.viewChosen) this.view = hasScreen ? 'both' : 'console';
  }

  private choose(v: TileView): void {
    this.viewChosen = true;
    this.view = v;
  }

  /** Give the keyboard to this guest: its screen if it has one, else its console. */
  takeKeyboard(): void {
    const screen = this.renderRoot.querySelector<VmScreen>('vm-screen');
    if (screen) screen.focusDisplay();
    else this.renderRoot.querySelector<VmConsole>('vm-console')?.focus();
  }

  get screen(): VmScreen | null {
    return this.renderRoot.querySelector('vm-screen');
  }

  get console(): VmConsole | null {
    return this.renderRoot.querySelector('vm-console');
  }

  override render() {
    const d = this.summary;
    const hasScreen = d?.hasScreen ?? false;
    const showScreen = hasScreen && this.view !== 'console';
    const showConsole = this.view !== 'screen' || !hasScreen;
    const kind = d?.type === 'hvm' ? 'HVM' : d?.type === 'pv' ? 'PV' : '';
    return html`<div class="frame">
        <header
          role="group"
          tabindex="0"
          aria-label="${this.domain}: drag or Alt+arrow keys to move, Alt+Shift+arrow keys to resize, Enter to ${this.maximised ? 'restore' : 'maximise'}"
          aria-keyshortcuts="Alt+ArrowLeft Alt+ArrowRight Alt+Shift+ArrowLeft Alt+Shift+ArrowRight Alt+Shift+ArrowUp Alt+Shift+ArrowDown"
          title=${this.maximised ? 'Double-click or Escape to restore' : 'Drag to move · Alt+←/→ move · Alt+Shift+arrows resize · double-click to maximise'}
          @dblclick=${() => this.toggleMax()}
          @keydown=${this.onHeaderKey}
          @pointerdown=${(e: PointerEvent) => this.startGesture(e, 'move')}
          @pointermove=${this.onPointerMove}
          @pointerup=${this.onPointerEnd}
          @pointercancel=${this.onPointerEnd}
        >
          <span class="grip" aria-hidden="true">${gripIcon}</span>
          <span
            class="swatch"
            style="background:${domainColor(this.domain)}"
            aria-hidden="true"
          ></span>
          <span class="name" id="name">${this.domain}</span>
          ${d ? html`<span class="badge ${d.type}">${kind}</span>` : nothing}
          <span
            class="dot ${d ? stateWord(d.stateLetters) : 'off'}"
            role="img"
            aria-label=${d ? `${stateWord(d.stateLetters)}, domain ${d.id}` : 'not running'}
            title=${d ? `${stateWord(d.stateLetters)} · domain ${d.id}` : 'not running'}
          ></span>
          ${this.keyboard ? html`<span class="kbd" role="status">${keyboardIcon} keyboard</span>` : nothing}
          <span class="spacer"></span>
          ${
            hasScreen
              ? html`<span class="views" role="group" aria-label="View of ${this.domain}">
                  ${(['both', 'screen', 'console'] as const).map(
                    (v) =>
                      html`<button
                        aria-pressed=${String(this.view === v)}
                        @click=${() => this.choose(v)}
                      >
                        ${v === 'both' ? 'Both' : v === 'screen' ? 'Screen' : 'Console'}
                      </button>`,
                  )}
                </span>`
              : nothing
          }
          <button
            class="icon"
            @click=${() => this.toggleMax()}
            aria-pressed=${String(this.maximised)}
            aria-label=${this.maximised ? `Restore ${this.domain}` : `Maximise ${this.domain}`}
            title=${this.maximised ? 'Restore' : 'Maximise'}
          >
            ${this.maximised ? restoreIcon : maximiseIcon}
          </button>
        </header>
        <div
          class="body ${showScreen && !showConsole ? 'screen-only' : ''} ${showConsole && !showScreen ? 'console-only' : ''}"
        >
          ${showScreen ? html`<vm-screen .client=${this.client} domain=${this.domain}></vm-screen>` : nothing}
          ${
            showConsole
              ? html`<vm-console
                  .client=${this.client}
                  domain=${this.domain}
                  font-size="12"
                ></vm-console>`
              : nothing
          }
        </div>
      </div>
      ${this.renderHandles()}`;
  }

  /** Put the keyboard focus on the title bar (where Alt+arrows move and resize the tile). */
  focusHeader(): void {
    this.renderRoot.querySelector<HTMLElement>('header')?.focus();
  }

  private arrange(action: ArrangeAction): void {
    this.dispatchEvent(
      new CustomEvent<TileArrange>('tile-arrange', {
        detail: { name: this.domain, action },
        bubbles: true,
        composed: true,
      }),
    );
  }

  private readonly onHeaderKey = (e: KeyboardEvent): void => {
    if (e.ctrlKey || e.metaKey) return;
    if (e.key === 'Enter' && e.target === e.currentTarget && !e.altKey) {
      e.preventDefault();
      this.toggleMax();
      return;
    }
    if (!e.altKey || this.maximised) return;
    const action = (e.shiftKey ? RESIZE_KEYS : MOVE_KEYS)[e.key];
    if (!action) return;
    // Alt+← is also the browser's Back: the title bar keeps it.
    e.preventDefault();
    this.arrange(action);
  };

  /** Arrow keys on a focused edge handle (the ARIA window-splitter pattern). */
  private onEdgeKey(e: KeyboardEvent, edge: 'width' | 'height'): void {
    if (e.altKey || e.ctrlKey || e.metaKey || this.maximised) return;
    const keys: Record<string, ArrangeAction> =
      edge === 'width'
        ? { ArrowLeft: 'narrower', ArrowRight: 'wider', Home: 'reset-width' }
        : { ArrowUp: 'shorter', ArrowDown: 'taller', Home: 'reset-height' };
    const action = keys[e.key];
    if (!action) return;
    e.preventDefault();
    this.arrange(action);
  }

  private emitGesture(phase: TileGesture['phase'], kind: GestureKind, x: number, y: number): void {
    this.dispatchEvent(
      new CustomEvent<TileGesture>('tile-gesture', {
        detail: { name: this.domain, kind, phase, x, y },
        bubbles: true,
        composed: true,
      }),
    );
  }

  private startGesture(e: PointerEvent, kind: GestureKind): void {
    if (e.button !== 0 || this.maximised || this.gesture) return;
    // The title bar's own buttons stay buttons.
    if (kind === 'move' && e.composedPath().some((n) => n instanceof HTMLButtonElement)) return;
    const el = e.currentTarget as HTMLElement;
    try {
      el.setPointerCapture(e.pointerId);
    } catch {
      // A pointer that is no longer active: the drag simply does not start.
      return;
    }
    this.gesture = { kind, pointer: e.pointerId, x0: e.clientX, y0: e.clientY, live: false };
    if (kind !== 'move') {
      // An edge drag starts at once (and selects no text).
      e.preventDefault();
      this.gesture.live = true;
      this.resizing = true;
      this.emitGesture('start', kind, e.clientX, e.clientY);
    }
  }

  private readonly onPointerMove = (e: PointerEvent): void => {
    const g = this.gesture;
    if (!g || e.pointerId !== g.pointer) return;
    if (!g.live) {
      if (Math.hypot(e.clientX - g.x0, e.clientY - g.y0) < DRAG_SLOP_PX) return;
      g.live = true;
      this.emitGesture('start', g.kind, g.x0, g.y0);
    }
    this.emitGesture('move', g.kind, e.clientX, e.clientY);
  };

  private readonly onPointerEnd = (e: PointerEvent): void => {
    const g = this.gesture;
    if (!g || e.pointerId !== g.pointer) return;
    this.gesture = null;
    this.resizing = false;
    if (g.live) {
      this.emitGesture(e.type === 'pointerup' ? 'end' : 'cancel', g.kind, e.clientX, e.clientY);
    }
  };

  private renderHandles() {
    if (this.maximised) return nothing;
    const name = this.domain;
    const height = this.tileHeight;
    const cols = this.columns;
    const down = (kind: GestureKind) => (e: PointerEvent) => this.startGesture(e, kind);
    return html`<div
        class="edge width"
        role="separator"
        aria-orientation="vertical"
        aria-label="Width of ${name}"
        aria-valuemin="1"
        aria-valuemax=${cols}
        aria-valuenow=${this.span}
        aria-valuetext="${this.span} of ${cols} column${cols === 1 ? '' : 's'}"
        title="Drag to make ${name} wider or narrower (←/→ when focused; double-click: one column)"
        tabindex="0"
        @pointerdown=${down('width')}
        @pointermove=${this.onPointerMove}
        @pointerup=${this.onPointerEnd}
        @pointercancel=${this.onPointerEnd}
        @keydown=${(e: KeyboardEvent) => this.onEdgeKey(e, 'width')}
        @dblclick=${() => this.arrange('reset-width')}
      ></div>
      <div
        class="edge height"
        role="separator"
        aria-orientation="horizontal"
        aria-label="Height of ${name}"
        aria-valuemin=${MIN_TILE_HEIGHT}
        aria-valuemax=${MAX_TILE_HEIGHT}
        aria-valuenow=${height ?? Math.round(this.offsetHeight)}
        aria-valuetext=${height === null ? 'as tall as its row' : `${height} pixels`}
        title="Drag to make ${name} taller or shorter (↑/↓ when focused; double-click: row height)"
        tabindex="0"
        @pointerdown=${down('height')}
        @pointermove=${this.onPointerMove}
        @pointerup=${this.onPointerEnd}
        @pointercancel=${this.onPointerEnd}
        @keydown=${(e: KeyboardEvent) => this.onEdgeKey(e, 'height')}
        @dblclick=${() => this.arrange('reset-height')}
      ></div>
      <div
        class="corner"
        aria-hidden="true"
        title="Drag to resize ${name}"
        @pointerdown=${down('both')}
        @pointermove=${this.onPointerMove}
        @pointerup=${this.onPointerEnd}
        @pointercancel=${this.onPointerEnd}
        @dblclick=${() => {
          this.arrange('reset-width');
          this.arrange('reset-height');
        }}
      >
        ${cornerGrip}
      </div>`;
  }

  private toggleMax(): void {
    this.dispatchEvent(
      new CustomEvent('toggle-maximise', {
        detail: { name: this.domain },
        bubbles: true,
        composed: true,
      }),
    );
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'vm-tile': VmTile;
  }
}
