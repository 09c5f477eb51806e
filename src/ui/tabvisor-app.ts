import { LitElement, css, html, nothing, type TemplateResult } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { BootOptions } from './api-types.ts';
import './arch-view.ts';
import './boot-view.ts';
import './config-manager.ts';
import type { ConfigManager } from './config-manager.ts';
import './disk-map.ts';
import './dom0-terminal.ts';
import './exit-counters.ts';
import { formatBytes } from './format.ts';
import './io-path.ts';
import './network-view.ts';
import './screen-grid.ts';
import type { ScreenGrid } from './screen-grid.ts';
import { controls, themeTokens } from './shared-styles.ts';
import './system-log.ts';
import './vm-list.ts';
import { VmServerClient } from './vm-server-client.ts';

/**
 * The VM server desktop: boots the VMM and the VM server in a worker,
 * shows the boot as it happens, then the desktop — the domains, the
 * guests' screens, a dom0 terminal, the definitions, and views of what the
 * virtualization does underneath. Tabs keep their state (a terminal session
 * survives switching away); the URL hash names the open tab.
 */

interface Tab {
  readonly id: string;
  readonly label: string;
}

export const TABS: readonly Tab[] = [
  { id: 'dashboard', label: 'Dashboard' },
  { id: 'screens', label: 'Screens' },
  { id: 'terminal', label: 'dom0 terminal' },
  { id: 'definitions', label: 'VM definitions' },
  { id: 'architecture', label: 'Architecture' },
  { id: 'storage', label: 'Disk & I/O' },
  { id: 'network', label: 'Network' },
  { id: 'log', label: 'Log' },
];

/** How long the finished boot sequence stays up before the desktop opens. */
const BOOT_LINGER_MS = 900;

@customElement('tabvisor-app')
export class TabvisorApp extends LitElement {
  static override styles = [
    themeTokens,
    controls,
    css`
      :host {
        display: flex;
        flex-direction: column;
        height: 100vh;
        height: 100dvh;
        background: var(--tv-bg);
        overflow: hidden;
      }
      header.top {
        display: flex;
        align-items: center;
        gap: 1rem;
        padding: 0.45rem 1rem;
        background: #151b26;
        color: #e8edf5;
        flex-wrap: wrap;
      }
      .brand {
        display: flex;
        align-items: baseline;
        gap: 0.5rem;
      }
      .brand strong {
        font-size: 1.1rem;
        letter-spacing: 0.01em;
      }
      .brand span {
        font-size: 0.8rem;
        color: #9aa6b8;
      }
      .host {
        display: flex;
        gap: 0.4rem;
        flex-wrap: wrap;
        margin-left: auto;
        font-size: 0.78rem;
      }
      .chip {
        background: #242d3c;
        border-radius: 999px;
        padding: 0.15rem 0.6rem;
        color: #cdd5e1;
        white-space: nowrap;
      }
      .chip.problem {
        background: #5c1d18;
        color: #ffd2cd;
        border: none;
        cursor: pointer;
        font-size: 0.78rem;
      }
      nav[role='tablist'] {
        display: flex;
        gap: 0.15rem;
        padding: 0 0.75rem;
        background: #fff;
        border-bottom: 1px solid var(--tv-border);
        overflow-x: auto;
        scrollbar-width: thin;
      }
      nav [role='tab'] {
        border: none;
        border-radius: 0;
        background: none;
        padding: 0.6rem 0.8rem 0.5rem;
        border-bottom: 3px solid transparent;
        font-weight: 550;
        color: var(--tv-muted);
        white-space: nowrap;
      }
      nav [role='tab']:hover {
        background: var(--tv-panel-2);
        color: var(--tv-text);
      }
      nav [role='tab'][aria-selected='true'] {
        color: var(--tv-accent);
        border-bottom-color: var(--tv-accent);
      }
      nav [role='tab']:focus-visible {
        outline-offset: -3px;
      }
      main {
        flex: 1;
        min-height: 0;
        overflow: auto;
        position: relative;
      }
      section[role='tabpanel'] {
        padding: 0.75rem 1rem 1rem;
        min-height: 100%;
        box-sizing: border-box;
      }
      section[role='tabpanel'][hidden] {
        display: none;
      }
      #panel-screens:not([hidden]),
      #panel-terminal:not([hidden]),
      #panel-log:not([hidden]) {
        display: flex;
        flex-direction: column;
        height: 100%;
      }
      #panel-screens screen-grid {
        flex: 1;
      }
      #panel-terminal dom0-terminal {
        flex: 1;
      }
      #panel-log system-log {
        flex: 1;
      }
      .two {
        display: grid;
        grid-template-columns: minmax(0, 3fr) minmax(0, 2fr);
        gap: 0.75rem;
        align-items: start;
      }
      .stack {
        display: flex;
        flex-direction: column;
        gap: 0.75rem;
      }
      h2.recent {
        font-size: 0.9rem;
        margin: 0.9rem 0 0.4rem;
      }
      system-log.recent {
        height: 11rem;
      }
      .intro {
        margin: 0 0 0.6rem;
        font-size: 0.88rem;
        color: var(--tv-muted);
        max-width: 70rem;
      }
      @media (max-width: 1000px) {
        .two {
          grid-template-columns: 1fr;
        }
        .host {
          margin-left: 0;
        }
      }
    `,
  ];

  /** A client made elsewhere (tests, the widget); by default the app makes its own. */
  @property({ attribute: false }) client: VmServerClient | null = null;
  @property({ attribute: false }) bootOptions: BootOptions | null = null;
  @state() private phase: 'booting' | 'desktop' = 'booting';
  @state() private failure = '';
  @state() private hardware: string[] = [];
  @state() private tab = 'dashboard';
  @state() private tick = 0;
  private visited = new Set<string>(['dashboard']);
  private ownClient = false;
  private continueTimer: ReturnType<typeof setTimeout> | undefined;

  private readonly onDomains = (): void => {
    this.tick++;
  };

  private readonly onHash = (): void => {
    const id = location.hash.slice(1);
    if (TABS.some((t) => t.id === id)) this.select(id, false);
  };

  override connectedCallback(): void {
    super.connectedCallback();
    if (!this.client) {
      this.client = VmServerClient.create();
      this.ownClient = true;
    }
    this.onHash();
    window.addEventListener('hashchange', this.onHash);
    this.client.addEventListener('domains', this.onDomains);
    void this.start(this.client);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this.onHash);
    this.client?.removeEventListener('domains', this.onDomains);
    clearTimeout(this.continueTimer);
    if (this.ownClient) this.client?.dispose();
  }

  private options(): BootOptions {
    if (this.bootOptions) return this.bootOptions;
    const q = new URLSearchParams(location.search);
    return {
      storage: q.get('storage') === 'memory' ? 'memory' : 'indexeddb',
      autostart: q.get('autostart') !== '0',
    };
  }

  private async start(client: VmServerClient): Promise<void> {
    try {
      await client.boot(this.options());
      client.startSampling();
      this.hardware = await this.describeHardware(client);
      this.continueTimer = setTimeout(() => this.openDesktop(), BOOT_LINGER_MS);
    } catch (e) {
      this.failure = e instanceof Error ? e.message : String(e);
    }
  }

  /** Host hardware the boot stages did not describe (memory and CPUs; the disk if no stage did). */
  private async describeHardware(client: VmServerClient): Promise<string[]> {
    const h = client.host;
    const lines: string[] = [];
    if (h) {
      lines.push(
        `host memory ${formatBytes(h.totalMemoryKiB * 1024)} (${formatBytes(h.freeMemoryKiB * 1024)} free), ${h.pcpus} physical CPU${h.pcpus > 1 ? 's' : ''}, clock ${h.timeMode}`,
      );
    }
    if (client.progress.some((p) => p.stage === 'storage')) return lines;
    const storage = await client.storage();
    if (storage) {
      const disk = await storage.hostDisk();
      lines.push(
        `host disk ${disk.device}: ${formatBytes(disk.sizeBytes)} on ${disk.description}, ${disk.partitions.length} partition${disk.partitions.length === 1 ? '' : 's'}`,
      );
    } else {
      lines.push('host disk: not reported by this VM server');
    }
    return lines;
  }

  openDesktop(): void {
    clearTimeout(this.continueTimer);
    if (this.phase === 'desktop') return;
    this.phase = 'desktop';
    this.visited.add(this.tab);
  }

  /** Switch tab (and remember it in the URL). */
  select(id: string, updateHash = true): void {
    this.tab = id;
    this.visited.add(id);
    if (updateHash && location.hash !== `#${id}`) history.replaceState(null, '', `#${id}`);
  }

  /** A click on a tab: the terminal takes the keyboard at once (the arrow keys only move between tabs). */
  private async selectAndFocus(id: string): Promise<void> {
    this.select(id);
    if (id !== 'terminal') return;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('dom0-terminal')?.focus();
  }

  private onTabKey(e: KeyboardEvent): void {
    const i = TABS.findIndex((t) => t.id === this.tab);
    let next = -1;
    if (e.key === 'ArrowRight') next = (i + 1) % TABS.length;
    else if (e.key === 'ArrowLeft') next = (i - 1 + TABS.length) % TABS.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = TABS.length - 1;
    if (next < 0) return;
    e.preventDefault();
    const t = TABS[next];
    if (!t) return;
    this.select(t.id);
    void this.updateComplete.then(() =>
      this.renderRoot.querySelector<HTMLElement>(`#tab-${t.id}`)?.focus(),
    );
  }

  private async openScreen(name: string): Promise<void> {
    this.select('screens');
    await this.updateComplete;
    await this.renderRoot.querySelector<ScreenGrid>('screen-grid')?.show(name);
  }

  private panel(id: string, content: () => TemplateResult): TemplateResult {
    return html`<section
      role="tabpanel"
      id="panel-${id}"
      aria-labelledby="tab-${id}"
      ?hidden=${this.tab !== id}
    >
      ${this.visited.has(id) ? content() : nothing}
    </section>`;
  }

  private renderHost() {
    const c = this.client;
    const h = c?.host;
    if (!c || !h) return nothing;
    const guests = c.domains.filter((d) => d.type !== 'host').length;
    const problems = c.progress.filter((p) => p.status === 'error').length;
    return html`<div class="host" aria-label="Host">
      <span class="chip">${h.pcpus} pCPU</span>
      <span class="chip"
        >RAM ${formatBytes(h.totalMemoryKiB * 1024)} · ${formatBytes(h.freeMemoryKiB * 1024)}
        free</span
      >
      <span class="chip">${guests} guest${guests === 1 ? '' : 's'} running</span>
      ${
        problems
          ? html`<button class="chip problem" @click=${() => this.select('log')}>
              ${problems} boot problem${problems > 1 ? 's' : ''} — see the log
            </button>`
          : nothing
      }
    </div>`;
  }

  override render() {
    void this.tick;
    if (this.phase === 'booting') {
      return html`<main>
        <boot-view
          .client=${this.client}
          .hardware=${this.hardware}
          failure=${this.failure}
          @continue=${() => this.openDesktop()}
        ></boot-view>
      </main>`;
    }
    const c = this.client;
    return html`<header class="top">
        <div class="brand"><strong>Tabvisor</strong><span>VM server desktop</span></div>
        ${this.renderHost()}
      </header>
      <nav role="tablist" aria-label="Desktop" @keydown=${this.onTabKey}>
        ${TABS.map(
          (t) =>
            html`<button
              role="tab"
              id="tab-${t.id}"
              aria-selected=${String(this.tab === t.id)}
              aria-controls="panel-${t.id}"
              tabindex=${this.tab === t.id ? 0 : -1}
              @click=${() => this.selectAndFocus(t.id)}
            >
              ${t.label}
            </button>`,
        )}
      </nav>
      <main
        @open-screen=${(e: CustomEvent<{ name: string }>) => void this.openScreen(e.detail.name)}
      >
        ${this.panel(
          'dashboard',
          () =>
            html`<vm-list .client=${c}></vm-list>
              <h2 class="recent">Recent events <span class="muted">(xl dmesg)</span></h2>
              <system-log class="recent" .client=${c} limit="40"></system-log>`,
        )}
        ${this.panel('screens', () => html`<screen-grid .client=${c}></screen-grid>`)}
        ${this.panel(
          'terminal',
          () =>
            html`<p class="intro">
                The VM server's own shell — the same one the <code>tabvisor</code> CLI runs. Try
                <code>xl list</code>, <code>xl create -c sprout-hvm</code> (Ctrl+] detaches),
                <code>xl top</code>, <code>cat /etc/xen/vm/sprout-pv</code>.
              </p>
              <dom0-terminal .client=${c}></dom0-terminal>`,
        )}
        ${this.panel('definitions', () => html`<config-manager .client=${c}></config-manager>`)}
        ${this.panel(
          'architecture',
          () =>
            html`<div class="two">
              <arch-view .client=${c}></arch-view>
              <exit-counters .client=${c}></exit-counters>
            </div>`,
        )}
        ${this.panel(
          'storage',
          () =>
            html`<div class="stack">
              <disk-map .client=${c}></disk-map>
              <io-path .client=${c}></io-path>
            </div>`,
        )}
        ${this.panel('network', () => html`<network-view .client=${c}></network-view>`)}
        ${this.panel('log', () => html`<system-log .client=${c}></system-log>`)}
      </main>`;
  }

  /** The definitions page, opened on a file (used by other views). */
  async editDefinition(name: string): Promise<void> {
    this.select('definitions');
    await this.updateComplete;
    this.renderRoot.querySelector<ConfigManager>('config-manager')?.edit(name);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tabvisor-app': TabvisorApp;
  }
}
