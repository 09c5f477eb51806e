import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { checkConfig, type ConfigCheck } from './config-check.ts';
import type { ConfigDiagnostic } from './config-diagnostics.ts';
import { controls } from './shared-styles.ts';
import { VM_CONFIG_DIR, shellQuote, type VmServerClient } from './vm-server-client.ts';

/**
 * An editor for one definition, /etc/xen/vm/NAME: the text with line
 * numbers, checked by the VM server's xl.cfg parser as you type, with each
 * error or warning marked at its line (and listed below, click to go
 * there). Save writes the file; Start runs `xl create NAME`; Delete removes
 * the definition (and, once storage offers it, the partition behind it).
 */

const CHECK_DELAY_MS = 350;

@customElement('vm-config-editor')
export class VmConfigEditor extends LitElement {
  static override styles = [
    controls,
    css`
      :host {
        display: flex;
        flex-direction: column;
        gap: 0.6rem;
        min-height: 0;
      }
      .top {
        display: flex;
        align-items: center;
        gap: 0.5rem;
        flex-wrap: wrap;
      }
      .top h2 {
        margin: 0 auto 0 0;
        font-family: var(--tv-mono);
        font-size: 0.95rem;
      }
      .editor {
        position: relative;
        display: grid;
        grid-template-columns: auto 1fr;
        border: 1px solid var(--tv-border);
        border-radius: 6px;
        overflow: hidden;
        background: #fff;
        height: var(--editor-h, 22rem);
        min-height: 10rem;
        resize: vertical;
      }
      .editor:focus-within {
        outline: 3px solid var(--tv-focus);
        outline-offset: 1px;
      }
      .gutter,
      .layer,
      textarea {
        font-family: var(--tv-mono);
        font-size: 0.82rem;
        line-height: 1.5;
        margin: 0;
        padding: 0.5rem 0.6rem;
        tab-size: 4;
      }
      textarea,
      .gutter div,
      .layer div {
        white-space: pre;
      }
      .gutter {
        background: var(--tv-panel-2);
        color: var(--tv-muted);
        text-align: right;
        border-right: 1px solid var(--tv-border);
        overflow: hidden;
        user-select: none;
        min-width: 3.2rem;
      }
      .gutter div.error {
        color: #fff;
        background: var(--tv-error);
        border-radius: 3px;
      }
      .gutter div.warning {
        color: #000;
        background: #ffd98a;
        border-radius: 3px;
      }
      .text {
        position: relative;
        overflow: hidden;
      }
      .layer {
        position: absolute;
        inset: 0;
        color: transparent;
        pointer-events: none;
        overflow: hidden;
      }
      .layer div.error {
        background: #fde8e7;
        box-shadow: inset 3px 0 0 var(--tv-error);
      }
      .layer div.warning {
        background: #fff6df;
        box-shadow: inset 3px 0 0 #e0a200;
      }
      textarea {
        position: absolute;
        inset: 0;
        width: 100%;
        height: 100%;
        border: none;
        border-radius: 0;
        resize: none;
        background: transparent;
        outline: none;
        overflow: auto;
      }
      ul.problems {
        list-style: none;
        margin: 0;
        padding: 0;
        font-size: 0.85rem;
      }
      ul.problems li button {
        border: none;
        background: none;
        padding: 0.2rem 0.3rem;
        text-align: left;
        font-size: 0.85rem;
        width: 100%;
      }
      ul.problems li.error button {
        color: var(--tv-error);
      }
      ul.problems li.warning button {
        color: var(--tv-warn);
      }
      .state {
        font-size: 0.85rem;
      }
      .state.ok {
        color: var(--tv-ok);
      }
      .state.bad {
        color: var(--tv-error);
      }
      .status {
        font-size: 0.82rem;
        font-family: var(--tv-mono);
      }
      .status .text {
        white-space: pre-wrap;
      }
      .confirm {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        flex-wrap: wrap;
        padding: 0.5rem 0.6rem;
        border: 1px solid var(--tv-error);
        border-radius: 6px;
        background: #fff7f6;
        font-size: 0.85rem;
      }
    `,
  ];

  @property({ attribute: false }) client: VmServerClient | null = null;
  /** The definition's file name in /etc/xen/vm. */
  @property() name = '';
  @state() private text = '';
  @state() private saved = '';
  @state() private loaded = false;
  @state() private check: ConfigCheck | null = null;
  @state() private checking = false;
  @state() private status: { text: string; error: boolean } = { text: '', error: false };
  @state() private confirmDelete = false;
  @state() private deletePartition = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private checkSeq = 0;
  private loadedName = '';

  get path(): string {
    return `${VM_CONFIG_DIR}/${this.name}`;
  }

  override willUpdate(changed: Map<string, unknown>): void {
    if (
      (changed.has('name') || changed.has('client')) &&
      this.name &&
      this.loadedName !== this.name
    )
      void this.load();
  }

  /** Read the file again (discarding edits). */
  async load(): Promise<void> {
    const c = this.client;
    if (!c || !this.name) return;
    this.loadedName = this.name;
    this.loaded = false;
    this.confirmDelete = false;
    this.status = { text: '', error: false };
    try {
      const bytes = await c.api.readFile(this.path);
      this.text = this.saved = new TextDecoder().decode(bytes);
      this.loaded = true;
      await this.runCheck();
    } catch (e) {
      this.status = { text: `Cannot read ${this.path}: ${String(e)}`, error: true };
    }
  }

  private onInput(e: Event): void {
    this.text = (e.target as HTMLTextAreaElement).value;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.runCheck(), CHECK_DELAY_MS);
  }

  /** Check the text as it stands with the VM server's parser. */
  async runCheck(): Promise<ConfigCheck | null> {
    const c = this.client;
    if (!c) return null;
    const seq = ++this.checkSeq;
    this.checking = true;
    try {
      const result = await checkConfig(c, this.text, `edit-${this.name}`);
      if (seq === this.checkSeq) this.check = result;
      return result;
    } finally {
      if (seq === this.checkSeq) this.checking = false;
    }
  }

  private onScroll(e: Event): void {
    const t = e.target as HTMLTextAreaElement;
    for (const el of this.renderRoot.querySelectorAll<HTMLElement>('.gutter, .layer')) {
      el.scrollTop = t.scrollTop;
      if (el.classList.contains('layer')) el.scrollLeft = t.scrollLeft;
    }
  }

  /** Put the caret at a diagnostic's position. */
  goTo(d: ConfigDiagnostic): void {
    const ta = this.renderRoot.querySelector('textarea');
    if (!ta) return;
    const lines = this.text.split('\n');
    let offset = 0;
    for (let i = 0; i < d.line - 1 && i < lines.length; i++) offset += (lines[i] ?? '').length + 1;
    offset += Math.max(0, d.column - 1);
    ta.focus();
    ta.setSelectionRange(offset, offset);
  }

  async save(): Promise<boolean> {
    const c = this.client;
    if (!c) return false;
    const check = await this.runCheck();
    if (check && !check.ok) {
      this.status = {
        text: 'Saved anyway: xl create will refuse this file until the errors are fixed.',
        error: true,
      };
    } else {
      this.status = { text: `Saved ${this.path}.`, error: false };
    }
    await c.api.writeFile(this.path, this.text);
    this.saved = this.text;
    return true;
  }

  private async startVm(): Promise<void> {
    const c = this.client;
    if (!c) return;
    if (this.text !== this.saved) await this.save();
    const r = await c.run(`xl create ${shellQuote(this.name)}`);
    this.status = {
      text: `dom0# xl create ${this.name}\n${r.output.trim()}`,
      error: r.status !== 0,
    };
  }

  /** The host-disk partition this definition's disk uses ("/dev/sda4", "/dev/vg0/web"), if any. */
  private partition(): string | null {
    const m = /(?:phy:|target=)(\/dev\/(?:sda\d+|[^/,\s"]+\/[^/,\s"]+))/.exec(this.saved);
    return m?.[1] ?? null;
  }

  private async deleteDefinition(): Promise<void> {
    const c = this.client;
    if (!c) return;
    const running = c.domain(this.name);
    if (running) {
      this.status = {
        text: `${this.name} is running: shut it down or destroy it first (xl destroy ${this.name}).`,
        error: true,
      };
      this.confirmDelete = false;
      return;
    }
    const r = await c.run(`rm ${shellQuote(this.path)}`);
    if (r.status !== 0) {
      this.status = { text: r.output.trim(), error: true };
      return;
    }
    const part = this.partition();
    if (this.deletePartition && part) {
      // /dev/sdaN by number; /dev/VG/NAME by the partition's name.
      await c.api.deletePartition(
        /^\/dev\/sda\d+$/.test(part) ? part : (part.split('/').pop() ?? part),
      );
    }
    await c.refreshConfigs();
    this.confirmDelete = false;
    this.dispatchEvent(
      new CustomEvent('vm-deleted', { detail: { name: this.name }, bubbles: true, composed: true }),
    );
  }

  private lineClass(n: number): string {
    const ds = this.check?.diagnostics.filter((d) => d.line === n) ?? [];
    if (ds.some((d) => d.severity === 'error')) return 'error';
    if (ds.length > 0) return 'warning';
    return '';
  }

  override render() {
    if (!this.name) return html`<p class="muted">Choose a definition to edit.</p>`;
    const lines = this.text.split('\n');
    const diags = this.check?.diagnostics ?? [];
    const general = this.check?.general ?? [];
    const dirty = this.text !== this.saved;
    const ok = this.check?.ok ?? false;
    const part = this.partition();
    return html`<div class="top">
        <h2>${this.path}${dirty ? html` <span class="muted">(edited)</span>` : nothing}</h2>
        <span class="state ${ok ? 'ok' : 'bad'}" role="status" aria-live="polite">
          ${
            !this.loaded || !this.check
              ? this.checking
                ? 'Checking…'
                : ''
              : ok
                ? diags.length
                  ? `Valid, ${diags.length} warning${diags.length > 1 ? 's' : ''}`
                  : '✓ Valid configuration'
                : `✗ ${diags.filter((d) => d.severity === 'error').length || general.length || 1} error`
          }
        </span>
        <button class="primary" @click=${() => void this.save()} ?disabled=${!dirty}>Save</button>
        <button @click=${() => void this.load()} ?disabled=${!dirty}>Revert</button>
        <button @click=${() => void this.startVm()} ?disabled=${!!this.client?.domain(this.name)}>
          Start
        </button>
        <button class="danger" @click=${() => (this.confirmDelete = true)}>Delete…</button>
      </div>
      ${
        this.confirmDelete
          ? html`<div class="confirm" role="alertdialog" aria-label="Delete ${this.name}">
              <span>Delete the definition <code>${this.path}</code>?</span>
              ${
                part
                  ? html`<label
                      ><input
                        type="checkbox"
                        .checked=${this.deletePartition}
                        @change=${(e: Event) => (this.deletePartition = (e.target as HTMLInputElement).checked)}
                      />
                      and its disk partition ${part} (its data is lost)</label
                    >`
                  : nothing
              }
              <button class="danger" @click=${() => void this.deleteDefinition()}>Delete</button>
              <button @click=${() => (this.confirmDelete = false)}>Cancel</button>
            </div>`
          : nothing
      }
      <div class="editor">
        <div class="gutter" aria-hidden="true">
          ${lines.map((_, i) => html`<div class=${this.lineClass(i + 1)}>${i + 1}</div>`)}
        </div>
        <div class="text">
          <div class="layer" aria-hidden="true">
            ${lines.map((l, i) => html`<div class=${this.lineClass(i + 1)}>${l || ' '}</div>`)}
          </div>
          <textarea
            spellcheck="false"
            autocapitalize="off"
            autocomplete="off"
            wrap="off"
            aria-label="Configuration of ${this.name} (xl.cfg format)"
            aria-invalid=${ok || !this.check ? 'false' : 'true'}
            aria-describedby="problems"
            .value=${this.text}
            @input=${this.onInput}
            @scroll=${this.onScroll}
          ></textarea>
        </div>
      </div>
      <div id="problems">
        ${general.length ? html`<p class="state bad">${general.join(' ')}</p>` : nothing}
        ${
          diags.length
            ? html`<ul class="problems" aria-label="Problems">
                ${diags.map(
                  (d) =>
                    html`<li class=${d.severity}>
                      <button @click=${() => this.goTo(d)}>
                        ${d.severity === 'error' ? '✗' : '⚠'} Line ${d.line}, column ${d.column}:
                        ${d.message}
                      </button>
                    </li>`,
                )}
              </ul>`
            : nothing
        }
      </div>
      <div
        class="status"
        role="status"
        aria-live="polite"
        style=${this.status.error ? 'color:var(--tv-error)' : ''}
      >
        <span class="text">${this.status.text}</span>
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'vm-config-editor': VmConfigEditor;
  }
}
