import { EventChannelTable, type EvtchnDomain } from '../../../src/vmm/event-channel';
import { HostEvents, SharedInfoEvents } from '../../../src/vmm/event-delivery';
import { GrantTable, type GrantDomain } from '../../../src/vmm/grant-table';
import { GuestMemory } from '../../../src/vmm/guest-memory';

/** A domain with just the parts event channels and grant tables need. */
export interface FakeDomain extends EvtchnDomain, GrantDomain {
  mem: GuestMemory | null;
  upcalls: number;
  sharedInfoGpa: number;
  events: SharedInfoEvents | HostEvents;
}

export function guestDomain(
  id: number,
  opts: { pages?: number; vcpus?: number; maxPorts?: number } = {},
): FakeDomain {
  const mem = new GuestMemory((opts.pages ?? 64) * 4096);
  const sharedInfoGpa = mem.base; // first page
  const d = {
    id,
    privileged: false,
    vcpuCount: opts.vcpus ?? 1,
    mem,
    upcalls: 0,
    sharedInfoGpa,
  } as FakeDomain;
  d.events = new SharedInfoEvents(mem, sharedInfoGpa, () => d.upcalls++);
  (d as { evtchn: EventChannelTable }).evtchn = new EventChannelTable(d.events, opts.maxPorts);
  (d as { grants: GrantTable }).grants = new GrantTable();
  return d;
}

export function hostDomain(id = 0): FakeDomain & { events: HostEvents } {
  const events = new HostEvents();
  return {
    id,
    privileged: true,
    vcpuCount: 0,
    mem: null,
    upcalls: 0,
    sharedInfoGpa: 0,
    events,
    evtchn: new EventChannelTable(events),
    grants: new GrantTable(),
  };
}

export function registry(...doms: FakeDomain[]): (id: number) => FakeDomain | undefined {
  const map = new Map(doms.map((d) => [d.id, d]));
  return (id) => map.get(id);
}
