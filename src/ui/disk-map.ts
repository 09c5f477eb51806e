import * as Comlink from 'comlink';
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { domainColor, textOn } from './domain-colors.ts';
import { formatBytes, formatCount } from './format.ts';
import { controls, dataTable, panel } from './shared-styles.ts';
import type { DiskRequestView, HostDiskView, PartitionView } from './storage-types.ts';
import { VisiblePoller } from './visible-poller.ts';
import type { VmServerClient } from './vm-server-client.ts';

/**
 * The VM server's host disk (500 GB, GPT) as a bar of partitions with their
 * owners and sizes; every guest disk request that reaches it flashes where
 * it landed, and the list below gives each request's translation: guest
 * sector → host LBA → absolute byte offset. Reads from the storage calls of
 * the worker API (see storage-types.ts); says so plainly while those are
 * not there.
 */

/** Requests kept in the list. */
const KEEP = 200;
/** How long a write's flash stays on the bar, ms. */
const FLASH_MS = 2500;

/**
 * Images up to this size download through an in-memory Blob; bigger ones
 * (a 20 GiB partition, the 500 GB disk) need a file picked to stream into.
 */
export const MAX_BLOB_BYTES = 1024 ** 3;

/** The File System Access API's save picker (Chromium), not yet in TypeScript's DOM lib. */
type SaveFilePicker = (opts: {
  suggestedName: string;
}) => Promise<{ createWritable(): Promise<WritableStream<Uint8Array>> }>;

/** A raw image file name for a partition or the disk: "sprout-pv.img", "sda.img". */
export function imageFileName(name: string): string {
  return `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.img`;
}

export function hexOffset(n: number): string {
  return `0x${n.toString(16)}`;
}

@customElement('disk-map')
export class DiskMap extends LitElement {
  static override styles = [
    controls,
    panel,
    dataTable,
    css`
      .head {
        display: flex;
        gap: 0.6rem;
        align-items: baseline;
        flex-wrap: wrap;
      }
      .head h2 {
        margin: 0;
      }
      .bar {
        position: relative;
        height: 3.2rem;
        margin: 0.7rem 0 0.3rem;
        border-radius: 6px;
        border: 1px solid var(--tv-border);
        background: repeating-linear-gradient(
          -45deg,
          #f3f5f8,
          #f3f5f8 6px,
          #e9edf2 6px,
          #e9edf2 12px
        );
        overflow: hidden;
      }
      .seg {
        position: absolute;
        top: 0;
        bottom: 0;
        border-right: 1px solid #fff;
        color: #fff;
        font-size: 0.7rem;
        padding: 0.2rem 0.3rem;
        overflow: hidden;
        white-space: nowrap;
        cursor: pointer;
        border: none;
        border-radius: 0;
        text-align: left;
        line-height: 1.25;
      }
      .seg[aria-pressed='true'] {
        box-shadow: inset 0 0 0 3px #151b26;
      }
      .flash {
        position: absolute;
        top: 0;
        bottom: 0;
        width: 3px;
        margin-left: -1px;
        background: #ffd400;
        box-shadow: 0 0 6px 2px #ffd400;
        animation: fade ${FLASH_MS}ms ease-out forwards;
        pointer-events: none;
      }
      .flash.read {
        background: #7fd3ff;
        box-shadow: 0 0 6px 2px #7fd3ff;
      }
      @keyframes fade {
        to {
          opacity: 0;
        }
      }
      @media (prefers-reduced-motion: reduce) {
        .flash {
          animation-duration: 0ms;
        }
      }
      .scale {
        display: flex;
        justify-content: space-between;
        font-size: 0.7rem;
        color: var(--tv-muted);
      }
      .hint {
        font-size: 0.78rem;
        margin: 0.3rem 0 0;
      }
      .zoom h3 {
        font-size: 0.85rem;
        margin: 0.8rem 0 0;
      }
      table {
        margin-top: 0.7rem;
      }
      .table-wrap {
        max-height: 16rem;
        overflow: auto;
      }
      .images {
        list-style: none;
        padding: 0;
        margin: 0.6rem 0 0;
        display: grid;
        gap: 0.3rem;
        font-size: 0.8rem;
      }
      .images li {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        flex-wrap: wrap;
      }
      .images .what {
        min-width: 16rem;
      }
      .images input[type='file'] {
        display: none;
      }
      .transfer-error {
        color: #b42318;
        font-size: 0.8rem;
        margin: 0.4rem 0 0;
      }
      .waiting {
        margin: 0.6rem 0 0;
        padding: 0.7rem 0.8rem;
        border-radius: 6px;
        background: var(--tv-panel-2);
        border: 1px dashed var(--tv-border);
        font-size: 0.85rem;
      }
    `,
  ];

  @property({ attribute: false }) client: VmServerClient | null = null;
  /** The disk to draw (set by tests, or fetched from the client). */
  @property({ attribute: false }) disk: HostDiskView | null = null;
  /** Recent requests, oldest first. */
  @property({ attribute: false }) requests: readonly DiskRequestView[] = [];
  @state() private available: boolean | null = null;
  @state() private selected: number | null = null;
  /** What an export or import is doing, or what went wrong with the last one. */
  @state() private transfer: string | null = null;
  @state() private transferError: string | null = null;
  private flashes: { key: string; req: DiskRequestView; until: number }[] = [];
  private lastSeq = 0;
  private lastDiskAt = 0;
  private poller: VisiblePoller | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    this.poller ??= new VisiblePoller(this, () => this.refresh(), 1000);
    this.poller.start();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.poller?.stop();
  }

  async refresh(): Promise<void> {
    const c = this.client;
    if (!c) return;
    const storage = await c.storage();
    this.available = storage !== null;
    if (!storage) return;
    if (!this.disk || performance.now() - this.lastDiskAt > 5000) {
      this.disk = await storage.hostDisk();
      this.lastDiskAt = performance.now();
    }
    // Ask again for requests still pending last time: their status and hops have moved on.
    const pending = this.requests.filter((r) => r.status === 'pending').map((r) => r.seq);
    const after = Math.min(this.lastSeq, ...pending.map((s) => s - 1));
    const fresh = await storage.diskTrace({ afterSeq: after, limit: KEEP });
    this.addRequests(fresh);
  }

  /** New requests: into the list, and onto the bar as flashes. */
  addRequests(fresh: readonly DiskRequestView[]): void {
    if (fresh.length === 0) return;
    const now = performance.now();
    const known = new Set(this.requests.map((r) => r.seq));
    const updates = new Map(fresh.map((r) => [r.seq, r]));
    const added = fresh.filter((r) => !known.has(r.seq));
    this.lastSeq = Math.max(this.lastSeq, ...fresh.map((r) => r.seq));
    this.requests = [...this.requests.map((r) => updates.get(r.seq) ?? r), ...added].slice(-KEEP);
    this.flashes = [
      ...this.flashes.filter((f) => f.until > now),
      ...added
        .filter((r) => r.hostByteOffset !== null && r.op !== 'flush')
        .slice(-40)
        .map((r) => ({ key: `${r.seq}`, req: r, until: now + FLASH_MS })),
    ];
  }

  private pct(byte: number, from = 0, size = this.disk?.sizeBytes ?? 1): number {
    return Math.max(0, Math.min(100, ((byte - from) / size) * 100));
  }

  private partitionOf(r: DiskRequestView): PartitionView | undefined {
    if (r.hostLba === null) return undefined;
    const lba = r.hostLba;
    return this.disk?.partitions.find((p) => lba >= p.firstLba && lba <= p.lastLba);
  }

  private segColor(p: PartitionView): string {
    return p.owner ? domainColor(p.owner) : '#64748b';
  }

  private renderBar(disk: HostDiskView) {
    const size = disk.sizeBytes;
    return html`<div class="bar" role="group" aria-label="Partitions of ${disk.device}">
        ${disk.partitions.map((p) => {
          const left = this.pct(p.firstLba * 512);
          const width = Math.max(0.6, this.pct(p.sizeBytes, 0, size));
          return html`<button
            class="seg"
            style="left:${left}%;width:${width}%;background:${this.segColor(p)};color:${textOn(this.segColor(p))}"
            aria-pressed=${String(this.selected === p.number)}
            aria-label="${p.device} ${p.name}, ${formatBytes(p.sizeBytes)}${p.owner ? `, disk of ${p.owner}` : ''}"
            title="${p.device} · ${p.name} · ${formatBytes(p.sizeBytes)} from byte ${hexOffset(p.firstLba * 512)}"
            @click=${() => (this.selected = this.selected === p.number ? null : p.number)}
          >
            ${p.device.replace('/dev/', '')}<br />${p.owner ?? p.name}
          </button>`;
        })}
        ${this.flashes.map(
          (f) =>
            html`<span
              class="flash ${f.req.op}"
              style="left:${this.pct(f.req.hostByteOffset ?? 0)}%"
              aria-hidden="true"
            ></span>`,
        )}
      </div>
      <div class="scale" aria-hidden="true">
        <span>0</span><span>${formatBytes(size / 4)}</span><span>${formatBytes(size / 2)}</span
        ><span>${formatBytes((3 * size) / 4)}</span><span>${formatBytes(size)}</span>
      </div>`;
  }

  /** One partition stretched to the full width, so writes inside it are told apart. */
  private renderZoom(disk: HostDiskView) {
    const p = disk.partitions.find((x) => x.number === this.selected);
    if (!p) return nothing;
    const start = p.firstLba * 512;
    const inside = this.flashes.filter((f) => this.partitionOf(f.req)?.number === p.number);
    return html`<div class="zoom">
      <h3>
        ${p.device} (${p.owner ?? p.name}): bytes
        ${hexOffset(start)}–${hexOffset(start + p.sizeBytes)}, ${formatBytes(p.allocatedBytes)}
        stored of ${formatBytes(p.sizeBytes)}
      </h3>
      <div class="bar" style="height:1.6rem">
        <span
          class="seg"
          style="left:0;width:100%;background:${this.segColor(p)};opacity:0.35"
        ></span>
        ${inside.map(
          (f) =>
            html`<span
              class="flash ${f.req.op}"
              style="left:${this.pct(f.req.hostByteOffset ?? 0, start, p.sizeBytes)}%"
            ></span>`,
        )}
      </div>
    </div>`;
  }

  private renderRequests() {
    const rows = [...this.requests].reverse().slice(0, 60);
    if (rows.length === 0) return html`<p class="muted">No disk requests yet.</p>`;
    // A scrolling box is a tab stop so keyboard users can scroll it (WCAG 2 SC 2.1.1).
    return html`<div
      class="table-wrap"
      tabindex="0"
      role="region"
      aria-label="Recent disk requests"
    >
      <table>
        <caption class="visually-hidden">
          Recent disk requests, newest first
        </caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Guest</th>
            <th scope="col">Path</th>
            <th scope="col">Op</th>
            <th scope="col" class="num">Guest sector</th>
            <th scope="col">Backing</th>
            <th scope="col" class="num">Host LBA</th>
            <th scope="col" class="num">Host byte offset</th>
            <th scope="col" class="num">Length</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          ${rows.map(
            (r) =>
              html`<tr data-seq=${r.seq}>
                <td>${r.seq}</td>
                <td>${r.domain ?? `dom ${r.domid}`} ${r.vdev}</td>
                <td><span class="badge ${r.path}">${r.path}</span></td>
                <td>${r.op}</td>
                <td class="num">${formatCount(r.guestSector)}</td>
                <td>${r.backing}</td>
                <td class="num">${r.hostLba === null ? '—' : formatCount(r.hostLba)}</td>
                <td class="num">
                  ${
                    r.hostByteOffset === null
                      ? '—'
                      : html`${hexOffset(r.hostByteOffset)}<br /><span class="muted"
                            >${formatCount(r.hostByteOffset)}</span
                          >`
                  }
                </td>
                <td class="num">${formatBytes(r.bytes)}</td>
                <td>${r.status}${r.error ? `: ${r.error}` : ''}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  }

  /**
   * Downloads partition `number` (or the whole disk) as a raw image: the
   * worker's stream becomes a Blob behind an object URL that an
   * `<a download>` hands to the browser, or, past MAX_BLOB_BYTES, is piped
   * into a file the user picks.
   */
  async exportImage(number?: number): Promise<void> {
    const c = this.client;
    if (!c) return;
    const label = number === undefined ? (this.disk?.device ?? 'the disk') : `/dev/sda${number}`;
    this.transferError = null;
    this.transfer = `Exporting ${label}…`;
    try {
      const out = await c.api.exportPartition(number);
      const name = imageFileName(number === undefined ? out.device.replace('/dev/', '') : out.name);
      if (out.sizeBytes > MAX_BLOB_BYTES) {
        const pick = (window as unknown as { showSaveFilePicker?: SaveFilePicker })
          .showSaveFilePicker;
        if (!pick) {
          await out.stream.cancel();
          throw new Error(
            `${formatBytes(out.sizeBytes)} is too big to download through memory, and this browser cannot stream into a file`,
          );
        }
        const file = await pick({ suggestedName: name });
        await out.stream.pipeTo(await file.createWritable());
      } else {
        const blob = await new Response(out.stream).blob();
        const url = URL.createObjectURL(blob);
        const a = document.createElement('a');
        a.href = url;
        a.download = name;
        a.click();
        // The download has its own reference to the Blob once started.
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
      }
      this.transfer = `Exported ${label} as ${name} (${formatBytes(out.sizeBytes)}).`;
    } catch (e) {
      this.transfer = null;
      this.transferError = `Export of ${label} failed: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  /**
   * Writes raw image `file` into partition `p`. Sizes are checked here first
   * so nothing is written when the image cannot fit; the worker checks again
   * before its first write.
   */
  async importImage(p: PartitionView, file: File): Promise<void> {
    const c = this.client;
    if (!c) return;
    this.transferError = null;
    const fail = (why: string): void => {
      this.transfer = null;
      this.transferError = `Import of ${file.name} into ${p.device} failed: ${why}. Nothing was written.`;
    };
    if (file.size > p.sizeBytes)
      return fail(
        `the image is ${formatBytes(file.size)} (${formatCount(file.size)} bytes), bigger than the ${formatBytes(p.sizeBytes)} partition`,
      );
    if (file.size === 0 || file.size % 512 !== 0)
      return fail(`the image is ${formatCount(file.size)} bytes, not whole 512-byte sectors`);
    this.transfer = `Importing ${file.name} into ${p.device}…`;
    try {
      const stream = file.stream();
      const r = await c.api.importPartition(
        p.number,
        Comlink.transfer(stream, [stream as unknown as Transferable]),
        file.size,
      );
      this.transfer = `Imported ${file.name} into ${p.device} (${formatBytes(r.bytes)}).`;
      this.lastDiskAt = 0;
    } catch (e) {
      this.transfer = null;
      this.transferError = `Import of ${file.name} into ${p.device} failed: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  private onImportFile(p: PartitionView, ev: Event): void {
    const input = ev.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (file) void this.importImage(p, file);
  }

  private renderImages(disk: HostDiskView) {
    if (!this.client) return nothing;
    const busy = this.transfer !== null && this.transfer.endsWith('…');
    return html`<ul class="images" aria-label="Raw images of ${disk.device}">
        <li>
          <span class="what">${disk.device} (whole disk, ${formatBytes(disk.sizeBytes)})</span>
          <button
            type="button"
            ?disabled=${busy}
            aria-label="Export ${disk.device} as a raw image"
            @click=${() => void this.exportImage()}
          >
            Export
          </button>
        </li>
        ${disk.partitions.map(
          (p) =>
            html`<li data-partition=${p.number}>
              <span class="what">${p.device} ${p.name}, ${formatBytes(p.sizeBytes)}</span>
              <button
                type="button"
                class="export"
                ?disabled=${busy}
                aria-label="Export ${p.device} as a raw image"
                @click=${() => void this.exportImage(p.number)}
              >
                Export
              </button>
              <button
                type="button"
                class="import"
                ?disabled=${busy}
                aria-label="Import a raw image into ${p.device}"
                @click=${(e: Event) =>
                  (
                    (e.target as HTMLElement).nextElementSibling as HTMLInputElement | null
                  )?.click()}
              >
                Import…
              </button>
              <input
                type="file"
                tabindex="-1"
                aria-hidden="true"
                @change=${(e: Event) => this.onImportFile(p, e)}
              />
            </li>`,
        )}
      </ul>
      ${this.transfer ? html`<p class="muted hint" role="status">${this.transfer}</p>` : nothing}
      ${
        this.transferError
          ? html`<p class="transfer-error" role="alert">${this.transferError}</p>`
          : nothing
      }`;
  }

  override render() {
    const disk = this.disk;
    return html`<section class="panel" aria-labelledby="disk-title">
      <div class="head">
        <h2 id="disk-title">Host disk map</h2>
        ${
          disk
            ? html`<span class="muted"
                >${disk.device} · ${formatBytes(disk.sizeBytes)} · ${disk.description} ·
                ${formatBytes(disk.allocatedBytes)} actually stored (sparse)</span
              >`
            : nothing
        }
      </div>
      ${
        disk
          ? html`${this.renderBar(disk)}
            ${
              this.selected === null
                ? html`<p class="muted hint">Click a partition to stretch it across the page.</p>`
                : this.renderZoom(disk)
            }
            ${this.renderImages(disk)} ${this.renderRequests()}`
          : html`<p class="waiting" role="status">
              ${
                this.available === false
                  ? html`The VM server's host disk is not reported by the worker API yet. Once it
                    is, this map shows the 500 GB disk as a bar of GPT partitions (one per guest
                    disk), flashes where each write lands, and lists every request with its guest
                    sector, host LBA and absolute byte offset.`
                  : 'Asking the VM server for its host disk…'
              }
            </p>`
      }
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'disk-map': DiskMap;
  }
}
