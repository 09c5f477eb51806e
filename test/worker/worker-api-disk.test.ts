import { afterEach, describe, expect, it } from 'vitest';
import { WorkerApi } from '../../src/worker/api.ts';
import { guestImage } from '../server/guests/guests.ts';

/**
 * The worker API's disk calls, run in Node on the same WorkerApi class the
 * worker exposes (memory tree and memory disk): the disk map with owners,
 * the I/O trace of a guest's IDE writes, export as a stream, import,
 * creating and deleting partitions.
 */

let api: WorkerApi | null = null;
afterEach(async () => {
  await api?.run('xl destroy ide');
  api = null;
});

async function until(cond: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = performance.now() + ms;
  while (!(await cond())) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function readAll(stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const out = new Uint8Array(limit);
  let n = 0;
  const reader = stream.getReader();
  while (n < limit) {
    const r = await reader.read();
    if (r.done) break;
    const take = Math.min(r.value.length, limit - n);
    out.set(r.value.subarray(0, take), n);
    n += take;
  }
  await reader.cancel();
  return out.subarray(0, n);
}

describe('worker API: the host disk for the desktop', () => {
  it('shows partitions with owners, a guest’s IDE requests in ioTrace, and exports the partition it wrote', async () => {
    api = new WorkerApi();
    const progress = await api.boot({ storage: 'memory', autostart: false });
    expect(progress.find((p) => p.stage === 'storage' && p.status === 'done')?.message).toMatch(
      /^host disk: 500 GiB, GPT with 3 partitions \(\/dev\/sda1 sprout-hvm 20 GiB, /,
    );

    const before = await api.diskLayout();
    expect(before).toMatchObject({
      device: '/dev/sda',
      description: 'memory',
      sizeBytes: 500 * 1024 ** 3,
    });
    // The seeded definitions name their partitions (/dev/vg0/NAME).
    expect(before.partitions.map((p) => [p.device, p.name, p.owner])).toEqual([
      ['/dev/sda1', 'sprout-hvm', 'sprout-hvm'],
      ['/dev/sda2', 'sprout-pv', 'sprout-pv'],
      ['/dev/sda3', 'sprout-hvm2', 'sprout-hvm2'],
    ]);
    const sda3 = before.partitions[2];
    expect(sda3?.allocatedBytes).toBe(0);

    await api.run('mkdir -p /guests');
    await api.writeFile('/guests/hvm-ide.elf', guestImage('hvm-ide.elf'));
    await api.writeFile(
      '/etc/xen/vm/ide',
      'name = "ide"\ntype = "hvm"\nmemory = 16\nkernel = "/guests/hvm-ide.elf"\nvga = "none"\n' +
        'disk = [ "phy:/dev/sda3,hda,w" ]\non_poweroff = "preserve"\n',
    );

    expect((await api.run('xl create ide')).status).toBe(0);
    await until(
      async () =>
        (await api?.listDomains())?.domains.find((d) => d.name === 'ide')?.state === 'shutdown',
      'the IDE guest to finish',
    );
    const during = await api.diskLayout();
    // Running now: the partition's owner is the domain that has it.
    expect(during.partitions[2]).toMatchObject({ owner: 'ide', ownerDomid: 1 });
    expect(during.partitions[2]?.allocatedBytes).toBeGreaterThan(0);

    const trace = await api.ioTrace();
    const write = trace.find((r) => r.op === 'write');
    expect(write).toMatchObject({
      domain: 'ide',
      path: 'hvm',
      guestSector: 5,
      hostLba: (sda3?.firstLba ?? 0) + 5,
      backing: '/dev/sda3',
    });
    expect(write?.hops.map((h) => h.name)).toContain('complete');
    // Only what is new after a sequence number.
    const last = trace.at(-1)?.seq ?? 0;
    expect(await api.ioTrace(last)).toEqual([]);
    expect((await api.diskTrace({ domain: 'ide' })).length).toBe(trace.length);

    const exp = await api.exportPartition(3);
    expect(exp).toMatchObject({
      device: '/dev/sda3',
      name: 'sprout-hvm2',
      sizeBytes: 20 * 1024 ** 3,
    });
    const head = await readAll(exp.stream, 6 * 512);
    expect(head.subarray(0, 5 * 512).every((b) => b === 0)).toBe(true);
    expect(new TextDecoder().decode(head.subarray(5 * 512, 5 * 512 + 25))).toBe(
      'TABVISOR HVM IDE SECTOR 5',
    );
  });

  it('creates, imports into and deletes partitions; refuses what does not fit', async () => {
    api = new WorkerApi();
    await api.boot({ storage: 'memory', autostart: false });
    const made = await api.createPartition('scratch', 8 * 1024 ** 2);
    expect(made).toEqual({ device: '/dev/sda4', number: 4 });
    await expect(api.createPartition('scratch', 1024 ** 2)).rejects.toThrow(/already exists/);
    const image = new Uint8Array(4096).map((_, i) => (i * 7) & 0xff);
    expect(await api.importPartition(4, image)).toEqual({ bytes: 4096 });
    const back = await readAll((await api.exportPartition(4)).stream, 4096);
    expect(back).toEqual(image);
    await expect(api.importPartition(4, new Uint8Array(16 * 1024 ** 2))).rejects.toThrow(
      /the image is 16\.0 MiB .* but \/dev\/sda4 holds only 8\.0 MiB/,
    );
    await api.deletePartition('scratch');
    expect((await api.diskLayout()).partitions.map((p) => p.name)).toEqual([
      'sprout-hvm',
      'sprout-pv',
      'sprout-hvm2',
    ]);
    await expect(api.deletePartition('/dev/sda9')).rejects.toThrow(/no such partition/);
  });
});
