import { Plic } from '../machine/plic';
import { EVTCHN_UPCALL_IRQ } from './abi/platform';
import { DomainConsole } from './console';
import type { DomainConfig } from './domain-config';
import type { GuestLayout } from './domain-builder';
import { DomainLifecycle } from './domain';
import { EventChannelTable, type EvtchnDomain } from './event-channel';
import { SharedInfoEvents } from './event-delivery';
import { ExitStats } from './exit-stats';
import { GrantTable, type GrantDomain } from './grant-table';
import type { GuestMemory } from './guest-memory';
import { IoreqRegistry } from './ioreq';
import type { SchedDomain } from './scheduler/credit';
import type { Vcpu } from './vcpu';

/** PV ports the builder opens towards the VM server. */
export interface BootPorts {
  console: number;
  xenstore: number;
}

/**
 * A guest domain's runtime: its memory, vCPUs, event channels and grant
 * table, in-VMM PLIC, ioreq servers, console and exit accounting.
 */
export class GuestDomain implements EvtchnDomain, GrantDomain {
  readonly privileged = false;
  readonly lifecycle: DomainLifecycle;
  readonly events: SharedInfoEvents;
  readonly evtchn: EventChannelTable;
  readonly grants = new GrantTable();
  readonly ioreq = new IoreqRegistry();
  readonly console = new DomainConsole();
  readonly exits: ExitStats;
  readonly plic: Plic;
  vcpus: Vcpu[] = [];
  /** Host ns at which this guest's clock read 0. */
  bootNs = 0;
  rebootCount = 0;
  ports: BootPorts = { console: 0, xenstore: 0 };
  /** Balloon target in pages (xl mem-set). */
  targetPages: number;
  /** Most pages it may hold (Xen's d->max_pages): maxPages, lowered by mem-set / mem-max. */
  maxReservationPages: number;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly uuid: string,
    readonly config: DomainConfig,
    readonly mem: GuestMemory,
    readonly maxPages: number,
    readonly layout: GuestLayout,
    public sched: SchedDomain,
    vcpuCount: number,
    traceCapacity: number,
    onUpcall: () => void,
    paused: boolean,
  ) {
    this.lifecycle = new DomainLifecycle(`domain "${name}" (${id})`, paused);
    this.events = new SharedInfoEvents(mem, layout.sharedInfo, onUpcall);
    this.evtchn = new EventChannelTable(this.events);
    this.exits = new ExitStats(traceCapacity);
    this.plic = new Plic({ contexts: 2 * vcpuCount });
    this.targetPages = mem.populatedCount();
    this.maxReservationPages = maxPages;
  }

  get vcpuCount(): number {
    return this.vcpus.length;
  }

  /** Level of the event-channel upcall source: vcpu_info[0].evtchn_upcall_pending. */
  refreshUpcallLine(): void {
    this.plic.setSourceLevel(EVTCHN_UPCALL_IRQ, this.events.upcallPending());
  }

  /** Total CPU time of its vCPUs, ns. */
  get cpuTimeNs(): number {
    let t = 0;
    for (const v of this.vcpus) t += v.sched.runNs;
    return t;
  }

  /** Any vCPU runnable (xl's r) rather than all blocked (b)? */
  get active(): boolean {
    return this.vcpus.some((v) => v.sched.runnable);
  }
}
