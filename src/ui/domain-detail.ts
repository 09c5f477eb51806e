import type { DomainSummary } from './api-types.ts';
import { xenstoreDeviceKinds } from './domain-devices.ts';
import type { VmServerClient } from './vm-server-client.ts';

/**
 * One guest's counters fetched together for the views that explain
 * virtualization: VM exits by reason, device-model register accesses (HVM),
 * the PV devices in its xenstore directory, and the rate of each exit
 * reason since the previous fetch.
 */
export interface DomainDetail {
  readonly domain: DomainSummary;
  readonly exits: Record<string, number>;
  readonly accesses: Record<string, Record<string, number>>;
  readonly pvDevices: readonly string[];
  /** Per second, since the previous fetch of the same domain (empty on the first). */
  readonly rates: Record<string, number>;
}

const pvCache = new Map<string, { at: number; kinds: string[] }>();

/** A view's memory of the counters it saw last, for rates over its own refresh interval. */
export type RateMemory = Map<string, { at: number; id: number; exits: Record<string, number> }>;

export async function fetchDetail(
  client: VmServerClient,
  d: DomainSummary,
  previous: RateMemory,
): Promise<DomainDetail> {
  const [exits, accesses, pvDevices] = await Promise.all([
    client.api.exitCounters(d.name),
    d.type === 'hvm' ? client.api.deviceAccesses(d.name) : Promise.resolve({}),
    d.type === 'pv' ? pvKinds(client, d) : Promise.resolve([]),
  ]);
  const now = performance.now();
  const key = d.name;
  const prev = previous.get(key);
  const rates: Record<string, number> = {};
  if (prev && prev.id === d.id && now > prev.at) {
    const dt = (now - prev.at) / 1000;
    for (const [r, n] of Object.entries(exits))
      rates[r] = Math.max(0, (n - (prev.exits[r] ?? 0)) / dt);
  }
  previous.set(key, { at: now, id: d.id, exits });
  return { domain: d, exits, accesses, pvDevices, rates };
}

async function pvKinds(client: VmServerClient, d: DomainSummary): Promise<string[]> {
  const key = `${d.id}`;
  const hit = pvCache.get(key);
  if (hit && performance.now() - hit.at < 10_000) return hit.kinds;
  const r = await client.api.run(`xenstore-ls /local/domain/${d.id}/device`);
  const kinds = r.status === 0 ? xenstoreDeviceKinds(r.output) : [];
  pvCache.set(key, { at: performance.now(), kinds });
  return kinds;
}
