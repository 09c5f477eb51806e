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
}

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
        const server = await VmServer.boot({
          files,
          images: new FetchImageSource(options.imagesBaseUrl ?? defaultImagesUrl(), ['sprout.elf']),
          autostart: options.autostart ?? true,
          ...(options.vmm ? { vmm: options.vmm } : {}),
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
      })),
    };
  }

  async exitCounters(domain: string): Promise<Record<string, number>> {
    const s = await this.ready();
    return s.vmm.exitCounters(s.toolstack.guest(domain).domid);
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
}
