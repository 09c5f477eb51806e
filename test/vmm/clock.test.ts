import { afterEach, describe, expect, it, vi } from 'vitest';
import { SbiExt } from '../../src/vmm/abi/sbi';
import { Vmm, type DomainEvent } from '../../src/vmm/vmm';
import { MAX_TIMEOUT_MS, NS_PER_TICK, yieldToHost } from '../../src/vmm/clock';
import { asm, blockGuest, elf, reg, spinGuest } from './helpers/asm';
import { program } from './helpers/programs';

/** Wait (polling between host turns) until `cond` holds; generous bound, no timing asserted. */
async function until(cond: () => boolean, maxMs = 10_000): Promise<void> {
  const end = performance.now() + maxMs;
  while (!cond()) {
    if (performance.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 1));
  }
}

function shutdownOf(vmm: Vmm, id: number): Promise<DomainEvent> {
  return new Promise((resolve) => {
    const off = vmm.onDomainEvent((e) => {
      if (e.domid === id && e.state !== 'running') {
        off();
        resolve(e);
      }
    });
  });
}

describe('the background loop', () => {
  it.each(['deterministic', 'realtime'] as const)(
    'runs guests in %s mode while the host event loop keeps turning',
    async (timeMode) => {
      const vmm = new Vmm({ hostMemoryMiB: 256, timeMode, batchMs: 4 });
      vmm.createDomain({ name: 'spin', type: 'hvm', memory: 1, kernel: spinGuest() });
      const id = vmm.createDomain({
        name: 'sbi',
        type: 'hvm',
        memory: 128,
        kernel: program('sbi-test-guest.elf'),
      });
      const ended = shutdownOf(vmm, id);
      let turns = 0;
      let ticking = true;
      const ticker = (async () => {
        while (ticking) {
          turns++;
          await yieldToHost();
        }
      })();
      vmm.start();
      const e = await ended;
      await vmm.stop();
      ticking = false;
      await ticker;
      expect(e.reason).toBe('poweroff');
      expect(vmm.consoleText(id)).toContain('timer interrupts: 0x00000003');
      // The host got its turns between batches: the loop yields, it does not hog the thread.
      expect(turns).toBeGreaterThan(1);
      expect(vmm.errors).toEqual([]);
    },
  );

  it('sleeps when every vCPU is blocked and wakes on a kick', async () => {
    const vmm = new Vmm({ hostMemoryMiB: 256, timeMode: 'realtime' });
    const id = vmm.createDomain({ name: 'idle', type: 'pv', memory: 1, kernel: blockGuest() });
    vmm.start();
    const v = vmm.guest(id).vcpus[0]!;
    await until(() => v.block === 'sched-block');
    const slices = v.sched.slices;
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 1));
    expect(v.sched.slices).toBe(slices); // no busy waiting on a blocked guest
    // The VM server sends an event: the guest wakes and runs (it never clears the event, so
    // from then on SCHEDOP_block returns at once, as in Xen).
    const port = vmm.evtchnBindInterdomain(id, vmm.bootInfo(id).consolePort);
    vmm.evtchnSend(port);
    await until(() => v.sched.slices > slices);
    await vmm.stop();
  });
});

/** SBI TIME set_timer(hi:lo) (SBI §6.1), then WFI with no interrupt enabled: only the VMM's timer bookkeeping runs. */
const setTimerGuest = ([lo, hi]: readonly [number, number]): Uint8Array =>
  elf([
    ...asm.li(reg.a7, SbiExt.Time),
    asm.addi(reg.a6, 0, 0),
    ...asm.li(reg.a0, lo | 0),
    ...asm.li(reg.a1, hi | 0),
    asm.ecall(),
    asm.wfi(),
    asm.jal(0, -4),
  ]);
/** (uint64_t)-1 as (lo, hi): "no timer" (SBI §6.1). */
const NO_TIMER = [0xffffffff, 0xffffffff] as const;
/** 60 days of guest time in ticks, as (lo, hi): beyond setTimeout's 24.8-day limit, within the horizon. */
const SIXTY_DAYS = (() => {
  const ticks = (60 * 86400e9) / NS_PER_TICK;
  return [ticks % 0x1_0000_0000, Math.floor(ticks / 0x1_0000_0000)] as const;
})();

describe('far-future timer deadlines', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('deterministic: set_timer(UINT64_MAX) lets the loop go idle; virtual time does not leap and no timer fires', async () => {
    const vmm = new Vmm({ hostMemoryMiB: 128 });
    const id = vmm.createDomain({
      name: 'no-timer',
      type: 'hvm',
      memory: 1,
      kernel: setTimerGuest(NO_TIMER),
    });
    const v = vmm.guest(id).vcpus[0]!;
    vmm.start();
    await until(() => v.block === 'wfi');
    for (let i = 0; i < 10; i++) await yieldToHost();
    await vmm.stop();
    expect(vmm.exitCounters(id)['sbi:TIME.set_timer']).toBe(1);
    expect(vmm.exitCounters(id)['timer']).toBeUndefined();
    expect(vmm.now()).toBeLessThan(1e9); // a few instructions of virtual time, not 2^64 ticks
    // Time still runs exactly for a later, real deadline.
    vmm.setTimer(vmm.guest(id), v, 50_000);
    vmm.runFor(4.9e6);
    expect(vmm.exitCounters(id)['timer']).toBeUndefined();
    vmm.runFor(0.2e6);
    expect(vmm.exitCounters(id)['timer']).toBe(1);
  });

  it('real time: set_timer(UINT64_MAX) sleeps without a timeout; a deadline months away sleeps in steps setTimeout can take', async () => {
    const delays: number[] = [];
    const real = globalThis.setTimeout;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((
      fn: () => void,
      ms?: number,
    ): ReturnType<typeof setTimeout> => {
      delays.push(ms ?? 0);
      return real(fn, ms);
    }) as typeof setTimeout);
    for (const [cmp, longest] of [
      [NO_TIMER, null], // no timeout at all (only this test's own 1 ms waits)
      [SIXTY_DAYS, MAX_TIMEOUT_MS],
    ] as const) {
      delays.length = 0;
      const vmm = new Vmm({ hostMemoryMiB: 128, timeMode: 'realtime' });
      const id = vmm.createDomain({
        name: 'far',
        type: 'hvm',
        memory: 1,
        kernel: setTimerGuest(cmp),
      });
      const v = vmm.guest(id).vcpus[0]!;
      vmm.start();
      await until(() => v.block === 'wfi');
      for (let i = 0; i < 10; i++) await new Promise((r) => real(r, 1));
      await vmm.stop();
      expect(vmm.exitCounters(id)['timer']).toBeUndefined();
      // An over-long delay would fire at once (Node: after 1 ms), turning the idle sleep into a busy loop.
      expect(delays.every((ms) => ms <= MAX_TIMEOUT_MS)).toBe(true);
      expect(delays.filter((ms) => ms > 1)).toEqual(longest === null ? [] : [longest]);
    }
  });
});
