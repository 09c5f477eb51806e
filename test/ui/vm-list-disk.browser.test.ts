import { describe, expect, it } from 'vitest';
import { VmList } from '../../src/ui/vm-list';
import type { StatGraph } from '../../src/ui/stat-graph';
import { bootedClient, mount, until } from './helpers/booted-client';

describe('<vm-list>: disk I/O per domain', () => {
  it('graphs a guest’s disk traffic from the change in its VBD sector counters (the real Sprout)', async () => {
    const client = await bootedClient('sprout');
    const list = mount(new VmList());
    list.client = client;
    try {
      await client.run('xl create sprout-pv');
      client.startSampling(250);
      // Sprout formats its disk at first boot: the writes show as KiB/s.
      await until(
        () => client.history.get('sprout-pv')?.disk.some((v) => v !== null && v > 0) ?? false,
        'a non-zero disk rate for sprout-pv',
        60_000,
      );
      // The rate comes from the domain's VBD counters (xentop's), which have moved.
      const { domains } = await client.api.listDomains();
      const pv = domains.find((d) => d.name === 'sprout-pv');
      expect((pv?.vbdSectorsRead ?? 0) + (pv?.vbdSectorsWritten ?? 0)).toBeGreaterThan(0);

      const chart = list.shadowRoot?.querySelector('section[aria-label="Disk I/O per domain"]');
      const graph = chart?.querySelector<StatGraph>('stat-graph');
      await until(() => {
        const s = graph?.series.find((x) => x.label === 'sprout-pv');
        return s?.values.some((v) => v !== null && v > 0) ?? false;
      }, 'the disk graph’s sprout-pv series above zero');
      expect(graph?.unit).toBe(' KiB/s');

      // The row's third sparkline is the disk one.
      const spark = list.shadowRoot
        ?.querySelector('tr[data-name="sprout-pv"]')
        ?.querySelectorAll<StatGraph>('stat-graph')[2];
      expect(spark?.series[0]?.label).toBe('disk');
      expect(spark?.series[0]?.values.some((v) => v !== null && v > 0)).toBe(true);
    } finally {
      list.remove();
      client.dispose();
    }
  });
});
