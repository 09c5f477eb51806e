import { describe, expect, it } from 'vitest';
import { GuestDisk } from '../../../src/server/storage/guest-disk';
import { DiskIoMonitor } from '../../../src/server/storage/io-trace';
import { MemoryChunkStore } from '../../../src/server/storage/memory-chunk-store';
import { sameBytes } from './bytes';
import { pattern } from './chunk-store-contract';
import { smallHostDisk } from './helpers';

async function setup(
  opts: { readonly?: boolean; capacity?: number; store?: MemoryChunkStore } = {},
) {
  const { disk: host, store } = await smallHostDisk(opts.store);
  let clock = 1000;
  const monitor = new DiskIoMonitor({ capacity: opts.capacity ?? 64, now: () => clock++ });
  const a = host.partition(1);
  const b = host.partition(2);
  const guest = new GuestDisk(
    host.device,
    a.firstLba,
    a.lastLba - a.firstLba + 1,
    { domid: 5, vdev: 'xvda', devid: 51712, path: 'pv', readonly: opts.readonly ?? false },
    monitor,
    '/dev/sda1',
  );
  return { host, store, monitor, guest, a, b };
}

describe('GuestDisk: guest sector → host LBA, and nothing beyond', () => {
  it('translates every request to partition start + sector and records the translation', async () => {
    const { host, guest, a, monitor } = await setup();
    const data = pattern(1, 3 * 512);
    const w = await guest.submit('write', 100, 3, data);
    expect(w.status).toBe('ok');
    expect(sameBytes(await host.device.read(a.firstLba + 100, 3), data)).toBe(true);
    const r = await guest.submit('read', 101, 1);
    expect(sameBytes(r.data, data.subarray(512, 1024))).toBe(true);
    expect(w.record).toMatchObject({
      domid: 5,
      vdev: 'xvda',
      path: 'pv',
      op: 'write',
      guestSector: 100,
      sectors: 3,
      bytes: 1536,
      backing: '/dev/sda1',
      hostLba: a.firstLba + 100,
      hostByteOffset: (a.firstLba + 100) * 512,
      status: 'ok',
    });
    expect(w.record.hops.map((h) => h.name)).toEqual(['request', 'host-submit', 'host-done']);
    expect(w.record.hops.map((h) => h.t)).toEqual(
      [...w.record.hops.map((h) => h.t)].sort((x, y) => x - y),
    );
    expect(monitor.totals(5)).toEqual({
      VBDS: 1,
      VBD_OO: 0,
      VBD_RD: 1,
      VBD_WR: 1,
      VBD_RSECT: 1,
      VBD_WSECT: 3,
    });
  });

  it.each([
    ['the last sector plus one more', (n: number) => [n - 1, 2]],
    ['the first sector past the end', (n: number) => [n, 1]],
    ['a negative sector', () => [-1, 1]],
    ['zero sectors', () => [0, 0]],
    ['a sector beyond 2^53', () => [2 ** 60, 1]],
    ['a fractional sector', () => [1.5, 1]],
  ])('refuses a write of %s as out-of-range, and writes nothing anywhere', async (_w, range) => {
    const { host, store, guest, monitor, b } = await setup();
    await host.device.write(b.firstLba, pattern(9, 512)); // the neighbour's first sector
    await host.flush();
    const before = await store.listChunks();
    const [sector, count] = range(guest.sectors) as [number, number];
    const r = await guest.submit(
      'write',
      sector,
      count,
      new Uint8Array(Math.max(0, count) * 512).fill(0xaa),
    );
    expect(r.status).toBe('out-of-range');
    expect(r.record.hostLba).toBeNull();
    expect(r.record.hops.map((h) => h.name)).toEqual(['request']);
    await host.flush();
    expect(await store.listChunks()).toEqual(before);
    expect(sameBytes(await host.device.read(b.firstLba, 1), pattern(9, 512))).toBe(true);
    expect(monitor.totals(5)).toMatchObject({ VBD_WR: 0, VBD_WSECT: 0 });
    expect(monitor.devices(5)[0]?.errors).toBe(1);
  });

  it('refuses reads past the end the same way', async () => {
    const { guest } = await setup();
    expect((await guest.submit('read', guest.sectors - 4, 8)).status).toBe('out-of-range');
    expect((await guest.submit('read', guest.sectors - 4, 4)).status).toBe('ok');
  });

  it('refuses writes to a read-only disk and still serves reads', async () => {
    const { guest, host, a } = await setup({ readonly: true });
    expect((await guest.submit('write', 0, 1, new Uint8Array(512).fill(1))).status).toBe(
      'readonly',
    );
    expect((await host.device.read(a.firstLba, 1)).every((x) => x === 0)).toBe(true);
    expect((await guest.submit('read', 0, 1)).status).toBe('ok');
  });

  it('turns a host failure (a full store) into an I/O error for that request', async () => {
    const store = new MemoryChunkStore();
    const { guest, store: s } = await setup({ store });
    s.quotaBytes = s.storedBytes; // nothing more fits
    await guest.submit('write', 0, 1, new Uint8Array(512).fill(3));
    const f = await guest.submit('flush', 0, 0);
    expect(f.status).toBe('io-error');
    expect(f.record.error).toMatch(/quota/);
  });

  it('keeps a bounded trace of the most recent requests, oldest first', async () => {
    const { guest, monitor } = await setup({ capacity: 4 });
    for (let i = 0; i < 10; i++) await guest.submit('read', i, 1);
    const t = monitor.trace();
    expect(t.map((r) => r.guestSector)).toEqual([6, 7, 8, 9]);
    expect(t.map((r) => r.seq)).toEqual([7, 8, 9, 10]);
    expect(monitor.trace({ domid: 5, limit: 2 }).map((r) => r.guestSector)).toEqual([8, 9]);
    expect(monitor.trace({ domid: 6 })).toEqual([]);
    expect(monitor.trace({ afterSeq: 8 }).map((r) => r.seq)).toEqual([9, 10]);
    expect(monitor.totals(5).VBD_RD).toBe(10);
  });
});
