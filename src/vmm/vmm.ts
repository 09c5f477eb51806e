import { Exception } from '../cpu/exceptions';
import { VIRT_MEMMAP } from '../machine/address-map';
import { Plic } from '../machine/plic';
import type { EvtchnStatus } from './event-channel';
import { EventChannelService } from './event-channel';
import { Virq } from './abi/event-channel';
import { DOMID_FIRST_RESERVED, PAGE_SHIFT, PAGE_SIZE } from './abi/hypercall';
import { GNTST } from './abi/grant-table';
import { HsmState } from './abi/sbi';
import { SharedInfo, VcpuInfo } from './abi/shared-info';
import {
  boundedDeadline,
  DEFAULT_EPOCH_MS,
  MAX_TIMEOUT_MS,
  NS_PER_TICK,
  realtimeEpochMs,
  type TimeMode,
  wallMs,
  wallNs,
  yieldToHost,
} from './clock';
import { DEFAULT_VCPUS, MAX_VCPUS, type DomainConfig } from './domain-config';
import { clearSharedPages, loadKernel, writeGuestDtb, writeStartInfo } from './domain-builder';
import {
  deriveUuid,
  DomainStateError,
  type LifecycleState,
  type ShutdownReason,
  validateDomainName,
  validateUuid,
  xlStateLetters,
} from './domain';
import type { ExitEvent } from './exit-stats';
import { GrantTableService, type CopyPtr, type GrantMapping } from './grant-table';
import { GuestBus, type ExitSink } from './guest-bus';
import { GuestDomain } from './guest-domain';
import { GuestMemory } from './guest-memory';
import { HostDomain } from './host-domain';
import { HostMemoryPool } from './host';
import { dispatchHypercall } from './hypercalls';
import type { IoreqServer, IoreqServerSpec } from './ioreq';
import {
  CreditScheduler,
  DEFAULT_WEIGHT,
  type SchedParams,
  type SchedVcpu,
} from './scheduler/credit';
import { handleSbiCall } from './sbi';
import type { DomainSnapshot } from './snapshot';
import { SNAPSHOT_VERSION } from './snapshot';
import { IRQ_SEIP, IRQ_STIP, Vcpu, type BlockReason } from './vcpu';

const MiB = 1024 * 1024;

export interface VmmOptions {
  /** Host RAM that domains are carved from (default 1024 MiB). */
  hostMemoryMiB?: number;
  /** Physical CPUs the scheduler shares out (default 1). */
  pcpus?: number;
  /** Default 'deterministic'. */
  timeMode?: TimeMode;
  /** Deterministic mode: virtual ns per retired instruction (default 10, a 100 MIPS CPU). */
  nsPerInstruction?: number;
  /** Nominal reservation of the VM server, Domain-0 (default 64 MiB). */
  dom0MemoryMiB?: number;
  /** The VM server's logical CPUs: Domain-0's vCPUs as list() shows them (default 1). */
  dom0Vcpus?: number;
  /** Exit trace entries kept per domain (default 256). */
  traceCapacity?: number;
  /** Wall time one batch may take before the loop yields to the host (default 8 ms). */
  batchMs?: number;
  /** Seed for derived UUIDs (default "tabvisor"). */
  seed?: string;
  /**
   * Wall-clock time (epoch ms) at host time 0: what guests' wallclocks
   * (shared_info wc_sec/wc_nsec) count from. Deterministic mode: fixed,
   * default 2024-01-01T00:00:00Z, so runs repeat; real time: the host's
   * clock unless given.
   */
  epochMs?: number;
}

export interface CreateOptions {
  /** xl create -p: build it paused. */
  paused?: boolean;
}

/** One row of `xl list` / xentop. */
export interface DomainInfo {
  id: number;
  name: string;
  uuid: string;
  type: 'pv' | 'hvm' | 'host';
  state: LifecycleState;
  /** "r-----" etc. */
  stateLetters: string;
  shutdownReason: ShutdownReason | null;
  memoryKiB: number;
  /** Static maximum (maxmem). */
  maxMemoryKiB: number;
  vcpus: number;
  onlineVcpus: number;
  cpuTimeNs: number;
  weight: number;
  cap: number;
  exits: number;
}

/** A guest's memory accounting (Xen's tot_pages, target, max_pages), KiB. */
export interface ReservationInfo {
  /** Populated now (XENMEM_current_reservation). */
  currentKiB: number;
  /** Balloon target (xl mem-set; `memory` at boot). */
  targetKiB: number;
  /** Most it may populate now (XENMEM_maximum_reservation): maxmem, or less after mem-set / mem-max. */
  maxKiB: number;
  /** maxmem: fixed when the domain was built (its guest-physical RAM). */
  staticMaxKiB: number;
}

export interface HostInfo {
  totalMemoryKiB: number;
  freeMemoryKiB: number;
  pcpus: number;
  timeMode: TimeMode;
  nowNs: number;
}

export interface DomainEvent {
  domid: number;
  name: string;
  state: LifecycleState;
  reason: ShutdownReason | null;
}

/** The VMM caught a failure while running a domain (onDomainError). */
export interface DomainErrorEvent {
  domid: number;
  name: string;
  /** Host time (ns; virtual in deterministic mode). */
  timeNs: number;
  message: string;
  error: unknown;
  /**
   * True when the domain was crashed for it (an internal VMM failure, also
   * kept in `Vmm.errors`); false for a failure it survives (a device model
   * that threw on an ioreq: the access read as all ones / was dropped).
   */
  fatal: boolean;
}

export interface BootInfo {
  startInfo: number | null;
  sharedInfo: number;
  dtb: number;
  consolePfn: number;
  consolePort: number;
  xenstorePfn: number;
  xenstorePort: number;
}

export class VmmError extends Error {
  override name = 'VmmError';
}

type StepResult = 'done' | 'idle' | 'yield';

/**
 * The hypervisor: domains and their vCPUs on a credit scheduler, the SBI
 * firmware and PV hypercalls, event channels, grant tables, ioreq servers and
 * exit accounting. The VM server (Domain-0) drives it through the public
 * methods; they never throw for a guest's misbehaviour, only for the host's
 * own mistakes (bad config, unknown domain, invalid state change).
 */
export class Vmm implements ExitSink {
  readonly timeMode: TimeMode;
  readonly nsPerInstruction: number;
  readonly pool: HostMemoryPool;
  readonly sched: CreditScheduler;
  readonly evtchn: EventChannelService;
  readonly gnttab: GrantTableService;
  readonly dom0: HostDomain;
  /** Internal failures caught while running guests (each crashed its domain). Empty unless the VMM has a bug. */
  readonly errors: { domid: number; error: unknown }[] = [];

  private readonly domains = new Map<number, GuestDomain>();
  private readonly owners = new Map<SchedVcpu, [GuestDomain, Vcpu]>();
  private nextDomid = 1;
  private readonly pcpuClock: number[];
  private readonly traceCapacity: number;
  private readonly batchMs: number;
  private readonly seed: string;
  private current: [GuestDomain, Vcpu] | null = null;
  private deferred: (() => void)[] = [];
  private listeners: ((e: DomainEvent) => void)[] = [];
  private errorListeners: ((e: DomainErrorEvent) => void)[] = [];
  /** Domain-0 has something to do before the guests continue (see serviceNeeded). */
  private serviceWanted = false;
  private loop: Promise<void> | null = null;
  private running = false;
  private wake: (() => void) | null = null;
  /** Real time: instructions per ns, measured (starts at 20 MIPS). */
  private rate = 0.02;
  private creations = 0;
  /** Wall-clock time (epoch ms) at host time 0. */
  readonly epochMs: number;

  constructor(opts: VmmOptions = {}) {
    this.timeMode = opts.timeMode ?? 'deterministic';
    this.nsPerInstruction = opts.nsPerInstruction ?? 10;
    if (!(this.nsPerInstruction > 0)) throw new RangeError('nsPerInstruction must be positive');
    this.pool = new HostMemoryPool((opts.hostMemoryMiB ?? 1024) * MiB);
    this.sched = new CreditScheduler({ pcpus: opts.pcpus ?? 1 });
    this.traceCapacity = opts.traceCapacity ?? 256;
    this.batchMs = opts.batchMs ?? 8;
    this.seed = opts.seed ?? 'tabvisor';
    this.epochMs =
      opts.epochMs ?? (this.timeMode === 'realtime' ? realtimeEpochMs() : DEFAULT_EPOCH_MS);
    if (!Number.isFinite(this.epochMs) || this.epochMs < 0)
      throw new RangeError(`epochMs must be a finite time ≥ 0, got ${this.epochMs}`);
    const start = this.timeMode === 'realtime' ? wallNs() : 0;
    this.pcpuClock = new Array<number>(this.sched.pcpus).fill(start);
    const dom0Pages = ((opts.dom0MemoryMiB ?? 64) * MiB) / PAGE_SIZE;
    const dom0Vcpus = opts.dom0Vcpus ?? 1;
    if (!Number.isInteger(dom0Vcpus) || dom0Vcpus < 1)
      throw new RangeError(`dom0Vcpus must be a whole number ≥ 1, got ${dom0Vcpus}`);
    this.pool.allocate(0, dom0Pages, 'Domain-0');
    this.dom0 = new HostDomain('Domain-0', dom0Pages, dom0Vcpus);
    // A guest's notification to the VM server ends its slice: the back end runs before it goes on.
    this.dom0.events.onQueued = () => this.serviceNeeded();
    const lookup = (id: number) => (id === 0 ? this.dom0 : this.domains.get(id));
    this.evtchn = new EventChannelService(lookup);
    this.gnttab = new GrantTableService(lookup);
  }

  // ------------------------------------------------------------------ time

  /** Host time in ns: virtual (deterministic) or wall (real time). */
  now(): number {
    if (this.timeMode === 'realtime') return wallNs();
    if (this.current) return this.nowFor(this.current[1]);
    return Math.min(...this.pcpuClock);
  }

  /** @internal Time as seen by a vCPU in the middle of its chunk. */
  nowFor(v: Vcpu): number {
    if (this.timeMode === 'realtime') return wallNs();
    return (
      v.chunkStartNs + (v.hart.instret - v.chunkStartInstret + v.chunkExits) * this.nsPerInstruction
    );
  }

  /** Wall-clock time now (epoch ms): the host epoch plus host time. */
  wallclockMs(): number {
    return this.epochMs + this.now() / 1e6;
  }

  /**
   * Publish a guest's wallclock in its shared-info page as Xen does
   * (update_domain_wallclock_time): wc_sec/wc_nsec are the wall-clock time at
   * the guest's system time 0 (its boot), and wc_version is odd while they
   * change, so a reader retries until it sees the same even version twice.
   */
  private publishWallclock(d: GuestDomain): void {
    const base = d.layout.sharedInfo;
    const off = d.mem.offsetOf(base + SharedInfo.wc_version, 12);
    if (off < 0) return;
    // Whole ms and ns of the epoch kept apart, so nothing rounds at 2^53.
    const ms = Math.floor(this.epochMs);
    const ns = Math.round((this.epochMs - ms) * 1e6) + d.bootNs;
    const totalSecFromNs = Math.floor(ns / 1e9);
    const sec = Math.floor(ms / 1000) + totalSecFromNs;
    const nsec = (ms % 1000) * 1e6 + (ns - totalSecFromNs * 1e9);
    const carry = Math.floor(nsec / 1e9);
    const version = d.mem.readU32(base + SharedInfo.wc_version);
    d.mem.writeU32(base + SharedInfo.wc_version, (version + 1) | 1);
    d.mem.writeU32(base + SharedInfo.wc_sec, (sec + carry) >>> 0);
    d.mem.writeU32(base + SharedInfo.wc_nsec, nsec - carry * 1e9);
    d.mem.writeU32(base + SharedInfo.wc_version, ((version + 1) | 1) + 1);
  }

  /** A domain's guest time (mtime ticks at 10 MHz). */
  guestTicks(d: GuestDomain, v: Vcpu): number {
    return Math.floor((this.nowFor(v) - d.bootNs) / NS_PER_TICK);
  }

  // ------------------------------------------------------------------ domains

  private domain(domid: number): GuestDomain {
    const d = this.domains.get(domid);
    if (!d)
      throw new VmmError(
        domid === 0 ? 'Domain-0 is the VM server, not a guest' : `no domain with id ${domid}`,
      );
    return d;
  }

  /** Find a domain id by name. */
  lookup(name: string): number | undefined {
    if (name === this.dom0.name) return 0;
    for (const d of this.domains.values()) if (d.name === name) return d.id;
    return undefined;
  }

  onDomainEvent(listener: (e: DomainEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /**
   * Told of every failure the VMM records for a domain, as it happens (before
   * the 'crashed' state event of a fatal one), so the toolstack can log the
   * reason without polling `errors`.
   */
  onDomainError(listener: (e: DomainErrorEvent) => void): () => void {
    this.errorListeners.push(listener);
    return () => {
      this.errorListeners = this.errorListeners.filter((l) => l !== listener);
    };
  }

  /** Record a failure met while running `d`: fatal ones go to `errors` (the caller crashes the domain). */
  private reportError(d: GuestDomain, error: unknown, fatal: boolean): void {
    if (fatal) this.errors.push({ domid: d.id, error });
    const e: DomainErrorEvent = {
      domid: d.id,
      name: d.name,
      timeNs: this.current ? this.nowFor(this.current[1]) : this.now(),
      message: error instanceof Error ? error.message : String(error),
      error,
      fatal,
    };
    for (const l of [...this.errorListeners]) {
      try {
        l(e);
      } catch {
        // A listener's own failure must not take the VMM (or the guest's slice) down.
      }
    }
  }

  /** Build and start a domain (xl create). Throws on a bad config or when host RAM runs out. */
  createDomain(cfg: DomainConfig, opts: CreateOptions = {}): number {
    validateDomainName(cfg.name);
    if (this.lookup(cfg.name) !== undefined)
      throw new VmmError(`a domain named "${cfg.name}" already exists`);
    if (cfg.type !== 'pv' && cfg.type !== 'hvm')
      throw new VmmError(`type must be "pv" or "hvm", got ${JSON.stringify(cfg.type)}`);
    const vcpus = cfg.vcpus ?? DEFAULT_VCPUS;
    if (!Number.isInteger(vcpus) || vcpus < 1 || vcpus > MAX_VCPUS)
      throw new VmmError(`vcpus must be 1–${MAX_VCPUS}, got ${vcpus}`);
    if (!Number.isInteger(cfg.memory) || cfg.memory < 1)
      throw new VmmError(`memory must be a whole number of MiB ≥ 1, got ${cfg.memory}`);
    const maxmem = cfg.maxmem ?? cfg.memory;
    if (!Number.isInteger(maxmem) || maxmem < cfg.memory)
      throw new VmmError(`maxmem (${maxmem}) must be ≥ memory (${cfg.memory})`);
    if (VIRT_MEMMAP.dram.base + maxmem * MiB > 0x1_0000_0000)
      throw new VmmError(`maxmem ${maxmem} MiB does not fit below 4 GiB`);
    if (cfg.ramdisk !== undefined && !(cfg.ramdisk instanceof Uint8Array))
      throw new VmmError('ramdisk must be the image bytes (a Uint8Array)');
    const params: SchedParams = { weight: cfg.weight ?? DEFAULT_WEIGHT, cap: cfg.cap ?? 0 };
    if (cfg.uuid !== undefined) validateUuid(cfg.uuid);
    const id = this.allocDomid();
    const uuid = cfg.uuid ?? deriveUuid(`${this.seed}:${cfg.name}:${id}:${this.creations++}`);
    const bootPages = (cfg.memory * MiB) / PAGE_SIZE;
    const maxPages = (maxmem * MiB) / PAGE_SIZE;
    this.pool.allocate(id, bootPages, `domain "${cfg.name}"`);
    let d: GuestDomain;
    try {
      const mem = new GuestMemory(maxPages * PAGE_SIZE, bootPages);
      const layout = loadKernel(mem, cfg, bootPages * PAGE_SIZE);
      const sd = this.sched.addDomain(id, params);
      d = new GuestDomain(
        id,
        cfg.name,
        uuid,
        cfg,
        mem,
        maxPages,
        layout,
        sd,
        vcpus,
        this.traceCapacity,
        () => this.onUpcall(d),
        opts.paused ?? false,
      );
    } catch (e) {
      this.pool.releaseAll(id);
      this.sched.removeDomain(id);
      throw e;
    }
    this.domains.set(id, d);
    d.lifecycle.onChange((state, reason) =>
      this.emit({ domid: d.id, name: d.name, state, reason }),
    );
    this.boot(d);
    return id;
  }

  private allocDomid(): number {
    // Xen hands out ids incrementally and wraps below the reserved range.
    for (let i = 0; i < DOMID_FIRST_RESERVED; i++) {
      const id = this.nextDomid;
      this.nextDomid = this.nextDomid + 1 >= DOMID_FIRST_RESERVED ? 1 : this.nextDomid + 1;
      if (!this.domains.has(id)) return id;
    }
    throw new VmmError('out of domain ids');
  }

  /** vCPUs, boot pages, ports; vCPU 0 enters the kernel (a0 = hart id, a1 = DTB, a2 = start-info). */
  private boot(d: GuestDomain): void {
    const cfg = d.config;
    const n = cfg.vcpus ?? DEFAULT_VCPUS;
    d.bootNs = this.now();
    // A (re)built domain starts at its configured memory, free to balloon up to maxmem.
    d.targetPages = (cfg.memory * MiB) / PAGE_SIZE;
    d.maxReservationPages = d.maxPages;
    const bus = new GuestBus(d, this.gnttab, this);
    d.plic.contextLines = [];
    d.vcpus = [];
    for (let i = 0; i < n; i++) {
      const sv = this.sched.addVcpu(d.sched, i, false);
      const v: Vcpu = new Vcpu(
        i,
        bus,
        () => Math.floor((this.nowFor(v) - d.bootNs) / NS_PER_TICK),
        sv,
        i === 0,
      );
      v.hart.machineTrapHook = (_h, cause) => this.onMachineTrap(d, v, cause);
      this.owners.set(sv, [d, v]);
      d.vcpus.push(v);
      d.plic.contextLines.push(
        () => {},
        (level) => {
          v.hart.setInterruptLine(IRQ_SEIP, level);
          if (level) {
            d.exits.record(this.now(), v.id, 'external-irq', 0);
            this.wakeCheck(d, v);
          }
        },
      );
    }
    clearSharedPages(d.mem, d.layout);
    this.publishWallclock(d);
    d.ports = { console: 0, xenstore: 0 };
    if (cfg.type === 'pv') {
      d.ports.console = this.evtchn.allocUnbound(this.dom0, d.id, 0);
      d.ports.xenstore = this.evtchn.allocUnbound(this.dom0, d.id, 0);
      writeStartInfo(d.mem, d.layout, {
        nrPages: d.mem.populatedCount(),
        privileged: false,
        storeEvtchn: d.ports.xenstore,
        consoleEvtchn: d.ports.console,
        cmdline: cfg.cmdline ?? '',
      });
    }
    writeGuestDtb(d.mem, cfg, d.layout, {
      vcpus: n,
      bootBytes: d.mem.populatedCount() * PAGE_SIZE,
    });
    const v0 = d.vcpus[0] as Vcpu;
    v0.enter(d.layout.entry, d.layout.dtb, cfg.type === 'pv' ? d.layout.startInfo : 0);
    for (const v of d.vcpus) this.updateRunnable(d, v);
  }

  /** Run `fn` now, or right after the current guest slice if that slice belongs to `d`. */
  private mutate(d: GuestDomain, fn: () => void): void {
    if (this.current && this.current[0] === d) {
      this.current[1].hart.stop();
      this.deferred.push(fn);
    } else {
      fn();
    }
  }

  pause(domid: number): void {
    const d = this.domain(domid);
    d.lifecycle.pause();
    this.mutate(d, () => d.vcpus.forEach((v) => this.updateRunnable(d, v)));
  }

  unpause(domid: number): void {
    const d = this.domain(domid);
    d.lifecycle.unpause();
    d.vcpus.forEach((v) => this.updateRunnable(d, v));
    this.kick();
  }

  /** Toolstack-initiated shutdown (the guest is not asked: it stops, as after its own SRST). */
  shutdown(domid: number, reason: ShutdownReason = 'poweroff'): void {
    const d = this.domain(domid);
    d.lifecycle.shutdown(reason);
    this.mutate(d, () => d.vcpus.forEach((v) => this.updateRunnable(d, v)));
  }

  /** Restart in place with fresh memory and vCPUs (xl reboot / on_reboot=restart). */
  reboot(domid: number): void {
    const d = this.domain(domid);
    if (d.lifecycle.state === 'dying' || d.lifecycle.state === 'destroyed') {
      throw new DomainStateError(`cannot reboot ${d.name}: it is ${d.lifecycle.describe()}`);
    }
    this.mutate(d, () => {
      this.teardownRuntime(d);
      const bootPages = (d.config.memory * MiB) / PAGE_SIZE;
      const held = this.pool.pagesOf(d.id);
      if (held < bootPages) this.pool.allocate(d.id, bootPages - held, `domain "${d.name}"`);
      else this.pool.release(d.id, held - bootPages);
      d.mem.ram.fill(0);
      d.mem.populated.fill(0);
      d.mem.populated.fill(1, 0, bootPages);
      loadKernel(d.mem, d.config, bootPages * PAGE_SIZE);
      d.sched = this.sched.addDomain(d.id, d.sched.params);
      d.rebootCount++;
      d.lifecycle.reset();
      this.boot(d);
      this.kick();
    });
  }

  /** Unhook a domain's vCPUs, channels and mappings (destroy and reboot). */
  private teardownRuntime(d: GuestDomain): void {
    for (const v of d.vcpus) this.owners.delete(v.sched);
    this.sched.removeDomain(d.id);
    this.evtchn.closeAll(d);
    this.gnttab.unmapAll(d);
    d.grants.frames = [];
    d.grants.pins.clear();
    d.plic.restoreState(new Plic({ contexts: 2 * d.vcpus.length }).saveState());
  }

  /** xl destroy: the domain dies now; its memory returns once no one maps it. */
  destroy(domid: number): void {
    const d = this.domain(domid);
    d.lifecycle.destroy();
    this.mutate(d, () => {
      this.teardownRuntime(d);
      const finish = (): void => {
        this.pool.releaseAll(d.id);
        this.domains.delete(d.id);
        d.lifecycle.finishDestroy();
      };
      if (d.grants.foreignMaps === 0) finish();
      else d.grants.onReleased = finish;
    });
  }

  setSchedParams(domid: number, params: Partial<SchedParams>): void {
    const d = this.domain(domid);
    this.sched.setParams(d.id, { ...d.sched.params, ...params });
  }

  schedParams(domid: number): SchedParams {
    return { ...this.domain(domid).sched.params };
  }

  list(): DomainInfo[] {
    const rows: DomainInfo[] = [
      {
        id: 0,
        name: this.dom0.name,
        uuid: this.dom0.uuid,
        type: 'host',
        state: 'running',
        stateLetters: xlStateLetters('running', true),
        shutdownReason: null,
        memoryKiB: (this.dom0.memoryPages * PAGE_SIZE) / 1024,
        maxMemoryKiB: (this.dom0.memoryPages * PAGE_SIZE) / 1024,
        vcpus: this.dom0.vcpuCount,
        onlineVcpus: this.dom0.vcpuCount,
        cpuTimeNs: this.dom0.cpuTimeNs,
        weight: DEFAULT_WEIGHT,
        cap: 0,
        exits: 0,
      },
    ];
    for (const d of [...this.domains.values()].sort((a, b) => a.id - b.id))
      rows.push(this.infoOf(d));
    return rows;
  }

  domainInfo(domid: number): DomainInfo {
    return this.infoOf(this.domain(domid));
  }

  private infoOf(d: GuestDomain): DomainInfo {
    return {
      id: d.id,
      name: d.name,
      uuid: d.uuid,
      type: d.config.type,
      state: d.lifecycle.state,
      stateLetters: xlStateLetters(d.lifecycle.state, d.active),
      shutdownReason: d.lifecycle.shutdownReason,
      memoryKiB: (d.mem.populatedCount() * PAGE_SIZE) / 1024,
      maxMemoryKiB: (d.maxPages * PAGE_SIZE) / 1024,
      vcpus: d.vcpus.length,
      onlineVcpus: d.vcpus.filter((v) => v.hsm !== HsmState.Stopped).length,
      cpuTimeNs: d.cpuTimeNs,
      weight: d.sched.params.weight,
      cap: d.sched.params.cap,
      exits: d.exits.total,
    };
  }

  hostInfo(): HostInfo {
    return {
      totalMemoryKiB: (this.pool.totalPages * PAGE_SIZE) / 1024,
      freeMemoryKiB: (this.pool.freePages * PAGE_SIZE) / 1024,
      pcpus: this.sched.pcpus,
      timeMode: this.timeMode,
      nowNs: this.now(),
    };
  }

  /** Instructions retired by each vCPU of a domain. */
  instructions(domid: number): number[] {
    return this.domain(domid).vcpus.map((v) => v.hart.instret);
  }

  private emit(e: DomainEvent): void {
    for (const l of this.listeners) l(e);
  }

  // ------------------------------------------------------------------ VM server interface

  bootInfo(domid: number): BootInfo {
    const d = this.domain(domid);
    return {
      startInfo: d.config.type === 'pv' ? d.layout.startInfo : null,
      sharedInfo: d.layout.sharedInfo,
      dtb: d.layout.dtb,
      consolePfn: d.layout.console >>> PAGE_SHIFT,
      consolePort: d.ports.console,
      xenstorePfn: d.layout.xenstore >>> PAGE_SHIFT,
      xenstorePort: d.ports.xenstore,
    };
  }

  /** Privileged foreign mapping of a guest's RAM (the toolstack's console and xenstore pages). */
  foreignMemory(domid: number): GuestMemory {
    return this.domain(domid).mem;
  }

  /**
   * Keys typed at a guest's hypervisor console: queued for console_io read /
   * SBI getchar, and VIRQ_CONSOLE raised so a guest that bound it can sleep
   * (SCHEDOP_block) until input comes instead of polling.
   */
  consoleInput(domid: number, bytes: Uint8Array): void {
    const d = this.domain(domid);
    if (bytes.length === 0) return;
    d.console.pushInput(bytes);
    this.evtchn.raiseVirq(d, Virq.console);
    this.kick();
  }

  onConsoleOutput(domid: number, listener: (bytes: Uint8Array) => void): () => void {
    return this.domain(domid).console.onOutput(listener);
  }

  consoleText(domid: number): string {
    return this.domain(domid).console.text();
  }

  /**
   * The VM server (Domain-0) spent `ns` of host time serving guests (back
   * ends, device models): added to Domain-0's CPU time in list(). The VMM
   * does not schedule the VM server, so only the server can account for it.
   */
  accountServerTime(ns: number): void {
    if (!Number.isFinite(ns) || ns < 0)
      throw new RangeError(`server time must be a finite number of ns ≥ 0, got ${ns}`);
    this.dom0.cpuTimeNs += ns;
  }

  /**
   * xl mem-set: the domain's balloon target (what the toolstack writes to
   * memory/target) — and, as libxl does, its maximum reservation: from now
   * on increase_reservation / populate_physmap give it pages only while it
   * holds fewer than the target. Lowering it below what the guest holds
   * takes nothing away; the guest's balloon driver gives pages back.
   */
  setMemoryTarget(domid: number, kib: number): void {
    const d = this.domain(domid);
    const pages = this.memoryPages(d, kib, 'memory target');
    d.targetPages = pages;
    d.maxReservationPages = pages;
  }

  /** A guest's memory: populated now, balloon target, maximum reservation, maxmem (xl list -l, xentop). */
  reservation(domid: number): ReservationInfo {
    const d = this.domain(domid);
    const kib = (pages: number): number => (pages * PAGE_SIZE) / 1024;
    return {
      currentKiB: kib(this.pool.pagesOf(d.id)),
      targetKiB: kib(d.targetPages),
      maxKiB: kib(d.maxReservationPages),
      staticMaxKiB: kib(d.maxPages),
    };
  }

  /** xl mem-max: the most memory the guest may populate (Xen's max_pages), at most its maxmem. */
  setMaxMemory(domid: number, kib: number): void {
    const d = this.domain(domid);
    d.maxReservationPages = this.memoryPages(d, kib, 'maximum memory');
  }

  private memoryPages(d: GuestDomain, kib: number, what: string): number {
    const maxKiB = (d.maxPages * PAGE_SIZE) / 1024;
    if (!Number.isInteger(kib) || kib < PAGE_SIZE / 1024)
      throw new VmmError(`${what} must be a whole number of KiB ≥ ${PAGE_SIZE / 1024}, got ${kib}`);
    if (kib > maxKiB)
      throw new VmmError(
        `${what} ${kib} KiB is above the maxmem of ${d.name} (${maxKiB} KiB), fixed when it was built`,
      );
    return Math.floor((kib * 1024) / PAGE_SIZE);
  }

  /**
   * The VM server has work that must run before the current guest goes on
   * (a device model that started an asynchronous operation during an ioreq,
   * say): end the running vCPU's slice at the current instruction, deliver
   * Domain-0's pending events, and in the background loop (start()) let the
   * host's event loop run before the next slice.
   */
  requestService(): void {
    this.serviceNeeded();
  }

  private serviceNeeded(): void {
    this.serviceWanted = true;
    const cur = this.current;
    if (cur) {
      // Deterministic: the slice ends after the same instruction on every run.
      cur[1].stoppedByVmm = true;
      cur[1].hart.stop();
    } else {
      this.kick();
    }
  }

  registerIoreqServer(domid: number, spec: IoreqServerSpec): IoreqServer {
    const d = this.domain(domid);
    const p = VIRT_MEMMAP.plic;
    return d.ioreq.register(spec, (base, end) => {
      if (base < p.base + p.size && p.base < end) return 'the PLIC';
      if (base < d.mem.base + d.mem.ram.length && d.mem.base < end) return 'guest RAM';
      return null;
    });
  }

  /** Drive a PLIC source of a guest (the VM server's device models raise their IRQs here). */
  setIrqLevel(domid: number, irq: number, level: boolean): void {
    this.domain(domid).plic.setSourceLevel(irq, level);
  }

  exitCounters(domid: number): Record<string, number> {
    return this.domain(domid).exits.counters();
  }

  exitTrace(domid: number): ExitEvent[] {
    return this.domain(domid).exits.trace();
  }

  /** The number of the domain's latest exit (ExitEvent.seq); 0 before its first or once it is gone. */
  exitSeq(domid: number): number {
    return this.domains.get(domid)?.exits.total ?? 0;
  }

  /** The newest `limit` of the domain's exits numbered first…last still in its trace. */
  exitsBetween(domid: number, first: number, last: number, limit: number): ExitEvent[] {
    return this.domains.get(domid)?.exits.between(first, last, limit) ?? [];
  }

  onEvent(listener: ((port: number) => void) | null): void {
    this.dom0.events.listener = listener;
  }
  evtchnAllocUnbound(remoteDomid: number): number {
    return this.evtchn.allocUnbound(this.dom0, 0, remoteDomid);
  }
  evtchnBindInterdomain(remoteDomid: number, remotePort: number): number {
    return this.evtchn.bindInterdomain(this.dom0, remoteDomid, remotePort);
  }
  evtchnSend(port: number): number {
    const r = this.evtchn.send(this.dom0, port);
    this.kick();
    return r;
  }
  evtchnClose(port: number): number {
    return this.evtchn.close(this.dom0, port);
  }
  evtchnStatus(domid: number, port: number): EvtchnStatus | number {
    return this.evtchn.status(this.dom0, domid, port);
  }
  mapGrant(
    domid: number,
    ref: number,
    readonly: boolean,
  ): { status: GNTST; mapping?: GrantMapping } {
    return this.gnttab.mapForHost(this.dom0, domid, ref, readonly);
  }
  unmapGrant(handle: number): GNTST {
    return this.gnttab.unmap(this.dom0, handle, 0);
  }
  grantCopy(source: CopyPtr, dest: CopyPtr, len: number, flags: number): GNTST {
    return this.gnttab.copy(this.dom0, source, dest, len, flags);
  }

  // ------------------------------------------------------------------ firmware services (sbi.ts, hypercalls.ts)

  /** @internal */
  recordExit(d: GuestDomain, v: Vcpu, reason: string, detail: number): void {
    d.exits.record(this.nowFor(v), v.id, reason, detail);
    v.chunkExits++;
  }

  /** @internal ExitSink for the guest bus: the running vCPU made the access. */
  exit(d: GuestDomain, reason: string, detail: number): void {
    const cur = this.current;
    if (cur && cur[0] === d) this.recordExit(d, cur[1], reason, detail);
    else d.exits.record(this.now(), -1, reason, detail);
  }

  /** @internal ExitSink: an ioreq went to a server that wants to run before the guest goes on. */
  ioreqNeedsService(): void {
    this.serviceNeeded();
  }

  /** @internal ExitSink: a device model threw on an access; the guest carries on. */
  ioreqFailed(d: GuestDomain, server: string, addr: number, error: unknown): void {
    const why = error instanceof Error ? error.message : String(error);
    this.reportError(
      d,
      new VmmError(`ioreq server ${server} failed at 0x${addr.toString(16)}: ${why}`),
      false,
    );
  }

  /** @internal */
  hypercall(d: GuestDomain, v: Vcpu, nr: number): void {
    dispatchHypercall(this, d, v, nr);
  }

  /** @internal SBI set_timer: program the vCPU's compare value (mtime ticks); clears STIP (SBI §6.1). */
  setTimer(d: GuestDomain, v: Vcpu, cmp: number): void {
    v.timerCmp = cmp;
    v.timerFired = false;
    v.hart.setInterruptLine(IRQ_STIP, false);
    const deadline = this.timerDeadline(d, v);
    if (deadline !== null && deadline <= this.nowFor(v)) this.fireTimer(d, v);
    else if (deadline !== null && this.current?.[1] === v && deadline < this.chunkEnd) {
      // Sooner than the slice was planned to last: end the slice there.
      v.stoppedByVmm = true;
      v.hart.stop();
    }
  }

  private timerDeadline(d: GuestDomain, v: Vcpu): number | null {
    if (v.timerCmp === null || v.timerFired) return null;
    return boundedDeadline(d.bootNs + v.timerCmp * NS_PER_TICK);
  }

  private fireTimer(d: GuestDomain, v: Vcpu): void {
    v.timerFired = true;
    v.hart.setInterruptLine(IRQ_STIP, true);
    d.exits.record(this.now(), v.id, 'timer', 0);
    this.evtchn.raiseVirq(d, Virq.timer);
    this.wakeCheck(d, v);
  }

  /** @internal SBI IPI: raise SSIP on the target. */
  sendIpi(d: GuestDomain, t: Vcpu): void {
    t.setSoftwareInterrupt(true);
    d.exits.record(this.now(), t.id, 'ipi', 0);
    this.wakeCheck(d, t);
  }

  /** @internal HSM hart_start (SBI §9.1). */
  hsmStart(d: GuestDomain, t: Vcpu, addr: number, opaque: number): void {
    t.enter(addr, opaque);
    t.hsm = HsmState.Started;
    t.block = null;
    this.updateRunnable(d, t);
  }

  /** @internal HSM hart_stop (SBI §9.2): only hart_start brings it back. */
  hsmStop(d: GuestDomain, v: Vcpu): void {
    v.hsm = HsmState.Stopped;
    this.blockVcpu(d, v, 'hsm-stopped');
  }

  /** @internal HSM hart_suspend (SBI §9.4): retentive (resume = null) returns after the ecall. */
  hsmSuspend(d: GuestDomain, v: Vcpu, resume: { addr: number; opaque: number } | null): void {
    v.resume = resume;
    v.hsm = HsmState.Suspended;
    if (v.interruptPending()) this.resumeFromSuspend(v);
    else this.blockVcpu(d, v, 'hsm-suspended');
  }

  private resumeFromSuspend(v: Vcpu): void {
    v.hsm = HsmState.Started;
    if (v.resume) {
      v.enter(v.resume.addr, v.resume.opaque);
      v.resume = null;
    }
  }

  /** @internal SRST, SCHEDOP_shutdown, legacy shutdown. */
  guestShutdown(d: GuestDomain, reason: ShutdownReason): void {
    if (d.lifecycle.state !== 'running' && d.lifecycle.state !== 'paused') return;
    d.lifecycle.shutdown(reason);
    for (const v of d.vcpus) this.updateRunnable(d, v);
    const cur = this.current;
    if (cur && cur[0] === d) {
      cur[1].stoppedByVmm = true;
      cur[1].hart.stop();
    }
  }

  /** @internal SCHEDOP_yield. */
  yieldVcpu(_d: GuestDomain, v: Vcpu): void {
    this.sched.yield(v.sched);
    v.stoppedByVmm = true;
    v.hart.stop();
  }

  /** @internal SCHEDOP_block: unmask upcalls, sleep until an event (or an enabled interrupt). */
  schedBlock(d: GuestDomain, v: Vcpu): void {
    const off = d.mem.offsetOf(
      d.layout.sharedInfo + VcpuInfo.size * v.id + VcpuInfo.evtchn_upcall_mask,
      1,
    );
    if (off >= 0) d.mem.ram[off] = 0; // vcpu_info.evtchn_upcall_mask = 0 (local_event_delivery_enable)
    if (d.events.upcallPending() || v.interruptPending()) return;
    this.blockVcpu(d, v, 'sched-block');
  }

  /** @internal SCHEDOP_poll: sleep until one of `ports` is pending or `timeoutNs` (guest system time; 0 = none). */
  schedPoll(d: GuestDomain, v: Vcpu, ports: number[], timeoutNs: number): void {
    if (ports.some((p) => d.events.isPending(p))) return;
    v.pollPorts = ports;
    v.pollDeadlineNs = timeoutNs === 0 ? null : boundedDeadline(d.bootNs + timeoutNs);
    if (v.pollDeadlineNs !== null && v.pollDeadlineNs <= this.nowFor(v)) return;
    this.blockVcpu(d, v, 'poll');
  }

  /**
   * @internal Balloon: populate `pfn` (or the lowest free frame); returns the pfn or −1.
   * Refused once the domain holds its maximum reservation (Xen's assign_pages
   * "over-allocation" check against d->max_pages) or the host pool is empty.
   */
  balloonPopulate(d: GuestDomain, pfn: number | null): number {
    if (this.pool.pagesOf(d.id) >= d.maxReservationPages) return -1;
    let idx: number;
    if (pfn === null) {
      idx = d.mem.populated.indexOf(0);
      if (idx < 0) return -1;
    } else {
      idx = pfn - d.mem.firstPfn;
      if (d.mem.frameOffset(pfn) < 0 || d.mem.populated[idx] === 1) return -1;
    }
    if (this.pool.allocateUpTo(d.id, 1) !== 1) return -1;
    d.mem.populated[idx] = 1;
    return d.mem.firstPfn + idx;
  }

  /** @internal Balloon: give frame `pfn` back to the host pool (zeroed). */
  balloonRelease(d: GuestDomain, pfn: number): boolean {
    const off = d.mem.frameOffset(pfn);
    const idx = pfn - d.mem.firstPfn;
    if (off < 0 || d.mem.populated[idx] !== 1) return false;
    d.mem.ram.fill(0, off, off + PAGE_SIZE);
    d.mem.populated[idx] = 0;
    this.pool.release(d.id, 1);
    return true;
  }

  // ------------------------------------------------------------------ blocking and waking

  private blockVcpu(d: GuestDomain, v: Vcpu, reason: BlockReason): void {
    v.block = reason;
    this.updateRunnable(d, v);
    v.stoppedByVmm = true;
    v.hart.stop();
  }

  /** Make the scheduler's view match: runnable iff the domain runs and the vCPU is not blocked. */
  private updateRunnable(d: GuestDomain, v: Vcpu): void {
    const want = d.lifecycle.runnable && v.block === null;
    if (want === v.sched.runnable) return;
    if (want) {
      this.sched.wake(v.sched);
      // Like csched's runq tickle: a woken vCPU that outranks the running one preempts it now.
      const cur = this.current;
      if (cur && cur[1] !== v && v.sched.priority < cur[1].sched.priority) {
        cur[1].stoppedByVmm = true;
        cur[1].hart.stop();
      }
      this.kick();
    } else {
      this.sched.block(v.sched);
    }
  }

  /** Re-check whether a blocked vCPU's wait is over. */
  private wakeCheck(d: GuestDomain, v: Vcpu): void {
    let wake = false;
    switch (v.block) {
      case null:
      case 'hsm-stopped':
        return;
      case 'wfi':
        wake = v.interruptPending();
        break;
      case 'hsm-suspended':
        wake = v.interruptPending();
        if (wake) this.resumeFromSuspend(v);
        break;
      case 'sched-block':
        wake = d.events.upcallPending() || v.interruptPending();
        break;
      case 'poll':
        wake =
          v.pollPorts.some((p) => d.events.isPending(p)) ||
          (v.pollDeadlineNs !== null && v.pollDeadlineNs <= this.now());
        break;
    }
    if (!wake) return;
    v.block = null;
    v.pollPorts = [];
    v.pollDeadlineNs = null;
    v.hart.waitingForInterrupt = false;
    this.updateRunnable(d, v);
  }

  /** An event became pending for `d` (SharedInfoEvents upcall). */
  private onUpcall(d: GuestDomain): void {
    d.refreshUpcallLine();
    for (const v of d.vcpus)
      if (v.block === 'sched-block' || v.block === 'poll') this.wakeCheck(d, v);
  }

  /** The M-mode trap hook of every vCPU: the VMM is the SBI firmware (cause 9 = ecall from S). */
  private onMachineTrap(d: GuestDomain, v: Vcpu, cause: number): boolean {
    if (cause === Exception.EcallFromS) {
      const pc = v.hart.pc;
      handleSbiCall(this, d, v);
      if (v.hart.pc === pc) v.hart.pc = (pc + 4) >>> 0;
      return true;
    }
    // Nothing else is left to M-mode (medeleg/mideleg delegate the rest): a guest
    // cannot get here without a VMM bug, so it crashes rather than run on wrongly.
    this.reportError(
      d,
      new VmmError(`unexpected machine trap, cause 0x${cause.toString(16)}`),
      true,
    );
    this.guestShutdown(d, 'crash');
    return true;
  }

  // ------------------------------------------------------------------ the main loop

  /** Planned end (host ns) of the running slice. */
  private chunkEnd = 0;

  /** Fire due timers and poll timeouts; returns the next deadline (host ns) or Infinity. */
  private processTimers(t: number): number {
    let next = Infinity;
    for (const d of this.domains.values()) {
      if (!d.lifecycle.runnable) continue;
      for (const v of d.vcpus) {
        const dl = this.timerDeadline(d, v);
        if (dl !== null) {
          if (dl <= t) this.fireTimer(d, v);
          else next = Math.min(next, dl);
        }
        if (v.block === 'poll') {
          this.wakeCheck(d, v);
          if (v.block === 'poll' && v.pollDeadlineNs !== null)
            next = Math.min(next, v.pollDeadlineNs);
        }
      }
    }
    return next;
  }

  /** Run one slice of `v` on pCPU `p` starting at host time `t`. */
  private runSlice(p: number, d: GuestDomain, v: Vcpu, t: number, budgetNs: number): void {
    const hart = v.hart;
    const insns =
      this.timeMode === 'deterministic'
        ? Math.max(1, Math.floor(budgetNs / this.nsPerInstruction))
        : Math.min(2_000_000, Math.max(1000, Math.floor(budgetNs * this.rate)));
    v.chunkStartNs = t;
    v.chunkStartInstret = hart.instret;
    v.chunkExits = 0;
    v.stoppedByVmm = false;
    this.chunkEnd = t + budgetNs;
    this.current = [d, v];
    try {
      hart.run(insns);
    } catch (error) {
      this.reportError(d, error, true);
      this.current = null;
      this.guestShutdown(d, 'crash');
    }
    this.current = null;
    let ns: number;
    if (this.timeMode === 'deterministic') {
      let used = hart.instret - v.chunkStartInstret + v.chunkExits;
      // A slice that retired nothing and was not stopped spent its budget on traps.
      if (used === 0 && !v.stoppedByVmm && !hart.waitingForInterrupt) used = insns;
      ns = used * this.nsPerInstruction;
    } else {
      const end = wallNs();
      ns = Math.max(1, end - t);
      const retired = hart.instret - v.chunkStartInstret;
      if (retired > 1000) this.rate = 0.8 * this.rate + 0.2 * (retired / ns);
    }
    this.sched.charge(v.sched, ns);
    this.pcpuClock[p] = t + ns;
    if (hart.waitingForInterrupt && v.block === null) {
      d.exits.record(t + ns, v.id, 'wfi', 0);
      v.block = 'wfi';
      this.updateRunnable(d, v);
    }
    if (this.domains.has(d.id)) d.refreshUpcallLine();
    const deferred = this.deferred;
    this.deferred = [];
    for (const fn of deferred) fn();
  }

  /**
   * After a slice that asked for Domain-0 (a notification to it, an ioreq
   * that needs it): run its event handlers now, before any guest goes on.
   * Returns true when the caller should also let the host's event loop run
   * (the background loop: the server's asynchronous work, e.g. a disk read
   * a back end started, then gets its turn before the next slice).
   */
  private serviceDom0(background: boolean): boolean {
    if (!this.serviceWanted) return false;
    this.serviceWanted = false;
    this.dom0.events.flush();
    return background;
  }

  /**
   * Deterministic: run until virtual time `until` or wall time `wallDeadline`
   * (ms). `background`: called from start(), so it may return 'yield' early for
   * the host to serve Domain-0.
   */
  private stepDeterministic(
    until: number,
    wallDeadline: number,
    stopWhen?: () => boolean,
    background = false,
  ): StepResult {
    const clocks = this.pcpuClock;
    for (;;) {
      let p = 0;
      for (let i = 1; i < clocks.length; i++)
        if ((clocks[i] as number) < (clocks[p] as number)) p = i;
      const t = clocks[p] as number;
      if (t >= until) return 'done';
      if (wallMs() >= wallDeadline) return 'yield';
      const nextTimer = this.processTimers(t);
      this.serviceWanted = false;
      this.dom0.events.flush();
      const pick = this.sched.pick(p, t);
      if (!pick) {
        // Idle: skip ahead to the next thing that can make work (virtual time costs nothing).
        let next = Math.min(nextTimer, until);
        if (this.sched.hasRunnableOrParked()) next = Math.min(next, this.sched.nextAccounting);
        for (let i = 0; i < clocks.length; i++) {
          if (i !== p && this.sched.hasRunnable())
            next = Math.min(next, (clocks[i] as number) + this.sched.tickNs);
        }
        if (next === Infinity) return 'idle';
        clocks[p] = Math.max(t + 1, next);
        continue;
      }
      const owner = this.owners.get(pick.vcpu);
      if (!owner) {
        this.sched.block(pick.vcpu);
        continue;
      }
      const budget = Math.max(1, Math.min(pick.budgetNs, nextTimer - t, until - t));
      this.runSlice(p, owner[0], owner[1], t, budget);
      const yieldNow = this.serviceDom0(background);
      if (stopWhen?.()) return 'done';
      if (yieldNow) return 'yield';
    }
  }

  /** Real time: run until wall time `wallDeadline`; all pCPUs follow the wall clock. */
  private stepRealtime(wallDeadline: number): StepResult {
    const n = this.pcpuClock.length;
    let idleRun = 0;
    for (let p = 0; ; p = (p + 1) % n) {
      if (wallMs() >= wallDeadline) return 'yield';
      const t = wallNs();
      const nextTimer = this.processTimers(t);
      this.serviceWanted = false;
      this.dom0.events.flush();
      const pick = this.sched.pick(p, t);
      if (!pick) {
        this.pcpuClock[p] = t;
        if (++idleRun >= n) {
          this.idleUntilNs = Math.min(
            nextTimer,
            this.sched.hasRunnableOrParked() ? this.sched.nextAccounting : Infinity,
          );
          return 'idle';
        }
        continue;
      }
      idleRun = 0;
      const owner = this.owners.get(pick.vcpu);
      if (!owner) {
        this.sched.block(pick.vcpu);
        continue;
      }
      this.runSlice(
        p,
        owner[0],
        owner[1],
        t,
        Math.max(1000, Math.min(pick.budgetNs, nextTimer - t)),
      );
      if (this.serviceDom0(true)) return 'yield';
    }
  }

  private idleUntilNs = Infinity;

  /**
   * Deterministic mode: advance virtual time by `ns` (synchronously, for tests
   * and replay). Returns early only if nothing can ever happen again.
   */
  runFor(ns: number): void {
    if (this.timeMode !== 'deterministic') throw new VmmError('runFor is for deterministic mode');
    const until = this.now() + ns;
    const r = this.stepDeterministic(until, Infinity);
    if (r === 'idle')
      for (let i = 0; i < this.pcpuClock.length; i++)
        this.pcpuClock[i] = Math.max(this.pcpuClock[i] as number, until);
  }

  /** Deterministic mode: run until `done()` holds (checked after every slice) or `maxNs` of virtual time pass. */
  runUntil(done: () => boolean, maxNs: number): boolean {
    if (this.timeMode !== 'deterministic') throw new VmmError('runUntil is for deterministic mode');
    if (done()) return true;
    this.stepDeterministic(this.now() + maxNs, Infinity, done);
    return done();
  }

  /**
   * Run in the background: slices in batches of about `batchMs` of wall time,
   * yielding a macrotask between batches so the host stays responsive; when
   * every vCPU is blocked, sleep until the next timer or a kick (no CPU use).
   */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const deadline = wallMs() + this.batchMs;
        const r =
          this.timeMode === 'deterministic'
            ? this.stepDeterministic(Infinity, deadline, undefined, true)
            : this.stepRealtime(deadline);
        if (!this.running) break;
        if (r === 'idle')
          await this.sleep(this.timeMode === 'realtime' ? this.idleUntilNs - wallNs() : Infinity);
        else await yieldToHost();
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.kick();
    await this.loop;
    this.loop = null;
  }

  /** Something may have become runnable (input, an event from the VM server): end an idle sleep. */
  kick(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private sleep(ns: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      this.wake = () => {
        if (timer !== undefined) clearTimeout(timer);
        resolve();
      };
      // A far deadline is slept towards in steps setTimeout can take; the loop then re-checks.
      if (Number.isFinite(ns))
        timer = setTimeout(() => this.kick(), Math.min(MAX_TIMEOUT_MS, Math.max(0, ns / 1e6)));
    });
  }

  // ------------------------------------------------------------------ save / restore

  /** Capture a domain's whole state (xl save). It must not hold grant mappings of others. */
  saveDomain(domid: number): DomainSnapshot {
    const d = this.domain(domid);
    if (d.grants.maps.size > 0)
      throw new VmmError(`${d.name} still maps ${d.grants.maps.size} foreign grant(s)`);
    if (d.lifecycle.state === 'dying' || d.lifecycle.state === 'destroyed') {
      throw new DomainStateError(`cannot save ${d.name}: it is ${d.lifecycle.describe()}`);
    }
    return {
      version: SNAPSHOT_VERSION,
      config: {
        ...d.config,
        kernel: d.config.kernel.slice(),
        ...(d.config.ramdisk ? { ramdisk: d.config.ramdisk.slice() } : {}),
      },
      name: d.name,
      uuid: d.uuid,
      state: d.lifecycle.state,
      shutdownReason: d.lifecycle.shutdownReason,
      maxPages: d.maxPages,
      targetPages: d.targetPages,
      maxReservationPages: d.maxReservationPages,
      ram: d.mem.ram.slice(),
      populated: d.mem.populated.slice(),
      layout: { ...d.layout },
      ports: { ...d.ports },
      guestTimeNs: this.now() - d.bootNs,
      rebootCount: d.rebootCount,
      sched: { ...d.sched.params },
      vcpus: d.vcpus.map((v) => v.saveState()),
      evtchn: d.evtchn.saveState(),
      grantFrames: [...d.grants.frames],
      plic: d.plic.saveState(),
      exits: d.exits.saveState(),
      console: d.console.saveState(),
    };
  }

  /**
   * Recreate a saved domain (xl restore) under a new id. Interdomain channels
   * come back unbound towards their old peer, for the back ends to reconnect.
   */
  restoreDomain(s: DomainSnapshot): number {
    if (s.version !== SNAPSHOT_VERSION)
      throw new VmmError(`unsupported snapshot version ${s.version}`);
    if (this.lookup(s.name) !== undefined)
      throw new VmmError(`a domain named "${s.name}" already exists`);
    const id = this.allocDomid();
    const populated = s.populated.reduce((a, b) => a + b, 0);
    this.pool.allocate(id, populated, `domain "${s.name}"`);
    const mem = new GuestMemory(s.maxPages * PAGE_SIZE, 0);
    mem.ram.set(s.ram);
    mem.populated.set(s.populated);
    const sd = this.sched.addDomain(id, s.sched);
    const vcpus = s.vcpus.length;
    const d: GuestDomain = new GuestDomain(
      id,
      s.name,
      s.uuid,
      s.config,
      mem,
      s.maxPages,
      { ...s.layout },
      sd,
      vcpus,
      this.traceCapacity,
      () => this.onUpcall(d),
      s.state === 'paused',
    );
    this.domains.set(id, d);
    d.lifecycle.onChange((state, reason) =>
      this.emit({ domid: d.id, name: d.name, state, reason }),
    );
    // Boot wires up vCPUs, PLIC lines and rewrites the boot pages; then the saved state overwrites all of it.
    this.boot(d);
    this.evtchn.closeAll(d);
    mem.ram.set(s.ram);
    d.ports = { ...s.ports };
    d.evtchn.restoreState({
      ports: s.evtchn.ports.map(([p, b]) => [
        p,
        b.kind === 'interdomain' ? { kind: 'unbound', remoteDomid: b.remoteDomid } : b,
      ]),
    });
    d.grants.frames = [...s.grantFrames];
    d.plic.restoreState(s.plic);
    d.exits.restoreState(s.exits);
    d.console.restoreState(s.console);
    d.rebootCount = s.rebootCount;
    if (s.targetPages !== undefined) d.targetPages = s.targetPages;
    if (s.maxReservationPages !== undefined) d.maxReservationPages = s.maxReservationPages;
    d.bootNs = this.now() - s.guestTimeNs;
    // The saved page holds the old host's wallclock; the guest's boot moved in host time.
    this.publishWallclock(d);
    s.vcpus.forEach((vs, i) => {
      const v = d.vcpus[i] as Vcpu;
      v.restoreState(vs);
      // The hart's interrupt lines come back with its state; the scheduler follows the block state.
      this.updateRunnable(d, v);
    });
    if (s.state === 'shutdown' || s.state === 'crashed') {
      d.lifecycle.shutdown(s.shutdownReason ?? 'poweroff');
      for (const v of d.vcpus) this.updateRunnable(d, v);
    }
    this.kick();
    return id;
  }

  /** Domains' ids, for iteration. */
  domainIds(): number[] {
    return [...this.domains.keys()].sort((a, b) => a - b);
  }

  /** @internal for tests and the bench: the runtime object of a domain. */
  guest(domid: number): GuestDomain {
    return this.domain(domid);
  }
}
