import { LitElement, css, html, unsafeCSS } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import * as Comlink from 'comlink';
import xtermCss from '@xterm/xterm/css/xterm.css?inline';
import type { ToolstackEvent } from './api-types.ts';
import { controls } from './shared-styles.ts';
import { TerminalHost } from './terminal-host.ts';
import type { VmServerClient } from './vm-server-client.ts';

/**
 * A guest's console in a terminal, as `xl console` gives it: the serial port
 * of an HVM guest (its 16550 UART on COM1) or the PV console ring of a PV
 * guest, merged by the VM server with anything the guest wrote to the
 * hypervisor console. Keys typed here go to the guest's console input.
 */
@customElement('vm-console')
export class VmConsole extends LitElement {
  static override styles = [
    unsafeCSS(xtermCss),
    controls,
    css`
      :host {
        display: block;
        position: relative;
        background: #10151d;
        min-height: 120px;
      }
      .term {
        position: absolute;
        inset: 0;
        padding: 0.3rem 0.4rem;
      }
      .note {
        position: absolute;
        right: 0.5rem;
        bottom: 0.4rem;
        font-size: 0.75rem;
        color: #c9d3e0;
        background: #273244cc;
        padding: 0.1rem 0.4rem;
        border-radius: 4px;
        pointer-events: none;
      }
    `,
  ];

  @property() domain = '';
  @property({ attribute: false }) client: VmServerClient | null = null;
  @property({ type: Number, attribute: 'font-size' }) fontSize = 13;
  @state() private note = '';
  private host: TerminalHost | null = null;
  private subscription: number | null = null;
  private subscribed = '';

  private readonly onToolstack = (e: Event): void => {
    const ev = (e as CustomEvent<ToolstackEvent>).detail;
    if (ev.name !== this.domain) return;
    if (ev.kind === 'created') {
      this.host?.write(`\r\n\x1b[2m— ${this.domain} started (domain ${ev.domid}) —\x1b[0m\r\n`);
      // A new domain has a console of its own: its whole history is new output.
      void this.subscribe(true);
    } else if (ev.kind === 'destroyed') {
      this.note = 'not running';
      this.host?.write(`\r\n\x1b[2m— ${this.domain} is gone —\x1b[0m\r\n`);
    }
  };

  override render() {
    return html`<div class="term"></div>
      ${this.note ? html`<div class="note">${this.note}</div>` : ''}`;
  }

  override firstUpdated(): void {
    const box = this.renderRoot.querySelector<HTMLElement>('.term');
    if (!box) return;
    this.host = new TerminalHost(box, {
      label: `Console of ${this.domain}`,
      fontSize: this.fontSize,
    });
    this.host.terminal.onData((d) => {
      if (this.client && this.domain)
        this.client.api.sendConsoleInput(this.domain, d).catch((e: unknown) => {
          this.note = String(e).replace(/^Error: /, '');
        });
    });
    this.client?.addEventListener('toolstack', this.onToolstack);
    void this.subscribe(true);
  }

  override updated(changed: Map<string, unknown>): void {
    if (changed.has('client')) {
      (changed.get('client') as VmServerClient | undefined)?.removeEventListener(
        'toolstack',
        this.onToolstack,
      );
      this.client?.addEventListener('toolstack', this.onToolstack);
    }
    if (
      (changed.has('domain') || changed.has('client')) &&
      this.host &&
      this.subscribed !== this.domain
    ) {
      this.host.terminal.reset();
      void this.subscribe(true);
    }
  }

  private async subscribe(replay: boolean): Promise<void> {
    const c = this.client;
    if (!c || !this.domain || !this.host) return;
    if (this.subscription !== null) await c.api.unsubscribe(this.subscription).catch(() => {});
    this.subscription = null;
    this.subscribed = this.domain;
    const host = this.host;
    try {
      this.subscription = await c.api.subscribeConsole(
        this.domain,
        Comlink.proxy((b: Uint8Array) => host.write(b)),
        replay,
      );
      this.note = '';
    } catch {
      this.note = 'not running';
    }
  }

  /** What the console shows, as text. */
  text(): string {
    return this.host?.text() ?? '';
  }

  override focus(): void {
    this.host?.terminal.focus();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.hasUpdated && !this.host) this.firstUpdated();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.client?.removeEventListener('toolstack', this.onToolstack);
    if (this.subscription !== null)
      void this.client?.api.unsubscribe(this.subscription).catch(() => {});
    this.subscription = null;
    this.subscribed = '';
    this.host?.dispose();
    this.host = null;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'vm-console': VmConsole;
  }
}
