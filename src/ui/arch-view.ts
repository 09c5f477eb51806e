import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { DomainSummary, NetworkView } from './api-types.ts';
import { domainColor } from './domain-colors.ts';
import { fetchDetail, type DomainDetail, type RateMemory } from './domain-detail.ts';
import { devicePaths, type DevicePath } from './domain-devices.ts';
import { formatBytes, formatCount, formatRate } from './format.ts';
import { controls, panel } from './shared-styles.ts';
import type { HostDiskView } from './storage-types.ts';
import { VisiblePoller } from './visible-poller.ts';
import type { VmServerClient } from './vm-server-client.ts';

/**
 * The running system drawn the way Xen's architecture is usually drawn:
 * host hardware at the bottom, the VMM on it, and on top the VM server
 * (Domain-0, privileged: native drivers, device models, back ends) beside
 * the guests, each with its own drivers — emulated-device drivers for HVM,
 * front ends for PV. Every box is live: guests appear and disappear as they
 * start and stop, and the links between layers carry the counts of what
 * crossed them (VM exits, hypercalls).
 */
@customElement('arch-view')
export class ArchView extends LitElement {
  static override styles = [
    controls,
    panel,
    css`
      .panel {
        padding-bottom: 1rem;
      }
      .legend {
        display: flex;
        gap: 0.9rem;
        flex-wrap: wrap;
        font-size: 0.78rem;
        color: var(--tv-muted);
        margin-bottom: 0.6rem;
      }
      .legend i {
        display: inline-block;
        width: 0.7rem;
        height: 0.7rem;
        border-radius: 2px;
        margin-right: 0.3rem;
        vertical-align: -1px;
      }
      .domains {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr));
        gap: 0.6rem;
        align-items: stretch;
      }
      .down {
        display: flex;
        justify-content: space-around;
        gap: 0.5rem;
        flex-wrap: wrap;
        font-size: 0.74rem;
        font-weight: 600;
        margin: 0.35rem 0;
      }
      .down span::before {
        content: '↓ ';
      }
      .down .hvm {
        color: var(--tv-hvm);
      }
      .down .pv {
        color: var(--tv-pv);
      }
      .box {
        border-radius: 8px;
        border: 1.5px solid;
        padding: 0.5rem 0.6rem;
        font-size: 0.8rem;
        background: #fff;
        min-width: 0;
        display: flex;
        flex-direction: column;
        gap: 0.35rem;
      }
      .box h3 {
        margin: 0;
        font-size: 0.88rem;
        display: flex;
        align-items: center;
        gap: 0.35rem;
        flex-wrap: wrap;
      }
      .box .sub {
        color: var(--tv-muted);
        font-size: 0.74rem;
      }
      .dom0 {
        border-color: var(--tv-host);
        background: var(--tv-host-soft);
      }
      .guest.hvm {
        border-color: var(--tv-hvm);
      }
      .guest.pv {
        border-color: var(--tv-pv);
      }
      .guest.off {
        opacity: 0.55;
      }
      .parts {
        display: grid;
        gap: 0.3rem;
      }
      .dom0 .parts {
        grid-template-columns: repeat(auto-fit, minmax(13rem, 1fr));
      }
      .part {
        border-radius: 6px;
        padding: 0.3rem 0.45rem;
        background: #fff;
        border: 1px solid var(--tv-border);
      }
      .part h4 {
        margin: 0 0 0.15rem;
        font-size: 0.72rem;
        text-transform: uppercase;
        letter-spacing: 0.04em;
        color: var(--tv-muted);
      }
      .part ul {
        margin: 0;
        padding: 0;
        list-style: none;
      }
      .part li {
        display: flex;
        justify-content: space-between;
        gap: 0.4rem;
        padding: 0.05rem 0;
      }
      .part li span:last-child {
        color: var(--tv-muted);
        font-variant-numeric: tabular-nums;
        white-space: nowrap;
      }
      .driver {
        border-left: 3px solid;
        padding: 0.15rem 0.4rem;
        background: var(--tv-panel-2);
        border-radius: 0 4px 4px 0;
      }
      .hvm .driver {
        border-color: var(--tv-hvm);
      }
      .pv .driver {
        border-color: var(--tv-pv);
      }
      .link {
        margin-top: auto;
        font-size: 0.74rem;
        text-align: center;
        padding: 0.25rem;
        border-radius: 4px;
        font-weight: 600;
      }
      .hvm .link {
        background: var(--tv-hvm-soft);
        color: var(--tv-hvm);
      }
      .pv .link {
        background: var(--tv-pv-soft);
        color: var(--tv-pv);
      }
      .layer {
        margin-top: 0.5rem;
        border-radius: 8px;
        padding: 0.55rem 0.7rem;
        font-size: 0.8rem;
      }
      .layer h3 {
        margin: 0 0 0.3rem;
        font-size: 0.88rem;
      }
      .vmm {
        background: var(--tv-vmm);
        color: #e8edf5;
      }
      .vmm .items,
      .hw .items {
        display: flex;
        gap: 0.4rem;
        flex-wrap: wrap;
      }
      .vmm .items span {
        background: #46556c;
        border-radius: 4px;
        padding: 0.15rem 0.45rem;
      }
      .hw {
        background: #e7ebf1;
        border: 1.5px dashed #8592a6;
      }
      .hw .items span {
        background: #fff;
        border: 1px solid var(--tv-border);
        border-radius: 4px;
        padding: 0.15rem 0.45rem;
      }
      .empty {
        color: var(--tv-muted);
        font-style: italic;
      }
    `,
  ];

  @property({ attribute: false }) client: VmServerClient | null = null;
  @state() private details = new Map<string, DomainDetail>();
  @state() private disk: HostDiskView | null = null;
  @state() private net: NetworkView | null = null;
  @state() private tick = 0;
  private poller: VisiblePoller | null = null;
  private readonly seen: RateMemory = new Map();

  private readonly onChange = (): void => {
    this.tick++;
  };

  private readonly onToolstack = (): void => {
    this.poller?.kick();
  };

  override connectedCallback(): void {
    super.connectedCallback();
    this.poller ??= new VisiblePoller(this, () => this.refresh(), 2000);
    this.poller.start();
    this.client?.addEventListener('domains', this.onChange);
    this.client?.addEventListener('toolstack', this.onToolstack);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.poller?.stop();
    this.client?.removeEventListener('domains', this.onChange);
    this.client?.removeEventListener('toolstack', this.onToolstack);
  }

  async refresh(): Promise<void> {
    const c = this.client;
    if (!c) return;
    const guests = c.domains.filter((d) => d.type !== 'host');
    const results = await Promise.allSettled(guests.map((d) => fetchDetail(c, d, this.seen)));
    const next = new Map<string, DomainDetail>();
    for (const r of results) if (r.status === 'fulfilled') next.set(r.value.domain.name, r.value);
    this.details = next;
    const storage = await c.storage();
    this.disk = storage ? await storage.hostDisk().catch(() => null) : null;
    this.net = await c.api.network().catch(() => null);
  }

  private paths(d: DomainSummary): DevicePath[] {
    const det = this.details.get(d.name);
    if (!det) return [];
    return devicePaths(d, det.exits, det.accesses, det.pvDevices);
  }

  private renderDom0(guests: DomainSummary[]) {
    const c = this.client;
    const dom0 = c?.domains.find((d) => d.type === 'host');
    const served = (kind: 'hvm' | 'pv') =>
      guests.filter((g) => g.type === kind).map((g) => ({ g, paths: this.paths(g) }));
    // Device models count their register accesses; back ends the guest's calls that reach them
    // (counted once even where two back ends share a hypercall, as event-channel sends do).
    const total = (g: DomainSummary, paths: DevicePath[]): number => {
      if (g.type === 'hvm') return paths.reduce((n, p) => n + p.accesses, 0);
      const exits = this.details.get(g.name)?.exits ?? {};
      return [...new Set(paths.flatMap((p) => p.reasons))].reduce((n, r) => n + (exits[r] ?? 0), 0);
    };
    const perGuest = (rows: { g: DomainSummary; paths: DevicePath[] }[]) =>
      rows.length === 0
        ? html`<li class="empty">none running</li>`
        : rows.map(
            ({ g, paths }) =>
              html`<li title=${paths.map((p) => p.server).join(', ')}>
                <span
                  ><b style="color:${domainColor(g.name)}">■</b> ${g.name}:
                  ${paths.map((p) => p.id).join(' · ') || '…'}</span
                ><span>${formatCount(total(g, paths))}</span>
              </li>`,
          );
    return html`<div class="box dom0" data-domain="Domain-0">
      <h3>
        <span class="badge host">dom0</span> VM server — Domain-0
        <span class="sub"
          >privileged: owns the host hardware ·
          ${dom0 ? `${Math.round(dom0.memoryKiB / 1024)} MiB` : ''}</span
        >
      </h3>
      <div class="parts">
        <div class="part" data-part="device-models">
          <h4 title="count: register accesses">Device models → HVM guests</h4>
          <ul>
            ${perGuest(served('hvm'))}
          </ul>
        </div>
        <div class="part" data-part="back-ends">
          <h4 title="count: calls from the guest">Back ends → PV guests</h4>
          <ul>
            ${perGuest(served('pv'))}
          </ul>
        </div>
        <div class="part">
          <h4>Toolstack</h4>
          <ul>
            <li><span>xl</span><span>${c?.configs.length ?? 0} definitions</span></li>
            <li><span>xenstored · xenconsoled</span><span>${guests.length} guests</span></li>
          </ul>
        </div>
        <div class="part">
          <h4>Native drivers</h4>
          <ul>
            <li>
              <span>host disk</span
              ><span>${this.disk ? formatBytes(this.disk.sizeBytes) : 'not reported'}</span>
            </li>
            <li>
              <span
                >bridge ${this.net?.bridge ?? 'xenbr0'} · Domain-0 ${this.net?.dom0.ip ?? ''}</span
              ><span>${this.net ? `${this.net.ports.length} ports` : 'not reported'}</span>
            </li>
            <li>
              <span>host NIC</span
              ><span>${this.net ? (this.net.hostNic?.name ?? 'none') : 'not reported'}</span>
            </li>
          </ul>
        </div>
      </div>
    </div>`;
  }

  private renderGuest(d: DomainSummary) {
    const det = this.details.get(d.name);
    const paths = this.paths(d);
    const measured = det !== undefined && Object.keys(det.rates).length > 0;
    const rate = det ? Object.values(det.rates).reduce((a, b) => a + b, 0) : 0;
    const perSecond = measured ? `${formatRate(rate)}/s` : 'measuring…';
    const hypercalls = det
      ? Object.entries(det.exits)
          .filter(([r]) => r.startsWith('hypercall:') || r.startsWith('sbi:'))
          .reduce((n, [, v]) => n + v, 0)
      : 0;
    return html`<div class="box guest ${d.type}" data-domain=${d.name}>
      <h3>
        <span class="badge ${d.type}">${d.type}</span>
        <span style="color:${domainColor(d.name)}">●</span> ${d.name}
      </h3>
      <div class="sub">dom ${d.id} · ${Math.round(d.memoryKiB / 1024)} MiB · ${d.vcpus} vCPU</div>
      <div class="sub">
        ${d.type === 'hvm' ? 'unmodified drivers for emulated devices' : 'paravirtual front ends'}
      </div>
      ${paths.map((p) => html`<div class="driver" title="served by ${p.server}">${p.guestDriver}</div>`)}
      <div class="link" aria-label="What crosses into the VMM">
        ${
          d.type === 'hvm'
            ? html`↓ traps: ${formatCount(d.exits)} VM exits (${perSecond})`
            : html`↓ hypercalls: ${formatCount(hypercalls)} (${perSecond})`
        }
      </div>
    </div>`;
  }

  override render() {
    void this.tick;
    const c = this.client;
    const guests = (c?.domains ?? []).filter((d) => d.type !== 'host');
    const h = c?.host;
    const totalExits = guests.reduce((n, d) => n + d.exits, 0);
    return html`<section class="panel" aria-labelledby="arch-title">
      <h2 id="arch-title">Architecture of the running system</h2>
      <div class="legend">
        <span><i style="background:var(--tv-host)"></i>VM server (privileged)</span>
        <span><i style="background:var(--tv-hvm)"></i>HVM guest (trap and emulate)</span>
        <span><i style="background:var(--tv-pv)"></i>PV guest (hypercalls, shared rings)</span>
        <span><i style="background:var(--tv-vmm)"></i>VMM</span>
      </div>
      <div class="domains" aria-label="Guests">
        ${guests.map((g) => this.renderGuest(g))}
        ${
          guests.length === 0
            ? html`<div class="box empty">No guests running: start one from the Dashboard.</div>`
            : nothing
        }
      </div>
      <div class="down" aria-hidden="true">
        <span class="hvm">HVM: device accesses trap → VMM → device model</span>
        <span class="pv">PV: hypercall / event channel → VMM → back end</span>
      </div>
      ${this.renderDom0(guests)}
      <div class="layer vmm" aria-label="VMM">
        <h3>VMM (hypervisor) — runs every domain, traps what they may not do themselves</h3>
        <div class="items">
          <span>credit scheduler · ${h?.pcpus ?? 1} pCPU</span>
          <span>SBI v2 firmware + PV hypercalls</span>
          <span>event channels</span>
          <span>grant tables</span>
          <span>guest memory (Sv32 guests, ${guests.length} domU)</span>
          <span>${formatCount(totalExits)} VM exits so far</span>
        </div>
      </div>
      <div class="layer hw" aria-label="Host hardware">
        <h3>Host hardware — owned by the VM server</h3>
        <div class="items">
          <span>CPU × ${h?.pcpus ?? '?'}</span>
          <span>RAM ${h ? formatBytes(h.totalMemoryKiB * 1024) : '?'}</span>
          <span
            >host disk
            ${
              this.disk
                ? `${this.disk.device} ${formatBytes(this.disk.sizeBytes)} · ${this.disk.partitions.length} partitions`
                : '(not reported yet)'
            }</span
          >
          <span
            >host network
            ${
              this.net
                ? this.net.hostNic
                  ? `${this.net.hostNic.name} ↔ ${this.net.hostNic.wire}`
                  : 'none (guests reach each other and Domain-0)'
                : '(not reported yet)'
            }</span
          >
        </div>
      </div>
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'arch-view': ArchView;
  }
}
