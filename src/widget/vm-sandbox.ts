import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { DomainSummary } from '../ui/api-types.ts';
import { formatCount } from '../ui/format.ts';
import { controls, themeTokens } from '../ui/shared-styles.ts';
import '../ui/vm-console.ts';
import '../ui/vm-screen.ts';
import { VmServerClient, shellQuote } from '../ui/vm-server-client.ts';

/**
 * One guest in a page, for labs and documentation: `<vm-sandbox
 * guest="sprout-pv">` boots a VM server of its own (in its own worker, in
 * memory: nothing persists, nothing is shared with the desktop), starts
 * the guest and shows its console — and its screen, for an HVM guest —
 * with a live count of the VM exits it causes. A definition can be given
 * inline instead of a seeded name:
 *
 *   <vm-sandbox>
 *     <script type="text/xl-config">name = "lab" …</script>
 *   </vm-sandbox>
 */
@customElement('vm-sandbox')
export class VmSandbox extends LitElement {
  static override styles = [
    themeTokens,
    controls,
    css`
      :host {
        display: flex;
        flex-direction: column;
        border: 1px solid var(--tv-border);
        border-radius: var(--tv-radius);
        overflow: hidden;
        background: var(--tv-panel);
        min-height: 320px;
      }
      header {
        display: flex;
        align-items: center;
        gap: 0.5rem;
        padding: 0.35rem 0.6rem;
        background: var(--tv-panel-2);
        border-bottom: 1px solid var(--tv-border);
        font-size: 0.85rem;
      }
      header .spacer {
        flex: 1;
      }
      .exits {
        color: var(--tv-muted);
        font-variant-numeric: tabular-nums;
      }
      .body {
        flex: 1;
        display: flex;
        flex-direction: column;
        background: #000;
        min-height: 0;
      }
      vm-screen {
        aspect-ratio: 9 / 5;
        max-height: 60%;
      }
      vm-console {
        flex: 1;
        min-height: 140px;
      }
      .message {
        padding: 1rem;
        color: #d7dde6;
        font-size: 0.9rem;
      }
      .message.error {
        color: #ff9b93;
      }
    `,
  ];

  /** A definition seeded in /etc/xen/vm (ignored when an inline config is given). */
  @property() guest = 'sprout-pv';
  /** Where guest images are fetched from (default: guests/ beside the page). */
  @property({ attribute: 'images' }) images = '';
  @state() private phase: 'booting' | 'running' | 'failed' = 'booting';
  @state() private error = '';
  @state() private summary: DomainSummary | null = null;
  private client: VmServerClient | null = null;
  private name = '';

  private readonly onDomains = (): void => {
    this.summary = this.client?.domain(this.name) ?? null;
  };

  override connectedCallback(): void {
    super.connectedCallback();
    if (!this.client) void this.start();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.client?.removeEventListener('domains', this.onDomains);
    this.client?.dispose();
    this.client = null;
  }

  /** The inline definition, if the page gave one. */
  private inlineConfig(): string | null {
    const s = this.querySelector('script[type="text/xl-config"]');
    return s?.textContent ? s.textContent.trim() + '\n' : null;
  }

  private async start(): Promise<void> {
    const client = VmServerClient.create();
    this.client = client;
    try {
      await client.boot({
        storage: 'memory',
        autostart: false,
        ...(this.images ? { imagesBaseUrl: new URL(this.images, document.baseURI).href } : {}),
      });
      const inline = this.inlineConfig();
      if (inline) {
        const name = /^\s*name\s*=\s*"([^"]+)"/m.exec(inline)?.[1];
        if (!name) throw new Error('the inline configuration has no name = "..."');
        await client.api.writeFile(`/etc/xen/vm/${name}`, inline);
        this.name = name;
      } else {
        this.name = this.guest;
      }
      const r = await client.run(`xl create ${shellQuote(this.name)}`);
      if (r.status !== 0) throw new Error(r.output.trim());
      client.addEventListener('domains', this.onDomains);
      client.startSampling(1000);
      await client.refresh();
      this.phase = 'running';
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
      this.phase = 'failed';
    }
  }

  /** Destroy the guest and start it again from its definition. */
  async restart(): Promise<void> {
    const c = this.client;
    if (!c || !this.name) return;
    await c.run(`xl destroy ${shellQuote(this.name)}`);
    await c.run(`xl create ${shellQuote(this.name)}`);
  }

  override render() {
    const d = this.summary;
    return html`<header>
        <strong>${this.name || this.guest}</strong>
        ${d ? html`<span class="badge ${d.type}">${d.type}</span>` : nothing}
        <span class="spacer"></span>
        ${d ? html`<span class="exits">${formatCount(d.exits)} VM exits</span>` : nothing}
        <button @click=${() => void this.restart()} ?disabled=${this.phase !== 'running'}>
          Restart
        </button>
      </header>
      <div class="body">
        ${
          this.phase === 'booting'
            ? html`<div class="message" role="status">Starting a VM server in this page…</div>`
            : this.phase === 'failed'
              ? html`<div class="message error" role="alert">
                  Could not start the guest: ${this.error}
                </div>`
              : html`${
                    d?.hasScreen
                      ? html`<vm-screen .client=${this.client} domain=${this.name}></vm-screen>`
                      : nothing
                  } <vm-console .client=${this.client} domain=${this.name}></vm-console>`
        }
      </div>`;
  }

  /** The guest's console, for pages that script the lab (and tests). */
  get console(): HTMLElementTagNameMap['vm-console'] | null {
    return this.renderRoot.querySelector('vm-console');
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'vm-sandbox': VmSandbox;
  }
}
