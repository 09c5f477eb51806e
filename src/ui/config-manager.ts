import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { domainColor } from './domain-colors.ts';
import { DomainsWatch } from './domains-watch.ts';
import { controls } from './shared-styles.ts';
import './vm-config-editor.ts';
import './vm-create-form.ts';
import { VM_CONFIG_DIR, type VmServerClient } from './vm-server-client.ts';

/**
 * The VM definitions page: every file in /etc/xen/vm on the left, with
 * "New VM"; on the right the create form or the editor of the chosen file.
 */
@customElement('config-manager')
export class ConfigManager extends LitElement {
  static override styles = [
    controls,
    css`
      :host {
        display: grid;
        grid-template-columns: 14rem minmax(0, 1fr);
        gap: 0.75rem;
        min-height: 0;
      }
      nav {
        padding: 0.6rem;
        display: flex;
        flex-direction: column;
        gap: 0.3rem;
        align-self: start;
      }
      nav h2 {
        font-size: 0.8rem;
        text-transform: uppercase;
        letter-spacing: 0.04em;
        color: var(--tv-muted);
        margin: 0.2rem 0.2rem 0.3rem;
      }
      nav button {
        text-align: left;
        display: flex;
        align-items: center;
        gap: 0.45rem;
        border-color: transparent;
        background: none;
      }
      nav button[aria-current='true'] {
        background: var(--tv-accent-soft);
        border-color: var(--tv-accent);
      }
      nav button.new {
        border-color: var(--tv-border);
        margin-bottom: 0.4rem;
        justify-content: center;
        font-weight: 600;
      }
      .swatch {
        width: 0.65rem;
        height: 0.65rem;
        border-radius: 3px;
      }
      .dot {
        margin-left: auto;
        font-size: 0.7rem;
        color: var(--tv-ok);
      }
      main {
        padding: 1rem 1.1rem;
        min-width: 0;
      }
      @media (max-width: 800px) {
        :host {
          grid-template-columns: 1fr;
        }
        nav {
          flex-direction: row;
          flex-wrap: wrap;
        }
        nav h2 {
          width: 100%;
        }
      }
    `,
  ];

  @property({ attribute: false }) client: VmServerClient | null = null;
  /** The definition being edited; '' shows the create form. */
  @state() selected = '';
  // Re-render when /etc/xen/vm changes and when a definition starts or stops running.
  private readonly watch = new DomainsWatch(this, null, { configs: true });

  /** Open a definition in the editor. */
  edit(name: string): void {
    this.selected = name;
  }

  override render() {
    const configs = this.client?.configs ?? [];
    return html`<nav class="panel" aria-label="VM definitions">
        <button
          class="new"
          aria-current=${String(this.selected === '')}
          @click=${() => (this.selected = '')}
        >
          + New VM
        </button>
        <h2>${VM_CONFIG_DIR}</h2>
        ${configs.map(
          (n) =>
            html`<button
              aria-current=${String(this.selected === n)}
              @click=${() => (this.selected = n)}
            >
              <span class="swatch" style="background:${domainColor(n)}"></span>${n}
              ${this.client?.domain(n) ? html`<span class="dot" title="running">● running</span>` : ''}
            </button>`,
        )}
      </nav>
      <main
        class="panel"
        @vm-created=${(e: CustomEvent<{ name: string }>) => (this.selected = e.detail.name)}
        @vm-deleted=${() => (this.selected = '')}
      >
        ${
          this.selected
            ? html`<vm-config-editor
                .client=${this.client}
                name=${this.selected}
              ></vm-config-editor>`
            : html`<vm-create-form .client=${this.client}></vm-create-form>`
        }
      </main>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'config-manager': ConfigManager;
  }
}
