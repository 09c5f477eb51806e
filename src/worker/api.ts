import { openIdbFileStore } from '../server/files/idb-file-store.ts';
import { FetchImageSource } from '../server/files/guest-images.ts';
import type { FileStore } from '../server/files/file-store.ts';
import { MemoryFileStore } from '../server/files/memory-file-store.ts';
import { resolvePath } from '../server/files/fs-path.ts';
import type { LogEntry } from '../server/boot-log.ts';
import { ByteInput } from '../server/shell/byte-input.ts';
import { ShellSession } from '../server/shell/shell-session.ts';
import type { ToolstackEvent } from '../server/toolstack/toolstack.ts';
import { VmServer, type BootProgress } from '../server/vm-server.ts';
import type { VmmOptions } from '../vmm/vmm.ts';
import * as Comlink from 'comlink';
import type { ChunkStore } from '../server/storage/chunk-store.ts';
import { IdbChunkStore } from '../server/storage/idb-chunk-store.ts';
import type { IoRecord } from '../server/storage/io-trace.ts';
import { MemoryChunkStore } from '../server/storage/memory-chunk-store.ts';
import { OpfsChunkStore } from '../server/storage/opfs-chunk-store.ts';
import { BroadcastChannelWire } from '../server/network/broadcast-channel-wire.ts';
import type { FrameRecord } from '../server/network/host-network.ts';
import type { DiskChoice } from '../server/vm-server.ts';
import {
  CanvasPainter,
  ScreenStream,
  type PaintTarget,
  type ScreenUpdate,
} from './screen-stream.ts';

/**
 * The one API the page uses to reach the VM server in its Web Worker, exposed
 * with Comlink (the page: `Comlink.wrap<TabvisorApi>(worker)`; callbacks go
 * through `Comlink.proxy`, canvases through `Comlink.transfer`). Guests are
 * named by domain name or id, as xl names them. The page imports only the
 * types of this module.
 */

export interface BootOptions {
  /** Where the VM server's file tree lives (default 'indexeddb': it persists). */
  readonly storage?: 'indexeddb' | 'memory';
  /** IndexedDB database name (default tabvisor-files), e.g. one per embedded widget. */
  readonly database?: string;
  /** Start the guests marked autostart (default true). */
  readonly autostart?: boolean;
  /** Where guest images are fetched from (default: guests/ beside the page). */
  readonly imagesBaseUrl?: string;
  readonly vmm?: VmmOptions;
  /**
   * Where the host disk lives. 'auto' (the default, or 'memory' when
   * `storage` is 'memory'): OPFS if this worker has it, else IndexedDB,
   * else memory — the choice is written to the boot log.
   */
  readonly disk?: 'auto' | 'opfs' | 'indexeddb' | 'memory';
  /** OPFS directory / IndexedDB database of the host disk (default DATABASE-disk, else tabvisor-disk). */
  readonly diskName?: string;
  /**
   * The host network wire: a BroadcastChannel of this name, shared by every
   * tab of this origin (default "tabvisor-wire"); null: no host NIC.
   */
  readonly wire?: string | null;
}

/** One GPT partition of the host disk, for the desktop's disk map. */
export interface PartitionView {
  /** 1-based GPT slot: /dev/sdaN. */
  readonly number: number;
  readonly device: string;
  readonly name: string;
  readonly firstLba: number;
  /** Inclusive, as in the GPT. */
  readonly lastLba: number;
  readonly sizeBytes: number;
  /** Bytes actually stored (the disk is sparse). */
  readonly allocatedBytes: number;
  /** The domain whose disk it is (running, else configured in /etc/xen/vm). */
  readonly owner?: string;
  /** The owner's domain id while it runs. */
  readonly ownerDomid?: number;
}

export interface HostDiskView {
  readonly device: string;
  /** Where it lives: "OPFS tabvisor-disk", "IndexedDB tabvisor-disk", "memory". */
  readonly description: string;
  readonly sizeBytes: number;
  readonly allocatedBytes: number;
  readonly partitions: readonly PartitionView[];
}

/** One guest disk request as the I/O path view shows it (the storage's IoRecord, with the domain's name). */
export interface DiskRequestView extends Omit<IoRecord, 'hops' | 'devid'> {
  /** The device number (xenstore's virtual-device), when known. */
  readonly devid?: number;
  readonly domain?: string;
  readonly hops: readonly { readonly name: string; readonly t: number }[];
}

/** A raw image of a partition (or the whole host disk), streamed: holes arrive as zeros. */
export interface PartitionExport {
  readonly device: string;
  readonly name: string;
  readonly sizeBytes: number;
  readonly stream: ReadableStream<Uint8Array>;
}

export interface DomainSummary {
  readonly id: number;
  readonly name: string;
  readonly uuid: string;
  readonly type: 'pv' | 'hvm' | 'host';
  readonly state: string;
  /** xl list's state column ("r-----"). */
  readonly stateLetters: string;
  readonly memoryKiB: number;
  readonly maxMemoryKiB: number;
  readonly vcpus: number;
  /** CPU time used, ns (sample twice for a CPU %). */
  readonly cpuTimeNs: number;
  readonly weight: number;
  readonly cap: number;
  /** VM exits so far. */
  readonly exits: number;
  readonly consoleBytesOut: number;
  readonly consoleBytesIn: number;
  /** HVM only: has a VGA screen. */
  readonly hasScreen: boolean;
  /** Virtual-disk sectors (512 B) read and written so far: xentop's VBD_RSECT, VBD_WSECT. */
  readonly vbdSectorsRead: number;
  readonly vbdSectorsWritten: number;
  /** NICs on xenbr0, and the bytes they sent and received: xentop's NETS, NETTX, NETRX. */
  readonly nics: number;
  readonly netTxBytes: number;
  readonly netRxBytes: number;
}

/** One port of xenbr0, with its counters from the bridge's side. */
export interface BridgePortView {
  readonly name: string;
  readonly portNo: number;
  /** Domain-0's own interface, the host NIC, or a guest's NIC (its domain and driver). */
  readonly kind: 'dom0' | 'host-nic' | 'ne2000' | 'netback';
  readonly domain?: string;
  readonly macs: readonly string[];
  /** Frames and bytes the port put on the bridge, and those the bridge delivered to it. */
  readonly rxFrames: number;
  readonly rxBytes: number;
  readonly txFrames: number;
  readonly txBytes: number;
  readonly drops: number;
}

/** The VM server's network: xenbr0, Domain-0 on it, the host NIC and its wire, DHCP leases. */
export interface NetworkView {
  readonly bridge: string;
  readonly dom0: { readonly ip: string; readonly prefixLength: number; readonly mac: string };
  readonly hostNic: { readonly name: string; readonly mac: string; readonly wire: string } | null;
  readonly ports: readonly BridgePortView[];
  readonly leases: readonly {
    readonly mac: string;
    readonly ip: string;
    readonly hostname?: string;
  }[];
  /** Frames the capture holds (networkCapture). */
  readonly captured: number;
}

/** A frame that entered xenbr0 (HostNetwork.recentFrames). */
export type FrameView = FrameRecord;

export interface HostSummary {
  readonly nowNs: number;
  readonly totalMemoryKiB: number;
  readonly freeMemoryKiB: number;
  readonly pcpus: number;
  readonly timeMode: string;
}

/** A key as the browser names it (KeyboardEvent.code) going down or up. */
export interface KeyEvent {
  readonly code: string;
  readonly down: boolean;
}

export type Callback<T> = (value: T) => unknown;

/** One recent VM exit of a domain, as the VMM's bounded exit trace recorded it. */
export interface ExitTraceEntry {
  /** The domain's exit number: disk requests name their exits by it (firstExit…lastExit). */
  seq: number;
  /** Host time in ns (virtual in deterministic mode). */
  time: number;
  vcpu: number;
  /** Same reason strings as exitCounters ("port:ide0", "sbi:TIME.set_timer", …). */
  reason: string;
  /** Address, port or hypercall argument that makes the exit interesting. */
  detail: number;
}

export interface TabvisorApi {
  /** Boot VMM, VM server and autostart guests (once; later calls wait for the same boot). */
  boot(
    options?: BootOptions,
    onProgress?: Callback<BootProgress>,
  ): Promise<readonly BootProgress[]>;
  /** Boot progress so far. */
  bootProgress(): Promise<readonly BootProgress[]>;
  /** Run a dom0 shell command line; stdout and stderr together. */
  run(commandLine: string): Promise<{ output: string; status: number }>;
  listDomains(): Promise<{ host: HostSummary; domains: DomainSummary[] }>;
  /** VM exits of a domain by reason ("port:com1", "hypercall:console_io.write", …). */
  exitCounters(domain: string): Promise<Record<string, number>>;
  /** The domain's most recent VM exits, oldest first; at most `limit` (the newest ones). */
  exitTrace(domain: string, limit?: number): Promise<ExitTraceEntry[]>;
  /** Device model register accesses of an HVM domain, per device and register. */
  deviceAccesses(domain: string): Promise<Record<string, Record<string, number>>>;
  /** Domain created, changed state or gone. */
  subscribeDomains(onEvent: Callback<ToolstackEvent>): Promise<number>;
  /** Every boot-log line from now on (plus the past ones). */
  subscribeLog(onEntry: Callback<LogEntry>): Promise<number>;
  /** A domain's console output as it comes (the history first with `replay`). */
  subscribeConsole(domain: string, onData: Callback<Uint8Array>, replay?: boolean): Promise<number>;
  unsubscribe(id: number): Promise<void>;
  /** Keys typed at a domain's console (its serial port or PV console). */
  sendConsoleInput(domain: string, data: Uint8Array | string): Promise<void>;
  /** Keys for an HVM domain's PS/2 keyboard; false for a key it does not know. */
  sendKeys(domain: string, keys: readonly KeyEvent[]): Promise<boolean[]>;
  /** Type text on an HVM domain's keyboard (US layout); returns what could not be typed. */
  typeText(domain: string, text: string): Promise<string>;
  /** What changed on a domain's screen since the last call (null: no screen). */
  screenUpdate(domain: string, full?: boolean): Promise<ScreenUpdate | null>;
  /** Let the worker paint a domain's screen into a canvas the page transferred. */
  attachScreen(domain: string, canvas: OffscreenCanvas): Promise<void>;
  detachScreen(domain: string): Promise<void>;
  /** A terminal on the dom0 shell: raw keys in, terminal bytes out. Returns its id. */
  openShell(onOutput: Callback<Uint8Array>): Promise<number>;
  shellInput(id: number, data: Uint8Array | string): Promise<void>;
  closeShell(id: number): Promise<void>;
  readFile(path: string): Promise<Uint8Array>;
  writeFile(path: string, data: Uint8Array | string): Promise<void>;
  /** The host disk and its partitions, with their owners and sizes (the desktop's disk map). */
  diskLayout(): Promise<HostDiskView>;
  /** xenbr0, its ports and counters, Domain-0's address, the host NIC, DHCP leases. */
  network(): Promise<NetworkView>;
  /** Frames that entered xenbr0 after `afterSeq` (newest `limit`), decoded tcpdump-style. */
  networkFrames(afterSeq?: number, limit?: number): Promise<FrameView[]>;
  /** What xenbr0 carried (the newest frames) as a .pcap file. */
  networkCapture(): Promise<Uint8Array>;
  /** Same as diskLayout (the name the storage views ask for). */
  hostDisk(): Promise<HostDiskView>;
  /** Guest disk requests after sequence number `afterSeq` (all kept ones without it), oldest first. */
  ioTrace(afterSeq?: number, limit?: number): Promise<DiskRequestView[]>;
  /** ioTrace with a filter object, optionally for one domain. */
  diskTrace(filter?: {
    domain?: string;
    afterSeq?: number;
    limit?: number;
  }): Promise<DiskRequestView[]>;
  /** Partition `number` (/dev/sdaN; omitted: the whole host disk) as a raw image stream. */
  exportPartition(number?: number): Promise<PartitionExport>;
  /** Writes a raw image into partition `number` (whole sectors, no bigger than the partition). */
  importPartition(
    number: number,
    data: Uint8Array | ReadableStream<Uint8Array>,
    sizeBytes?: number,
  ): Promise<{ bytes: number }>;
  createPartition(name: string, sizeBytes: number): Promise<{ device: string; number: number }>;
  /** Deletes a partition no running domain uses: /dev/sdaN, N or its name. */
  deletePartition(partition: string | number): Promise<void>;
}

/** OPFS in a worker that has it, else IndexedDB, else memory; each fallback says why. */
async function chooseDisk(kind: BootOptions['disk'], name: string): Promise<DiskChoice> {
  const why: string[] = [];
  if (kind === 'memory') return { store: new MemoryChunkStore(), note: 'memory, as asked' };
  if (kind === 'auto' || kind === 'opfs') {
    if (OpfsChunkStore.isSupported()) {
      let store: ChunkStore | null = null;
      try {
        store = await OpfsChunkStore.open(name);
        // Access handles are taken lazily: read once, so a disk another worker holds fails here.
        await store.readMeta();
        return { store, note: 'OPFS (sync access handles)' };
      } catch (e) {
        await store?.close().catch(() => {});
        if (kind === 'opfs') throw e;
        why.push(`OPFS failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    } else if (kind === 'opfs') throw new Error('OPFS sync access handles are not available here');
    else why.push('no OPFS sync access handles here');
  }
  if (IdbChunkStore.isSupported()) {
    let store: ChunkStore | null = null;
    try {
      store = await IdbChunkStore.open(name);
      await store.readMeta();
      return {
        store,
        note: [...why, 'using IndexedDB'].join('; '),
        ...(why.length > 0 ? { fallback: why.join('; ') } : {}),
      };
    } catch (e) {
      await store?.close().catch(() => {});
      if (kind === 'indexeddb') throw e;
      why.push(`IndexedDB failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  } else if (kind === 'indexeddb') throw new Error('IndexedDB is not available here');
  else why.push('no IndexedDB');
  return {
    store: new MemoryChunkStore(),
    note: [...why, 'using memory: the disk is lost when the tab closes'].join('; '),
    fallback: [...why, 'the disk is lost when the tab closes'].join('; '),
  };
}

/** Raw image bytes from export pieces: holes become zero blocks of at most 1 MiB. */
function imageStream(
  pieces: AsyncIterator<{ offset: number; length: number; data: Uint8Array | null }>,
): ReadableStream<Uint8Array> {
  let hole = 0;
  const ZERO = 1024 * 1024;
  return new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      if (hole > 0) {
        const n = Math.min(hole, ZERO);
        hole -= n;
        ctrl.enqueue(new Uint8Array(n));
        return;
      }
      const next = await pieces.next();
      if (next.done) {
        ctrl.close();
        return;
      }
      if (next.value.data) ctrl.enqueue(next.value.data.slice(0, next.value.length));
      else {
        hole = next.value.length;
        const n = Math.min(hole, ZERO);
        hole -= n;
        ctrl.enqueue(new Uint8Array(n));
      }
    },
    async cancel() {
      await pieces.return?.(undefined);
    },
  });
}

async function* chunksOf(
  data: Uint8Array | ReadableStream<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  if (data instanceof Uint8Array) {
    yield data;
    return;
  }
  const reader = data.getReader();
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) return;
      yield r.value;
    }
  } finally {
    reader.releaseLock();
  }
}

const utf8 = new TextEncoder();
const bytesOf = (d: Uint8Array | string): Uint8Array =>
  typeof d === 'string' ? utf8.encode(d) : d;

/** Call a page callback; a page that went away must not break the worker. */
function deliver<T>(cb: Callback<T>, value: T): void {
  try {
    const r = cb(value);
    if (r instanceof Promise) r.catch(() => {});
  } catch {
    // The page's side failed; nothing to do here.
  }
}

/** Without a page to say where (VmServerClient does): guests/ at the root of the worker's origin. */
function defaultImagesUrl(): string {
  const loc = (globalThis as { location?: { href: string } }).location;
  return new URL('/guests/', loc?.href ?? 'http://localhost/').href;
}

export class WorkerApi implements TabvisorApi {
  private server: VmServer | null = null;
  private booting: Promise<VmServer> | null = null;
  private readonly subscriptions = new Map<number, () => void>();
  private readonly shells = new Map<number, { input: ByteInput; session: ShellSession }>();
  private readonly screens = new Map<
    number,
    { stream: ScreenStream; painter: CanvasPainter | null }
  >();
  private nextId = 1;

  boot(
    options: BootOptions = {},
    onProgress?: Callback<BootProgress>,
  ): Promise<readonly BootProgress[]> {
    if (!this.booting) {
      this.booting = (async () => {
        let files: FileStore;
        if ((options.storage ?? 'indexeddb') === 'indexeddb')
          files = await openIdbFileStore(options.database);
        else files = new MemoryFileStore();
        const diskKind = options.disk ?? (options.storage === 'memory' ? 'memory' : 'auto');
        // One disk per file-tree database (an embedded widget's own), never the same IndexedDB name.
        const diskName =
          options.diskName ??
          (options.database !== undefined ? `${options.database}-disk` : 'tabvisor-disk');
        const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator
          ?.hardwareConcurrency;
        const wireName = options.wire === undefined ? 'tabvisor-wire' : options.wire;
        const server = await VmServer.boot({
          files,
          hostWire:
            wireName !== null && BroadcastChannelWire.isAvailable()
              ? new BroadcastChannelWire({ channelName: wireName })
              : null,
          disk: (): Promise<DiskChoice> => chooseDisk(diskKind, diskName),
          images: new FetchImageSource(options.imagesBaseUrl ?? defaultImagesUrl(), ['sprout.elf']),
          autostart: options.autostart ?? true,
          // Domain-0 runs in this worker: its vCPUs are the browser's logical CPUs.
          vmm: {
            ...(cores !== undefined && cores > 0 ? { dom0Vcpus: cores } : {}),
            ...options.vmm,
          },
          ...(onProgress ? { onProgress: (p: BootProgress) => deliver(onProgress, p) } : {}),
        });
        this.server = server;
        return server;
      })();
    } else if (onProgress) {
      void this.booting.then((s) => s.onProgress((p) => deliver(onProgress, p)));
    }
    return this.booting.then((s) => s.bootProgress);
  }

  private async ready(): Promise<VmServer> {
    if (this.server) return this.server;
    if (!this.booting) throw new Error('the VM server has not been booted: call boot() first');
    return this.booting;
  }

  async bootProgress(): Promise<readonly BootProgress[]> {
    return this.server?.bootProgress ?? [];
  }

  async run(commandLine: string): Promise<{ output: string; status: number }> {
    const s = await this.ready();
    return s.shell().runCaptured(commandLine);
  }

  async listDomains(): Promise<{ host: HostSummary; domains: DomainSummary[] }> {
    const s = await this.ready();
    const h = s.vmm.hostInfo();
    const screens = new Set(
      s.toolstack
        .managed()
        .filter((d) => d.hvm?.vga)
        .map((d) => d.domid),
    );
    return {
      host: {
        nowNs: h.nowNs,
        totalMemoryKiB: h.totalMemoryKiB,
        freeMemoryKiB: h.freeMemoryKiB,
        pcpus: h.pcpus,
        timeMode: h.timeMode,
      },
      domains: s.toolstack.list().map((r) => ({
        id: r.id,
        name: r.name,
        uuid: r.uuid,
        type: r.type,
        state: r.state,
        stateLetters: r.stateLetters,
        memoryKiB: r.memoryKiB,
        maxMemoryKiB: r.maxMemoryKiB,
        vcpus: r.onlineVcpus,
        cpuTimeNs: r.cpuTimeNs,
        weight: r.weight,
        cap: r.cap,
        exits: r.exits,
        consoleBytesOut: r.consoleBytesOut,
        consoleBytesIn: r.consoleBytesIn,
        hasScreen: screens.has(r.id),
        vbdSectorsRead: r.vbd.VBD_RSECT,
        vbdSectorsWritten: r.vbd.VBD_WSECT,
        nics: r.net.NETS,
        netTxBytes: r.net.NETTX,
        netRxBytes: r.net.NETRX,
      })),
    };
  }

  async network(): Promise<NetworkView> {
    const s = await this.ready();
    const net = s.network;
    const nics = new Map<string, { kind: 'ne2000' | 'netback'; domain: string }>();
    for (const d of s.toolstack.managed())
      for (const n of d.nics) nics.set(n.portName, { kind: n.kind, domain: d.name });
    return {
      bridge: net.bridge.name,
      dom0: { ip: net.dom0.ip, prefixLength: net.dom0.prefixLength, mac: net.dom0.mac },
      hostNic: net.nic
        ? { name: net.nic.name, mac: net.nic.mac, wire: net.nic.wire.description }
        : null,
      ports: net.bridge.ports().map((p) => {
        const guest = nics.get(p.name);
        return {
          name: p.name,
          portNo: p.portNo,
          kind: guest
            ? guest.kind
            : p.name === net.dom0.name
              ? ('dom0' as const)
              : ('host-nic' as const),
          ...(guest ? { domain: guest.domain } : {}),
          macs: p.macs.map((m) => m.mac),
          ...p.counters,
        };
      }),
      leases: net.dom0
        .leases()
        .map((l) => ({ mac: l.mac, ip: l.ip, ...(l.hostname ? { hostname: l.hostname } : {}) })),
      captured: net.capture.size,
    };
  }

  async networkFrames(afterSeq?: number, limit?: number): Promise<FrameView[]> {
    const s = await this.ready();
    return s.network.recentFrames(afterSeq, limit);
  }

  async networkCapture(): Promise<Uint8Array> {
    const s = await this.ready();
    const bytes = s.network.capture.toBytes();
    return Comlink.transfer(bytes, [bytes.buffer]);
  }

  async exitCounters(domain: string): Promise<Record<string, number>> {
    const s = await this.ready();
    return s.vmm.exitCounters(s.toolstack.guest(domain).domid);
  }

  async exitTrace(domain: string, limit?: number): Promise<ExitTraceEntry[]> {
    const s = await this.ready();
    const trace = s.vmm.exitTrace(s.toolstack.guest(domain).domid);
    const newest = limit === undefined ? trace : trace.slice(Math.max(0, trace.length - limit));
    // Copies: the ring's own objects stay in the worker.
    return newest.map(({ seq, time, vcpu, reason, detail }) => ({
      seq,
      time,
      vcpu,
      reason,
      detail,
    }));
  }

  async deviceAccesses(domain: string): Promise<Record<string, Record<string, number>>> {
    const s = await this.ready();
    return Object.fromEntries(
      s.toolstack.guest(domain).devices.map((d) => [d.id, d.accessCounts()]),
    );
  }

  private track(unsubscribe: () => void): number {
    const id = this.nextId++;
    this.subscriptions.set(id, unsubscribe);
    return id;
  }

  async subscribeDomains(onEvent: Callback<ToolstackEvent>): Promise<number> {
    const s = await this.ready();
    return this.track(s.toolstack.onEvent((e) => deliver(onEvent, e)));
  }

  async subscribeLog(onEntry: Callback<LogEntry>): Promise<number> {
    const s = await this.ready();
    for (const e of s.log.entries) deliver(onEntry, e);
    return this.track(s.log.onEntry((e) => deliver(onEntry, e)));
  }

  async subscribeConsole(
    domain: string,
    onData: Callback<Uint8Array>,
    replay = true,
  ): Promise<number> {
    const s = await this.ready();
    const d = s.toolstack.guest(domain);
    return this.track(d.console.subscribe((b) => deliver(onData, b), replay ? 'all' : 'none'));
  }

  async unsubscribe(id: number): Promise<void> {
    this.subscriptions.get(id)?.();
    this.subscriptions.delete(id);
  }

  async sendConsoleInput(domain: string, data: Uint8Array | string): Promise<void> {
    const s = await this.ready();
    s.toolstack.guest(domain).console.input(bytesOf(data));
  }

  private async keyboardOf(domain: string) {
    const s = await this.ready();
    const d = s.toolstack.guest(domain);
    if (!d.hvm)
      throw new Error(`${d.name} is a PV guest: it has no emulated keyboard (use its console)`);
    return d.hvm.keyboard.model;
  }

  async sendKeys(domain: string, keys: readonly KeyEvent[]): Promise<boolean[]> {
    const kbd = await this.keyboardOf(domain);
    return keys.map((k) => (k.down ? kbd.keyDown(k.code) : kbd.keyUp(k.code)));
  }

  async typeText(domain: string, text: string): Promise<string> {
    return (await this.keyboardOf(domain)).typeText(text);
  }

  private async screen(
    domain: string,
  ): Promise<{ stream: ScreenStream; painter: CanvasPainter | null } | null> {
    const s = await this.ready();
    const d = s.toolstack.guest(domain);
    const vga = d.hvm?.vga?.model;
    if (!vga) return null;
    let entry = this.screens.get(d.domid);
    if (!entry || entry.stream.vga !== vga) {
      entry?.painter?.stop();
      entry = { stream: new ScreenStream(vga), painter: null };
      this.screens.set(d.domid, entry);
    }
    return entry;
  }

  async screenUpdate(domain: string, full = false): Promise<ScreenUpdate | null> {
    const entry = await this.screen(domain);
    return entry ? entry.stream.update(full) : null;
  }

  async attachScreen(domain: string, canvas: OffscreenCanvas): Promise<void> {
    const entry = await this.screen(domain);
    if (!entry) throw new Error(`${domain} has no screen (PV guests and vga = "none" have none)`);
    entry.painter?.stop();
    entry.painter = new CanvasPainter(entry.stream, canvas as unknown as PaintTarget);
  }

  async detachScreen(domain: string): Promise<void> {
    const entry = await this.screen(domain);
    entry?.painter?.stop();
    if (entry) entry.painter = null;
  }

  async openShell(onOutput: Callback<Uint8Array>): Promise<number> {
    const s = await this.ready();
    const input = new ByteInput();
    const sink = { write: (d: string | Uint8Array) => deliver(onOutput, bytesOf(d)) };
    const session = new ShellSession(
      s.shell(),
      { stdout: sink, stderr: sink, stdin: input },
      {
        interactive: true,
        banner: `Tabvisor VM server (Domain-0). Type 'help' for commands.\r\n`,
      },
    );
    const id = this.nextId++;
    this.shells.set(id, { input, session });
    void session.run().finally(() => this.shells.delete(id));
    return id;
  }

  async shellInput(id: number, data: Uint8Array | string): Promise<void> {
    const sh = this.shells.get(id);
    if (!sh) throw new Error(`no shell ${id}`);
    sh.input.push(bytesOf(data));
  }

  async closeShell(id: number): Promise<void> {
    const sh = this.shells.get(id);
    sh?.session.interrupt();
    sh?.input.end();
    this.shells.delete(id);
  }

  async readFile(path: string): Promise<Uint8Array> {
    const s = await this.ready();
    return s.files.readFile(resolvePath(path));
  }

  async writeFile(path: string, data: Uint8Array | string): Promise<void> {
    const s = await this.ready();
    await s.files.writeFile(resolvePath(path), bytesOf(data));
  }

  async diskLayout(): Promise<HostDiskView> {
    const s = await this.ready();
    const disk = s.storage.hostDisk;
    const owners = await s.toolstack.partitionOwners();
    const partitions: PartitionView[] = disk.partitions().map((p) => {
      const o = owners.get(p.number);
      return {
        number: p.number,
        device: p.device,
        name: p.name,
        firstLba: p.firstLba,
        lastLba: p.lastLba,
        sizeBytes: p.sizeBytes,
        allocatedBytes: p.allocatedBytes,
        ...(o ? { owner: o.name } : {}),
        ...(o?.domid != null ? { ownerDomid: o.domid } : {}),
      };
    });
    return {
      device: '/dev/sda',
      description: disk.description,
      sizeBytes: disk.sizeBytes,
      allocatedBytes: disk.device.allocatedChunks().length * disk.device.chunkSize,
      partitions,
    };
  }

  hostDisk(): Promise<HostDiskView> {
    return this.diskLayout();
  }

  ioTrace(afterSeq?: number, limit?: number): Promise<DiskRequestView[]> {
    return this.diskTrace({
      ...(afterSeq !== undefined ? { afterSeq } : {}),
      ...(limit !== undefined ? { limit } : {}),
    });
  }

  async diskTrace(
    filter: { domain?: string; afterSeq?: number; limit?: number } = {},
  ): Promise<DiskRequestView[]> {
    const s = await this.ready();
    const names = new Map(s.vmm.list().map((d) => [d.id, d.name]));
    const records = s.storage.trace({
      ...(filter.domain !== undefined ? { domid: s.toolstack.resolve(filter.domain) } : {}),
      ...(filter.afterSeq !== undefined ? { afterSeq: filter.afterSeq } : {}),
      ...(filter.limit !== undefined ? { limit: filter.limit } : {}),
    });
    // Plain copies: records are live objects the storage keeps updating.
    return records.map((r) => {
      const name = names.get(r.domid);
      return { ...r, hops: r.hops.map((h) => ({ ...h })), ...(name ? { domain: name } : {}) };
    });
  }

  async exportPartition(number?: number): Promise<PartitionExport> {
    const s = await this.ready();
    const disk = s.storage.hostDisk;
    const p = number === undefined ? null : disk.partition(number);
    await s.storage.flush();
    const out: PartitionExport = {
      device: p ? `/dev/sda${p.number}` : '/dev/sda',
      name: p ? p.name : 'host disk',
      sizeBytes: p ? (p.lastLba - p.firstLba + 1) * 512 : disk.sizeBytes,
      stream: imageStream(s.storage.exportPartition(number)),
    };
    // The stream itself moves to the page (Chromium transfers ReadableStreams).
    return Comlink.transfer(out, [out.stream as unknown as Transferable]);
  }

  async importPartition(
    number: number,
    data: Uint8Array | ReadableStream<Uint8Array>,
    sizeBytes?: number,
  ): Promise<{ bytes: number }> {
    const s = await this.ready();
    const size = sizeBytes ?? (data instanceof Uint8Array ? data.length : undefined);
    if (size === undefined) throw new Error('importPartition: give the image size with a stream');
    const r = await s.storage.importPartition(number, chunksOf(data), size);
    s.log.dom0(`host disk: imported ${r.bytes} bytes into /dev/sda${number}`);
    return { bytes: r.bytes };
  }

  async createPartition(
    name: string,
    sizeBytes: number,
  ): Promise<{ device: string; number: number }> {
    const s = await this.ready();
    if (s.storage.hostDisk.partitions().some((p) => p.name === name))
      throw new Error(`a partition named ${name} already exists`);
    const p = await s.storage.createPartition(name, sizeBytes);
    s.log.dom0(`host disk: created ${p.device} "${name}"`);
    return { device: p.device, number: p.number };
  }

  async deletePartition(partition: string | number): Promise<void> {
    const s = await this.ready();
    const text = String(partition);
    const m = /^(?:\/dev\/sda)?(\d+)$/.exec(text);
    const p = s.storage.hostDisk
      .partitions()
      .find((x) => (m ? x.number === Number(m[1]) : x.name === text));
    if (!p) throw new Error(`${text}: no such partition`);
    await s.storage.deletePartition(p.number);
    s.log.dom0(`host disk: deleted ${p.device} "${p.name}"`);
  }
}
