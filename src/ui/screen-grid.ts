import { LitElement, css, html, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { customElement, property, state } from 'lit/decorators.js';
import { controls } from './shared-styles.ts';
import './vm-tile.ts';
import type { VmTile } from './vm-tile.ts';
import type { VmServerClient } from './vm-server-client.ts';

/**
 * Every running guest's screen and console at once, tiled: choose how many
 * columns, drag a tile's lower edge to make it taller, maximise one to fill
 * the page. Clicking a screen gives it the keyboard (its tile lights up).
 */
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
        flex: 1;
        display: grid;
        grid-template-columns: repeat(var(--cols, 3), minmax(0, 1fr));
        grid-auto-rows: minmax(var(--tile-h, 420px), auto);
        gap: 0.6rem;
        min-height: 0;
      }
      .grid.max {
        grid-template-columns: 1fr;
        grid-auto-rows: 1fr;
      }
      .grid.max vm-tile:not([maximised]) {
        display: none;
      }
      vm-tile[maximised] {
        resize: none;
      }
      .empty {
        padding: 2rem;
        text-align: center;
      }
      @media (max-width: 900px) {
        .grid:not(.max) {
          grid-template-columns: repeat(min(var(--cols, 3), 2), minmax(0, 1fr));
        }
      }
      @media (max-width: 600px) {
        .grid:not(.max) {
          grid-template-columns: 1fr;
        }
      }
    `,
  ];

  @property({ attribute: false }) client: VmServerClient | null = null;
  @state() private columns = 3;
  @state() private maximised: string | null = null;
  @state() private tick = 0;

  private readonly onDomains = (): void => {
    this.tick++;
  };

  override connectedCallback(): void {
    super.connectedCallback();
    this.client?.addEventListener('domains', this.onDomains);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.client?.removeEventListener('domains', this.onDomains);
  }

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('client')) {
      (changed.get('client') as VmServerClient | undefined)?.removeEventListener(
        'domains',
        this.onDomains,
      );
      if (this.isConnected) this.client?.addEventListener('domains', this.onDomains);
    }
  }

  private guests() {
    return (this.client?.domains ?? []).filter((d) => d.type !== 'host');
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

  override render() {
    void this.tick;
    const guests = this.guests();
    if (this.maximised && !guests.some((g) => g.name === this.maximised)) this.maximised = null;
    return html`<div class="toolbar">
        <span class="muted">
          ${guests.length} running guest${guests.length === 1 ? '' : 's'} · click a screen to give
          it the keyboard · Ctrl+] gives it back
        </span>
        <span class="spacer"></span>
        <span class="cols" role="group" aria-label="Columns">
          <span class="muted" style="margin-right:0.4rem">Columns</span>
          ${[1, 2, 3, 4].map(
            (n) =>
              html`<button
                aria-pressed=${String(this.columns === n && !this.maximised)}
                @click=${() => {
                  this.columns = n;
                  this.maximised = null;
                }}
              >
                ${n}
              </button>`,
          )}
        </span>
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
        style="--cols:${this.columns}"
        @toggle-maximise=${this.onToggleMax}
      >
        ${repeat(
          guests,
          (g) => g.name,
          (g) =>
            html`<vm-tile
              .client=${this.client}
              .summary=${g}
              domain=${g.name}
              ?maximised=${this.maximised === g.name}
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
