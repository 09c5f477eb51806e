import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IdeController } from '../../../src/server/device-models/ide';
import { identifyString } from '../../../src/server/device-models/ide-identify';
import {
  AtaCommand as C,
  AtaError,
  AtaStatus as S,
  DeviceControl,
} from '../../../src/server/device-models/ide-registers';
import { isaIrqToPlic } from '../../../src/server/device-models/isa-port-map';
import { GuestDisk } from '../../../src/server/storage/guest-disk';
import { DiskIoMonitor } from '../../../src/server/storage/io-trace';
import { exportImage } from '../../../src/server/storage/disk-image';
import { writeImageFile } from '../../../src/server/storage/node-image-file';
import { ISA_IO_BASE } from '../../../src/vmm/abi/platform';
import { Vmm } from '../../../src/vmm/vmm';
import { blockGuest } from '../../vmm/helpers/asm';
import { sameBytes } from '../storage/bytes';
import { pattern } from '../storage/chunk-store-contract';
import { GatedStore, settle } from '../storage/gated-store';
import { smallHostDisk } from '../storage/helpers';
import { AtaDriver, BASE, type PortIo } from './ata-driver';

const READY = S.DRDY | S.DSC;
const tmp = mkdtempSync(join(tmpdir(), 'tabvisor-ide-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** An IDE channel whose master is partition 1 of a small host disk; ports driven directly. */
async function rig(opts: { store?: GatedStore; readonly?: boolean } = {}) {
  const store = opts.store ?? new GatedStore();
  const { disk: host } = await smallHostDisk(store);
  const monitor = new DiskIoMonitor();
  const p = host.partition(1);
  const guest = new GuestDisk(
    host.device,
    p.firstLba,
    p.lastLba - p.firstLba + 1,
    { domid: 3, vdev: 'hda', devid: 768, path: 'hvm', readonly: opts.readonly ?? false },
    monitor,
    '/dev/sda1',
  );
  const irq: boolean[] = [];
  const ide = new IdeController({ master: guest, setIrq: (l) => irq.push(l) });
  const drv = new AtaDriver(ide);
  return { store, host, p, guest, monitor, ide, drv, irq, line: () => irq.at(-1) ?? false };
}

describe('IDE registers (ATA/ATAPI-6 §7)', () => {
  it('comes up with the ATA signature: status DRDY|DSC, error 01h, count 1, LBA 0:0:1', async () => {
    const { drv } = await rig();
    expect([drv.status(), drv.inb(1), drv.inb(2), drv.inb(3), drv.inb(4), drv.inb(5)]).toEqual([
      READY,
      0x01,
      1,
      1,
      0,
      0,
    ]);
  });

  it.each([
    [2, 0x5a],
    [3, 0x11],
    [4, 0x22],
    [5, 0x33],
  ])('reads back taskfile register %i as written', async (reg, v) => {
    const { drv } = await rig();
    drv.outb(reg, v);
    expect(drv.inb(reg)).toBe(v);
  });

  it('keeps the previous byte of each 48-bit register and shows it while HOB is set', async () => {
    const { drv } = await rig();
    for (const [reg, hi, lo] of [
      [2, 0x12, 0x34],
      [3, 0x56, 0x78],
      [4, 0x9a, 0xbc],
      [5, 0xde, 0xf0],
    ] as const) {
      drv.outb(reg, hi);
      drv.outb(reg, lo);
    }
    expect([2, 3, 4, 5].map((r) => drv.inb(r))).toEqual([0x34, 0x78, 0xbc, 0xf0]);
    drv.devctl(DeviceControl.HOB);
    expect([2, 3, 4, 5].map((r) => drv.inb(r))).toEqual([0x12, 0x56, 0x9a, 0xde]);
    drv.outb(6, 0x40); // any command block write clears HOB
    expect(drv.inb(2)).toBe(0x34);
  });

  it('answers for an absent device 1 with status 0 and ignores its commands', async () => {
    const { drv, ide } = await rig();
    drv.outb(6, 0xb0); // DEV = 1
    expect(drv.status()).toBe(0);
    expect(drv.altStatus()).toBe(0);
    drv.outb(7, C.IDENTIFY_DEVICE);
    expect(ide.commands.size).toBe(0);
    drv.outb(6, 0xa0);
    expect(drv.status()).toBe(READY);
  });

  it('clears INTRQ when Status is read, not when Alternate Status is read, and masks it with nIEN', async () => {
    const { drv, line } = await rig();
    drv.outb(2, 0);
    drv.outb(7, C.SET_MULTIPLE_MODE); // a non-data command: completes with INTRQ
    expect(line()).toBe(true);
    expect(drv.altStatus()).toBe(READY);
    expect(line()).toBe(true);
    drv.devctl(DeviceControl.nIEN);
    expect(line()).toBe(false); // released while nIEN, still pending
    drv.devctl(0);
    expect(line()).toBe(true);
    expect(drv.status()).toBe(READY);
    expect(line()).toBe(false);
  });

  it('is BSY during a software reset, then shows the signature without an interrupt', async () => {
    const { drv, line } = await rig();
    drv.outb(2, 0x77);
    drv.devctl(DeviceControl.SRST);
    expect(drv.altStatus() & S.BSY).toBe(S.BSY);
    drv.outb(2, 0x99); // ignored while BSY
    drv.devctl(0);
    expect([drv.altStatus(), drv.inb(1), drv.inb(2), drv.inb(3)]).toEqual([READY, 1, 1, 1]);
    expect(line()).toBe(false);
  });

  it.each([
    ['NOP', C.NOP],
    ['READ DMA', 0xc8],
    ['WRITE DMA EXT', 0x35],
    ['IDENTIFY PACKET DEVICE', C.IDENTIFY_PACKET_DEVICE],
    ['PACKET', C.PACKET],
    ['an undefined code', 0xff],
  ])('aborts %s with ERR and ABRT, and interrupts', async (_n, cmd) => {
    const { drv, line, irq } = await rig();
    expect(await drv.nonData(cmd)).toBe(READY | S.ERR);
    expect(drv.inb(1)).toBe(AtaError.ABRT);
    expect(irq).toContain(true);
    expect(line()).toBe(false); // our status read acknowledged it
  });

  it.each([
    ['enable write cache', 0x02, 0, true],
    ['disable write cache', 0x82, 0, true],
    ['PIO mode 4', 0x03, 0x0c, true],
    ['PIO default', 0x03, 0x00, true],
    ['UDMA mode 5 (no DMA here)', 0x03, 0x45, false],
    ['enable read look-ahead', 0xaa, 0, true],
    ['an unknown subcommand', 0x99, 0, false],
  ])('SET FEATURES %s', async (_n, feature, count, ok) => {
    const { drv } = await rig();
    drv.outb(1, feature);
    drv.outb(2, count);
    expect(await drv.nonData(C.SET_FEATURES)).toBe(ok ? READY : READY | S.ERR);
  });

  it.each([
    [0, true],
    [1, true],
    [8, true],
    [16, true],
    [3, false],
    [32, false],
  ])('SET MULTIPLE MODE %i → %s', async (n, ok) => {
    const { drv, ide } = await rig();
    drv.outb(2, n);
    expect(await drv.nonData(C.SET_MULTIPLE_MODE)).toBe(ok ? READY : READY | S.ERR);
    expect(ide.state().multipleSectors).toBe(ok ? n : 0);
  });

  it('aborts READ/WRITE MULTIPLE before SET MULTIPLE MODE', async () => {
    const { drv } = await rig();
    drv.taskfile28(0, 1);
    expect(await drv.nonData(C.READ_MULTIPLE)).toBe(READY | S.ERR);
    expect(drv.inb(1)).toBe(AtaError.ABRT);
  });
});

describe('IDE commands', () => {
  it('IDENTIFY DEVICE: model, LBA28 and LBA48 capacity, command sets, integrity checksum', async () => {
    const { drv, guest } = await rig();
    const id = await drv.pioIn(C.IDENTIFY_DEVICE, 1, 1);
    const w = (i: number) => (id[2 * i] as number) | ((id[2 * i + 1] as number) << 8);
    expect(identifyString(id, 27, 20)).toBe('TABVISOR HARDDISK');
    expect(w(0)).toBe(0x0040);
    expect(w(49) & (1 << 9)).not.toBe(0); // LBA
    expect(w(60) | (w(61) << 16)).toBe(guest.sectors);
    expect(w(100) + w(101) * 65536 + w(102) * 2 ** 32 + w(103) * 2 ** 48).toBe(guest.sectors);
    expect(w(83) & 0x3400).toBe(0x3400); // FLUSH CACHE, FLUSH CACHE EXT, 48-bit
    expect(w(85) & (1 << 5)).not.toBe(0); // write cache enabled
    expect(w(47) & 0xff).toBe(16);
    expect(id[510]).toBe(0xa5);
    expect(id.reduce((a, b) => a + b, 0) % 256).toBe(0);
    expect(drv.status()).toBe(READY); // no DRQ after the last word
  });

  it('shows BSY while the disk is reading, then DRQ with an interrupt per block (READ MULTIPLE)', async () => {
    const { drv, guest, line } = await rig();
    const data = pattern(11, 8 * 512);
    expect((await guest.submit('write', 40, 8, data)).status).toBe('ok');
    drv.outb(2, 4);
    await drv.nonData(C.SET_MULTIPLE_MODE);
    drv.taskfile28(40, 8);
    drv.outb(7, C.READ_MULTIPLE);
    expect(drv.altStatus() & (S.BSY | S.DRQ)).toBe(S.BSY); // the host disk has not answered yet
    expect(line()).toBe(false);
    await settle();
    expect(drv.altStatus()).toBe(READY | S.DRQ);
    expect(line()).toBe(true);
    const got = new Uint8Array(8 * 512);
    drv.status();
    drv.readWords(4 * 256, got, 0);
    // Second block: DRQ again, with a new interrupt.
    expect(drv.altStatus()).toBe(READY | S.DRQ);
    expect(line()).toBe(true);
    drv.status();
    drv.readWords(4 * 256, got, 2048);
    expect(drv.altStatus()).toBe(READY);
    expect(sameBytes(got, data)).toBe(true);
  });

  it('writes with WRITE SECTORS EXT (LBA48): first block without an interrupt, completion with one', async () => {
    const { drv, guest, p, host, line, irq, monitor } = await rig();
    // Each port access is one VM exit; the VMM's exit clock numbers them.
    let exitSeq = 500;
    monitor.exitClock = () => ++exitSeq;
    monitor.exitSampler = (_domid, first, last, limit) =>
      Array.from({ length: Math.min(limit, last - first + 1) }, (_, i) => ({
        seq: last - Math.min(limit, last - first + 1) + 1 + i,
        time: 0,
        reason: 'port:ide0',
        detail: 0x1f0,
      }));
    const data = pattern(12, 3 * 512);
    drv.taskfile48(1000, 3);
    drv.outb(7, C.WRITE_SECTORS_EXT);
    expect(drv.altStatus()).toBe(READY | S.DRQ);
    expect(irq).toEqual([]);
    drv.writeWords(256, data, 0);
    expect(line()).toBe(true); // second block requested
    drv.status();
    drv.writeWords(256, data, 512);
    drv.status();
    drv.writeWords(256, data, 1024);
    expect(drv.altStatus() & S.BSY).toBe(S.BSY); // written to the host disk now
    await drv.waitNotBusy();
    expect(drv.status()).toBe(READY);
    expect(sameBytes(await host.device.read(p.firstLba + 1000, 3), data)).toBe(true);
    const rec = monitor.trace().at(-1);
    expect(rec).toMatchObject({
      op: 'write',
      path: 'hvm',
      guestSector: 1000,
      hostLba: p.firstLba + 1000,
      status: 'ok',
    });
    // 9 taskfile writes + command + 768 data words + 2 status reads + altstatus polls: all counted.
    expect(rec?.exits).toBeGreaterThanOrEqual(9 + 1 + 768 + 2);
    // The request names exactly the exits it took: the first taskfile write to its last access.
    expect(rec?.firstExit).toBe(501);
    expect((rec?.lastExit ?? 0) - (rec?.firstExit ?? 0) + 1).toBe(rec?.exits);
    // …and keeps the newest of them as the VMM's trace had them when the command ended.
    expect(rec?.exitSample.map((e) => e.seq)).toEqual(
      [4, 3, 2, 1, 0].map((k) => (rec?.lastExit ?? 0) - k),
    );
    expect(rec?.hops.map((h) => h.name)).toEqual([
      'command',
      'data-in',
      'host-submit',
      'host-done',
      'complete',
    ]);
    expect(guest.sectors).toBeGreaterThan(1000);
  });

  it('completes FLUSH CACHE only once the host disk has made the data durable', async () => {
    const { drv, store, line } = await rig();
    drv.taskfile28(7, 1);
    await drv.pioOut(C.WRITE_SECTORS, pattern(13, 512), 1);
    const commits = store.commits;
    store.hold();
    drv.outb(7, C.FLUSH_CACHE_EXT);
    for (let i = 0; i < 5; i++) {
      await settle();
      expect(drv.altStatus() & S.BSY).toBe(S.BSY);
    }
    expect(store.waiting).toBe(1);
    expect(line()).toBe(false);
    store.release();
    await drv.waitNotBusy();
    expect(line()).toBe(true);
    expect(drv.status()).toBe(READY);
    expect(store.commits).toBe(commits + 1);
  });

  it('with the write cache disabled, a write completes only when durable', async () => {
    const { drv, store } = await rig();
    drv.outb(1, 0x82);
    await drv.nonData(C.SET_FEATURES);
    store.hold();
    drv.taskfile28(9, 1);
    drv.outb(7, C.WRITE_SECTORS);
    drv.writeWords(256, pattern(14, 512), 0);
    for (let i = 0; i < 3; i++) await settle();
    expect(drv.altStatus() & S.BSY).toBe(S.BSY);
    store.release();
    await drv.waitNotBusy();
    expect(drv.status()).toBe(READY);
    expect((await store.listChunks()).length).toBeGreaterThan(0);
  });

  it.each([
    ['READ SECTORS', C.READ_SECTORS],
    ['WRITE SECTORS', C.WRITE_SECTORS],
  ])(
    'reports %s past the end of the guest disk as ERR with IDNF, and moves no data',
    async (_n, cmd) => {
      const { drv, guest, monitor, host, store } = await rig();
      await host.flush();
      const before = await store.listChunks();
      drv.taskfile28(guest.sectors - 1, 2);
      drv.outb(7, cmd);
      const s = await drv.waitNotBusy();
      expect(s).toBe(READY | S.ERR);
      expect(drv.inb(1)).toBe(AtaError.IDNF);
      expect(drv.io.read(BASE, 2)).toBe(0xffff); // no data phase
      await host.flush();
      expect(await store.listChunks()).toEqual(before);
      expect(monitor.trace().at(-1)).toMatchObject({ status: 'out-of-range', hostLba: null });
    },
  );

  it('aborts a write to a read-only disk before its data phase', async () => {
    const { drv } = await rig({ readonly: true });
    drv.taskfile28(0, 1);
    expect(await drv.nonData(C.WRITE_SECTORS)).toBe(READY | S.ERR);
    expect(drv.inb(1)).toBe(AtaError.ABRT);
  });

  it('drops the completion of a read that a software reset cut short', async () => {
    const { drv, line } = await rig();
    drv.taskfile28(0, 1);
    drv.outb(7, C.READ_SECTORS);
    expect(drv.altStatus() & S.BSY).toBe(S.BSY);
    drv.devctl(DeviceControl.SRST);
    drv.devctl(0);
    await settle();
    expect(drv.altStatus()).toBe(READY); // no DRQ from the old command
    expect(line()).toBe(false);
  });

  it('saves and restores in the middle of a data phase, in and out', async () => {
    const { drv, ide, guest } = await rig();
    await guest.submit('write', 300, 2, pattern(16, 1024));
    drv.taskfile28(300, 2);
    drv.outb(7, C.READ_SECTORS);
    await drv.waitNotBusy();
    const got = new Uint8Array(1024);
    drv.readWords(100, got, 0);
    const saved = ide.saveState();
    const ide2 = new IdeController({ master: guest });
    ide2.restoreState(saved);
    const drv2 = new AtaDriver(ide2);
    drv2.readWords(156, got, 200);
    expect(drv2.altStatus()).toBe(READY | S.DRQ); // second sector next
    drv2.readWords(256, got, 512);
    expect(sameBytes(got, pattern(16, 1024))).toBe(true);

    drv2.taskfile28(400, 2);
    drv2.outb(7, C.WRITE_SECTORS);
    drv2.writeWords(256, pattern(17, 1024), 0);
    const mid = ide2.saveState();
    const ide3 = new IdeController({ master: guest });
    ide3.restoreState(mid);
    const drv3 = new AtaDriver(ide3);
    drv3.writeWords(256, pattern(17, 1024), 512);
    await drv3.waitNotBusy();
    expect(drv3.status()).toBe(READY);
    expect(sameBytes((await guest.submit('read', 400, 2)).data, pattern(17, 1024))).toBe(true);
  });

  it('will not save while BSY waits for the disk', async () => {
    const { drv, ide } = await rig();
    drv.taskfile28(0, 1);
    drv.outb(7, C.READ_SECTORS);
    expect(() => ide.saveState()).toThrow(/settled/);
    await ide.settled();
    expect(ide.saveState().status).toBe(READY | S.DRQ);
  });

  it('addresses CHS when the LBA bit is clear (cylinder, head, sector from 1)', async () => {
    const { drv, guest } = await rig();
    const lba = (2 * 16 + 3) * 63 + (5 - 1);
    await guest.submit('write', lba, 1, pattern(15, 512));
    drv.outb(2, 1);
    drv.outb(3, 5); // sector
    drv.outb(4, 2); // cylinder low
    drv.outb(5, 0); // cylinder high
    drv.outb(6, 0xa0 | 3); // head 3, CHS
    expect(sameBytes(await drv.pioIn(C.READ_SECTORS, 1, 1), pattern(15, 512))).toBe(true);
  });
});

describe('IDE through the VMM: every data word a VM exit', () => {
  async function guestRig() {
    const { disk: host } = await smallHostDisk();
    const vmm = new Vmm({ hostMemoryMiB: 128 });
    const domid = vmm.createDomain({ name: 'hvm', type: 'hvm', memory: 8, kernel: blockGuest() });
    const monitor = new DiskIoMonitor();
    const p = host.partition(1);
    const guest = new GuestDisk(
      host.device,
      p.firstLba,
      p.lastLba - p.firstLba + 1,
      { domid, vdev: 'hda', devid: 768, path: 'hvm', readonly: false },
      monitor,
      '/dev/sda1',
    );
    const irq = isaIrqToPlic(14);
    const ide = new IdeController({ master: guest, setIrq: (l) => vmm.setIrqLevel(domid, irq, l) });
    for (const spec of ide.ioreqSpecs()) vmm.registerIoreqServer(domid, spec);
    const bus = vmm.guest(domid).vcpus[0]!.hart.bus;
    const io: PortIo = {
      read: (port, size) => bus.load(ISA_IO_BASE + port, size),
      write: (port, size, value) => bus.store(ISA_IO_BASE + port, size, value),
    };
    return { vmm, domid, host, p, ide, drv: new AtaDriver(io), irq };
  }

  it('runs IDENTIFY, WRITE, READ and FLUSH as a guest driver would, raising IRQ 14 in the guest PLIC', async () => {
    const { vmm, domid, ide, drv, irq, host, p } = await guestRig();
    const exits0 = vmm.exitCounters(domid)['port:ide0'] ?? 0;
    await drv.pioIn(C.IDENTIFY_DEVICE, 1, 1);
    expect(vmm.guest(domid).plic.isPending(irq)).toBe(true);
    const data = pattern(21, 64 * 512);
    drv.outb(2, 16);
    await drv.nonData(C.SET_MULTIPLE_MODE);
    drv.taskfile48(2048, 64);
    expect(await drv.pioOut(C.WRITE_MULTIPLE_EXT, data, 16)).toBe(READY);
    drv.taskfile48(2048, 64);
    expect(sameBytes(await drv.pioIn(C.READ_SECTORS_EXT, 64, 1), data)).toBe(true);
    expect(await drv.nonData(C.FLUSH_CACHE_EXT)).toBe(READY);
    expect(sameBytes(await host.device.read(p.firstLba + 2048, 64), data)).toBe(true);
    const exits = (vmm.exitCounters(domid)['port:ide0'] ?? 0) - exits0;
    expect(exits).toBe(ide.accesses);
    // 64 sectors × 256 words, twice, plus IDENTIFY's 256: data alone is over 33 000 exits.
    expect(exits).toBeGreaterThan(2 * 64 * 256 + 256);
    vmm.destroy(domid);
  });

  it('carries a FAT file system written through the data port; the exported partition passes fsck.fat', async () => {
    const { drv, host, p } = await guestRig();
    const img = join(tmp, 'fat.img');
    execFileSync('mkfs.fat', ['-C', '-n', 'GUEST', img, '1024'], { stdio: 'ignore' });
    execFileSync('mcopy', ['-i', img, '/etc/hostname', '::/HOSTNAME']);
    const bytes = new Uint8Array(readFileSync(img));
    const sectors = bytes.length / 512;
    drv.outb(2, 16);
    await drv.nonData(C.SET_MULTIPLE_MODE);
    for (let at = 0; at < sectors; at += 256) {
      const n = Math.min(256, sectors - at);
      drv.taskfile48(at, n);
      expect(
        await drv.pioOut(C.WRITE_MULTIPLE_EXT, bytes.subarray(at * 512, (at + n) * 512), 16),
      ).toBe(READY);
    }
    expect(await drv.nonData(C.FLUSH_CACHE)).toBe(READY);
    const out = join(tmp, 'sda1.img');
    await writeImageFile(
      out,
      exportImage(host.device, { start: p.firstLba, sectors: p.lastLba - p.firstLba + 1 }),
    );
    expect(spawnSync('fsck.fat', ['-n', out]).status).toBe(0);
    expect(execFileSync('mtype', ['-i', out, '::/HOSTNAME'], { encoding: 'utf8' })).toBe(
      readFileSync('/etc/hostname', 'utf8'),
    );
  });
});
