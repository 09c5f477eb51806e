import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
    expect(g.command('date')).toBe('date: no wall clock (PV mode has none the VMM sets)\n');
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
});
