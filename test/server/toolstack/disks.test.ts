import { afterEach, describe, expect, it } from 'vitest';
import { SECTOR_SIZE } from '../../../src/server/storage/sector-device.ts';
import { XenbusState } from '../../../src/vmm/abi/xenbus-state.ts';
import type { VmServer } from '../../../src/server/vm-server.ts';
import { guestImage } from '../guests/guests.ts';
import { ERRORS_LOGGED_PER_DOMAIN } from '../../../src/server/toolstack/toolstack.ts';
import { bootTestServer, consoleShows, HVM_CFG, PV_CFG, until } from '../helpers.ts';

/**
 * `disk = [...]` in the toolstack: HVM guests get the IDE controller on
 * their partition (ports 0x1F0–0x1F7, IRQ 14), PV guests a blkback; the
 * disks go with the domain; bad targets stop `xl create` before anything
 * is built.
 */

let server: VmServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function boot(
  configs: Record<string, string>,
  opts: Parameters<typeof bootTestServer>[1] = {},
): Promise<{ s: VmServer; xl: (line: string) => Promise<{ output: string; status: number }> }> {
  server = await bootTestServer(configs, opts);
  await server.files.writeFile('/guests/hvm-ide.elf', guestImage('hvm-ide.elf'));
  const sh = server.shell();
  return { s: server, xl: (line) => sh.runCaptured(line) };
}

const IDE_CFG = (disk: string, extra = ''): string =>
  `name = "ide"\ntype = "hvm"\nmemory = 16\nkernel = "/guests/hvm-ide.elf"\nvga = "none"\n` +
  `disk = [ "${disk}" ]\non_poweroff = "preserve"\n${extra}`;

const enc = new TextEncoder();

describe('toolstack: guest disks on the host disk', () => {
  it('an HVM guest writing sector 5 over IDE port exits lands at partition start + 5 on the host disk', async () => {
    const { s, xl } = await boot({ '/etc/xen/vm/ide': IDE_CFG('phy:/dev/sda1,hda,w') });
    const part = s.storage.hostDisk.partitions().find((p) => p.number === 1);
    expect(part?.name).toBe('sprout-hvm');
    const created = await xl('xl create ide');
    expect(created).toMatchObject({ status: 0 });
    const d = s.toolstack.guest('ide');
    const text = await consoleShows(d.console, 'hvm-ide: wrote, flushed and read back LBA 5');
    // IDENTIFY reports the 20 GiB partition, not the 500 GiB host disk.
    expect(text).toContain(`disk has ${(20 * 1024 ** 3) / SECTOR_SIZE} sectors`);
    await until(() => s.vmm.domainInfo(d.domid).state === 'shutdown', 'the guest to power off');

    const firstLba = part?.firstLba ?? -1;
    const onHost = await s.storage.hostDisk.device.read(firstLba + 5, 1);
    expect(new TextDecoder().decode(onHost.subarray(0, 25))).toBe('TABVISOR HVM IDE SECTOR 5');
    // Bytes after the tag: the guest's pattern 0x5400 + i, little-endian words.
    expect(onHost[510]).toBe(0xff);
    expect(onHost[511]).toBe(0x54);
    // Neighbouring sectors were not touched.
    expect((await s.storage.hostDisk.device.read(firstLba + 4, 1)).every((b) => b === 0)).toBe(
      true,
    );

    const trace = s.storage.trace({ domid: d.domid });
    const write = trace.find((r) => r.op === 'write');
    expect(write).toMatchObject({
      path: 'hvm',
      vdev: 'hda',
      guestSector: 5,
      sectors: 1,
      hostLba: firstLba + 5,
      hostByteOffset: (firstLba + 5) * SECTOR_SIZE,
      backing: '/dev/sda1',
      status: 'ok',
    });
    // 256 data-port words plus the taskfile writes: each one a VM exit.
    expect(write?.exits).toBeGreaterThan(256);
    // It names its exits by the VMM's numbers, and those exits are the IDE port accesses.
    const span = (write?.lastExit ?? 0) - (write?.firstExit ?? 0) + 1;
    expect(span).toBeGreaterThanOrEqual(write?.exits ?? Infinity);
    const sample = write?.exitSample ?? [];
    expect(sample).toHaveLength(5);
    expect(sample.at(-1)?.seq).toBe(write?.lastExit);
    for (const e of sample) expect(e).toMatchObject({ reason: 'port:ide0' });
    expect(trace.some((r) => r.op === 'flush' && r.status === 'ok')).toBe(true);
    expect(trace.some((r) => r.op === 'read' && r.hostLba === firstLba + 5)).toBe(true);
    expect(s.vmm.exitCounters(d.domid)['port:ide0']).toBeGreaterThan(512);

    // xentop's VBD columns come from the storage's counters.
    const top = (await xl('xl top -b -i 1')).output.split('\n');
    const row = top
      .find((l) => l.trimStart().startsWith('ide '))
      ?.trim()
      .split(/\s+/);
    // NAME STATE CPU(sec) CPU(%) MEM(k) MEM(%) MAXMEM(k) MAXMEM(%) VCPUS NETS NETTX NETRX VBDS VBD_OO VBD_RD VBD_WR VBD_RSECT VBD_WSECT
    expect(row?.slice(12, 18)).toEqual(['1', '0', '1', '1', '1', '1']);

    // Destroy: the disk is let go (another domain could take /dev/sda1 now).
    await xl('xl destroy ide');
    await s.toolstack.settled();
    expect(s.storage.guestDisksOf(d.domid)).toHaveLength(0);
    expect(s.storage.vbdTotals(d.domid).VBD_WR).toBe(0);
  });

  it('refuses bad disk targets with the config file named, creating nothing', async () => {
    const cases: [string, RegExp][] = [
      ['phy:/dev/sda9,hda,w', /\/etc\/xen\/vm\/bad:6:\d+: disk hda: .*sda9/],
      ['phy:/dev/sda,hda,w', /\/etc\/xen\/vm\/bad:6:\d+: disk hda: .*whole host disk/],
      [
        'file:/nosuch.img,hda,w',
        /\/etc\/xen\/vm\/bad:6:\d+: disk hda: image file \/nosuch.img does not exist/,
      ],
      ['phy:/dev/sda1,hdb,w', /\/etc\/xen\/vm\/bad:6:\d+: hdb: an HVM disk must be hda/],
    ];
    const { s, xl } = await boot({});
    for (const [disk, message] of cases) {
      await s.files.writeFile(
        '/etc/xen/vm/bad',
        enc.encode(IDE_CFG(disk).replace('name = "ide"', 'name = "bad"')),
      );
      const r = await xl('xl create bad');
      expect(r.status, disk).toBe(1);
      expect(r.output, disk).toMatch(message);
      expect(s.vmm.list().map((d) => d.name)).toEqual(['Domain-0']);
      expect(s.storage.vbds()).toHaveLength(0);
    }
    // The same partition twice: the second domain is refused and rolled back.
    await s.files.writeFile(
      '/etc/xen/vm/a',
      enc.encode(HVM_CFG('a', 'disk = [ "phy:/dev/sda2,hda,w" ]\n')),
    );
    await s.files.writeFile(
      '/etc/xen/vm/b',
      enc.encode(HVM_CFG('b', 'disk = [ "phy:/dev/sda2,hda,w" ]\n')),
    );
    expect((await xl('xl create a')).status).toBe(0);
    const second = await xl('xl create b');
    expect(second.status).toBe(1);
    expect(second.output).toMatch(
      /\/etc\/xen\/vm\/b: cannot set up domain "b": .*sda2 is already in use/,
    );
    expect(s.vmm.list().map((d) => d.name)).toEqual(['Domain-0', 'a']);
  });

  it('gives a PV guest a blkback on its partition, through xenstore, and takes it away on destroy', async () => {
    const { s, xl } = await boot({
      '/etc/xen/vm/p': PV_CFG('p', 'disk = [ "phy:/dev/disk/by-partlabel/sprout-pv,xvda,w" ]\n'),
    });
    expect((await xl('xl create p')).status).toBe(0);
    const domid = s.toolstack.guest('p').domid;
    const backs = s.storage.blkbacksOf(domid);
    expect(backs).toHaveLength(1);
    const xs = s.xenstore.connect(0);
    const be = `/local/domain/0/backend/vbd/${domid}/51712`;
    expect(xs.tryReadString(`${be}/state`)).toBe(String(XenbusState.InitWait));
    expect(xs.tryReadString(`${be}/sectors`)).toBe(String((20 * 1024 ** 3) / SECTOR_SIZE));
    expect(xs.tryReadString(`${be}/feature-flush-cache`)).toBe('1');
    expect(xs.tryReadString(`/local/domain/${domid}/device/vbd/51712/backend`)).toBe(be);
    await xl('xl destroy p');
    await s.toolstack.settled();
    expect(s.storage.blkbacksOf(domid)).toHaveLength(0);
  });

  it('re-attaches the disk after a reboot: a fresh IDE controller behind the same ports', async () => {
    const { s, xl } = await boot({
      '/etc/xen/vm/g': HVM_CFG('g', 'disk = [ "phy:/dev/sda1,hda,w" ]\n'),
    });
    expect((await xl('xl create g')).status).toBe(0);
    const d = s.toolstack.guest('g');
    await consoleShows(d.console, '> ');
    const before = s.storage.ideOf(d.domid);
    expect(before).not.toBeNull();
    expect(d.ide?.model).toBe(before);
    expect((await xl('xl reboot g')).status).toBe(0);
    await until(() => d.restarts === 1 && s.storage.ideOf(d.domid) !== before, 'the reboot');
    await consoleShows(d.console, /hello from COM1[\s\S]*hello from COM1/);
    expect(s.storage.ideOf(d.domid)).not.toBeNull();
    expect(d.ide?.model).toBe(s.storage.ideOf(d.domid));
    expect(s.vmm.domainInfo(d.domid).state).not.toBe('paused');
  });
});

describe('toolstack: VMM memory, Domain-0 and ramdisk', () => {
  it('xl mem-set moves the VMM balloon target and memory/target together', async () => {
    const { s, xl } = await boot({ '/etc/xen/vm/g': PV_CFG('g', 'maxmem = 32\n') });
    await xl('xl create g');
    const domid = s.toolstack.guest('g').domid;
    expect(s.vmm.reservation(domid).targetKiB).toBe(16 * 1024);
    expect((await xl('xl mem-set g 24m')).status).toBe(0);
    expect(s.vmm.reservation(domid)).toMatchObject({ targetKiB: 24 * 1024, maxKiB: 24 * 1024 });
    expect(s.toolstack.memoryTarget(domid)).toBe(24 * 1024);
    const tooBig = await xl('xl mem-set g 64m');
    expect(tooBig.status).toBe(1);
    expect(s.vmm.reservation(domid).targetKiB).toBe(24 * 1024);
  });

  it('xl list shows Domain-0 with its real vCPUs and the time it spent serving guests', async () => {
    const { s, xl } = await boot(
      { '/etc/xen/vm/ide': IDE_CFG('phy:/dev/sda1,hda,w') },
      { vmm: { timeMode: 'realtime', hostMemoryMiB: 256, dom0Vcpus: 3 } },
    );
    await xl('xl create ide');
    await consoleShows(s.toolstack.guest('ide').console, 'read back LBA 5');
    const dom0 = s.toolstack.list()[0];
    expect(dom0?.vcpus).toBe(3);
    // Every IDE and COM1 exit was served by Domain-0: its time is the VMM's account of it.
    expect(dom0?.cpuTimeNs).toBeGreaterThan(0);
    expect(dom0?.cpuTimeNs).toBe(s.vmm.list()[0]?.cpuTimeNs);
    const line = (await xl('xl list')).output.split('\n')[1]?.trim().split(/\s+/);
    expect(line?.slice(0, 2)).toEqual(['Domain-0', '0']);
    expect(line?.[3]).toBe('3');
    expect(s.xenstore.connect(0).tryReadString('/local/domain/0/cpu/2/availability')).toBe(
      'online',
    );
  });

  it('loads ramdisk= into the guest, and names the config line when it is missing', async () => {
    const initrd = enc.encode('TABVISOR-INITRD-' + 'x'.repeat(5000));
    const { s, xl } = await boot({
      '/etc/xen/vm/r': PV_CFG('r', 'ramdisk = "/guests/initrd.img"\n'),
    });
    const missing = await xl('xl create r');
    expect(missing.status).toBe(1);
    expect(missing.output).toMatch(
      /\/etc\/xen\/vm\/r:5:\d+: cannot load ramdisk "\/guests\/initrd.img"/,
    );
    await s.files.writeFile('/guests/initrd.img', initrd);
    const r = await xl('xl create r');
    expect(r.output).not.toMatch(/ramdisk is not supported/);
    expect(r.status).toBe(0);
    const ram = s.vmm.foreignMemory(s.toolstack.guest('r').domid).ram;
    const at = Buffer.from(ram).indexOf(Buffer.from(initrd));
    expect(at).toBeGreaterThan(0);
    expect(at % 4096).toBe(0);
  });

  it("logs the VMM's domain errors as they happen (onDomainError), rate-limited per domain", async () => {
    // The IDE guest without a disk= entry, paused; a device model that throws claims its IDE ports.
    const { s, xl } = await boot({
      '/etc/xen/vm/ide': IDE_CFG('x').replace(/disk = .*\n/, ''),
    });
    expect((await xl('xl create -p ide')).status).toBe(0);
    const domid = s.toolstack.guest('ide').domid;
    s.vmm.registerIoreqServer(domid, {
      name: 'broken',
      ranges: [{ type: 'port', start: 0x1f0, size: 8 }],
      handler: {
        read: () => {
          throw new Error('broken model: no register here');
        },
        write: () => {
          throw new Error('broken model: write refused');
        },
      },
    });
    await xl('xl unpause ide');
    const warned = (): string[] =>
      s.log.entries
        .filter((e) => e.message.includes(`domain ${domid} (ide)`))
        .map((e) => e.message);
    await until(() => warned().some((t) => t.includes('more errors')), 'the error flood to be cut');
    const lines = warned();
    expect(lines.filter((t) => t.includes('broken model'))).toHaveLength(ERRORS_LOGGED_PER_DOMAIN);
    expect(lines.filter((t) => t.includes('more errors'))).toHaveLength(1);
    // Survivable: the guest runs on (spinning on a status register that reads as all ones).
    expect(s.vmm.domainInfo(domid).state).not.toBe('crashed');
  });
});
