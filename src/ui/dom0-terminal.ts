import { LitElement, css, html, unsafeCSS } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import * as Comlink from 'comlink';
import xtermCss from '@xterm/xterm/css/xterm.css?inline';
import { controls } from './shared-styles.ts';
import { TerminalHost } from './terminal-host.ts';
import type { VmServerClient } from './vm-server-client.ts';

/**
 * A terminal on the VM server's own shell (Domain-0), the same shell the
 * CLI runs: `xl create`, `xl list`, `xl console`, `xl top`, `xl dmesg`,
 * `xenstore-ls`, `cat /etc/xen/vm/NAME`. Keys go to the worker raw; the
 * shell does its own line editing and echo.
 */

const SUGGESTIONS = ['xl list', 'xl top', 'xl dmesg', 'xl info', 'ls /etc/xen/vm', 'help'];

@customElement('dom0-terminal')
export class Dom0Terminal extends LitElement {
  static override styles = [
    unsafeCSS(xtermCss),
    controls,
    css`
      :host {
        display: flex;
        flex-direction: column;
        min-height: 240px;
        border-radius: var(--tv-radius, 8px);
        overflow: hidden;
        border: 1px solid #0b0f15;
        background: #10151d;
      }
      header {
        display: flex;
        align-items: center;
        gap: 0.5rem;
        flex-wrap: wrap;
        padding: 0.4rem 0.6rem;
        background: #1b2330;
        color: #d7dde6;
        font-size: 0.85rem;
      }
      header strong {
        margin-right: auto;
      }
      header button {
        background: #273244;
        color: #d7dde6;
        border-color: #3a475b;
        font-family: var(--tv-mono);
        font-size: 0.75rem;
        padding: 0.15rem 0.45rem;
      }
      header button:hover:not(:disabled) {
        background: #35507a;
        border-color: #5d7db0;
      }
      .term {
        flex: 1;
        min-height: 0;
        padding: 0.4rem 0.5rem;
      }
      :host(:focus-within) {
        outline: 3px solid var(--tv-focus, #f29e0c);
        outline-offset: -3px;
      }
    `,
  ];

  @property({ attribute: false }) client: VmServerClient | null = null;
  private host: TerminalHost | null = null;
  private shell: number | null = null;
  private pending: string[] = [];
  private opening: Promise<void> | null = null;

  override render() {
    return html`<header>
        <strong id="title">dom0 shell — Domain-0 (the VM server)</strong>
        <span class="visually-hidden" id="try">Type a command, for example:</span>
        ${SUGGESTIONS.map(
          (s) =>
            html`<button
              @click=${() => this.type(`${s}\r`)}
              aria-describedby="try"
              title="Type “${s}”"
            >
              ${s}
            </button>`,
        )}
      </header>
      <div class="term" aria-labelledby="title"></div>`;
  }

  override firstUpdated(): void {
    const box = this.renderRoot.querySelector<HTMLElement>('.term');
    if (!box) return;
    this.host = new TerminalHost(box, { label: 'dom0 shell input' });
    this.host.terminal.onData((d) => this.send(d));
    void this.connect();
  }

  override updated(changed: Map<string, unknown>): void {
    if (changed.has('client') && this.host && this.shell === null) void this.connect();
  }

  private connect(): Promise<void> {
    const c = this.client;
    if (!c || !this.host || this.opening) return this.opening ?? Promise.resolve();
    const host = this.host;
    this.opening = c.api
      .openShell(Comlink.proxy((bytes: Uint8Array) => host.write(bytes)))
      .then((id) => {
        this.shell = id;
        const queued = this.pending.join('');
        this.pending = [];
        if (queued) void c.api.shellInput(id, queued);
      })
      .catch((e: unknown) => {
        host.write(`\r\n[could not open the dom0 shell: ${String(e)}]\r\n`);
      });
    return this.opening;
  }

  private send(data: string): void {
    const c = this.client;
    if (!c || this.shell === null) {
      this.pending.push(data);
      return;
    }
    void c.api.shellInput(this.shell, data);
  }

  /** Type text as if at the keyboard (the suggestion buttons, tests). */
  type(text: string): void {
    this.send(text);
    this.host?.terminal.focus();
  }

  /** What the terminal shows, as text. */
  text(): string {
    return this.host?.text() ?? '';
  }

  override focus(): void {
    this.host?.terminal.focus();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.shell !== null) void this.client?.api.closeShell(this.shell).catch(() => {});
    this.shell = null;
    this.opening = null;
    this.host?.dispose();
    this.host = null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Re-attached after a move: build the terminal again.
    if (this.hasUpdated && !this.host) this.firstUpdated();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'dom0-terminal': Dom0Terminal;
  }
}
