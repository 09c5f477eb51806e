import { describe, expect, it } from 'vitest';
import { Vmm, type DomainEvent } from '../../src/vmm/vmm';
import { yieldToHost } from '../../src/vmm/clock';
import { blockGuest, spinGuest } from './helpers/asm';
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
