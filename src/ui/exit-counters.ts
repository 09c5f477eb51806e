import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { domainColor } from './domain-colors.ts';
import { fetchDetail, type DomainDetail, type RateMemory } from './domain-detail.ts';
import { splitReasons } from './domain-devices.ts';
import { formatCount, formatRate } from './format.ts';
import { DomainsWatch } from './domains-watch.ts';
import { controls, panel } from './shared-styles.ts';
import type { VmServerClient } from './vm-server-client.ts';

/**
 * One guest's VM exits by reason and its hypercalls by operation, as the VMM
 * counts them: "port:com1" is a trapped I/O-port access an HVM guest's
 * driver made, "mmio:vga-text" a trapped store to the VGA text buffer,
 * "hypercall:event_channel_op.send" a PV guest notifying a back end,
 * "sbi:TIME.set_timer" a call to the VMM as SBI firmware. Bars compare the
 * reasons; the rate is per second since the last refresh.
 */

/** What each kind of exit reason means, for the tooltip and the legend. */
export function explainReason(reason: string): string {
  const [kind, what = ''] = reason.split(':', 2);
  switch (kind) {
    case 'port':
      return `The guest touched I/O port(s) of ${what}: the access trapped and the VM server's device model answered.`;
    case 'mmio':
      return `The guest touched device memory of ${what}: trapped and emulated.`;
    case 'hypercall':
      return `A PV hypercall, ${what}: the guest asked the VMM directly.`;
    case 'sbi':
      return `An SBI call (${what}): the VMM acting as the guest's firmware.`;
    case 'wfi':
      return 'The guest waited for an interrupt (idle): the VMM ran something else.';
    case 'timer':
      return "The guest's time slice or timer expired.";
    case 'external-irq':
      return 'An interrupt for the host arrived while the guest ran.';
    case 'grant-map':
      return 'An access through a page another domain granted.';
    default:
      return reason;
  }
}

@customElement('exit-counters')
export class ExitCounters extends LitElement {
  static override styles = [
    controls,
    panel,
    css`
      .pick {
        display: flex;
        gap: 0.35rem;
        flex-wrap: wrap;
        margin-bottom: 0.6rem;
      }
      .pick button[aria-pressed='true'] {
        background: var(--tv-accent-soft);
        border-color: var(--tv-accent);
        font-weight: 600;
      }
      .swatch {
        display: inline-block;
        width: 0.6rem;
        height: 0.6rem;
        border-radius: 2px;
        margin-right: 0.3rem;
      }
      table {
        width: 100%;
        border-collapse: collapse;
        font-size: 0.8rem;
        margin-bottom: 0.8rem;
      }
      caption {
        text-align: left;
        font-weight: 600;
        font-size: 0.85rem;
        padding-bottom: 0.3rem;
      }
      th,
      td {
        padding: 0.22rem 0.35rem;
        border-top: 1px solid var(--tv-border);
        text-align: left;
      }
      th {
        font-size: 0.7rem;
        text-transform: uppercase;
        color: var(--tv-muted);
        font-weight: 600;
      }
      td.num,
      th.num {
        text-align: right;
        font-variant-numeric: tabular-nums;
        white-space: nowrap;
      }
      td.reason {
        font-family: var(--tv-mono);
        word-break: break-all;
      }
      td.bar {
        width: 30%;
      }
      .bar span {
        display: block;
        height: 0.6rem;
        border-radius: 2px;
        min-width: 1px;
      }
      .exits .bar span {
        background: var(--tv-hvm);
      }
      .hyper .bar span {
        background: var(--tv-pv);
      }
      .none {
        color: var(--tv-muted);
        font-style: italic;
      }
    `,
  ];

  @property({ attribute: false }) client: VmServerClient | null = null;
  /** The guest shown ('' = the first guest). */
  @property() domain = '';
  @state() private detail: DomainDetail | null = null;
  private readonly watch = new DomainsWatch(this, () => this.refresh());
  private readonly seen: RateMemory = new Map();

  private current(): string {
    const guests = (this.client?.domains ?? []).filter((d) => d.type !== 'host');
    if (this.domain && guests.some((g) => g.name === this.domain)) return this.domain;
    return guests[0]?.name ?? '';
  }

  async refresh(): Promise<void> {
    const c = this.client;
    const name = this.current();
    const d = c?.domain(name);
    if (!c || !d) {
      this.detail = null;
      return;
    }
    this.detail = await fetchDetail(c, d, this.seen);
  }

  private choose(name: string): void {
    this.domain = name;
    this.detail = null;
    this.watch.kick();
  }

  private table(kind: 'exits' | 'hyper', title: string, rows: [string, number][]) {
    const max = rows.reduce((m, [, n]) => Math.max(m, n), 0);
    const rates = this.detail?.rates ?? {};
    return html`<table class=${kind}>
      <caption>
        ${title}
      </caption>
      <thead>
        <tr>
          <th scope="col">${kind === 'exits' ? 'Reason' : 'Operation'}</th>
          <th scope="col" class="num">Count</th>
          <th scope="col" class="num">Per s</th>
          <th scope="col"><span class="visually-hidden">Share</span></th>
        </tr>
      </thead>
      <tbody>
        ${
          rows.length === 0
            ? html`<tr>
                <td colspan="4" class="none">none yet</td>
              </tr>`
            : rows.map(
                ([r, n]) =>
                  html`<tr title=${explainReason(r)} data-reason=${r}>
                    <td class="reason">${r}</td>
                    <td class="num">${formatCount(n)}</td>
                    <td class="num">${formatRate(rates[r] ?? 0)}</td>
                    <td class="bar" aria-hidden="true">
                      <span style="width:${max ? Math.max(0.5, (100 * n) / max) : 0}%"></span>
                    </td>
                  </tr>`,
              )
        }
      </tbody>
    </table>`;
  }

  override render() {
    const guests = (this.client?.domains ?? []).filter((d) => d.type !== 'host');
    const name = this.current();
    const split =
      this.detail && this.detail.domain.name === name ? splitReasons(this.detail.exits) : null;
    return html`<section class="panel" aria-labelledby="exits-title">
      <h2 id="exits-title">VM exits and hypercalls per guest</h2>
      <div class="pick" role="group" aria-label="Guest">
        ${guests.map(
          (g) =>
            html`<button
              aria-pressed=${String(g.name === name)}
              @click=${() => this.choose(g.name)}
            >
              <span class="swatch" style="background:${domainColor(g.name)}"></span>${g.name}
              <span class="badge ${g.type}">${g.type}</span>
            </button>`,
        )}
        ${guests.length === 0 ? html`<span class="none">No guests running.</span>` : nothing}
      </div>
      ${
        split
          ? html`${this.table('exits', 'VM exits by reason (traps into the VMM)', split.exits)}
            ${this.table('hyper', 'Hypercalls and SBI calls by operation', split.hypercalls)}`
          : guests.length
            ? html`<p class="none">Loading…</p>`
            : nothing
      }
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'exit-counters': ExitCounters;
  }
}
