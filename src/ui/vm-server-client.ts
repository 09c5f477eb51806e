import * as Comlink from 'comlink';
import type {
  BootOptions,
  BootProgress,
  DomainSummary,
  HostSummary,
  LogEntry,
  TabvisorApi,
  ToolstackEvent,
} from './api-types.ts';
import type { DiskRequestView, HostDiskView, StorageApi } from './storage-types.ts';

/**
 * The desktop's one connection to the VM server in its Web Worker: it owns
 * the worker, boots it, samples `listDomains` once a second for every view
 * (the list, the graphs, the architecture), and keeps a short history for
 * the graphs. Views listen for its events instead of polling on their own.
 *
 * Events: `domains` (a new sample), `toolstack` (a ToolstackEvent as detail),
 * `log` (a LogEntry), `boot` (a BootProgress), `configs` (the definitions changed).
 */

/** Where the VM server keeps domain definitions (SUSE's layout, REFERENCES.md). */
export const VM_CONFIG_DIR = '/etc/xen/vm';

/** Samples kept for the graphs (one a second: the last minute). */
export const HISTORY_LENGTH = 60;

export interface DomainHistory {
  /** CPU %, one per sample time, null where the domain did not exist. */
  readonly cpu: (number | null)[];
  /** VM exits per second. */
  readonly exits: (number | null)[];
  /** Memory, MiB. */
  readonly memory: (number | null)[];
  /** Disk I/O, KiB/s read + written (xentop's VBD_RSECT + VBD_WSECT, 512-byte sectors). */
  readonly disk: (number | null)[];
}

/** xentop counts 512-byte sectors whatever the device's block size (xentop.c). */
const SECTOR_BYTES = 512;

export type CommandResult = { output: string; status: number };

export class VmServerClient extends EventTarget {
  readonly api: Comlink.Remote<TabvisorApi>;
  domains: DomainSummary[] = [];
  host: HostSummary | null = null;
  /** Sample times, seconds since the page started sampling. */
  readonly times: number[] = [];
  readonly history = new Map<string, DomainHistory>();
  readonly progress: BootProgress[] = [];
  readonly log: LogEntry[] = [];
  /** Definitions in /etc/xen/vm (file names). */
  configs: string[] = [];
  booted = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private last = new Map<
    string,
    { id: number; cpuNs: number; exits: number; sectors: number; nowNs: number }
  >();
  private startedAt = performance.now();
  private refreshing: Promise<void> | null = null;
  private storageProbe: Promise<boolean> | null = null;
  private disposed = false;

  constructor(readonly worker: Worker) {
    super();
    this.api = Comlink.wrap<TabvisorApi>(worker);
  }

  /** A client on a new worker running src/worker/vm-server.worker.ts. */
  static create(): VmServerClient {
    const worker = new Worker(new URL('../worker/vm-server.worker.ts', import.meta.url), {
      type: 'module',
      name: 'tabvisor-vm-server',
    });
    return new VmServerClient(worker);
  }

  /** Boot VMM → VM server → autostart guests, reporting each step as it happens. */
  async boot(options: BootOptions = {}): Promise<readonly BootProgress[]> {
    // Reports arrive in order, on the callback's own channel: they may trail boot()'s
    // answer. Each is taken once, whichever way it comes first.
    let received = 0;
    const take = (p: BootProgress, index: number): void => {
      if (index < this.progress.length) return;
      this.progress.push(p);
      this.dispatchEvent(new CustomEvent('boot', { detail: p }));
    };
    // Guest images sit in guests/ beside the page (the app may be served under any path);
    // the worker only knows its own script's URL, so the page says where.
    const withImages: BootOptions =
      options.imagesBaseUrl !== undefined || typeof document === 'undefined'
        ? options
        : { ...options, imagesBaseUrl: new URL('guests/', document.baseURI).href };
    const done = await this.api.boot(
      withImages,
      Comlink.proxy((p: BootProgress) => take(p, received++)),
    );
    done.forEach((p, i) => take(p, i));
    this.booted = true;
    await this.api.subscribeLog(
      Comlink.proxy((e: LogEntry) => {
        this.log.push(e);
        if (this.log.length > 2000) this.log.shift();
        this.dispatchEvent(new CustomEvent('log', { detail: e }));
      }),
    );
    await this.api.subscribeDomains(
      Comlink.proxy((e: ToolstackEvent) => {
        this.dispatchEvent(new CustomEvent('toolstack', { detail: e }));
        void this.refresh();
      }),
    );
    await Promise.all([this.refresh(), this.refreshConfigs()]);
    return done;
  }

  /** Sample the domains every `intervalMs` until dispose(). */
  startSampling(intervalMs = 1000): void {
    let n = 0;
    const tick = async (): Promise<void> => {
      if (this.disposed) return;
      await this.refresh().catch(() => {});
      // Definitions change rarely (and the dom0 shell can change them too): every 5 s.
      if (++n % 5 === 0) await this.refreshConfigs().catch(() => {});
      this.timer = setTimeout(() => void tick(), intervalMs);
    };
    if (this.timer === undefined) this.timer = setTimeout(() => void tick(), intervalMs);
  }

  /** Fetch the domain list now (joins a fetch already in flight). */
  refresh(): Promise<void> {
    if (!this.refreshing) {
      this.refreshing = this.sample().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  private async sample(): Promise<void> {
    const { host, domains } = await this.api.listDomains();
    this.host = host;
    this.domains = domains;
    const t = (performance.now() - this.startedAt) / 1000;
    this.times.push(t);
    const seen = new Set<string>();
    for (const d of domains) {
      seen.add(d.name);
      let h = this.history.get(d.name);
      if (!h) {
        h = {
          cpu: this.times.slice(0, -1).map(() => null),
          exits: this.times.slice(0, -1).map(() => null),
          memory: this.times.slice(0, -1).map(() => null),
          disk: this.times.slice(0, -1).map(() => null),
        };
        this.history.set(d.name, h);
      }
      const prev = this.last.get(d.name);
      let cpu: number | null = null;
      let exits: number | null = null;
      let disk: number | null = null;
      const sectorsNow = d.vbdSectorsRead + d.vbdSectorsWritten;
      if (prev && prev.id === d.id && host.nowNs > prev.nowNs) {
        const dt = host.nowNs - prev.nowNs;
        cpu = Math.max(0, Math.min(100 * d.vcpus, ((d.cpuTimeNs - prev.cpuNs) / dt) * 100));
        exits = Math.max(0, ((d.exits - prev.exits) / dt) * 1e9);
        disk = Math.max(0, (((sectorsNow - prev.sectors) * SECTOR_BYTES) / 1024 / dt) * 1e9);
      }
      this.last.set(d.name, {
        id: d.id,
        cpuNs: d.cpuTimeNs,
        exits: d.exits,
        sectors: sectorsNow,
        nowNs: host.nowNs,
      });
      h.cpu.push(cpu);
      h.exits.push(exits);
      h.memory.push(d.memoryKiB / 1024);
      h.disk.push(disk);
    }
    for (const [name, h] of this.history) {
      if (seen.has(name)) continue;
      this.last.delete(name);
      h.cpu.push(null);
      h.exits.push(null);
      h.memory.push(null);
      h.disk.push(null);
      if (h.cpu.every((v) => v === null)) this.history.delete(name);
    }
    if (this.times.length > HISTORY_LENGTH) {
      this.times.shift();
      for (const h of this.history.values()) {
        h.cpu.shift();
        h.exits.shift();
        h.memory.shift();
        h.disk.shift();
      }
    }
    this.dispatchEvent(new CustomEvent('domains'));
  }

  /** Re-read the definitions in /etc/xen/vm. */
  async refreshConfigs(): Promise<string[]> {
    const r = await this.api.run(`ls ${VM_CONFIG_DIR}`);
    this.configs = r.status === 0 ? r.output.split('\n').filter((l) => l.length > 0) : [];
    this.dispatchEvent(new CustomEvent('configs'));
    return this.configs;
  }

  /** A dom0 shell command line, as typed at the dom0 prompt. */
  async run(commandLine: string): Promise<CommandResult> {
    const r = await this.api.run(commandLine);
    void this.refresh();
    return r;
  }

  domain(name: string): DomainSummary | undefined {
    return this.domains.find((d) => d.name === name);
  }

  /**
   * The storage calls, or null when this VM server has no host disk to
   * report (an older worker, or storage that failed to open).
   */
  async storage(): Promise<StorageApi | null> {
    const api = this.api;
    this.storageProbe ??= api.hostDisk().then(
      () => true,
      () => false,
    );
    if (!(await this.storageProbe)) return null;
    return {
      hostDisk: (): Promise<HostDiskView> => api.hostDisk(),
      diskTrace: (f): Promise<DiskRequestView[]> => api.diskTrace(f),
    };
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.worker.terminate();
  }
}

/** Quote a word for the dom0 shell (names and paths from forms). */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
