import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IoPath } from '../../src/ui/io-path';
import type { VmServerClient } from '../../src/ui/vm-server-client';
import { bootedClient, deepText, mount, until } from './helpers/booted-client';

describe('exitTrace and the VMM hop’s recent exits', () => {
  let client: VmServerClient;
  let view: IoPath;

  beforeAll(async () => {
    client = await bootedClient();
    await client.run('xl create sprout-hvm');
    client.startSampling(250);
  });
  afterAll(() => {
    view?.remove();
    client?.dispose();
  });

  it('returns the newest exits, oldest first, with reasons the counters also count', async () => {
    await until(
      async () => (await client.api.exitTrace('sprout-hvm')).length >= 8,
      'exits in the trace',
    );
    const all = await client.api.exitTrace('sprout-hvm');
    const counters = await client.api.exitCounters('sprout-hvm');
    for (const e of all) {
      expect(counters[e.reason] ?? 0).toBeGreaterThan(0);
      expect(Number.isFinite(e.time)).toBe(true);
    }
    // The guest polls COM1, so its trapped port accesses are in the trace.
    expect(all.some((e) => e.reason === 'port:com1')).toBe(true);
    for (let i = 1; i < all.length; i++)
      expect(all[i]!.time).toBeGreaterThanOrEqual(all[i - 1]!.time);

    const few = await client.api.exitTrace('sprout-hvm', 3);
    expect(few).toHaveLength(3);
    // Newest: a later call sees times no earlier than the last of the full trace.
    expect(few[2]!.time).toBeGreaterThanOrEqual(all[all.length - 1]!.time);
    expect(few[0]!.time).toBeLessThanOrEqual(few[2]!.time);
    expect(await client.api.exitTrace('sprout-hvm', 0)).toEqual([]);
  });

  it('lists recent exits under the VMM hop and keeps them live', async () => {
    view = mount(new IoPath(), 1100, 800);
    view.client = client;
    const trace = (): string => {
      const ol = view.shadowRoot?.querySelector(
        '.col[data-kind="hvm"] li.hop:nth-child(2) ol.trace',
      );
      return ol ? deepText(ol) : '';
    };
    await until(() => /VMM: \S+ exit at t=[\d,]+ ns/.test(trace()), 'a trace entry');
    const rows = view.shadowRoot?.querySelectorAll('.col[data-kind="hvm"] ol.trace li') ?? [];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThanOrEqual(5);
    const first = trace();
    // Refreshed by the view's polling while the guest runs.
    await until(() => trace() !== first, 'a newer exit', 10_000);
    const counters = await client.api.exitCounters('sprout-hvm');
    for (const m of trace().matchAll(/VMM: (\S+) exit/g))
      expect(counters[m[1]!]).toBeGreaterThan(0);
  });
});
