import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { DomainSummary } from './api-types.ts';
import { domainColor } from './domain-colors.ts';
import { keyboardIcon, maximiseIcon, restoreIcon } from './icons.ts';
import { controls } from './shared-styles.ts';
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
 */

export type TileView = 'both' | 'screen' | 'console';

@customElement('vm-tile')
export class VmTile extends LitElement {
  static override styles = [
    controls,
    css`
      :host {
        display: flex;
        flex-direction: column;
        min-width: 0;
        min-height: 220px;
        background: var(--tv-panel);
        border: 2px solid var(--tv-border);
        border-radius: var(--tv-radius);
        overflow: hidden;
        resize: vertical;
      }
      :host([keyboard]) {
        border-color: var(--tv-focus);
        box-shadow: 0 0 0 3px #f29e0c55;
      }
      header {
        display: flex;
        align-items: center;
        gap: 0.3rem;
        padding: 0.3rem 0.4rem 0.3rem 0.5rem;
        border-bottom: 1px solid var(--tv-border);
        background: var(--tv-panel-2);
        font-size: 0.85rem;
        min-height: 2.2rem;
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
  @state() view: TileView = 'both';
  private viewChosen = false;

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('focusin', this.onFocusIn);
    this.addEventListener('focusout', this.onFocusOut);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.removeEventListener('focusin', this.onFocusIn);
    this.removeEventListener('focusout', this.onFocusOut);
  }

  private readonly onFocusIn = (e: FocusEvent): void => {
    // Only the screen and the console take the keyboard; header buttons do not.
    const path = e.composedPath();
    this.keyboard = path.some(
      (n) =>
        n instanceof HTMLElement && (n.localName === 'vm-screen' || n.localName === 'vm-console'),
    );
  };

  private readonly onFocusOut = (e: FocusEvent): void => {
    const next = e.relatedTarget;
    if (!(next instanceof Node) || !this.containsDeep(next)) this.keyboard = false;
  };

  private containsDeep(n: Node): boolean {
    let cur: Node | null = n;
    while (cur) {
      if (cur === this) return true;
      cur = cur.parentNode ?? (cur instanceof ShadowRoot ? cur.host : null);
    }
    return false;
  }

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
    return html`<header @dblclick=${() => this.toggleMax()}>
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
