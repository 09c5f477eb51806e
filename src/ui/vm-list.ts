import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { DomainSummary } from './api-types.ts';
import { domainColor } from './domain-colors.ts';
import { stateWord } from './domain-state.ts';
import { formatCpuSeconds, formatRate } from './format.ts';
import { DomainsWatch } from './domains-watch.ts';
import { controls } from './shared-styles.ts';
import './stat-graph.ts';
import { shellQuote, type VmServerClient } from './vm-server-client.ts';

/**
 * The domains as `xl list` shows them (Name, ID, Mem, VCPUs, State, Time),
 * live, with the definitions in /etc/xen/vm that are not running, per-row
 * CPU and exit graphs, and xl's lifecycle actions on each row. Every action
 * is the xl command a student could type in the dom0 terminal, and the
 * list says which one it ran.
 */

type Action = 'create' | 'pause' | 'unpause' | 'shutdown' | 'reboot' | 'destroy';

interface Row {
  readonly name: string;
  readonly domain: DomainSummary | null;
  /** The /etc/xen/vm file, when there is one of that name. */
  readonly config: string | null;
}

@customElement('vm-list')
export class VmList extends LitElement {
  static override styles = [
    controls,
    css`
      :host {
        display: block;
      }
      .charts {
        display: grid;
        grid-template-columns: repeat(4, minmax(0, 1fr));
        gap: 0.75rem;
        margin-bottom: 0.75rem;
      }
      .chart {
        padding: 0.5rem 0.75rem;
      }
      .chart h3 {
        margin: 0 0 0.25rem;
        font-size: 0.8rem;
        font-weight: 600;
        color: var(--tv-muted);
      }
      .chart stat-graph {
        height: 120px;
      }
      .table-wrap {
        overflow-x: auto;
      }
      table {
        width: 100%;
        border-collapse: collapse;
        font-size: 0.875rem;
      }
      caption {
        text-align: left;
        padding: 0.6rem 0.75rem;
        font-weight: 600;
      }
      th,
      td {
        padding: 0.4rem 0.6rem;
        border-top: 1px solid var(--tv-border);
        text-align: left;
        white-space: nowrap;
      }
      thead th {
        font-size: 0.72rem;
        font-weight: 600;
        text-transform: uppercase;
        letter-spacing: 0.04em;
        color: var(--tv-muted);
        background: var(--tv-panel-2);
      }
      tbody th {
        font-weight: 600;
      }
      td.num,
      th.num {
        text-align: right;
        font-variant-numeric: tabular-nums;
      }
      .name {
        display: flex;
        align-items: center;
        gap: 0.45rem;
        font-weight: 600;
      }
      .swatch {
        width: 0.7rem;
        height: 0.7rem;
        border-radius: 3px;
        flex: none;
      }
      .letters {
        font-family: var(--tv-mono);
        font-size: 0.8rem;
      }
      .state {
        font-size: 0.78rem;
        padding: 0.1rem 0.45rem;
        border-radius: 999px;
        margin-left: 0.35rem;
        background: #eef1f5;
      }
      .state.running,
      .state.blocked {
        background: #e3f4ea;
        color: var(--tv-ok);
      }
      .state.paused {
        background: #fff3d6;
        color: var(--tv-warn);
      }
      .state.crashed {
        background: #fde8e7;
        color: var(--tv-error);
      }
      .state.off {
        color: var(--tv-muted);
      }
      td.graph stat-graph {
        width: 80px;
        height: 26px;
      }
      .actions {
        display: flex;
        gap: 0.3rem;
        /* Wrap rather than hide the last buttons off the edge at 1280 px. */
        flex-wrap: wrap;
        max-width: 20rem;
      }
      .actions button {
        padding: 0.2rem 0.5rem;
        font-size: 0.78rem;
      }
      tr.off td {
        color: var(--tv-muted);
      }
      .status.empty {
        padding: 0;
        border: none;
      }
      .status {
        padding: 0.4rem 0.75rem;
        font-size: 0.8rem;
        font-family: var(--tv-mono);
        border-top: 1px solid var(--tv-border);
      }
      .status .text {
        white-space: pre-wrap;
      }
      .status.error {
        color: var(--tv-error);
      }
      @media (max-width: 1000px) {
        /* Tablet: the overview graphs carry the history; the row keeps xl's columns and actions. */
        .graph,
        th.graph-col {
          display: none;
        }
        .actions {
          flex-wrap: wrap;
          max-width: 15rem;
        }
      }
      @media (max-width: 600px) {
        .charts {
          grid-template-columns: 1fr;
        }
        .chart stat-graph {
          height: 90px;
        }
      }
      @media (max-width: 1300px) and (min-width: 601px) {
        .charts {
          grid-template-columns: repeat(2, minmax(0, 1fr));
        }
      }
    `,
  ];

  @property({ attribute: false }) client: VmServerClient | null = null;
  /** Hide the four overview graphs (the list alone). */
  @property({ type: Boolean, attribute: 'no-charts' }) noCharts = false;
  @state() private busy = new Set<string>();
  @state() private status: { text: string; error: boolean } = { text: '', error: false };
  @state() private confirming: string | null = null;
  private confirmTimer: ReturnType<typeof setTimeout> | undefined;
  // Re-render on the client's own samples of the domain list and of /etc/xen/vm.
  private readonly watch = new DomainsWatch(this, null, { configs: true });

  private rows(): Row[] {
    const c = this.client;
    if (!c) return [];
    const configs = new Set(c.configs);
    const rows: Row[] = c.domains.map((d) => ({
      name: d.name,
      domain: d,
      config: configs.has(d.name) ? d.name : null,
    }));
    for (const name of c.configs) {
      if (!c.domains.some((d) => d.name === name)) rows.push({ name, domain: null, config: name });
    }
    return rows;
  }

  /** Run an xl action for a row; the command and any error show under the table. */
  async act(row: Row, action: Action): Promise<void> {
    const c = this.client;
    if (!c) return;
    if (action === 'destroy' && this.confirming !== row.name) {
      this.confirming = row.name;
      clearTimeout(this.confirmTimer);
      this.confirmTimer = setTimeout(() => (this.confirming = null), 5000);
      return;
    }
    this.confirming = null;
    const target = action === 'create' ? (row.config ?? row.name) : row.name;
    const command = `xl ${action} ${shellQuote(target)}`;
    this.busy = new Set(this.busy).add(row.name);
    try {
      const r = await c.run(command);
      const out = r.output.trim();
      this.status = {
        text: `dom0# ${command}${out ? `\n${out}` : ''}`,
        error: r.status !== 0,
      };
      this.dispatchEvent(
        new CustomEvent('vm-action', {
          detail: { name: row.name, action, ...r },
          bubbles: true,
          composed: true,
        }),
      );
    } catch (e) {
      this.status = { text: `dom0# ${command}\n${String(e)}`, error: true };
    } finally {
      const b = new Set(this.busy);
      b.delete(row.name);
      this.busy = b;
      await c.refreshConfigs().catch(() => {});
    }
  }

  private openScreen(name: string): void {
    this.dispatchEvent(
      new CustomEvent('open-screen', { detail: { name }, bubbles: true, composed: true }),
    );
  }

  private renderCharts() {
    const c = this.client;
    if (!c || this.noCharts) return nothing;
    const names = [...c.history.keys()];
    const series = (pick: 'cpu' | 'exits' | 'memory' | 'disk') =>
      names.map((n) => ({
        label: n,
        color: domainColor(n),
        values: c.history.get(n)?.[pick] ?? [],
      }));
    return html`<div class="charts">
      <section class="chart panel" aria-label="CPU per domain">
        <h3>CPU % per domain (last minute)</h3>
        <stat-graph .times=${[...c.times]} .series=${series('cpu')} unit="%"></stat-graph>
      </section>
      <section class="chart panel" aria-label="VM exits per second per domain">
        <h3>VM exits per second</h3>
        <stat-graph .times=${[...c.times]} .series=${series('exits')} unit="/s"></stat-graph>
      </section>
      <section class="chart panel" aria-label="Memory per domain">
        <h3>Memory (MiB)</h3>
        <stat-graph .times=${[...c.times]} .series=${series('memory')} unit=""></stat-graph>
      </section>
      <section class="chart panel" aria-label="Disk I/O per domain">
        <h3>Disk I/O (KiB/s read + written)</h3>
        <stat-graph .times=${[...c.times]} .series=${series('disk')} unit=" KiB/s"></stat-graph>
      </section>
    </div>`;
  }

  private renderActions(row: Row) {
    const d = row.domain;
    const busy = this.busy.has(row.name);
    if (d?.type === 'host') return html`<span class="muted">the VM server</span>`;
    if (!d) {
      return html`<div class="actions">
        <button
          class="primary"
          ?disabled=${busy}
          @click=${() => this.act(row, 'create')}
          aria-label="Start ${row.name}"
        >
          Start
        </button>
      </div>`;
    }
    const paused = d.stateLetters.includes('p');
    const confirming = this.confirming === row.name;
    return html`<div class="actions">
      ${
        paused
          ? html`<button
              ?disabled=${busy}
              @click=${() => this.act(row, 'unpause')}
              aria-label="Unpause ${row.name}"
            >
              Unpause
            </button>`
          : html`<button
              ?disabled=${busy}
              @click=${() => this.act(row, 'pause')}
              aria-label="Pause ${row.name}"
            >
              Pause
            </button>`
      }
      <button
        ?disabled=${busy}
        @click=${() => this.act(row, 'shutdown')}
        aria-label="Shut down ${row.name}"
      >
        Shut down
      </button>
      <button
        ?disabled=${busy}
        @click=${() => this.act(row, 'reboot')}
        aria-label="Reboot ${row.name}"
      >
        Reboot
      </button>
      <button
        class="danger"
        ?disabled=${busy}
        @click=${() => this.act(row, 'destroy')}
        aria-label=${confirming ? `Really destroy? Confirm for ${row.name}` : `Destroy ${row.name}`}
      >
        ${confirming ? 'Really destroy?' : 'Destroy'}
      </button>
      <button
        @click=${() => this.openScreen(row.name)}
        aria-label="${d.hasScreen ? 'Screen' : 'Console'} of ${row.name}"
      >
        ${d.hasScreen ? 'Screen' : 'Console'}
      </button>
    </div>`;
  }

  private renderRow(row: Row) {
    const d = row.domain;
    const h = this.client?.history.get(row.name);
    const word = d ? stateWord(d.stateLetters) : 'shut off';
    const times = this.client?.times ?? [];
    return html`<tr class=${d ? '' : 'off'} data-name=${row.name}>
      <th scope="row">
        <span class="name"
          ><span class="swatch" style="background:${domainColor(row.name)}"></span>${row.name}
          ${d ? html`<span class="badge ${d.type}">${d.type === 'host' ? 'dom0' : d.type}</span>` : nothing}</span
        >
      </th>
      <td class="num">${d ? d.id : '–'}</td>
      <td class="num">${d ? Math.round(d.memoryKiB / 1024) : '–'}</td>
      <td class="num">${d ? d.vcpus : '–'}</td>
      <td>
        ${d ? html`<span class="letters">${d.stateLetters}</span>` : nothing}<span
          class="state ${d ? word.replace(' ', '-') : 'off'}"
          >${word}</span
        >
      </td>
      <td class="num time">${d ? formatCpuSeconds(d.cpuTimeNs) : '–'}</td>
      <td class="graph">
        ${
          d && h
            ? html`<stat-graph
                sparkline
                max="100"
                unit="%"
                .times=${[...times]}
                .series=${[{ label: 'CPU', color: domainColor(row.name), values: h.cpu }]}
              ></stat-graph>`
            : nothing
        }
      </td>
      <td class="graph">
        ${
          d && h
            ? html`<stat-graph
                sparkline
                unit="/s"
                .times=${[...times]}
                .series=${[{ label: 'exits', color: '#334155', values: h.exits }]}
              ></stat-graph>`
            : nothing
        }
      </td>
      <td class="graph">
        ${
          d && h
            ? html`<stat-graph
                sparkline
                unit=" KiB/s"
                .times=${[...times]}
                .series=${[{ label: 'disk', color: '#0f766e', values: h.disk }]}
              ></stat-graph>`
            : nothing
        }
      </td>
      <td class="num exits">${d && h ? formatRate(h.exits.at(-1) ?? 0) : '–'}</td>
      <td>${this.renderActions(row)}</td>
    </tr>`;
  }

  override render() {
    const rows = this.rows();
    return html`${this.renderCharts()}
      <section class="panel">
        <div class="table-wrap">
          <table>
            <caption>
              Domains
              <span class="muted" style="font-weight:400"
                >— as <code>xl list</code> shows them, updated every second</span
              >
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col" class="num">ID</th>
                <th scope="col" class="num">Mem</th>
                <th scope="col" class="num">VCPUs</th>
                <th scope="col">State</th>
                <th scope="col" class="num">Time(s)</th>
                <th scope="col" class="graph-col">CPU</th>
                <th scope="col" class="graph-col">Exits</th>
                <th scope="col" class="graph-col">Disk</th>
                <th scope="col" class="num">Exits/s</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              ${rows.map((r) => this.renderRow(r))}
            </tbody>
          </table>
        </div>
        <div
          class="status ${this.status.error ? 'error' : ''} ${this.status.text ? '' : 'empty'}"
          role="status"
          aria-live="polite"
        >
          <span class="text">${this.status.text}</span>
        </div>
      </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'vm-list': VmList;
  }
}
