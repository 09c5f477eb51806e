import { Vmm, type VmmOptions } from '../vmm/vmm.ts';
import { BootLog, type LogEntry } from './boot-log.ts';
import type { FileStore } from './files/file-store.ts';
import { ImageMountedStore, NO_IMAGES, type GuestImageSource } from './files/guest-images.ts';
import { MemoryFileStore } from './files/memory-file-store.ts';
import { seedFreshInstall } from './files/seed.ts';
import { Dom0Shell, type ShellHost } from './shell/shell.ts';
import { Toolstack } from './toolstack/toolstack.ts';
import { writeDom0Layout } from './xenstore/domain-layout.ts';
import { XenStore } from './xenstore/xenstore.ts';
import type { ChunkStore } from './storage/chunk-store.ts';
import type { HostFiles } from './shell/host-files.ts';
import { MemoryChunkStore } from './storage/memory-chunk-store.ts';
import { Storage } from './storage/storage.ts';
import { sizeText } from './shell/disk-commands.ts';
import { HostNetwork } from './network/host-network.ts';
import type { HostWire } from './network/host-wire.ts';

/**
 * Boot of the whole server, in DESIGN.md's order: the VMM first, then the VM
 * server as domain 0 (privileged: it owns the file tree, xenstore and the
 * toolstack), then the guests whose definitions say autostart. Each stage is
 * written to the boot log (`xl dmesg`) and reported to a listener as it
 * happens, so the desktop can show boot progress.
 */

export type BootStageName = 'vmm' | 'dom0' | 'storage' | 'autostart' | 'ready';

export interface BootProgress {
  readonly stage: BootStageName;
  readonly status: 'start' | 'done' | 'error';
  readonly message: string;
  /** ms since boot began. */
  readonly timeMs: number;
}

/** The host disk's chunk store, and why it was chosen (for the boot log). */
export interface DiskChoice {
  readonly store: ChunkStore;
  readonly note?: string;
  /** Why the store is not the one wanted first (shown in the boot sequence too). */
  readonly fallback?: string;
}

export interface VmServerOptions {
  /** The VM server's file tree (default: a fresh memory tree). */
  readonly files?: FileStore;
  /** Guest OS images shown under /usr/lib/tabvisor/guests. */
  readonly images?: GuestImageSource;
  readonly vmm?: VmmOptions;
  /**
   * Where the host disk's chunks live (default: memory). The CLI passes a
   * Node file store, the worker OPFS or IndexedDB; a function is called
   * once boot reaches the storage stage, and may say why it chose its store.
   */
  readonly disk?: ChunkStore | (() => Promise<DiskChoice>);
  /** Logical size of a new host disk, bytes (default 500 GiB; an existing disk keeps its size). */
  readonly diskSizeBytes?: number;
  /** Files outside the VM server's tree, for disk export / import (Node). */
  readonly hostFiles?: HostFiles;
  /**
   * The host network wire the host NIC eth0 is cabled to (the worker: a
   * BroadcastChannel shared by this origin's tabs). None: guests still reach
   * each other and Domain-0 on xenbr0.
   */
  readonly hostWire?: HostWire | null;
  /** Salt of guests' default MACs (random by default; tests fix it). */
  readonly macSalt?: number;
  /** Start the guests marked autostart (default true). */
  readonly autostart?: boolean;
  /** Seed a fresh tree with the Sprout definitions (default true). */
  readonly seed?: boolean;
  readonly hostname?: string;
  readonly onProgress?: (p: BootProgress) => void;
  /** Told of every log line as it is written. */
  readonly onLog?: (e: LogEntry) => void;
}

const DEFAULT_VMM: VmmOptions = { timeMode: 'realtime', hostMemoryMiB: 1024, pcpus: 1 };

export class VmServer implements ShellHost {
  readonly bootedAt: number;

  private constructor(
    readonly vmm: Vmm,
    readonly vmmOptions: VmmOptions,
    readonly xenstore: XenStore,
    readonly toolstack: Toolstack,
    readonly storage: Storage,
    readonly network: HostNetwork,
    readonly files: FileStore,
    readonly log: BootLog,
    readonly hostname: string,
    private readonly progress: ProgressHub,
    readonly hostFiles: HostFiles | null,
  ) {
    this.bootedAt = performance.now();
  }

  /** Boot everything; resolves when the autostart guests have been created. */
  static async boot(opts: VmServerOptions = {}): Promise<VmServer> {
    const log = new BootLog();
    if (opts.onLog) log.onEntry(opts.onLog);
    const progress = new ProgressHub();
    if (opts.onProgress) progress.listen(opts.onProgress, false);
    const report = (
      stage: BootStageName,
      status: BootProgress['status'],
      message: string,
    ): void => {
      const entry =
        status === 'error'
          ? log.dom0(message, 'error')
          : stage === 'vmm'
            ? log.xen(message)
            : log.dom0(message);
      progress.emit({ stage, status, message, timeMs: entry.timeMs });
    };

    // 1. The hypervisor.
    const vmmOptions: VmmOptions = { ...DEFAULT_VMM, ...opts.vmm };
    report('vmm', 'start', 'Tabvisor VMM starting (Xen 4.17 interface, RISC-V RV32IMAC guests)');
    const vmm = new Vmm(vmmOptions);
    const host = vmm.hostInfo();
    log.xen(
      `Host RAM ${host.totalMemoryKiB / 1024} MiB, ${host.pcpus} pCPU${host.pcpus > 1 ? 's' : ''}, time mode ${host.timeMode}`,
    );
    log.xen('Using scheduler: SMP Credit Scheduler (credit): weight 256, 30 ms slice');
    log.xen(`Domain-0 reservation ${vmm.list()[0]?.memoryKiB ?? 0} KiB`);
    vmm.start();
    report('vmm', 'done', 'VMM running; starting the VM server as domain 0');

    // 2. The VM server, privileged: its file tree, xenstore, the toolstack.
    report('dom0', 'start', 'VM server (Domain-0) starting in privileged mode');
    const inner = opts.files ?? new MemoryFileStore();
    const files = new ImageMountedStore(inner, opts.images ?? NO_IMAGES);
    log.dom0(
      `file tree: ${inner.description}; guest images: ${(opts.images ?? NO_IMAGES).description}`,
    );
    if (opts.seed ?? true) {
      const seeded = await seedFreshInstall(inner);
      if (seeded.length > 0) log.dom0(`fresh install: seeded ${seeded.join(', ')}`);
    }
    const xenstore = new XenStore({
      onListenerError: (e) =>
        log.dom0(
          `xenstore watch callback failed: ${e instanceof Error ? e.message : String(e)}`,
          'error',
        ),
    });
    const dom0 = vmm.list()[0];
    writeDom0Layout(xenstore.connect(0), {
      memoryKiB: dom0?.memoryKiB ?? 0,
      vcpus: dom0?.vcpus ?? 1,
    });
    log.dom0('xenstored: /local/domain/0 written');
    report('dom0', 'done', 'VM server ready: toolstack, xenstore and consoles up');

    // 3. The host disk: the VM server's own hardware, opened (first boot: partitioned) before any guest needs it.
    report('storage', 'start', 'host disk starting');
    let storage: Storage;
    let note: string;
    try {
      const choice: DiskChoice =
        typeof opts.disk === 'function'
          ? await opts.disk()
          : { store: opts.disk ?? new MemoryChunkStore() };
      const store = choice.store;
      note = choice.fallback ? ` (${choice.fallback})` : '';
      log.dom0(`host disk store: ${store.description}${choice.note ? ` (${choice.note})` : ''}`);
      storage = await Storage.open(store, {
        files,
        ...(opts.diskSizeBytes !== undefined ? { sizeBytes: opts.diskSizeBytes } : {}),
      });
    } catch (e) {
      report('storage', 'error', `host disk failed: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    }
    const parts = storage.hostDisk.partitions();
    report(
      'storage',
      'done',
      `host disk: ${sizeText(storage.hostDisk.sizeBytes)}, GPT with ${parts.length} partition${parts.length === 1 ? '' : 's'}` +
        (parts.length > 0
          ? ` (${parts.map((p) => `${p.device} ${p.name} ${sizeText(p.sizeBytes)}`).join(', ')})`
          : '') +
        ` on ${storage.hostDisk.description}${note}`,
    );

    // The host network: xenbr0 with Domain-0 on it, and the host NIC on the wire.
    const network = new HostNetwork({
      wire: opts.hostWire ?? null,
      ...(opts.macSalt !== undefined ? { macSalt: opts.macSalt } : {}),
    });
    for (const line of network.describe()) report('storage', 'done', `host network: ${line}`);

    const toolstack = new Toolstack(vmm, xenstore, files, log, storage, network);
    const server = new VmServer(
      vmm,
      vmmOptions,
      xenstore,
      toolstack,
      storage,
      network,
      files,
      log,
      opts.hostname ?? 'dom0',
      progress,
      opts.hostFiles ?? null,
    );

    // 4. Guests marked autostart.
    if (opts.autostart ?? true) {
      report('autostart', 'start', 'starting guests marked autostart in /etc/xen/vm');
      const started = await toolstack.autostart((name, r) => {
        if ('domid' in r) report('autostart', 'done', `started ${name} as domain ${r.domid}`);
        else report('autostart', 'error', `could not start ${name}: ${r.error}`);
      });
      report(
        'autostart',
        'done',
        `${started.length} guest${started.length === 1 ? '' : 's'} started`,
      );
    }
    report('ready', 'done', 'boot complete');
    return server;
  }

  /** Boot progress so far, then every later report. */
  onProgress(listener: (p: BootProgress) => void): () => void {
    return this.progress.listen(listener, true);
  }

  get bootProgress(): readonly BootProgress[] {
    return this.progress.history;
  }

  /** A new shell session's interpreter (each has its own working directory). */
  shell(): Dom0Shell {
    return new Dom0Shell(this);
  }

  /** Guest instructions per µs: measured where guests have run, else the nominal rate. */
  cpuMhz(): number {
    let insns = 0;
    let ns = 0;
    for (const d of this.toolstack.managed()) {
      try {
        insns += this.vmm.instructions(d.domid).reduce((a, b) => a + b, 0);
        ns += this.vmm.domainInfo(d.domid).cpuTimeNs;
      } catch {
        // Destroyed meanwhile.
      }
    }
    if (ns > 1e6 && insns > 0) return Math.round((insns / ns) * 1000);
    return Math.round(1000 / (this.vmmOptions.nsPerInstruction ?? 10));
  }

  commandLine(): string {
    const o = this.vmmOptions;
    return `timemode=${o.timeMode ?? 'deterministic'} pcpus=${o.pcpus ?? 1} mem=${o.hostMemoryMiB ?? 1024}M dom0_mem=${o.dom0MemoryMiB ?? 64}M`;
  }

  /** Destroy every guest and stop the VMM's loop. */
  async stop(): Promise<void> {
    this.toolstack.destroyAll();
    await this.toolstack.settled();
    await this.vmm.stop();
    this.network.close();
    try {
      await this.storage.close();
    } catch (e) {
      this.log.dom0(
        `host disk: close failed: ${e instanceof Error ? e.message : String(e)}`,
        'error',
      );
    }
    this.log.xen('VMM stopped');
  }
}

/** Boot progress reports, kept so a late listener can catch up. */
class ProgressHub {
  readonly history: BootProgress[] = [];
  private listeners: ((p: BootProgress) => void)[] = [];

  emit(p: BootProgress): void {
    this.history.push(p);
    for (const l of [...this.listeners]) l(p);
  }

  listen(listener: (p: BootProgress) => void, replay: boolean): () => void {
    if (replay) for (const p of this.history) listener(p);
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }
}
