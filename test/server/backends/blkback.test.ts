import { describe, expect, it } from 'vitest';
import { Blkback } from '../../../src/server/backends/blkback';
import { GuestDisk } from '../../../src/server/storage/guest-disk';
import { DiskIoMonitor } from '../../../src/server/storage/io-trace';
import { writeDeviceLayout } from '../../../src/server/xenstore/domain-layout';
import { XenStore } from '../../../src/server/xenstore/xenstore';
import { BlkifOp, BlkifStatus } from '../../../src/vmm/abi/ring';
import { XenbusState } from '../../../src/vmm/abi/xenbus-state';
import { Vmm } from '../../../src/vmm/vmm';
import { blockGuest } from '../../vmm/helpers/asm';
import { sameBytes } from '../storage/bytes';
import { pattern } from '../storage/chunk-store-contract';
import { GatedStore, settle } from '../storage/gated-store';
import { smallHostDisk } from '../storage/helpers';
import { FakeBlkfront, TestEvents } from './fake-blkfront';

const DEVID = 51712; // xvda

async function rig(opts: { readonly?: boolean; maxInflight?: number; connect?: boolean } = {}) {
  const store = new GatedStore();
  const { disk: host } = await smallHostDisk(store);
  const vmm = new Vmm({ hostMemoryMiB: 128 });
  const domid = vmm.createDomain({ name: 'pv', type: 'pv', memory: 16, kernel: blockGuest() });
  const xenstore = new XenStore();
  const xs = xenstore.connect(0);
  const { backend } = writeDeviceLayout(xs, {
    kind: 'vbd',
    domid,
    devid: DEVID,
    frontend: { 'virtual-device': String(DEVID), 'device-type': 'disk' },
    backend: { params: '/dev/sda2', mode: opts.readonly ? 'r' : 'w', type: 'phy', dev: 'xvda' },
  });
  const monitor = new DiskIoMonitor();
  const p = host.partition(2);
  const disk = new GuestDisk(
    host.device,
    p.firstLba,
    p.lastLba - p.firstLba + 1,
    { domid, vdev: 'xvda', devid: DEVID, path: 'pv', readonly: opts.readonly ?? false },
    monitor,
    '/dev/sda2',
  );
  const events = new TestEvents(vmm);
  const problems: string[] = [];
  const back = new Blkback({
    xs,
    grants: vmm,
    events,
    domid,
    devid: DEVID,
    disk,
    ...(opts.maxInflight !== undefined ? { maxInflight: opts.maxInflight } : {}),
    onProblem: (m) => problems.push(m),
  });
  back.start();
  const front = new FakeBlkfront(vmm, xenstore, domid, DEVID);
  if (opts.connect ?? true) front.connect();
  /** Deliver notifications to blkback and let its requests finish. */
  const pump = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) {
      events.deliver();
      await settle();
      await back.idle();
    }
  };
  const be = (key: string) => xs.tryReadString(`${backend}/${key}`);
  return {
    store,
    host,
    p,
    vmm,
    domid,
    xs,
    backend,
    be,
    disk,
    monitor,
    events,
    back,
    front,
    pump,
    problems,
  };
}

describe('blkback: the xenbus handshake', () => {
  it('publishes its features and geometry in InitWait, connects on Initialised', async () => {
    const r = await rig({ connect: false });
    expect(r.be('state')).toBe(String(XenbusState.InitWait));
    expect(r.be('feature-flush-cache')).toBe('1');
    expect(r.be('feature-barrier')).toBe('1');
    expect(r.be('sector-size')).toBe('512');
    expect(r.be('sectors')).toBe(String(r.disk.sectors));
    expect(r.be('info')).toBe('0');
    expect(r.back.connected).toBe(false);
    r.front.connect();
    expect(r.be('state')).toBe(String(XenbusState.Connected));
    expect(r.front.state()).toBe(XenbusState.Connected);
    expect(r.back.connected).toBe(true);
    expect(r.vmm.guest(r.domid).grants.foreignMaps).toBe(1); // the ring
    expect(r.events.bound).toBe(1);
  });

  it('marks a read-only disk in info (VDISK_READONLY) and refuses writes to it', async () => {
    const r = await rig({ readonly: true });
    expect(r.be('info')).toBe('4');
    const g = r.front.grantData(0, true);
    r.front.queue({ op: BlkifOp.write, id: 1n, sector: 0, segs: [{ gref: g, first: 0, last: 0 }] });
    r.front.push();
    await r.pump();
    expect(r.front.take()).toEqual([
      { id: 1n, operation: BlkifOp.write, status: BlkifStatus.error },
    ]);
  });

  it.each([
    [
      'a ring-ref that is not granted',
      (f: FakeBlkfront) => {
        // Keys written by hand, as a broken front end would: grant 8 was never filled in.
        f.xs.write(`${f.frontend}/ring-ref`, '8');
        f.xs.write(
          `${f.frontend}/event-channel`,
          String(f.vmm.evtchn.allocUnbound(f.d, f.domid, 0)),
        );
        f.setState(XenbusState.Initialised);
      },
      /mapping ring-ref 8/,
    ],
    [
      'an event channel that is not there',
      (f: FakeBlkfront) => {
        f.grant(8, 0x101);
        f.xs.write(`${f.frontend}/ring-ref`, '8');
        f.xs.write(`${f.frontend}/event-channel`, '77');
        f.setState(XenbusState.Initialised);
      },
      /binding event channel 77/,
    ],
    [
      'a foreign protocol',
      (f: FakeBlkfront) => f.connect({ protocol: 'x86_64-abi' }),
      /unsupported protocol x86_64-abi/,
    ],
  ])('fails the handshake on %s: error node and Closing, no exception', async (_w, spoil, msg) => {
    const r = await rig({ connect: false });
    spoil(r.front);
    expect(r.be('state')).toBe(String(XenbusState.Closing));
    expect(r.be('error')).toMatch(msg);
    expect(r.back.connected).toBe(false);
    expect(r.problems.join()).toMatch(msg);
    expect(r.vmm.guest(r.domid).grants.foreignMaps).toBe(0);
  });

  it('tears down on Closing → Closed: unmaps the ring, closes the port; the domain can then go', async () => {
    const r = await rig();
    r.front.setState(XenbusState.Closing);
    expect(r.be('state')).toBe(String(XenbusState.Closing));
    r.front.setState(XenbusState.Closed);
    await settle();
    expect(r.be('state')).toBe(String(XenbusState.Closed));
    expect(r.back.connected).toBe(false);
    expect(r.vmm.guest(r.domid).grants.foreignMaps).toBe(0);
    expect(r.events.bound).toBe(0);
    // A rebooted front end starts over: the back end offers the device again.
    r.front.setState(XenbusState.Initialising);
    expect(r.be('state')).toBe(String(XenbusState.InitWait));
    r.front.connect();
    expect(r.be('state')).toBe(String(XenbusState.Connected));
    await r.back.stop();
    r.vmm.destroy(r.domid);
    expect(() => r.vmm.domainInfo(r.domid)).toThrow(/no domain/);
  });
});

describe('blkback: requests on the shared ring', () => {
  it('writes and reads segments by grant, contiguous on disk from sector_number', async () => {
    const r = await rig();
    const a = r.front.grantData(0, true);
    const b = r.front.grantData(1, true);
    r.front.dataPage(0).set(pattern(1, 4096));
    r.front.dataPage(1).set(pattern(2, 4096));
    const id = 0x1234_5678_9abc_def0n;
    r.front.queue({
      op: BlkifOp.write,
      id,
      sector: 100,
      segs: [
        { gref: a, first: 0, last: 7 }, // a whole page
        { gref: b, first: 2, last: 5 }, // sectors 2–5 of the second page
      ],
    });
    expect(r.front.push()).toBe(true);
    await r.pump();
    expect(r.front.take()).toEqual([{ id, operation: BlkifOp.write, status: BlkifStatus.okay }]);
    const onDisk = await r.host.device.read(r.p.firstLba + 100, 12);
    expect(sameBytes(onDisk.subarray(0, 4096), pattern(1, 4096))).toBe(true);
    expect(sameBytes(onDisk.subarray(4096), pattern(2, 4096).subarray(1024, 3072))).toBe(true);

    // Read it back into two other pages, 6 sectors each at different offsets.
    const c = r.front.grantData(2);
    const d = r.front.grantData(3);
    r.front.queue({
      op: BlkifOp.read,
      id: 2n,
      sector: 100,
      segs: [
        { gref: c, first: 1, last: 6 },
        { gref: d, first: 0, last: 5 },
      ],
    });
    r.front.finalCheck();
    r.front.push();
    await r.pump();
    expect(r.front.take()).toEqual([{ id: 2n, operation: BlkifOp.read, status: BlkifStatus.okay }]);
    expect(sameBytes(r.front.dataPage(2).subarray(512, 512 + 3072), onDisk.subarray(0, 3072))).toBe(
      true,
    );
    expect(sameBytes(r.front.dataPage(3).subarray(0, 3072), onDisk.subarray(3072, 6144))).toBe(
      true,
    );
    expect(r.front.dataPage(2)[0]).toBe(0); // sector 0 of the page untouched

    const [w, rd] = r.monitor.trace();
    expect(w).toMatchObject({
      path: 'pv',
      op: 'write',
      guestSector: 100,
      sectors: 12,
      hostLba: r.p.firstLba + 100,
      hostByteOffset: (r.p.firstLba + 100) * 512,
      hypercalls: 1,
      grantOps: 4,
      status: 'ok',
    });
    expect(w?.hops.map((h) => h.name)).toEqual([
      'notify',
      'ring',
      'grants-mapped',
      'host-submit',
      'host-done',
      'response',
    ]);
    expect(rd).toMatchObject({ op: 'read', sectors: 12, status: 'ok' });
    expect(r.monitor.totals(r.domid)).toEqual({
      VBDS: 1,
      VBD_OO: 0,
      VBD_RD: 1,
      VBD_WR: 1,
      VBD_RSECT: 12,
      VBD_WSECT: 12,
    });
    expect(r.vmm.guest(r.domid).grants.foreignMaps).toBe(1); // only the ring stays mapped
  });

  it('answers FLUSH_DISKCACHE only once the host disk has committed', async () => {
    const r = await rig();
    const g = r.front.grantData(0, true);
    r.front.dataPage(0).set(pattern(4, 4096)); // (zeros would need no commit: a hole stays a hole)
    r.front.queue({ op: BlkifOp.write, id: 1n, sector: 8, segs: [{ gref: g, first: 0, last: 0 }] });
    r.front.push();
    await r.pump();
    r.front.take();
    r.front.finalCheck();
    r.store.hold();
    r.front.queue({ op: BlkifOp.flush_diskcache, id: 2n, sector: 0, segs: [] });
    r.front.push();
    r.events.deliver();
    for (let i = 0; i < 5; i++) await settle();
    expect(r.front.take()).toEqual([]);
    expect(r.store.waiting).toBe(1);
    r.store.release();
    await r.pump();
    expect(r.front.take()).toEqual([
      { id: 2n, operation: BlkifOp.flush_diskcache, status: BlkifStatus.okay },
    ]);
    expect(r.front.notified()).toBe(true);
    expect((await r.store.listChunks()).length).toBeGreaterThan(2);
  });

  it('carries data on WRITE_BARRIER and makes it durable before answering', async () => {
    const r = await rig();
    const g = r.front.grantData(0, true);
    r.front.dataPage(0).set(pattern(5, 4096));
    const commits = r.store.commits;
    r.front.queue({
      op: BlkifOp.write_barrier,
      id: 9n,
      sector: 64,
      segs: [{ gref: g, first: 0, last: 7 }],
    });
    r.front.push();
    await r.pump();
    expect(r.front.take()).toEqual([
      { id: 9n, operation: BlkifOp.write_barrier, status: BlkifStatus.okay },
    ]);
    expect(r.store.commits).toBeGreaterThan(commits);
    expect(sameBytes(await r.host.device.read(r.p.firstLba + 64, 8), pattern(5, 4096))).toBe(true);
  });
});

describe('blkback: notification hold-off (req_event / rsp_event)', () => {
  it('notifies the front only for responses it asked about', async () => {
    const r = await rig();
    const g = r.front.grantData(0);
    const read = (id: bigint) =>
      r.front.queue({ op: BlkifOp.read, id, sector: 0, segs: [{ gref: g, first: 0, last: 0 }] });
    read(1n);
    r.front.push();
    await r.pump();
    expect(r.front.notified()).toBe(true); // rsp_event starts at 1: the first response is wanted
    expect(r.front.take()).toHaveLength(1);
    // The front consumed without RING_FINAL_CHECK_FOR_RESPONSES: rsp_event is still 1.
    read(2n);
    r.front.push();
    await r.pump();
    expect(r.front.notified()).toBe(false);
    expect(r.back.stats.notificationsHeldOff).toBe(1);
    expect(r.front.take()).toEqual([{ id: 2n, operation: BlkifOp.read, status: BlkifStatus.okay }]);
    // Now it asks (rsp_event = rsp_cons + 1), and the next response notifies.
    expect(r.front.finalCheck()).toBe(false);
    read(3n);
    r.front.push();
    await r.pump();
    expect(r.front.notified()).toBe(true);
    expect(r.back.stats.notificationsOut).toBe(2);
  });

  it('asks for the next request (req_event = req_cons + 1) and takes a batch on one notification', async () => {
    const r = await rig();
    // The guest's latest VMM exit when each notification reaches the back end: its notify hypercall.
    let exitSeq = 10;
    r.monitor.exitClock = () => exitSeq;
    const g = r.front.grantData(0);
    r.front.queue({ op: BlkifOp.read, id: 1n, sector: 0, segs: [{ gref: g, first: 0, last: 0 }] });
    expect(r.front.push()).toBe(true);
    await r.pump();
    exitSeq = 20;
    expect(r.front.reqEvent).toBe(2);
    // Pretend the back end is busy (it asked for nothing): the front queues three without notifying.
    r.front.reqEvent = 100;
    for (const id of [2n, 3n, 4n]) {
      r.front.queue({
        op: BlkifOp.read,
        id,
        sector: Number(id),
        segs: [{ gref: g, first: 0, last: 0 }],
      });
      expect(r.front.push()).toBe(false);
    }
    await r.pump();
    expect(r.front.take().map((x) => x.id)).toEqual([1n]); // nothing taken without a notification
    r.front.notify();
    await r.pump();
    expect(r.front.take().map((x) => x.id)).toEqual([2n, 3n, 4n]);
    expect(r.front.reqEvent).toBe(5);
    expect(r.front.hypercalls).toBe(2);
    expect(r.back.stats.notificationsIn).toBe(2);
    // One hypercall carried three requests: it is charged to the first of them.
    expect(
      r.monitor
        .trace()
        .slice(-3)
        .map((x) => x.hypercalls),
    ).toEqual([1, 0, 0]);
    // …and so is the exit that hypercall was: the I/O path view links request and exit by it.
    expect(r.monitor.trace().map((x) => [x.firstExit, x.lastExit])).toEqual([
      [10, 10],
      [20, 20],
      [null, null],
      [null, null],
    ]);
  });

  it('counts VBD_OO when requests wait for a free slot, and still answers them all', async () => {
    const r = await rig({ maxInflight: 1 });
    const g = r.front.grantData(0);
    r.store.hold();
    r.front.queue({ op: BlkifOp.flush_diskcache, id: 1n, sector: 0, segs: [] });
    r.front.queue({ op: BlkifOp.read, id: 2n, sector: 0, segs: [{ gref: g, first: 0, last: 0 }] });
    r.front.queue({ op: BlkifOp.read, id: 3n, sector: 1, segs: [{ gref: g, first: 0, last: 0 }] });
    r.front.push();
    r.events.deliver();
    await settle();
    expect(r.monitor.totals(r.domid).VBD_OO).toBeGreaterThanOrEqual(1);
    r.store.release();
    await r.pump();
    expect(r.front.take().map((x) => [x.id, x.status])).toEqual([
      [1n, 0],
      [2n, 0],
      [3n, 0],
    ]);
  });
});

describe('blkback: garbage on the ring gets ERROR or EOPNOTSUPP, never an exception', () => {
  const cases: [string, (f: FakeBlkfront, sectors: number) => void, number][] = [
    [
      'a read with no segments',
      (f) => f.queue({ op: BlkifOp.read, id: 1n, sector: 0, segs: [] }),
      BlkifStatus.error,
    ],
    [
      'twelve segments',
      (f) => f.queue({ op: BlkifOp.write, id: 1n, sector: 0, segs: [], nrSegments: 12 }),
      BlkifStatus.error,
    ],
    [
      'a grant reference never granted',
      (f) =>
        f.queue({ op: BlkifOp.write, id: 1n, sector: 0, segs: [{ gref: 300, first: 0, last: 0 }] }),
      BlkifStatus.error,
    ],
    [
      'a grant reference beyond the table',
      (f) =>
        f.queue({
          op: BlkifOp.write,
          id: 1n,
          sector: 0,
          segs: [{ gref: 0xffffffff, first: 0, last: 0 }],
        }),
      BlkifStatus.error,
    ],
    [
      'a grant for another domain',
      (f) => {
        f.grant(40, 0x120, { domid: 7 });
        f.queue({ op: BlkifOp.write, id: 1n, sector: 0, segs: [{ gref: 40, first: 0, last: 0 }] });
      },
      BlkifStatus.error,
    ],
    [
      'a read into a read-only grant',
      (f) =>
        f.queue({
          op: BlkifOp.read,
          id: 1n,
          sector: 0,
          segs: [{ gref: f.grantData(0, true), first: 0, last: 0 }],
        }),
      BlkifStatus.error,
    ],
    [
      'first_sect after last_sect',
      (f) =>
        f.queue({
          op: BlkifOp.write,
          id: 1n,
          sector: 0,
          segs: [{ gref: f.grantData(0), first: 5, last: 2 }],
        }),
      BlkifStatus.error,
    ],
    [
      'last_sect outside the 4 KiB frame',
      (f) =>
        f.queue({
          op: BlkifOp.write,
          id: 1n,
          sector: 0,
          segs: [{ gref: f.grantData(0), first: 0, last: 8 }],
        }),
      BlkifStatus.error,
    ],
    [
      'sectors past the end of the disk',
      (f, n) =>
        f.queue({
          op: BlkifOp.write,
          id: 1n,
          sector: n - 4,
          segs: [{ gref: f.grantData(0), first: 0, last: 7 }],
        }),
      BlkifStatus.error,
    ],
    [
      'a sector number of 2^64 − 1',
      (f) =>
        f.queue({
          op: BlkifOp.write,
          id: 1n,
          sector: 2n ** 64n - 1n,
          segs: [{ gref: f.grantData(0), first: 0, last: 0 }],
        }),
      BlkifStatus.error,
    ],
    [
      'an unknown operation',
      (f) => f.queue({ op: 99, id: 1n, sector: 0, segs: [] }),
      BlkifStatus.eopnotsupp,
    ],
    [
      'DISCARD (not offered)',
      (f) => f.queue({ op: BlkifOp.discard, id: 1n, sector: 0, segs: [] }),
      BlkifStatus.eopnotsupp,
    ],
    [
      'INDIRECT (not offered)',
      (f) => f.queue({ op: BlkifOp.indirect, id: 1n, sector: 0, segs: [] }),
      BlkifStatus.eopnotsupp,
    ],
  ];

  it.each(cases)('%s', async (_w, spoil, status) => {
    const r = await rig();
    r.front.dataPage(0).fill(0xcc);
    await r.host.flush();
    const before = await r.store.listChunks();
    spoil(r.front, r.disk.sectors);
    r.front.push();
    await r.pump();
    const [resp] = r.front.take();
    expect(resp?.id).toBe(1n);
    expect(resp?.status).toBe(status);
    await r.host.flush();
    expect(await r.store.listChunks()).toEqual(before);
    expect(r.vmm.errors).toEqual([]);
    expect(r.vmm.guest(r.domid).grants.foreignMaps).toBe(1); // nothing left mapped but the ring
    expect(r.monitor.devices(r.domid)[0]?.errors).toBe(1);
    // The ring still works afterwards.
    r.front.finalCheck();
    r.front.queue({
      op: BlkifOp.read,
      id: 2n,
      sector: 0,
      segs: [{ gref: r.front.grantData(5), first: 0, last: 0 }],
    });
    r.front.push();
    await r.pump();
    expect(r.front.take()).toEqual([{ id: 2n, operation: BlkifOp.read, status: BlkifStatus.okay }]);
  });

  it('halts a ring whose req_prod runs more than a ring ahead, reports it, and stays up', async () => {
    const r = await rig();
    r.front.reqProd = 1000;
    r.front.notify();
    await r.pump();
    expect(r.back.stats.protocolErrors).toBe(1);
    expect(r.be('error')).toMatch(/bogus ring requests/);
    expect(r.be('state')).toBe(String(XenbusState.Closing));
    expect(r.back.stats.requests).toBe(0);
    expect(r.vmm.errors).toEqual([]);
  });
});
