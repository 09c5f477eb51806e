import { EventChannelTable, type EvtchnDomain } from './event-channel';
import { HostEvents } from './event-delivery';
import { DomainLifecycle } from './domain';
import { GrantTable, type GrantDomain } from './grant-table';

/**
 * Domain 0: the VM server. It runs as host code beside the VMM (not on a
 * vCPU the VMM schedules), so it has no guest memory: its event channels
 * notify a listener and its grant mappings are host-side views. It is
 * privileged (may act on other domains' tables) and its memory is a nominal
 * reservation from the host pool. Its vCPUs are the host's logical CPUs the
 * VM server runs on, and its CPU time is what the VM server reports.
 */
export class HostDomain implements EvtchnDomain, GrantDomain {
  readonly id = 0;
  readonly privileged = true;
  readonly mem = null;
  /** Host ns the VM server reported as spent serving guests (back ends, device models). */
  cpuTimeNs = 0;
  readonly events = new HostEvents();
  readonly evtchn = new EventChannelTable(this.events);
  readonly grants = new GrantTable();
  readonly lifecycle = new DomainLifecycle('Domain-0');
  readonly uuid = '00000000-0000-0000-0000-000000000000';

  constructor(
    readonly name: string,
    readonly memoryPages: number,
    /** The VM server's logical CPUs. */
    readonly vcpuCount: number,
  ) {}
}
