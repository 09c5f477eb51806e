import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { DomainSummary, TabvisorApi } from './api-types.ts';
import { domainColor } from './domain-colors.ts';
import { fetchDetail, type DomainDetail, type RateMemory } from './domain-detail.ts';
import { devicePaths, type DevicePath } from './domain-devices.ts';
import { formatBytes, formatCount, formatRate, hex } from './format.ts';
import { DomainsWatch } from './domains-watch.ts';
import { controls, panel } from './shared-styles.ts';
import type { DiskRequestView } from './storage-types.ts';
import { hexOffset } from './disk-map.ts';
import type { VmServerClient } from './vm-server-client.ts';

/**
 * A guest's I/O travelling through the layers (DESIGN.md "The I/O path the
 * product must make visible"), an HVM guest and a PV guest side by side:
 * guest driver → VMM (a VM exit per trapped access, or a hypercall) → VM
 * server (device model, or back end) → host. Each hop shows its counters
 * and lights up while traffic passes; disk requests, once the worker
 * reports them, show their last translation to a host-disk offset and the
 * time each hop took.
 */

type ExitTraceEntry = Awaited<ReturnType<TabvisorApi['exitTrace']>>[number];

/** How many of the VMM's most recent exits the VMM hop lists. */
const TRACE_ROWS = 5;

interface Column {
  readonly kind: 'hvm' | 'pv';
  readonly name: string;
}

@customElement('io-path')
export class IoPath extends LitElement {
  static override styles = [
    controls,
    panel,
    css`
      .cols {
        display: grid;
        grid-template-columns: repeat(2, minmax(0, 1fr));
        gap: 0.9rem;
      }
      @media (max-width: 800px) {
        .cols {
          grid-template-columns: 1fr;
        }
      }
      .col {
        border: 1px solid var(--tv-border);
        border-radius: 8px;
        padding: 0.6rem;
      }
      .col.hvm {
        border-top: 4px solid var(--tv-hvm);
      }
      .col.pv {
        border-top: 4px solid var(--tv-pv);
      }
      .col header {
        display: flex;
        gap: 0.4rem;
        align-items: center;
        flex-wrap: wrap;
        margin-bottom: 0.5rem;
      }
      label {
        font-size: 0.8rem;
        font-weight: 600;
      }
      select {
        font-size: 0.85rem;
      }
      ol {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      li.hop {
        position: relative;
        border-radius: 6px;
        padding: 0.4rem 0.55rem;
        background: var(--tv-panel-2);
        border: 1px solid var(--tv-border);
        font-size: 0.8rem;
        transition:
          background 0.3s,
          border-color 0.3s;
      }
      li.hop + li.hop {
        margin-top: 1.1rem;
      }
      li.hop + li.hop::before {
        content: '↓';
        position: absolute;
        top: -1.15rem;
        left: 1rem;
        color: var(--tv-muted);
        font-weight: 700;
      }
      li.hop.active {
        background: #fff6d6;
        border-color: #e0a200;
      }
      .hop h3 {
        margin: 0 0 0.2rem;
        font-size: 0.72rem;
        text-transform: uppercase;
        letter-spacing: 0.05em;
        color: var(--tv-muted);
      }
      .hop ul {
        margin: 0;
        padding: 0;
        list-style: none;
      }
      .hop li {
        display: flex;
        justify-content: space-between;
        gap: 0.5rem;
      }
      .hop li span:last-child {
        font-variant-numeric: tabular-nums;
        color: var(--tv-muted);
        white-space: nowrap;
      }
      code {
        font-size: 0.76rem;
      }
      .none {
        color: var(--tv-muted);
        font-style: italic;
      }
      .hop ol.trace {
        margin-top: 0.3rem;
        padding-top: 0.25rem;
        border-top: 1px dashed var(--tv-border);
        font-family: var(--tv-mono);
        font-size: 0.72rem;
      }
      .hop ol.trace.linked {
        background: var(--tv-accent-soft);
        border-radius: 4px;
      }
      .timeline {
        font-family: var(--tv-mono);
        font-size: 0.74rem;
      }
    `,
  ];

  @property({ attribute: false }) client: VmServerClient | null = null;
  @state() private picks: Record<'hvm' | 'pv', string> = { hvm: '', pv: '' };
  @state() private details = new Map<string, DomainDetail>();
  @state() private active = new Set<string>();
  @state() private lastDisk = new Map<string, DiskRequestView>();
  @state() private traces = new Map<string, ExitTraceEntry[]>();
  private readonly watch = new DomainsWatch(this, () => this.refresh());
  private readonly seen: RateMemory = new Map();
  private lastSeq = 0;

  private guests(kind: 'hvm' | 'pv'): DomainSummary[] {
    return (this.client?.domains ?? []).filter((d) => d.type === kind);
  }

  private columns(): Column[] {
    return (['hvm', 'pv'] as const).map((kind) => {
      const list = this.guests(kind);
      const pick = this.picks[kind];
      const name = list.some((g) => g.name === pick) ? pick : (list[0]?.name ?? '');
      return { kind, name };
    });
  }

  async refresh(): Promise<void> {
    const c = this.client;
    if (!c) return;
    const cols = this.columns().filter((col) => col.name);
    const next = new Map(this.details);
    const traces = new Map(this.traces);
    const active = new Set<string>();
    for (const col of cols) {
      const d = c.domain(col.name);
      if (!d) continue;
      const [det, trace] = await Promise.all([
        fetchDetail(c, d, this.seen),
        c.api.exitTrace(col.name, TRACE_ROWS),
      ]);
      next.set(col.name, det);
      traces.set(col.name, trace);
      for (const [r, v] of Object.entries(det.rates)) if (v > 0) active.add(`${col.name}|${r}`);
    }
    this.details = next;
    this.traces = traces;
    this.active = active;
    const storage = await c.storage();
    if (storage) {
      // The newest request per guest is shown; one still pending is asked for again.
      const pending = [...this.lastDisk.values()].filter((r) => r.status === 'pending');
      const after = Math.min(this.lastSeq, ...pending.map((r) => r.seq - 1));
      const fresh = await storage.diskTrace({ afterSeq: after, limit: 100 });
      if (fresh.length) {
        this.lastSeq = Math.max(...fresh.map((r) => r.seq));
        const m = new Map(this.lastDisk);
        for (const r of fresh) {
          const name = r.domain ?? c.domains.find((d) => d.id === r.domid)?.name;
          if (name && r.seq >= (m.get(name)?.seq ?? 0)) {
            if (r.seq > (m.get(name)?.seq ?? 0)) active.add(`${name}|disk`);
            m.set(name, r);
          }
        }
        this.lastDisk = m;
      }
    }
  }

  private isActive(name: string, p: DevicePath): boolean {
    return p.reasons.some((r) => this.active.has(`${name}|${r}`));
  }

  private renderColumn(col: Column) {
    const list = this.guests(col.kind);
    const label =
      col.kind === 'hvm' ? 'HVM guest (fully virtualized)' : 'PV guest (paravirtualized)';
    const det = col.name ? this.details.get(col.name) : undefined;
    const d = col.name ? this.client?.domain(col.name) : undefined;
    const paths = d && det ? devicePaths(d, det.exits, det.accesses, det.pvDevices) : [];
    const disk = col.name ? this.lastDisk.get(col.name) : undefined;
    const rate = (p: DevicePath): number => p.reasons.reduce((n, r) => n + (det?.rates[r] ?? 0), 0);
    const anyActive = (pred: (p: DevicePath) => boolean): boolean =>
      paths.some((p) => pred(p) && this.isActive(col.name, p));
    return html`<div class="col ${col.kind}" data-kind=${col.kind}>
      <header>
        <span class="badge ${col.kind}">${col.kind}</span>
        <label for="pick-${col.kind}">${label}</label>
        <select
          id="pick-${col.kind}"
          .value=${col.name}
          ?disabled=${list.length === 0}
          @change=${(e: Event) => {
            this.picks = { ...this.picks, [col.kind]: (e.target as HTMLSelectElement).value };
            this.watch.kick();
          }}
        >
          ${list.length === 0 ? html`<option value="">none running</option>` : nothing}
          ${list.map((g) => html`<option value=${g.name}>${g.name}</option>`)}
        </select>
        ${col.name ? html`<span style="color:${domainColor(col.name)}">●</span>` : nothing}
      </header>
      ${
        !d
          ? html`<p class="none">
              No ${col.kind.toUpperCase()} guest is running. Start one (e.g.
              <code>xl create ${col.kind === 'hvm' ? 'sprout-hvm' : 'sprout-pv'}</code>) to see its
              path.
            </p>`
          : html`<ol aria-label="I/O path of ${col.name}">
              <li class="hop ${anyActive(() => true) ? 'active' : ''}">
                <h3>1 · Guest drivers (${col.name})</h3>
                <ul>
                  ${paths.map((p) => html`<li><span>${p.guestDriver}</span><span>${p.id}</span></li>`)}
                </ul>
              </li>
              <li class="hop ${anyActive(() => true) ? 'active' : ''}">
                <h3>
                  2 · VMM —
                  ${col.kind === 'hvm' ? 'VM exits (each access traps)' : 'hypercalls / SBI calls'}
                </h3>
                <ul>
                  ${paths.flatMap((p) =>
                    p.reasons.map(
                      (r) =>
                        html`<li>
                          <code>${r}</code
                          ><span
                            >${formatCount(det?.exits[r] ?? 0)} ·
                            ${formatRate(det?.rates[r] ?? 0)}/s</span
                          >
                        </li>`,
                    ),
                  )}
                  ${paths.every((p) => p.reasons.length === 0) ? html`<li class="none">nothing yet</li>` : nothing}
                </ul>
                ${this.renderTrace(col.name, disk)}
              </li>
              <li class="hop ${anyActive(() => true) ? 'active' : ''}">
                <h3>3 · VM server — ${col.kind === 'hvm' ? 'device models' : 'back ends'}</h3>
                <ul>
                  ${paths.map(
                    (p) =>
                      html`<li>
                        <span>${p.server}</span
                        ><span
                          >${
                            col.kind === 'hvm'
                              ? `${formatCount(p.accesses)} register accesses`
                              : `${formatRate(rate(p))}/s`
                          }</span
                        >
                      </li>`,
                  )}
                </ul>
              </li>
              <li class="hop ${this.active.has(`${col.name}|disk`) ? 'active' : ''}">
                <h3>4 · Host — what it lands on</h3>
                ${
                  disk
                    ? html`<ul>
                          <li>
                            <span
                              >${disk.op} ${formatBytes(disk.bytes)} at guest sector
                              ${formatCount(disk.guestSector)}</span
                            ><span>${disk.backing}</span>
                          </li>
                          <li>
                            <span
                              >host LBA
                              ${disk.hostLba === null ? '—' : formatCount(disk.hostLba)}</span
                            ><span
                              >byte
                              ${disk.hostByteOffset === null ? '—' : hexOffset(disk.hostByteOffset)}</span
                            >
                          </li>
                          <li>
                            <span
                              >${col.kind === 'hvm' ? `${disk.exits} exits` : `${disk.hypercalls} hypercalls, ${disk.grantOps} grant ops`}${exitRange(disk)}</span
                            ><span>${disk.status}</span>
                          </li>
                        </ul>
                        <div class="timeline" aria-label="Hops of the last request">
                          ${disk.hops.map(
                            (h) =>
                              html`${h.name}
                              +${((h.t - (disk.hops[0]?.t ?? h.t)) as number).toFixed(2)} ms · `,
                          )}
                        </div>`
                    : html`<ul>
                        ${paths
                          .filter((p) => p.host)
                          .map((p) => html`<li><span>${p.host}</span><span>${p.id}</span></li>`)}
                        <li class="none">
                          <span
                            >Disk requests (host LBA and byte offset) appear once the worker reports
                            guest disk I/O.</span
                          >
                        </li>
                      </ul>`
                }
              </li>
            </ol>`
      }
    </div>`;
  }

  /**
   * The VMM's own record of its latest exits for this guest, newest first,
   * then the exits that carried its last disk request (the request names
   * them by number: firstExit…lastExit), linked to where it landed.
   */
  private renderTrace(name: string, disk: DiskRequestView | undefined) {
    const trace = this.traces.get(name) ?? [];
    // The request keeps the newest of its exits as the VMM's trace had them then.
    const carried = disk?.exitSample ?? [];
    const row = (e: Pick<ExitTraceEntry, 'seq' | 'reason' | 'time' | 'detail'>) =>
      html`<li>
        <span>#${e.seq} VMM: <code>${e.reason}</code> exit at t=${formatCount(e.time)} ns</span
        ><span>${hex(e.detail >>> 0, 1)}</span>
      </li>`;
    return html`${
      trace.length
        ? html`<ol class="trace" aria-label="Recent VM exits of ${name}">
            ${[...trace].reverse().map(row)}
          </ol>`
        : nothing
    }
    ${
      disk && carried.length
        ? html`<ol class="trace linked" aria-label="VM exits of disk request ${disk.seq}">
            <li>
              <span
                >Exits that carried disk request #${disk.seq} (${disk.op}, host LBA
                ${disk.hostLba === null ? '—' : formatCount(disk.hostLba)})${exitRange(disk)}:</span
              >
            </li>
            ${[...carried].reverse().map(row)}
          </ol>`
        : nothing
    }`;
  }

  override render() {
    return html`<section class="panel" aria-labelledby="io-title">
      <h2 id="io-title">I/O path: HVM and PV side by side</h2>
      <p class="muted" style="margin:0 0 0.6rem;font-size:0.85rem">
        The same work, two ways: an HVM guest's unmodified driver touches emulated registers and
        every access traps into the VMM; a PV guest's front end batches requests on a shared ring
        and makes one hypercall to notify the back end. Hops light up while traffic passes.
      </p>
      <div class="cols">${this.columns().map((c) => this.renderColumn(c))}</div>
    </section>`;
  }
}

/** " (exits #a–#b)": the VMM's numbers of the exits a request took, when known. */
function exitRange(r: DiskRequestView): string {
  if (r.firstExit == null || r.lastExit == null) return '';
  return r.firstExit === r.lastExit
    ? ` (exit #${r.firstExit})`
    : ` (exits #${r.firstExit}–#${r.lastExit})`;
}

declare global {
  interface HTMLElementTagNameMap {
    'io-path': IoPath;
  }
}
