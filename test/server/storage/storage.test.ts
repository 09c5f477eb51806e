import { describe, expect, it } from 'vitest';
import { MemoryFileStore } from '../../../src/server/files/memory-file-store';
import { AtaCommand } from '../../../src/server/device-models/ide-registers';
import { MemoryChunkStore } from '../../../src/server/storage/memory-chunk-store';
import { Storage } from '../../../src/server/storage/storage';
import { writeDeviceLayout } from '../../../src/server/xenstore/domain-layout';
import { XenStore } from '../../../src/server/xenstore/xenstore';
import { BlkifOp } from '../../../src/vmm/abi/ring';
import { XenbusState } from '../../../src/vmm/abi/xenbus-state';
import { Vmm } from '../../../src/vmm/vmm';
import { blockGuest } from '../../vmm/helpers/asm';
import { FakeBlkfront, TestEvents } from '../backends/fake-blkfront';
import { AtaDriver } from '../device-models/ata-driver';
import { sameBytes } from './bytes';
import { pattern } from './chunk-store-contract';
import { settle } from './gated-store';
import { GiB, MiB, disk } from './helpers';

async function storage(opts: { files?: MemoryFileStore } = {}) {
  return Storage.open(new MemoryChunkStore(), {
    sizeBytes: GiB,
    chunkSize: 64 * 1024,
    seed: [
      { name: 'sprout-hvm', sizeBytes: 64 * MiB },
      { name: 'sprout-pv', sizeBytes: 64 * MiB },
    ],
    ...(opts.files ? { files: opts.files } : {}),
  });
}

describe('Storage: guest disks from xl.cfg disk specs', () => {
  it('maps phy: partitions by number and by name onto their host LBA ranges', async () => {
    const s = await storage();
    const a = await s.openGuestDisk(1, disk('phy:/dev/sda1,hda,w'), 'hvm');
    const b = await s.openGuestDisk(
      2,
      disk('format=raw, vdev=xvda, access=ro, target=/dev/disk/by-partlabel/sprout-pv'),
      'pv',
    );
    expect([a.start, a.sectors, a.backingName]).toEqual([2048, (64 * MiB) / 512, '/dev/sda1']);
    expect([b.start, b.readonly, b.backingName]).toEqual([
      2048 + (64 * MiB) / 512,
      true,
      '/dev/sda2',
    ]);
    expect(s.vbds().map((v) => [v.domid, v.vdev, v.path])).toEqual([
      [1, 'hda', 'hvm'],
      [2, 'xvda', 'pv'],
    ]);
  });

  it.each([
    ['a partition another domain writes to', 'phy:/dev/sda1,xvda,w', /already in use by domain 1/],
    ['a missing partition', 'phy:/dev/sda7,xvda,w', /does not exist/],
    ['the whole host disk', 'phy:/dev/sda,xvda,w', /whole host disk/],
    ['a qcow2 image', 'format=qcow2, vdev=xvda, target=/dev/sda2', /raw only/],
    ['a CD-ROM', 'phy:/dev/sda2,hdc:cdrom,r', /CD-ROM/],
  ])('refuses %s', async (_w, spec, msg) => {
    const s = await storage();
    await s.openGuestDisk(1, disk('phy:/dev/sda1,hda,w'), 'hvm');
    await expect(s.openGuestDisk(2, disk(spec), 'pv')).rejects.toThrow(msg);
  });

  it('serves file: targets from the VM server tree and writes them back on flush', async () => {
    const files = new MemoryFileStore();
    await files.mkdir('/var/lib/xen/images', { parents: true });
    const s = await storage({ files });
    await s.createImageFile('/var/lib/xen/images/small.img', 1 << 20);
    await expect(s.createImageFile('/var/lib/xen/images/small.img', 1 << 20)).rejects.toThrow(
      /already exists/,
    );
    await expect(s.createImageFile('/var/lib/xen/images/big.img', 1 << 30)).rejects.toThrow(
      /limited to 256\.0 MiB/,
    );
    const d = await s.openGuestDisk(4, disk('file:/var/lib/xen/images/small.img,xvdb,w'), 'pv');
    expect([d.sectors, d.backingName]).toEqual([2048, 'file:/var/lib/xen/images/small.img']);
    await d.submit('write', 10, 1, pattern(1, 512));
    await d.submit('flush', 0, 0);
    const back = await files.readFile('/var/lib/xen/images/small.img');
    expect(sameBytes(back.subarray(5120, 5632), pattern(1, 512))).toBe(true);
    await expect(s.openGuestDisk(5, disk('file:/nope.img,xvdb,w'), 'pv')).rejects.toThrow(
      /does not exist/,
    );
  });

  it('creates and deletes partitions, but not one a guest uses', async () => {
    const s = await storage();
    await s.openGuestDisk(1, disk('phy:/dev/sda1,hda,w'), 'hvm');
    const p = await s.createPartition('extra', 8 * MiB);
    expect([p.number, p.device, p.sizeBytes]).toEqual([3, '/dev/sda3', 8 * MiB]);
    await expect(s.deletePartition(1)).rejects.toThrow(/in use by domain 1 \(hda\)/);
    await s.deletePartition(3);
    expect(s.hostDisk.partitions().map((x) => x.name)).toEqual(['sprout-hvm', 'sprout-pv']);
  });

  it('refuses to import over a partition a running guest writes to', async () => {
    const s = await storage();
    await s.openGuestDisk(1, disk('phy:/dev/sda1,hda,w'), 'hvm');
    expect(() => s.importPartition(1, [new Uint8Array(512)], 512)).toThrow(/in use by domain 1/);
    await expect(s.importPartition(2, [new Uint8Array(512).fill(1)], 512)).resolves.toMatchObject({
      bytes: 512,
    });
  });
});

describe('Storage: attaching disks to domains (what the toolstack calls)', () => {
  it('HVM: an IDE master on the guest partition, IRQ 14 wired by the caller', async () => {
    const s = await storage();
    const levels: boolean[] = [];
    const ide = await s.attachHvm(3, [disk('phy:/dev/sda1,hda,w')], (l) => levels.push(l));
    expect(ide.ranges).toEqual([
      { type: 'port', start: 0x1f0, size: 8 },
      { type: 'port', start: 0x3f6, size: 1 },
    ]);
    expect(ide.dtb.compatible).toContain('ata-generic');
    const drv = new AtaDriver(ide);
    drv.taskfile28(5, 1);
    expect(await drv.pioOut(AtaCommand.WRITE_SECTORS, pattern(2, 512), 1)).toBe(0x50);
    expect(levels).toContain(true);
    expect(sameBytes(await s.hostDisk.device.read(2048 + 5, 1), pattern(2, 512))).toBe(true);
    expect(s.vbdTotals(3)).toMatchObject({ VBDS: 1, VBD_WR: 1, VBD_WSECT: 1 });
    expect(s.trace({ domid: 3 }).at(-1)).toMatchObject({ path: 'hvm', hostLba: 2048 + 5 });
    await expect(s.attachHvm(4, [disk('phy:/dev/sda2,hdb,w')], () => {})).rejects.toThrow(
      /must be hda/,
    );
    await s.detachDomain(3);
    expect(s.vbdTotals(3).VBDS).toBe(0);
  });

  it('PV: blkback on the toolstack-written xenstore nodes; detach unmaps everything', async () => {
    const s = await storage();
    const vmm = new Vmm({ hostMemoryMiB: 128 });
    const domid = vmm.createDomain({ name: 'pv', type: 'pv', memory: 16, kernel: blockGuest() });
    const xenstore = new XenStore();
    const xs = xenstore.connect(0);
    const spec = disk('phy:/dev/sda2,xvda,w');
    writeDeviceLayout(xs, {
      kind: 'vbd',
      domid,
      devid: spec.devid,
      backend: { params: '/dev/sda2' },
    });
    const events = new TestEvents(vmm);
    const back = await s.attachPv(domid, spec, { xs, grants: vmm, events });
    expect(back.state).toBe(XenbusState.InitWait);
    const front = new FakeBlkfront(vmm, xenstore, domid, spec.devid);
    front.connect();
    const g = front.grantData(0, true);
    front.dataPage(0).set(pattern(3, 4096));
    front.queue({ op: BlkifOp.write, id: 7n, sector: 16, segs: [{ gref: g, first: 0, last: 7 }] });
    front.push();
    events.deliver();
    await settle();
    await back.idle();
    expect(front.take()).toEqual([{ id: 7n, operation: BlkifOp.write, status: 0 }]);
    const start = s.hostDisk.partition(2).firstLba;
    expect(sameBytes(await s.hostDisk.device.read(start + 16, 8), pattern(3, 4096))).toBe(true);
    expect(s.vbdTotals(domid)).toMatchObject({ VBDS: 1, VBD_WR: 1, VBD_WSECT: 8 });
    await s.detachDomain(domid);
    expect(vmm.guest(domid).grants.foreignMaps).toBe(0);
    expect(xs.readString(`${back.backendPath}/state`)).toBe(String(XenbusState.Closed));
    vmm.destroy(domid);
  });
});
