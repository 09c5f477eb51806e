import { afterAll, describe, expect, it } from 'vitest';
import { DiskMap, hexOffset } from '../../src/ui/disk-map';
import type { DiskRequestView, HostDiskView } from '../../src/ui/storage-types';
import type { VmServerClient } from '../../src/ui/vm-server-client';
import { bootedClient, deepText, mount, until } from './helpers/booted-client';

const GiB = 1024 ** 3;
/** A 500 GiB disk laid out as the storage seed does: three 20 GiB partitions after the GPT. */
const disk: HostDiskView = {
  device: '/dev/sda',
  description: 'memory',
  sizeBytes: 500 * GiB,
  allocatedBytes: 3 * 1024 * 1024,
  partitions: [1, 2, 3].map((n) => ({
    number: n,
    device: `/dev/sda${n}`,
    name: ['sprout-hvm', 'sprout-pv', 'sprout-hvm2'][n - 1] as string,
    owner: ['sprout-hvm', 'sprout-pv', 'sprout-hvm2'][n - 1] as string,
    firstLba: 2048 + (n - 1) * 40 * 1024 * 1024,
    lastLba: 2048 + n * 40 * 1024 * 1024 - 1,
    sizeBytes: 20 * GiB,
    allocatedBytes: 1024 * 1024,
  })),
};

function request(seq: number, partition: number, guestSector: number): DiskRequestView {
  const p = disk.partitions[partition - 1];
  const hostLba = (p?.firstLba ?? 0) + guestSector;
  return {
    seq,
    domid: partition,
    domain: p?.owner,
    vdev: 'xvda',
    devid: 51712,
    path: 'pv',
    op: 'write',
    guestSector,
    sectors: 8,
    bytes: 4096,
    backing: p?.device ?? '',
    hostLba,
    hostByteOffset: hostLba * 512,
    status: 'ok',
    exits: 0,
    hypercalls: 1,
    grantOps: 2,
    firstExit: null,
    lastExit: null,
    exitSample: [],
    hops: [
      { name: 'ring', t: 0 },
      { name: 'host-done', t: 0.4 },
    ],
  };
}

describe('<disk-map>: the host disk’s partitions and where writes land', () => {
  let client: VmServerClient | null = null;
  afterAll(() => client?.dispose());

  it('draws partitions at their place and size on the 500 GiB bar', async () => {
    const map = mount(new DiskMap(), 1000, 500);
    map.disk = disk;
    await map.updateComplete;
    const segs = [...(map.shadowRoot?.querySelectorAll<HTMLElement>('.bar .seg') ?? [])];
    expect(segs).toHaveLength(3);
    const bar = map.shadowRoot?.querySelector('.bar')?.getBoundingClientRect();
    const second = segs[1]?.getBoundingClientRect();
    // /dev/sda2 starts at 1 MiB + 20 GiB: 4% of the way along, and is 4% wide.
    expect(((second?.left ?? 0) - (bar?.left ?? 0)) / (bar?.width ?? 1)).toBeCloseTo(
      (1024 ** 2 + 20 * GiB) / (500 * GiB),
      2,
    );
    expect((second?.width ?? 0) / (bar?.width ?? 1)).toBeCloseTo(0.04, 2);
    expect(segs[1]?.getAttribute('aria-label')).toBe(
      '/dev/sda2 sprout-pv, 20 GiB, disk of sprout-pv',
    );
    map.remove();
  });

  it('flashes a write where it lands and lists its absolute offset', async () => {
    const map = mount(new DiskMap(), 1000, 500);
    map.disk = disk;
    map.addRequests([request(1, 2, 0), request(2, 3, 40 * 1024 * 1024 - 8)]);
    await map.updateComplete;
    const flashes = [...(map.shadowRoot?.querySelectorAll<HTMLElement>('.bar > .flash') ?? [])];
    expect(flashes).toHaveLength(2);
    const left = (i: number): number => parseFloat(flashes[i]?.style.left ?? 'NaN');
    expect(left(0)).toBeCloseTo((100 * (2048 + 40 * 1024 * 1024) * 512) / (500 * GiB), 4);
    const row = map.shadowRoot?.querySelector('tr[data-seq="2"]');
    const expected = (2048 + 3 * 40 * 1024 * 1024 - 8) * 512;
    expect(deepText(row as Element)).toContain(hexOffset(expected));
    expect(deepText(row as Element)).toContain(expected.toLocaleString('en-US'));
    // Zoomed into sda3, the write sits at its very end.
    map.shadowRoot?.querySelectorAll<HTMLButtonElement>('.bar .seg')[2]?.click();
    await map.updateComplete;
    const zoomed = map.shadowRoot?.querySelector<HTMLElement>('.zoom .flash');
    expect(parseFloat(zoomed?.style.left ?? '0')).toBeGreaterThan(99.99);
    map.remove();
  });

  it('shows the real host disk, and a PV guest’s writes where they land', async () => {
    client = await bootedClient('sprout');
    const map = mount(new DiskMap(), 1000, 600);
    map.client = client;
    const segs = (): HTMLElement[] => [
      ...(map.shadowRoot?.querySelectorAll<HTMLElement>('.bar .seg') ?? []),
    ];
    await until(() => segs().length === 3, 'the seeded partitions');
    expect(segs().map((s) => s.getAttribute('aria-label'))).toEqual([
      '/dev/sda1 sprout-hvm, 20 GiB, disk of sprout-hvm',
      '/dev/sda2 sprout-pv, 20 GiB, disk of sprout-pv',
      '/dev/sda3 sprout-hvm2, 20 GiB, disk of sprout-hvm2',
    ]);
    // Sprout formats its blank disk at boot: FAT32 writes through blkfront → blkback → /dev/sda2.
    await client.run('xl create sprout-pv');
    const writes = (): Element[] =>
      [...(map.shadowRoot?.querySelectorAll('tbody tr') ?? [])].filter((r) =>
        /sprout-pv.*write/.test(deepText(r)),
      );
    await until(() => writes().length > 0, 'a write in the list', 60_000);
    const sda2 = (await client.api.hostDisk()).partitions.find((p) => p.device === '/dev/sda2');
    const seq = Number(writes()[0]?.getAttribute('data-seq'));
    const req = (await client.api.diskTrace({ afterSeq: seq - 1 })).find((r) => r.seq === seq);
    expect(req).toMatchObject({ seq, path: 'pv', backing: '/dev/sda2', op: 'write' });
    expect(req?.hostLba).toBe((sda2?.firstLba ?? NaN) + (req?.guestSector ?? NaN));
    expect(deepText(writes()[0] as Element)).toContain(hexOffset((req?.hostLba ?? 0) * 512));
    expect(map.shadowRoot?.querySelectorAll('.bar > .flash').length).toBeGreaterThan(0);
    map.remove();
  });
});
