import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { LogEntry } from './api-types.ts';
import { controls } from './shared-styles.ts';
import type { VmServerClient } from './vm-server-client.ts';

/**
 * The VM server's console log as `xl dmesg` prints it — (XEN) lines from the
 * VMM, (d0) lines from Domain-0 — growing as things happen.
 */
@customElement('system-log')
export class SystemLog extends LitElement {
  static override styles = [
    controls,
    css`
      :host {
        display: block;
        min-height: 0;
      }
      ol {
        list-style: none;
        margin: 0;
        padding: 0.6rem 0.8rem;
        font-family: var(--tv-mono);
        font-size: 0.8rem;
        line-height: 1.45;
        background: #10151d;
        color: #d7dde6;
        border-radius: var(--tv-radius);
        height: 100%;
        overflow: auto;
      }
      li {
        word-break: break-word;
      }
      .t {
        white-space: pre;
      }
      .t {
        color: #7d8796;
      }
      .src-XEN {
        color: #9fb7ff;
      }
      .src-d0 {
        color: #b6a8ff;
      }
      .warn {
        color: #ffd98a;
      }
      .error {
        color: #ff9b93;
      }
    `,
  ];

  @property({ attribute: false }) client: VmServerClient | null = null;
  /** Show only the last N lines (0: all). */
  @property({ type: Number }) limit = 0;
  @state() private entries: readonly LogEntry[] = [];

  private readonly onLog = (): void => {
    const all = this.client?.log ?? [];
    this.entries = this.limit > 0 ? all.slice(-this.limit) : [...all];
  };

  override connectedCallback(): void {
    super.connectedCallback();
    this.client?.addEventListener('log', this.onLog);
    this.onLog();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.client?.removeEventListener('log', this.onLog);
  }

  override updated(): void {
    const ol = this.renderRoot.querySelector('ol');
    // Follow the end unless the reader scrolled up.
    if (ol && ol.scrollHeight - ol.scrollTop - ol.clientHeight < 80) ol.scrollTop = ol.scrollHeight;
  }

  override render() {
    return html`<ol aria-label="VM server log (xl dmesg)" tabindex="0">
      ${this.entries.map(
        (e) =>
          html`<li class=${e.level}>
            <span class="src-${e.source}">(${e.source})</span>
            <span class="t">[${(e.timeMs / 1000).toFixed(6).padStart(12, ' ')}]</span>
            ${e.level === 'info' ? '' : e.level === 'warn' ? 'WARNING: ' : 'ERROR: '}${e.message}
          </li>`,
      )}
    </ol>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'system-log': SystemLog;
  }
}
