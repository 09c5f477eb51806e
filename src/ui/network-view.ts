import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { BridgePortView, FrameView, NetworkView as NetworkInfo } from './api-types.ts';
import { domainColor } from './domain-colors.ts';
import { DomainsWatch } from './domains-watch.ts';
import { formatBytes, formatCount } from './format.ts';
import { controls, dataTable, panel } from './shared-styles.ts';
import type { VmServerClient } from './vm-server-client.ts';

/**
 * The VM server's network as a Xen host has it: the bridge xenbr0 with its
 * ports — Domain-0's own interface (10.0.0.1, DHCP server), the host NIC
 * on the host wire, and each guest's NIC (an HVM guest's NE2000 model, a
 * PV guest's netback) — the leases Domain-0 gave, and the frames crossing
 * the bridge as tcpdump would print them. The capture downloads as .pcap.
 */

/** Frames listed (the newest). */
const FRAME_ROWS = 14;

const KIND_LABEL: Record<BridgePortView['kind'], string> = {
  dom0: 'Domain-0 (its own interface)',
  'host-nic': 'host NIC → host wire',
  ne2000: 'NE2000 model (HVM)',
  netback: 'netback (PV)',
};

@customElement('network-view')
export class NetworkView extends LitElement {
  static override styles = [
    controls,
    panel,
    dataTable,
    css`
      .head {
        display: flex;
        align-items: baseline;
        gap: 0.8rem;
        flex-wrap: wrap;
      }
      .head h2 {
        margin: 0;
      }
      .spacer {
        flex: 1;
      }
      .summary {
        font-size: 0.85rem;
        margin: 0.4rem 0 0;
      }
      h3 {
        font-size: 0.85rem;
        margin: 0.9rem 0 0.2rem;
      }
      code,
      .mono {
        font-family: var(--tv-mono);
      }
      .table-wrap {
        overflow-x: auto;
      }
      ol.frames {
        list-style: none;
        padding: 0;
        margin: 0;
        font-family: var(--tv-mono);
        font-size: 0.74rem;
      }
      ol.frames li {
        display: grid;
        grid-template-columns: 6.5rem 5.5rem 1fr;
        gap: 0.5rem;
        padding: 0.12rem 0.2rem;
        border-top: 1px solid var(--tv-border);
      }
      .none {
        color: var(--tv-muted);
        font-style: italic;
      }
      .error {
        color: var(--tv-danger, #b42318);
      }
    `,
  ];

  @property({ attribute: false }) client: VmServerClient | null = null;
  @state() private info: NetworkInfo | null = null;
  @state() private frames: FrameView[] = [];
  @state() private error: string | null = null;
  private lastSeq = 0;
  // Polled while visible; the domain list re-renders guests' names and colours.
  private readonly watch = new DomainsWatch(this, () => this.refresh());

  async refresh(): Promise<void> {
    const api = this.client?.api;
    if (!api) return;
    try {
      const [info, fresh] = await Promise.all([
        api.network(),
        api.networkFrames(this.lastSeq, FRAME_ROWS),
      ]);
      this.info = info;
      if (fresh.length > 0) {
        this.lastSeq = fresh[fresh.length - 1]?.seq ?? this.lastSeq;
        this.frames = [...this.frames, ...fresh].slice(-FRAME_ROWS);
      }
      this.error = null;
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    }
  }

  /** Saves what xenbr0 carried as a pcap file (Wireshark, tshark and tcpdump -r read it). */
  async downloadCapture(): Promise<void> {
    const api = this.client?.api;
    if (!api) return;
    const bytes = await api.networkCapture();
    const url = URL.createObjectURL(
      new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/vnd.tcpdump.pcap' }),
    );
    const a = document.createElement('a');
    a.href = url;
    a.download = 'xenbr0.pcap';
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }

  private renderPort(p: BridgePortView) {
    const who = p.domain
      ? html`<span style="color:${domainColor(p.domain)}">●</span> ${p.domain}`
      : p.kind === 'dom0'
        ? 'Domain-0'
        : 'host';
    return html`<tr data-port=${p.name}>
      <td class="num">${p.portNo}</td>
      <td><code>${p.name}</code></td>
      <td>${who}</td>
      <td>${KIND_LABEL[p.kind]}</td>
      <td class="mono">${p.macs.join(', ') || '—'}</td>
      <td class="num">${formatCount(p.rxFrames)} · ${formatBytes(p.rxBytes)}</td>
      <td class="num">${formatCount(p.txFrames)} · ${formatBytes(p.txBytes)}</td>
      <td class="num">${formatCount(p.drops)}</td>
    </tr>`;
  }

  override render() {
    const n = this.info;
    return html`<section class="panel" aria-labelledby="net-title">
      <div class="head">
        <h2 id="net-title">Network: bridge ${n?.bridge ?? 'xenbr0'}</h2>
        <span class="spacer"></span>
        <button @click=${() => void this.downloadCapture()} ?disabled=${!n || n.captured === 0}>
          Download capture (.pcap, ${formatCount(n?.captured ?? 0)} frames)
        </button>
      </div>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${
        n
          ? html`<p class="summary">
                Domain-0 is <code>${n.dom0.ip}/${n.dom0.prefixLength}</code> on ${n.bridge} and
                answers ARP, ping and DHCP for this tab's guests.
                ${
                  n.hostNic
                    ? html`The host NIC <code>${n.hostNic.name}</code> (${n.hostNic.mac}) is
                        enslaved to ${n.bridge} and cabled to the host wire: ${n.hostNic.wire}.`
                    : html`There is no host NIC here: guests reach each other and Domain-0 only.`
                }
                Try <code>ping 10.0.0.1</code> in a guest, or <code>ping</code> a guest from the
                dom0 terminal.
              </p>
              <h3>Ports (brctl show)</h3>
              <!-- A tab stop, so the keyboard can scroll it when narrow (WCAG 2 SC 2.1.1). -->
              <div class="table-wrap" tabindex="0" role="region" aria-label="Ports of ${n.bridge}">
                <table aria-label="Ports of ${n.bridge}">
                  <thead>
                    <tr>
                      <th>no</th>
                      <th>port</th>
                      <th>owner</th>
                      <th>what</th>
                      <th>learned MACs</th>
                      <th>onto bridge</th>
                      <th>delivered</th>
                      <th>drops</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${n.ports.map((p) => this.renderPort(p))}
                  </tbody>
                </table>
              </div>
              <h3>DHCP leases (Domain-0)</h3>
              ${
                n.leases.length === 0
                  ? html`<p class="none">No guest has asked for an address yet.</p>`
                  : html`<table aria-label="DHCP leases">
                      <tbody>
                        ${n.leases.map(
                          (l) =>
                            html`<tr>
                              <td><code>${l.ip}</code></td>
                              <td class="mono">${l.mac}</td>
                              <td>${l.hostname ?? ''}</td>
                            </tr>`,
                        )}
                      </tbody>
                    </table>`
              }`
          : html`<p class="none">Waiting for the VM server…</p>`
      }
      <h3>On the wire (tcpdump -i ${n?.bridge ?? 'xenbr0'})</h3>
      ${
        this.frames.length === 0
          ? html`<p class="none">No frames yet.</p>`
          : html`<ol class="frames" aria-label="Recent frames on the bridge">
              ${[...this.frames]
                .reverse()
                .map(
                  (f) =>
                    html`<li>
                      <span>${new Date(f.timeMs).toISOString().slice(11, 23)}</span
                      ><span>${f.ingress}</span><span>${f.summary}</span>
                    </li>`,
                )}
            </ol>`
      }
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'network-view': NetworkView;
  }
}
