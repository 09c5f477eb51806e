import { afterEach, describe, expect, it } from 'vitest';
import { parseSize } from '../../../src/server/shell/disk-commands.ts';
import type { HostFiles } from '../../../src/server/shell/host-files.ts';
import type { ImagePiece } from '../../../src/server/storage/disk-image.ts';
import type { VmServer } from '../../../src/server/vm-server.ts';
import { bootTestServer, HVM_CFG } from '../helpers.ts';

/** Host files kept in a map: what `disk export` wrote, what `disk import` reads. */
class MapHostFiles implements HostFiles {
  readonly description = 'test map';
  readonly files = new Map<string, Uint8Array>();

  async writeImage(path: string, size: number, pieces: AsyncIterable<ImagePiece>): Promise<void> {
    // Only the first MiB is kept: enough to check, without 20 GiB of memory.
    const keep = new Uint8Array(Math.min(size, 1024 * 1024));
    for await (const p of pieces)
      if (p.data && p.offset < keep.length)
        keep.set(p.data.subarray(0, Math.min(p.length, keep.length - p.offset)), p.offset);
    this.files.set(path, keep);
  }

  async readImage(path: string): Promise<{ size: number; chunks: AsyncIterable<Uint8Array> }> {
    const f = this.files.get(path);
    if (!f) throw new Error('ENOENT: no such file');
    return {
      size: f.length,
      chunks: [f][Symbol.iterator]() as unknown as AsyncIterable<Uint8Array>,
    };
  }
}

let server: VmServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function boot(hostFiles?: HostFiles) {
  server = await bootTestServer(
    { '/etc/xen/vm/g': HVM_CFG('g', 'disk = [ "phy:/dev/sda2,hda,w" ]\n') },
    hostFiles ? { hostFiles } : {},
  );
  const sh = server.shell();
  return { s: server, run: (line: string) => sh.runCaptured(line) };
}

describe('parseSize', () => {
  it.each([
    ['4096', 4096],
    ['512K', 512 * 1024],
    ['20G', 20 * 1024 ** 3],
    ['20GiB', 20 * 1024 ** 3],
    ['1.5M', 1.5 * 1024 ** 2],
    ['2t', 2 * 1024 ** 4],
    ['100B', 100],
    ['G', null],
    ['-1G', null],
    ['20 G', null],
    ['20X', null],
  ])('%s → %s', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });
});

describe('dom0 shell: disk', () => {
  it('lists partitions with start LBA, size and owner; creates and deletes them', async () => {
    const { run } = await boot();
    const before = await run('disk list');
    expect(before.status).toBe(0);
    const lines = before.output.split('\n');
    expect(lines[0]).toBe('Disk /dev/sda: 500 GiB, 1048576000 sectors, on memory');
    expect(lines[1]?.trim().split(/\s+/)).toEqual([
      'Number',
      'Name',
      'Start',
      'LBA',
      'Size',
      'Used',
      'Owner',
    ]);
    expect(lines[2]?.trim().split(/\s+/)).toEqual([
      '1',
      'sprout-hvm',
      '2048',
      '20',
      'GiB',
      '0',
      'bytes',
      '-',
    ]);
    // /dev/sda2 is named by the definition of g; once g runs, by its domain.
    expect(lines[3]?.trim().split(/\s+/).at(-1)).toBe('g');
    expect((await run('xl create g')).status).toBe(0);
    expect((await run('disk list')).output).toMatch(
      / 2 +sprout-pv +\d+ +20 GiB .* g \(domain 1\)\n/,
    );

    const made = await run('disk create data 2G');
    expect(made).toEqual({
      status: 0,
      output: expect.stringMatching(/^Created \/dev\/sda4 "data": 2 GiB from LBA \d+\n$/),
    });
    expect((await run('disk list')).output).toMatch(/ 4 +data +\d+ +2 GiB +0 bytes +-\n/);
    expect(await run('disk delete data')).toEqual({
      status: 0,
      output: 'Deleted /dev/sda4 "data" (2 GiB freed)\n',
    });
    expect((await run('disk list')).output).not.toContain('data');
  });

  it('says clearly what is wrong', async () => {
    const { run } = await boot();
    await run('xl create g');
    const cases: [string, number, RegExp][] = [
      ['disk create big 1P', 1, /^disk create: invalid size '1P' \(e\.g\. 20G, 512M\)\n$/],
      ['disk create sprout-pv 1G', 1, /a partition named sprout-pv already exists/],
      ['disk create huge 600G', 1, /^disk create: .*/],
      [
        'disk delete nosuch',
        1,
        /nosuch: no such partition \(have: 1 sprout-hvm, 2 sprout-pv, 3 sprout-hvm2\)/,
      ],
      ['disk delete 2', 1, /\/dev\/sda2 is in use by domain 1 \(hda\)/],
      ['disk export 1 /tmp/x.img', 1, /no host file system here: export from the desktop/],
      ['disk import 1 /tmp/x.img', 1, /no host file system here: import from the desktop/],
      ['disk frobnicate', 2, /^disk: unknown subcommand 'frobnicate'\nUsage: disk list/],
      ['disk create onlyname', 2, /wrong number of arguments/],
    ];
    for (const [line, status, message] of cases) {
      const r = await run(line);
      expect(r.status, line).toBe(status);
      expect(r.output, line).toMatch(message);
    }
  });

  it('exports a partition to a host file and imports one back, refusing images that do not fit', async () => {
    const host = new MapHostFiles();
    const { s, run } = await boot(host);
    const p1 = s.storage.hostDisk.partition(1);
    const sector = new Uint8Array(512).fill(0xa5);
    await s.storage.hostDisk.device.write(p1.firstLba + 3, sector);
    const exp = await run('disk export sprout-hvm /out/p1.img');
    expect(exp.status).toBe(0);
    expect(exp.output).toMatch(
      /^Exported \/dev\/sda1 "sprout-hvm" to \/out\/p1.img: 20 GiB \(.* of data, the rest holes\)\n$/,
    );
    const img = host.files.get('/out/p1.img');
    expect(img?.subarray(3 * 512, 4 * 512)).toEqual(sector);
    expect(img?.subarray(0, 3 * 512).every((b) => b === 0)).toBe(true);

    const whole = await run('disk export /dev/sda /out/all.img');
    expect(whole.status).toBe(0);
    expect(new TextDecoder().decode(host.files.get('/out/all.img')?.subarray(512, 520))).toBe(
      'EFI PART',
    );

    // Import the first MiB into sda3: the sector arrives at sda3's start + 3.
    const imp = await run('disk import 3 /out/p1.img');
    expect(imp).toEqual({
      status: 0,
      output: expect.stringMatching(
        /^Imported \/out\/p1.img into \/dev\/sda3 "sprout-hvm2": 1\.0 MiB/,
      ),
    });
    const p3 = s.storage.hostDisk.partition(3);
    expect(await s.storage.hostDisk.device.read(p3.firstLba + 3, 1)).toEqual(sector);

    await run('disk create tiny 64K');
    const tooBig = await run('disk import tiny /out/p1.img');
    expect(tooBig.status).toBe(1);
    expect(tooBig.output).toMatch(/the image is 1\.0 MiB .* but \/dev\/sda4 holds only 64\.0 KiB/);
    const missing = await run('disk import 3 /out/none.img');
    expect(missing).toEqual({
      status: 1,
      output: 'disk import: /out/none.img: ENOENT: no such file\n',
    });
  });
});

describe('dom0 shell: disk image', () => {
  it('creates image files, lists them under "Image files" and deletes them', async () => {
    const { s, run } = await boot();
    expect((await run('disk list')).output).toMatch(
      /\nImage files \(for file: disks\):\n {2}none\n$/,
    );
    expect(await run('disk image create /guests/d.img 4M')).toEqual({
      status: 0,
      output: 'Created image file /guests/d.img: 4 MiB\n',
    });
    const st = await s.files.stat('/guests/d.img');
    expect(st?.size).toBe(4 * 1024 * 1024);
    expect((await run('disk list')).output).toMatch(/\n {2}\/guests\/d\.img +4 MiB {2}-\n$/);
    expect(await run('disk image delete /guests/d.img')).toEqual({
      status: 0,
      output: 'Deleted image file /guests/d.img (4 MiB freed)\n',
    });
    expect(await s.files.stat('/guests/d.img')).toBeNull();
    expect((await run('disk list')).output).not.toContain('d.img');
  });

  it('refuses to delete an image a running domain uses, and says clearly what is wrong', async () => {
    server = await bootTestServer({
      '/etc/xen/vm/f': HVM_CFG('f', 'disk = [ "file:/guests/f.img,hda,w" ]\n'),
    });
    const sh = server.shell();
    const run = (line: string) => sh.runCaptured(line);
    expect((await run('disk image create /guests/f.img 1M')).status).toBe(0);
    expect((await run('xl create f')).status).toBe(0);
    expect((await run('disk list')).output).toMatch(/\/guests\/f\.img +1 MiB {2}domain 1\n/);
    const cases: [string, number, RegExp][] = [
      [
        'disk image delete /guests/f.img',
        1,
        /^disk image: \/guests\/f\.img is in use by domain 1\n$/,
      ],
      ['disk image create /guests/f.img 1M', 1, /\/guests\/f\.img already exists/],
      ['disk image create /guests/odd.img 1000', 1, /whole number of 512-byte sectors/],
      ['disk image create /guests/big.img 1G', 1, /image files are limited to/],
      ['disk image create /guests/x.img lots', 1, /invalid size 'lots'/],
      ['disk image delete /guests/none.img', 1, /\/guests\/none\.img: no such image file/],
      ['disk image delete /guests', 1, /\/guests: not a file/],
      ['disk image create /guests/y.img', 2, /wrong number of arguments\nUsage: disk list/],
      ['disk image frob', 2, /disk image: unknown subcommand 'frob'/],
    ];
    for (const [line, status, message] of cases) {
      const r = await run(line);
      expect(r.status, line).toBe(status);
      expect(r.output, line).toMatch(message);
    }
    expect((await run('xl destroy f')).status).toBe(0);
    expect((await run('disk image delete /guests/f.img')).status).toBe(0);
  });
});
