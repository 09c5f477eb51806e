import { ConfigError, type ConfigWarning } from '../config/config-error.ts';
import {
  parseCInteger,
  parseXlConfig,
  type ShutdownAction,
  type XlConfig,
} from '../config/xl-config.ts';
import { parseXlSettings } from '../config/parser.ts';
import { FS_ERROR_TEXT, FsError } from '../files/fs-error.ts';
import { dirname, resolvePath } from '../files/fs-path.ts';
import type { FileStore } from '../files/file-store.ts';
import type { BootLog } from '../boot-log.ts';
import {
  removeDomainLayout,
  writeDeviceLayout,
  writeDomainLayout,
} from '../xenstore/domain-layout.ts';
import type { XenStore, XsConnection } from '../xenstore/xenstore.ts';
import { XenstoreRingServer } from '../xenstore/xs-ring.ts';
import { PAGE_SIZE } from '../../vmm/abi/hypercall.ts';
import { DomainBuildError } from '../../vmm/domain-builder.ts';
import type { ShutdownReason } from '../../vmm/domain.ts';
import type { IoreqServer } from '../../vmm/ioreq.ts';
import type { DomainErrorEvent, DomainEvent, DomainInfo, Vmm } from '../../vmm/vmm.ts';
import { Dom0Events } from './dom0-events.ts';
import { checkPlatform, positionOf, toDomainConfig } from './domain-build.ts';
import { GuestConsole } from './guest-console.ts';
import type { HvmDeviceModel } from './hvm-device.ts';
import { buildHvmPlatform, type HvmPlatform } from './hvm-platform.ts';
import { XenconsBackend } from './xencons-backend.ts';
import { WiredIde } from './ide-device.ts';
import {
  EmulatedNic,
  PvNic,
  netTotals,
  vifMac,
  type GuestNic,
  type NetTotals,
} from './guest-nics.ts';
import type { HostNetwork } from '../network/host-network.ts';
import { isaIrqToPlic } from '../device-models/isa-port-map.ts';
import type { Storage } from '../storage/storage.ts';
import type { VbdTotals } from '../storage/io-trace.ts';
import { StorageError } from '../storage/storage-error.ts';
import { partitionSectors } from '../storage/gpt.ts';

/**
 * The toolstack (libxl's role): `xl` operations on the VMM and the VM
 * server's own services. Creating a domain reads its xl.cfg from the VM
 * server's file tree, checks it, loads the kernel from the tree, builds the
 * domain paused, attaches its device models (HVM) or back ends (PV), writes
 * its xenstore subtree, then lets it run. When a guest stops, its
 * on_poweroff / on_reboot / on_crash action is carried out. Every failure
 * is an exception with a message fit for the shell; the server carries on.
 */

/** An error for the user: the operation did not happen, the server is fine. */
export class ToolstackError extends Error {
  override name = 'ToolstackError';
}

/** Where `xl create NAME` looks for NAME when it is not a path (SUSE's dir, then xl's XEN_CONFIG_DIR). */
export const CONFIG_SEARCH_DIRS = ['/etc/xen/vm', '/etc/xen'];

export interface PvBackends {
  readonly conn: XsConnection;
  readonly xenstore: XenstoreRingServer;
  readonly xenstorePort: number;
  readonly console: XenconsBackend;
  readonly consolePort: number;
}

/** What Domain-0 keeps about one guest. */
export interface ManagedDomain {
  readonly domid: number;
  readonly name: string;
  readonly config: XlConfig;
  /** File the definition came from. */
  readonly path: string;
  readonly console: GuestConsole;
  /** HVM: the emulated PC devices (empty for PV), the IDE channel among them when it has a disk. */
  readonly devices: readonly HvmDeviceModel[];
  /** HVM with a disk: the primary IDE channel (also in `devices`). */
  readonly ide: WiredIde | null;
  /** HVM with a vif: the emulated NE2000 (its model also in `devices`). */
  readonly ne2000: EmulatedNic | null;
  /** Every NIC on xenbr0: the NE2000, or a PV guest's netbacks (replaced on reboot). */
  nics: GuestNic[];
  readonly hvm: HvmPlatform | null;
  ioreqServers: IoreqServer[];
  pv: PvBackends | null;
  /** Wall ms (performance.now) when created. */
  readonly createdMs: number;
  restarts: number;
  /** Set while xl destroy (or a destroy action) runs: no on_* action then. */
  destroying: boolean;
  /** The last on_* action taken, for the log and the UI. */
  lastAction: string | null;
  unhookConsole: () => void;
}

export interface CreateOptions {
  /** `KEY=VALUE` arguments after the config file. */
  readonly overrides?: readonly string[];
  /** xl create -p: leave it paused. */
  readonly paused?: boolean;
  /** Working directory for a relative config path. */
  readonly cwd?: string;
}

export interface LoadedConfig {
  readonly path: string;
  readonly config: XlConfig;
  readonly warnings: readonly ConfigWarning[];
}

export interface CreateResult extends LoadedConfig {
  readonly domid: number;
}

/** One row of `xl list` and the desktop's domain list. */
export interface DomainRow extends DomainInfo {
  readonly consoleBytesOut: number;
  readonly consoleBytesIn: number;
  readonly disks: number;
  readonly nics: number;
  /** xentop's VBD counters, from the storage's I/O monitor. */
  readonly vbd: VbdTotals;
  /** xentop's NETS / NETTX / NETRX (bytes), from the NICs on xenbr0. */
  readonly net: NetTotals;
}

const NO_VBD: VbdTotals = { VBDS: 0, VBD_OO: 0, VBD_RD: 0, VBD_WR: 0, VBD_RSECT: 0, VBD_WSECT: 0 };
const NO_NET: NetTotals = { NETS: 0, NETTX: 0, NETRX: 0 };

/** The domain a partition is the disk of: running (domid) or only configured (null). */
export interface PartitionOwner {
  readonly name: string;
  readonly domid: number | null;
}

export type ToolstackEvent =
  | { readonly kind: 'created'; readonly domid: number; readonly name: string }
  | {
      readonly kind: 'state';
      readonly domid: number;
      readonly name: string;
      readonly state: string;
    }
  | { readonly kind: 'destroyed'; readonly domid: number; readonly name: string };

const KiB = 1024;
/** Survivable VMM errors logged per domain before the rest are only counted. */
export const ERRORS_LOGGED_PER_DOMAIN = 10;

export class Toolstack {
  readonly events: Dom0Events;
  private readonly xs: XsConnection;
  private readonly domains = new Map<number, ManagedDomain>();
  private listeners: ((e: ToolstackEvent) => void)[] = [];
  /** VMM errors seen per domain (onDomainError), for rate limiting. */
  private readonly errorCounts = new Map<number, number>();
  /** Disk detaches (flushes) still running: stop() waits for them. */
  private readonly detaching = new Set<Promise<void>>();

  constructor(
    readonly vmm: Vmm,
    readonly xenstore: XenStore,
    readonly files: FileStore,
    readonly log: BootLog,
    /** The host disk and guest disks; without it `disk = [...]` entries are only written to xenstore. */
    readonly storage: Storage | null = null,
    /** xenbr0 and the host NIC; without it `vif = [...]` entries are only written to xenstore. */
    readonly network: HostNetwork | null = null,
  ) {
    this.events = new Dom0Events(vmm);
    this.xs = xenstore.connect(0);
    // Disk requests name the VM exits they took (the I/O path view links the two).
    if (storage) {
      storage.io.exitClock = (domid) => vmm.exitSeq(domid);
      storage.io.exitSampler = (domid, first, last, limit) =>
        vmm.exitsBetween(domid, first, last, limit);
    }
    vmm.onDomainEvent((e) => this.onDomainEvent(e));
    // A failure the VMM met running a guest (a crash it caused, a device model that threw): logged as it happens.
    vmm.onDomainError((e) => this.onDomainError(e));
  }

  /**
   * A failure the VMM met running a guest, logged as it happens. Survivable
   * ones (a device model that threw) can repeat on every access of a
   * spinning guest, so they are rate-limited per domain, as Xen's printk is.
   */
  private onDomainError(e: DomainErrorEvent): void {
    const n = (this.errorCounts.get(e.domid) ?? 0) + 1;
    this.errorCounts.set(e.domid, n);
    if (!e.fatal && n > ERRORS_LOGGED_PER_DOMAIN) {
      if (n === ERRORS_LOGGED_PER_DOMAIN + 1)
        this.log.xen(`domain ${e.domid} (${e.name}): more errors; not logging them`, 'warn');
      return;
    }
    this.log.xen(
      `domain ${e.domid} (${e.name}): ${e.message}${e.fatal ? ' (domain crashed)' : ''}`,
      e.fatal ? 'error' : 'warn',
    );
  }

  onEvent(listener: (e: ToolstackEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  private emit(e: ToolstackEvent): void {
    for (const l of [...this.listeners]) l(e);
  }

  // ---------------------------------------------------------------- lookups

  /** A domain by name or number (xl's domain identifier); Domain-0 is 0. */
  resolve(ident: string): number {
    const byName = this.vmm.lookup(ident);
    if (byName !== undefined) return byName;
    if (/^\d+$/.test(ident)) {
      const id = Number(ident);
      if (id === 0 || this.domains.has(id)) return id;
    }
    throw new ToolstackError(`${ident} is an invalid domain identifier`);
  }

  /** A guest (not Domain-0) by identifier. */
  guest(ident: string | number): ManagedDomain {
    const id = typeof ident === 'number' ? ident : this.resolve(ident);
    if (id === 0)
      throw new ToolstackError('Domain-0 is the VM server itself: that is not possible for it');
    const d = this.domains.get(id);
    if (!d) throw new ToolstackError(`${ident} is an invalid domain identifier`);
    return d;
  }

  managed(): ManagedDomain[] {
    return [...this.domains.values()].sort((a, b) => a.domid - b.domid);
  }

  list(): DomainRow[] {
    return this.vmm.list().map((info) => {
      const d = this.domains.get(info.id);
      if (info.id === 0) {
        // Domain-0's vCPUs (dom0Vcpus) and the time it spent serving guests (accountServerTime) come from the VMM.
        return {
          ...info,
          consoleBytesOut: 0,
          consoleBytesIn: 0,
          disks: 0,
          nics: 0,
          vbd: NO_VBD,
          net: NO_NET,
        };
      }
      return {
        ...info,
        consoleBytesOut: d?.console.bytesOut ?? 0,
        consoleBytesIn: d?.console.bytesIn ?? 0,
        disks: d?.config.disk.length ?? 0,
        nics: d?.config.vif.length ?? 0,
        vbd: this.storage?.vbdTotals(info.id) ?? NO_VBD,
        net: d ? netTotals(d.nics) : NO_NET,
      };
    });
  }

  // ---------------------------------------------------------------- create

  /** Which file `xl create ARG` means: a path, or a name in CONFIG_SEARCH_DIRS. */
  async findConfig(arg: string, cwd = '/'): Promise<string> {
    const direct = resolvePath(arg, cwd);
    if (arg.includes('/') || (await this.files.stat(direct)) !== null) return direct;
    for (const dir of CONFIG_SEARCH_DIRS) {
      const p = `${dir}/${arg}`;
      if ((await this.files.stat(p))?.kind === 'file') return p;
    }
    return direct;
  }

  /** Read and parse a definition. Throws ToolstackError (unreadable) or ConfigError (wrong). */
  async loadConfig(arg: string, opts: CreateOptions = {}): Promise<LoadedConfig> {
    const path = await this.findConfig(arg, opts.cwd);
    let text: Uint8Array;
    try {
      text = await this.files.readFile(path);
    } catch (e) {
      if (e instanceof FsError)
        throw new ToolstackError(`Failed to read config file: ${e.message}`);
      throw e;
    }
    const parsed = parseXlConfig(text, { file: path, overrides: opts.overrides ?? [] });
    const platform = checkPlatform(parsed.config);
    return { path, config: parsed.config, warnings: [...parsed.warnings, ...platform.warnings] };
  }

  /** xl create: build and start a domain from a config file. */
  async create(arg: string, opts: CreateOptions = {}): Promise<CreateResult> {
    const loaded = await this.loadConfig(arg, opts);
    const domid = await this.createFrom(loaded, opts);
    return { ...loaded, domid };
  }

  private readKernel(cfg: XlConfig, configPath: string): Promise<Uint8Array> {
    return this.readBootFile(cfg, configPath, 'kernel', cfg.kernel as string);
  }

  /** kernel= or ramdisk=, relative to the config file's directory. */
  private async readBootFile(
    cfg: XlConfig,
    configPath: string,
    key: 'kernel' | 'ramdisk',
    file: string,
  ): Promise<Uint8Array> {
    const path = resolvePath(file, dirname(configPath));
    try {
      return await this.files.readFile(path);
    } catch (e) {
      if (!(e instanceof FsError)) throw e;
      const pos = positionOf(cfg, key);
      throw ConfigError.at(
        pos.source,
        pos,
        `cannot load ${key} ${JSON.stringify(file)}: ${FS_ERROR_TEXT[e.code]}`,
      );
    }
  }

  /**
   * Every disk= entry must name something the storage can give the guest
   * (an existing partition lying inside the host disk, an image file; one
   * IDE master for HVM) — checked before anything is built, so a wrong
   * target costs nothing and the error names the config file.
   */
  private async checkDisks(cfg: XlConfig): Promise<void> {
    const storage = this.storage;
    if (!storage) return;
    const pos = positionOf(cfg, 'disk');
    const fail = (detail: string): ConfigError => ConfigError.at(pos.source, pos, detail);
    const disks = cfg.disk.filter((d) => d.devtype === 'disk');
    if (cfg.type === 'hvm' && disks.length > 1)
      throw fail(
        `only one IDE disk (the primary master, hda) is emulated; got ${disks.map((d) => d.vdev).join(', ')}`,
      );
    for (const d of cfg.disk) {
      if (d.devtype === 'cdrom') throw fail(`${d.vdev}: CD-ROM drives are not emulated`);
      if (d.format !== 'raw')
        throw fail(`${d.vdev}: format ${d.format} is not supported (raw only)`);
      if (cfg.type === 'hvm' && !['hda', 'sda', 'xvda'].includes(d.vdev))
        throw fail(`${d.vdev}: an HVM disk must be hda (the primary IDE master)`);
      const target = d.target;
      if (target === undefined || target === '') throw fail(`${d.vdev}: no target given`);
      if (target.startsWith('/dev/')) {
        try {
          const p = storage.hostDisk.resolveDevicePath(target);
          const end = p.firstLba + partitionSectors(p);
          if (end > storage.hostDisk.sectors)
            throw new StorageError(
              'layout',
              `${target} runs to sector ${end - 1}, beyond the host disk's ${storage.hostDisk.sectors} sectors`,
            );
        } catch (e) {
          if (e instanceof StorageError) throw fail(`disk ${d.vdev}: ${e.message}`);
          throw e;
        }
      } else {
        const st = await this.files.stat(target);
        if (st?.kind !== 'file')
          throw fail(
            `disk ${d.vdev}: image file ${target} ${st ? 'is not a file' : 'does not exist'}`,
          );
      }
    }
  }

  /**
   * Gives the domain its disks: HVM the IDE controller on the guest disk
   * (IRQ 14 on the PLIC), PV one blkback per entry (its xenstore
   * directories are written by writeDisks first).
   */
  private async attachDisks(rec: ManagedDomain): Promise<void> {
    const storage = this.storage;
    if (!storage || rec.config.disk.length === 0) return;
    const { domid } = rec;
    if (rec.ide) {
      const irq = isaIrqToPlic(14);
      const ide = await storage.attachHvm(domid, rec.config.disk, (level) => {
        if (this.domains.has(domid) && !rec.destroying) this.vmm.setIrqLevel(domid, irq, level);
      });
      rec.ide.attach(ide);
      return;
    }
    for (const spec of rec.config.disk) {
      await storage.attachPv(domid, spec, {
        xs: this.xs,
        grants: this.vmm,
        events: this.events,
        onProblem: (m) => this.log.dom0(`domain ${domid} blkback ${spec.vdev}: ${m}`, 'warn'),
      });
    }
  }

  /** The domain's disks let go (back ends stopped, data flushed); tracked so stop() can wait. */
  private detachDisks(domid: number): Promise<void> {
    if (!this.storage) return Promise.resolve();
    const p: Promise<void> = this.storage
      .detachDomain(domid)
      .catch((e: unknown) => {
        this.log.dom0(
          `domain ${domid}: detaching its disks failed: ${e instanceof Error ? e.message : String(e)}`,
          'error',
        );
      })
      .finally(() => this.detaching.delete(p));
    this.detaching.add(p);
    return p;
  }

  /** Resolves when no disk detach is in flight. */
  async settled(): Promise<void> {
    while (this.detaching.size > 0) await Promise.all([...this.detaching]);
  }

  async createFrom(loaded: LoadedConfig, opts: CreateOptions = {}): Promise<number> {
    const cfg = loaded.config;
    if (this.vmm.lookup(cfg.name) !== undefined) {
      throw new ToolstackError(`a domain named "${cfg.name}" already exists`);
    }
    const kernel = await this.readKernel(cfg, loaded.path);
    const ramdisk =
      cfg.ramdisk !== undefined
        ? await this.readBootFile(cfg, loaded.path, 'ramdisk', cfg.ramdisk)
        : undefined;
    await this.checkDisks(cfg);
    // The name may have been taken while the kernel was read.
    if (this.vmm.lookup(cfg.name) !== undefined) {
      throw new ToolstackError(`a domain named "${cfg.name}" already exists`);
    }
    const console = new GuestConsole(0, cfg.name);
    let domid = -1;
    const hvm =
      cfg.type === 'hvm'
        ? buildHvmPlatform(cfg, {
            serialOut: (b) => console.writeByte(b),
            setIrq: (irq, level) => {
              if (domid > 0) this.vmm.setIrqLevel(domid, irq, level);
            },
            // The i8042's reset line (command 0xFE): a reboot, as on a PC.
            systemReset: () => queueMicrotask(() => this.guestReset(domid)),
          })
        : null;
    const ide =
      hvm && this.storage && cfg.disk.length > 0
        ? new WiredIde(() => this.vmm.requestService())
        : null;
    const vif0 = cfg.vif[0];
    const ne2000 =
      hvm && this.network && vif0
        ? new EmulatedNic(this.network, vif0, vifMac(cfg, vif0, this.network), (irq, level) => {
            if (domid > 0) this.vmm.setIrqLevel(domid, irq, level);
          })
        : null;
    const devices: readonly HvmDeviceModel[] = [
      ...(hvm?.devices ?? []),
      ...(ide ? [ide] : []),
      ...(ne2000 ? [ne2000.device] : []),
    ];
    const domCfg = toDomainConfig(cfg, {
      kernel,
      ...(ramdisk ? { ramdisk } : {}),
      devices: devices.map((d) => d.dtb),
      ...(hvm ? { stdoutPath: hvm.stdoutPath } : {}),
    });
    try {
      // Built paused, as libxl does: nothing runs before its devices are in place.
      domid = this.vmm.createDomain(domCfg, { paused: true });
    } catch (e) {
      if (e instanceof DomainBuildError) {
        const pos = positionOf(cfg, 'kernel');
        throw ConfigError.at(pos.source, pos, e.message);
      }
      throw new ToolstackError(e instanceof Error ? e.message : String(e));
    }
    console.domid = domid;
    const rec: ManagedDomain = {
      domid,
      name: cfg.name,
      config: cfg,
      path: loaded.path,
      console,
      devices,
      ide,
      ne2000,
      nics: [],
      hvm,
      ioreqServers: [],
      pv: null,
      createdMs: performance.now(),
      restarts: 0,
      destroying: false,
      lastAction: null,
      unhookConsole: () => {},
    };
    try {
      for (const spec of devices.flatMap((d) => d.ioreqs)) {
        const handler = spec.handler;
        rec.ioreqServers.push(
          this.vmm.registerIoreqServer(domid, {
            name: spec.name,
            ranges: spec.ranges.map((r) => ({ ...r })),
            ...(spec.preempt !== undefined ? { preempt: spec.preempt } : {}),
            handler: {
              read: (addr, size) => this.events.measure(() => handler.read(addr, size)),
              write: (addr, size, value) =>
                this.events.measure(() => handler.write(addr, size, value)),
            },
          }),
        );
      }
      rec.unhookConsole = this.vmm.onConsoleOutput(domid, (bytes) => console.write(bytes));
      console.inputRoute = (bytes) => this.routeInput(rec, bytes);
      this.domains.set(domid, rec);
      this.setupRuntime(rec);
      this.writeDisks(rec);
      this.writeNics(rec);
      this.attachNics(rec);
      await this.attachDisks(rec);
      if (!opts.paused) this.vmm.unpause(domid);
    } catch (e) {
      this.domains.delete(domid);
      this.detachNics(rec);
      await this.detachDisks(domid);
      this.teardownRuntime(rec);
      rec.unhookConsole();
      for (const dev of devices) dev.dispose();
      try {
        this.vmm.destroy(domid);
      } catch {
        // Already gone.
      }
      throw new ToolstackError(
        `${loaded.path}: cannot set up domain "${cfg.name}": ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    this.log.dom0(
      `created domain ${domid} "${cfg.name}" (${cfg.type}, ${cfg.memory} MiB, ${cfg.vcpus} vCPU${cfg.vcpus > 1 ? 's' : ''}) from ${loaded.path}`,
    );
    this.emit({ kind: 'created', domid, name: cfg.name });
    return domid;
  }

  private routeInput(rec: ManagedDomain, bytes: Uint8Array): void {
    if (rec.hvm) rec.hvm.serial.model.receive(bytes);
    else if (rec.pv?.console.active) rec.pv.console.input(bytes);
    // A PV guest that has not touched its console ring reads the hypervisor console (console_io).
    else this.vmm.consoleInput(rec.domid, bytes);
  }

  /** xenstore subtree and PV back ends: done at creation and after every restart. */
  private setupRuntime(rec: ManagedDomain): void {
    const { domid, config: cfg } = rec;
    const boot = this.vmm.bootInfo(domid);
    const pv = cfg.type !== 'hvm';
    writeDomainLayout(this.xs, {
      domid,
      name: cfg.name,
      uuid: this.vmm.domainInfo(domid).uuid,
      type: pv ? 'pv' : 'hvm',
      memoryKiB: cfg.memory * KiB,
      maxMemoryKiB: cfg.maxmem * KiB,
      vcpus: cfg.vcpus,
      ...(pv
        ? {
            store: { port: boot.xenstorePort, ringRef: boot.xenstorePfn },
            console: { port: boot.consolePort, ringRef: boot.consolePfn },
          }
        : {}),
    });
    this.xenstore.introduceDomain(domid);
    if (!pv) return;
    const mem = this.vmm.foreignMemory(domid);
    const page = (pfn: number): Uint8Array => {
      const off = mem.frameOffset(pfn);
      if (off < 0) throw new Error(`frame 0x${pfn.toString(16)} is not guest RAM`);
      return mem.ram.subarray(off, off + PAGE_SIZE);
    };
    const conn = this.xenstore.connect(domid);
    let xsPort = 0;
    const ring = new XenstoreRingServer(
      conn,
      page(boot.xenstorePfn),
      () => this.events.notify(xsPort),
      {
        onProtocolError: (reason) =>
          this.log.dom0(`domain ${domid}: xenstore ring closed: ${reason}`, 'warn'),
      },
    );
    xsPort = this.events.bind(domid, boot.xenstorePort, () => ring.service());
    let consPort = 0;
    const cons = new XenconsBackend(
      page(boot.consolePfn),
      () => this.events.notify(consPort),
      (bytes) => rec.console.write(bytes),
    );
    consPort = this.events.bind(domid, boot.consolePort, () => cons.service());
    rec.pv = { conn, xenstore: ring, xenstorePort: xsPort, console: cons, consolePort: consPort };
  }

  /** Front and back directories of the configured disks (before their back ends start). */
  private writeDisks(rec: ManagedDomain): void {
    const { domid, config: cfg } = rec;
    for (const d of cfg.disk) {
      writeDeviceLayout(this.xs, {
        kind: 'vbd',
        domid,
        devid: d.devid,
        frontend: { 'virtual-device': String(d.devid), 'device-type': d.devtype },
        backend: {
          params: d.target ?? '',
          mode: d.access === 'rw' ? 'w' : 'r',
          type: d.backendtype ?? (d.legacyPrefixes?.includes('file') ? 'file' : 'phy'),
          dev: d.vdev,
          'device-type': d.devtype,
          removable: d.devtype === 'cdrom' ? '1' : '0',
        },
      });
    }
  }

  /** Front and back directories of the configured NICs (before their back ends start). */
  private writeNics(rec: ManagedDomain): void {
    const { domid, config: cfg } = rec;
    for (const v of cfg.vif) {
      const mac = vifMac(cfg, v, this.network);
      writeDeviceLayout(this.xs, {
        kind: 'vif',
        domid,
        devid: v.devid,
        frontend: { handle: String(v.devid), mac },
        backend: {
          handle: String(v.devid),
          mac,
          bridge: v.bridge,
          type: v.type ?? (cfg.type === 'hvm' ? 'ioemu' : 'vif'),
          script: v.script ?? 'vif-bridge',
          ...(v.ip !== undefined ? { ip: v.ip } : {}),
          ...(v.model !== undefined ? { model: v.model } : {}),
        },
      });
    }
  }

  /** Puts the domain's NICs on xenbr0: the NE2000's port, or a netback per vif (PV). */
  private attachNics(rec: ManagedDomain): void {
    const network = this.network;
    if (!network || rec.config.vif.length === 0) return;
    const { domid, config: cfg } = rec;
    if (rec.ne2000) {
      rec.ne2000.join(domid, cfg.name);
      rec.nics = [rec.ne2000];
      return;
    }
    if (rec.hvm) return;
    rec.nics = cfg.vif.map(
      (v) =>
        new PvNic(network, v, vifMac(cfg, v, network), domid, cfg.name, {
          xs: this.xs,
          grants: this.vmm,
          events: this.events,
          onProblem: (m) => this.log.dom0(`domain ${domid} netback vif ${v.devid}: ${m}`, 'warn'),
        }),
    );
  }

  private detachNics(rec: ManagedDomain): void {
    for (const n of rec.nics) n.stop();
    rec.nics = [];
  }

  private teardownRuntime(rec: ManagedDomain): void {
    if (rec.pv) {
      rec.pv.xenstore.detach();
      this.events.close(rec.pv.xenstorePort);
      this.events.close(rec.pv.consolePort);
      rec.pv = null;
    }
    if (this.xenstore.isDomainIntroduced(rec.domid)) this.xenstore.releaseDomain(rec.domid);
    if (this.xs.exists(`/local/domain/${rec.domid}`)) removeDomainLayout(this.xs, rec.domid);
  }

  // ---------------------------------------------------------------- lifecycle

  pause(ident: string): number {
    const d = this.guest(ident);
    this.wrap(() => this.vmm.pause(d.domid));
    return d.domid;
  }

  unpause(ident: string): number {
    const d = this.guest(ident);
    this.wrap(() => this.vmm.unpause(d.domid));
    return d.domid;
  }

  /**
   * xl shutdown / xl reboot: ask through xenstore's control/shutdown when the
   * guest has PV control (it wrote control/feature-poweroff or -reboot = 1);
   * otherwise stop it now, as a power button the guest cannot refuse would
   * (we have no ACPI), and let its on_poweroff / on_reboot action follow.
   * Returns how: 'requested' (the guest will act) or 'forced'.
   */
  shutdown(ident: string, reason: 'poweroff' | 'reboot' = 'poweroff'): 'requested' | 'forced' {
    const d = this.guest(ident);
    const state = this.vmm.domainInfo(d.domid).state;
    if (state !== 'running' && state !== 'paused') {
      throw new ToolstackError(`domain ${d.domid} (${d.name}) is not running (it is ${state})`);
    }
    const base = `/local/domain/${d.domid}/control`;
    if (this.xs.tryReadString(`${base}/feature-${reason}`) === '1') {
      this.xs.write(`${base}/shutdown`, reason);
      this.log.dom0(`domain ${d.domid} (${d.name}): ${reason} requested through xenstore`);
      return 'requested';
    }
    this.log.dom0(`domain ${d.domid} (${d.name}): no PV control interface, ${reason} forced`);
    this.wrap(() => this.vmm.shutdown(d.domid, reason));
    return 'forced';
  }

  /** A guest-initiated hardware reset (keyboard controller): treated as the guest rebooting. */
  private guestReset(domid: number): void {
    const d = this.domains.get(domid);
    if (!d || d.destroying) return;
    const state = this.vmm.domainInfo(domid).state;
    if (state === 'running' || state === 'paused') this.vmm.shutdown(domid, 'reboot');
  }

  reboot(ident: string): 'requested' | 'forced' {
    return this.shutdown(ident, 'reboot');
  }

  /** xl destroy: the domain ends now, no questions asked. */
  destroy(ident: string | number): number {
    const d = this.guest(ident);
    this.destroyDomain(d, 'destroyed');
    return d.domid;
  }

  private destroyDomain(d: ManagedDomain, why: string): void {
    if (d.destroying) return;
    d.destroying = true;
    this.detachNics(d);
    this.teardownRuntime(d);
    for (const s of d.ioreqServers) s.unregister();
    d.ioreqServers = [];
    for (const dev of d.devices) dev.dispose();
    d.unhookConsole();
    d.console.end(why);
    void this.detachDisks(d.domid);
    this.wrap(() => this.vmm.destroy(d.domid));
    this.log.dom0(`domain ${d.domid} (${d.name}) ${why}`);
  }

  /** Rebuild the guest in place (on_reboot=restart): same id, fresh memory, devices reset. */
  restart(d: ManagedDomain): void {
    // A PV guest's netbacks start afresh with its new front ends; the NE2000 keeps its port.
    if (!d.ne2000) this.detachNics(d);
    this.teardownRuntime(d);
    for (const dev of d.devices) dev.reset();
    this.wrap(() => this.vmm.reboot(d.domid));
    const disks = this.storage !== null && d.config.disk.length > 0;
    // Held until its disks are back: the rebooted guest may probe them at once.
    if (disks) this.vmm.pause(d.domid);
    this.setupRuntime(d);
    this.writeDisks(d);
    this.writeNics(d);
    if (!d.ne2000) this.attachNics(d);
    d.restarts++;
    if (!disks) return;
    const again = async (): Promise<void> => {
      await this.detachDisks(d.domid);
      if (d.destroying || !this.domains.has(d.domid)) return;
      // The old back ends wrote Closed as they stopped: the device directories start afresh.
      this.writeDisks(d);
      await this.attachDisks(d);
      if (!d.destroying && this.vmm.domainInfo(d.domid).state === 'paused')
        this.vmm.unpause(d.domid);
    };
    again().catch((e: unknown) => {
      this.log.dom0(
        `domain ${d.domid} (${d.name}): reattaching its disks after reboot failed: ${e instanceof Error ? e.message : String(e)}`,
        'error',
      );
      if (!d.destroying) this.destroyDomain(d, 'destroyed (disks unavailable after reboot)');
    });
  }

  schedCredit(ident: string, params: { weight?: number; cap?: number }): number {
    const id = this.resolve(ident);
    if (
      params.weight !== undefined &&
      (!Number.isInteger(params.weight) || params.weight < 1 || params.weight > 65535)
    ) {
      throw new ToolstackError(`weight must be an integer from 1 to 65535, got ${params.weight}`);
    }
    if (
      params.cap !== undefined &&
      (!Number.isInteger(params.cap) || params.cap < 0 || params.cap > 65535)
    ) {
      throw new ToolstackError(
        `cap must be an integer from 0 to 65535 (% of one CPU), got ${params.cap}`,
      );
    }
    if (id === 0)
      throw new ToolstackError(
        'Domain-0 runs beside the VMM, not on its scheduler: its parameters are fixed',
      );
    const p: { weight?: number; cap?: number } = {};
    if (params.weight !== undefined) p.weight = params.weight;
    if (params.cap !== undefined) p.cap = params.cap;
    this.wrap(() => this.vmm.setSchedParams(id, p));
    return id;
  }

  /**
   * xl mem-set: the balloon target (memory/target in xenstore, KiB). The
   * guest's balloon driver moves towards it; a guest without one stays put.
   */
  memSet(ident: string, kib: number): number {
    const d = this.guest(ident);
    const maxKiB = this.vmm.domainInfo(d.domid).maxMemoryKiB;
    if (!Number.isInteger(kib) || kib <= 0) throw new ToolstackError(`invalid memory size ${kib}k`);
    if (kib > maxKiB) {
      throw new ToolstackError(
        `memory_dynamic_max must be less than or equal to memory_static_max (${kib}k > ${maxKiB}k; raise maxmem in the config)`,
      );
    }
    this.wrap(() => this.vmm.setMemoryTarget(d.domid, kib));
    this.xs.write(`/local/domain/${d.domid}/memory/target`, String(kib));
    this.log.dom0(`domain ${d.domid} (${d.name}): memory target ${kib} KiB`);
    return d.domid;
  }

  /** The balloon target as written in xenstore, KiB. */
  memoryTarget(domid: number): number | undefined {
    const t = this.xs.tryReadString(`/local/domain/${domid}/memory/target`);
    return t === undefined ? undefined : Number(t);
  }

  /** VMM state errors (pausing a paused domain, …) become user errors. */
  private wrap<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (
        e instanceof Error &&
        (e.name === 'DomainStateError' || e.name === 'VmmError' || e.name === 'HostMemoryError')
      ) {
        throw new ToolstackError(e.message);
      }
      throw e;
    }
  }

  // ---------------------------------------------------------------- events and actions

  private onDomainEvent(e: DomainEvent): void {
    const d = this.domains.get(e.domid);
    if (!d) return;
    if (e.state === 'destroyed') {
      this.domains.delete(e.domid);
      this.errorCounts.delete(e.domid);
      this.detachNics(d);
      void this.detachDisks(e.domid);
      d.console.end('destroyed');
      this.emit({ kind: 'destroyed', domid: e.domid, name: e.name });
      return;
    }
    this.emit({ kind: 'state', domid: e.domid, name: e.name, state: e.state });
    if ((e.state === 'shutdown' || e.state === 'crashed') && !d.destroying) {
      const reason: ShutdownReason = e.reason ?? (e.state === 'crashed' ? 'crash' : 'poweroff');
      // Act outside the guest's time slice (the event fires inside it).
      queueMicrotask(() => this.applyAction(d, reason));
    }
  }

  private actionFor(cfg: XlConfig, reason: ShutdownReason): ShutdownAction | null {
    switch (reason) {
      case 'poweroff':
        return cfg.on_poweroff;
      case 'reboot':
        return cfg.on_reboot;
      case 'crash':
        return cfg.on_crash;
      case 'watchdog':
        return cfg.on_watchdog;
      case 'suspend':
        return null; // xl save's business
    }
  }

  private applyAction(d: ManagedDomain, reason: ShutdownReason): void {
    if (d.destroying || !this.domains.has(d.domid)) return;
    const state = this.vmm.domainInfo(d.domid).state;
    if (state !== 'shutdown' && state !== 'crashed') return; // Something else happened meanwhile.
    const action = this.actionFor(d.config, reason);
    const key =
      reason === 'crash'
        ? 'on_crash'
        : reason === 'reboot'
          ? 'on_reboot'
          : reason === 'watchdog'
            ? 'on_watchdog'
            : 'on_poweroff';
    d.lastAction = action === null ? null : `${key}=${action}`;
    const what = `domain ${d.domid} (${d.name}) ${state === 'crashed' ? 'crashed' : `shut down (${reason})`}`;
    if (action === null) {
      this.log.dom0(`${what}: left suspended`);
      d.console.end(`shut down (${reason})`);
      return;
    }
    this.log.dom0(`${what}: ${key} = ${action}`, state === 'crashed' ? 'warn' : 'info');
    try {
      switch (action) {
        case 'destroy':
        case 'coredump-destroy':
          this.destroyDomain(d, `destroyed (${key})`);
          break;
        case 'restart':
        case 'rename-restart':
        case 'coredump-restart':
        case 'soft-reset':
          this.restart(d);
          break;
        case 'preserve':
          d.console.end(state === 'crashed' ? 'crashed' : `shut down (${reason})`);
          break;
      }
    } catch (e) {
      this.log.dom0(
        `domain ${d.domid} (${d.name}): ${key} failed: ${e instanceof Error ? e.message : String(e)}`,
        'error',
      );
      d.console.end('failed');
    }
  }

  // ---------------------------------------------------------------- disks

  /**
   * Who each host-disk partition belongs to: the running domain whose disk
   * it is, else the definition in /etc/xen/vm whose disk= names it.
   */
  async partitionOwners(): Promise<Map<number, PartitionOwner>> {
    const owners = new Map<number, PartitionOwner>();
    const storage = this.storage;
    if (!storage) return owners;
    for (const d of this.managed())
      for (const g of storage.guestDisksOf(d.domid)) {
        const m = /^\/dev\/sda(\d+)$/.exec(g.backingName);
        if (m) owners.set(Number(m[1]), { name: d.name, domid: d.domid });
      }
    let entries;
    try {
      entries = await this.files.readdir(CONFIG_SEARCH_DIRS[0] as string);
    } catch {
      return owners;
    }
    for (const e of entries) {
      if (e.kind !== 'file') continue;
      let cfg: XlConfig;
      try {
        cfg = (await this.loadConfig(`${CONFIG_SEARCH_DIRS[0]}/${e.name}`)).config;
      } catch {
        continue; // A broken definition owns nothing.
      }
      for (const disk of cfg.disk) {
        if (!disk.target?.startsWith('/dev/')) continue;
        try {
          const n = storage.hostDisk.resolveDevicePath(disk.target).number;
          if (!owners.has(n)) owners.set(n, { name: cfg.name, domid: null });
        } catch {
          // Names no partition: xl create will say so.
        }
      }
    }
    return owners;
  }

  // ---------------------------------------------------------------- autostart

  /**
   * Start every definition in /etc/xen/vm with autostart = 1, in name order.
   * A definition that fails is logged and skipped.
   */
  async autostart(
    onEach?: (name: string, result: { domid: number } | { error: string }) => void,
  ): Promise<number[]> {
    const started: number[] = [];
    let entries;
    try {
      entries = await this.files.readdir(CONFIG_SEARCH_DIRS[0] as string);
    } catch {
      return started;
    }
    for (const e of entries) {
      if (e.kind !== 'file') continue;
      const path = `${CONFIG_SEARCH_DIRS[0]}/${e.name}`;
      // Only definitions marked autostart are checked further (and may complain).
      let marked: boolean;
      try {
        const text = new TextDecoder().decode(await this.files.readFile(path));
        const setting = parseXlSettings(text, path).get('autostart');
        marked =
          setting?.value.kind === 'number' && (parseCInteger(setting.value.value) ?? 0) !== 0;
      } catch (err) {
        this.log.dom0(
          `autostart: skipping ${path}: ${err instanceof Error ? err.message : String(err)}`,
          'warn',
        );
        continue;
      }
      if (!marked) continue;
      try {
        const loaded = await this.loadConfig(path);
        for (const w of loaded.warnings) this.log.dom0(w.toString());
        const domid = await this.createFrom(loaded);
        started.push(domid);
        onEach?.(e.name, { domid });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (onEach) onEach(e.name, { error: message });
        else this.log.dom0(`autostart ${path}: ${message}`, 'error');
      }
    }
    return started;
  }

  /** Destroy every guest (server shutdown). */
  destroyAll(): void {
    for (const d of this.managed()) this.destroyDomain(d, 'destroyed (server shutdown)');
  }
}
