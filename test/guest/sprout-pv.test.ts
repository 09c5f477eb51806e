import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SharedInfo } from '../../src/vmm/abi/shared-info';
import { XenbusState } from '../../src/vmm/abi/xenbus-state';
import { fatToolsAvailable, fsckFat, mtype, saveImage, scratchDir } from './fat-tools';
import { SproutGuest } from './harness';

const MiB = 1 << 20;

describe('Sprout in PV mode (start_info, event channels, grant tables, xenbus)', () => {
  it('boots to the prompt in under 0.3 s of guest time over the PV console', () => {
    const g = new SproutGuest({ mode: 'pv', disk: new Uint8Array(16 * MiB) });
    const ns = g.bootToPrompt();
    expect(ns).toBeLessThan(0.3e9);
    const log = g.output();
    expect(log).toContain('booting in PV mode');
    const boot = g.vmm.bootInfo(g.domid);
    expect(log).toContain(
      `start_info: xenstore frame 0x${boot.xenstorePfn.toString(16)} port ${boot.xenstorePort}, console frame 0x${boot.consolePfn.toString(16)} port ${boot.consolePort}`,
    );
    expect(log).toMatch(
      /evtchn: event channels \(2-level\), shared_info at 0x81ffe000, upcall PLIC 31/,
    );
    expect(log).toContain(
      `hvc0: PV console ring at 0x${(boot.consolePfn * 4096).toString(16)}, event channel ${boot.consolePort}`,
    );
    expect(log).toMatch(/gnttab: grant table v1, 1 frame at 0x[0-9a-f]+, 504 references/);
    expect(log).toMatch(
      /xenbus: xenstore ring at 0x[0-9a-f]+, event channel \d+; domain \d+ "sprout-pv"/,
    );
    expect(log).toMatch(/boot: PV mode, 6 devices, ready in \d+ ms/);
    // The PV console back end got the whole boot log through the ring.
    expect(g.xencons?.bytesOut).toBeGreaterThan(1000);
    // No emulated device was touched: everything went through hypercalls and shared memory.
    const exits = g.vmm.exitCounters(g.domid);
    expect(Object.keys(exits).filter((k) => k.startsWith('port:'))).toEqual([]);
    expect(exits['hypercall:event_channel_op.send']).toBeGreaterThan(0);
    expect(exits['hypercall:grant_table_op.setup_table']).toBe(1);
  });

  it('goes through the blkfront handshake step by step', () => {
    const g = new SproutGuest({ mode: 'pv', disk: new Uint8Array(16 * MiB) });
    g.bootToPrompt();
    const log = g.output();
    const steps = [
      'blkfront: xvda: 1. back end is InitWait',
      /blkfront: xvda: 2\. ring page 0x[0-9a-f]+ \(32 slots\) granted as ref \d+/,
      /blkfront: xvda: 3\. event channel \d+/,
      'blkfront: xvda: 4. wrote ring-ref and event-channel, state Initialised',
      'blkfront: xvda: 5. back end is Connected',
      'blkfront: xvda: 6. 32768 sectors of 512 bytes, flush-cache, state Connected',
    ];
    let at = 0;
    for (const s of steps) {
      const m = typeof s === 'string' ? log.indexOf(s, at) : log.slice(at).search(s) + at;
      expect(m, String(s)).toBeGreaterThanOrEqual(at);
      at = m;
    }
    expect(g.blkback?.frontStates).toEqual([
      XenbusState.Initialising,
      XenbusState.Initialised,
      XenbusState.Connected,
    ]);
    const xs = g.xenstore!.connect(0);
    const fe = `/local/domain/${g.domid}/device/vbd/51712`;
    const ref = Number(xs.readString(`${fe}/ring-ref`));
    expect(log).toContain(`granted as ref ${ref}`);
    expect(xs.readString(`${fe}/event-channel`)).toMatch(/^\d+$/);
    expect(xs.readString(`/local/domain/${g.domid}/control/feature-poweroff`)).toBe('1');
  });

  it('writes files through blkfront that mtools reads, flushes on sync, closes the device on poweroff', () => {
    const disk = new Uint8Array(16 * MiB);
    const g = new SproutGuest({ mode: 'pv', disk });
    g.bootToPrompt();
    expect(g.command('echo hello over the ring > hello.txt')).toBe('');
    expect(g.command('mkdir logs')).toBe('');
    expect(g.command('echo second > logs/Second.Log')).toBe('');
    expect(g.command('cat hello.txt logs/second.log')).toBe('hello over the ring\nsecond\n');
    const flushes = g.blkback!.flushes;
    expect(g.command('sync')).toBe('');
    expect(g.blkback!.flushes).toBe(flushes + 1); // BLKIF_OP_FLUSH_DISKCACHE
    const lsdev = g.command('lsdev');
    expect(lsdev).toMatch(/xvda +xen\/blkfront\.c/);
    expect(lsdev).toMatch(/port +\d+ +xvda +\d+ events/);
    g.command('poweroff');
    expect(g.state()).toBe('shutdown');
    expect(g.output()).toContain('Power down.');
    expect(g.blkback?.frontStates.slice(-2)).toEqual([XenbusState.Closing, XenbusState.Closed]);
    if (!fatToolsAvailable) return;
    const img = join(scratchDir(), 'pv.img');
    saveImage(img, disk);
    expect(mtype(img, '/hello.txt')).toBe('hello over the ring\n');
    expect(mtype(img, '/logs/Second.Log')).toBe('second\n');
    const fsck = fsckFat(img);
    expect(fsck.code, fsck.report).toBe(0);
  });

  it('takes console input from the ring and obeys xl shutdown (control/shutdown)', () => {
    const g = new SproutGuest({ mode: 'pv' });
    g.bootToPrompt();
    expect(g.command('echo typed into the PV console')).toBe('typed into the PV console\n');
    // The shared_info wallclock: the harness's VMM epoch is 2024-05-17 12:34:56 UTC.
    expect(g.command('date')).toMatch(/^Fri 2024-05-17 12:3[45]:\d\d UTC\n$/);
    expect(g.command('gfx')).toBe('gfx: no framebuffer (PV guests have no VGA)\n');
    // SCHEDOP_block sleeps until the SBI timer's interrupt.
    const t0 = g.guestNs();
    expect(g.command('sleep 100')).toBe('');
    expect(g.guestNs() - t0).toBeGreaterThanOrEqual(100e6);
    expect(g.vmm.exitCounters(g.domid)['hypercall:sched_op.block']).toBeGreaterThan(0);
    const hv = g.command('hv');
    expect(hv).toMatch(/mode: +PV \(paravirtualized\), domain \d+/);
    expect(hv).toMatch(/hypercall:event_channel_op\.send +\d+/);
    // What `xl shutdown` does for a guest that wrote control/feature-poweroff.
    g.xenstore!.connect(0).write(`/local/domain/${g.domid}/control/shutdown`, 'poweroff');
    g.vmm.kick();
    g.runUntil(() => g.state() !== 'running');
    expect(g.state()).toBe('shutdown');
    expect(g.output()).toContain('xenbus: the toolstack asks for poweroff');
    expect(g.vmm.domainInfo(g.domid).shutdownReason).toBe('poweroff');
  });

  it('dates files from the shared_info wallclock (the VMM epoch plus guest time)', () => {
    const g = new SproutGuest({
      mode: 'pv',
      disk: new Uint8Array(16 * MiB),
      clockMs: Date.UTC(2031, 6, 9, 21, 15, 0),
    });
    g.bootToPrompt();
    expect(g.command('date')).toMatch(/^Wed 2031-07-09 21:15:0\d UTC\n$/);
    expect(g.command('echo stamped > when.txt')).toBe('');
    expect(g.command('ls -l')).toMatch(/^- +8 +2031-07-09 21:15 +WHEN\.TXT$/im);
    // The VMM's side of it: wc_sec is the epoch at the guest's boot (system time 0).
    const d = g.vmm.guest(g.domid);
    expect(d.mem.readU32(d.layout.sharedInfo + SharedInfo.wc_sec)).toBe(
      Math.floor((Date.UTC(2031, 6, 9, 21, 15, 0) + d.bootNs / 1e6) / 1000),
    );
  });

  it("shows the VMM's own exit counters in hv, equal to exitCounters()", () => {
    const g = new SproutGuest({ mode: 'pv', disk: new Uint8Array(16 * MiB) });
    g.bootToPrompt();
    expect(g.command('echo x > a.txt')).toBe('');
    expect(g.command('sync')).toBe('');
    const hv = g.command('hv');
    const exits = g.vmm.exitCounters(g.domid);
    expect(hv).toMatch(/VM exits of this domain, as the VMM counts them: \d+ in all/);
    const shown = (reason: string) =>
      Number(new RegExp(`^ +${reason.replace(/\./g, '\\.')} +(\\d+)$`, 'm').exec(hv)?.[1]);
    // Counters hv's own printing does not move (it only writes the console ring and notifies it).
    expect(shown('hypercall:grant_table_op.setup_table')).toBe(1);
    expect(shown('hypercall:grant_table_op.setup_table')).toBe(
      exits['hypercall:grant_table_op.setup_table'],
    );
    expect(shown('hypercall:xen_version.capabilities')).toBe(
      exits['hypercall:xen_version.capabilities'],
    );
    expect(shown('hypercall:tabvisor_op.exit_counters')).toBe(1);
  });
});
