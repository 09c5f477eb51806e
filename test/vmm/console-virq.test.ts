import { describe, expect, it } from 'vitest';
import { Virq } from '../../src/vmm/abi/event-channel';
import { Vmm } from '../../src/vmm/vmm';
import { program } from './helpers/programs';

const enc = new TextEncoder();

/**
 * VIRQ_CONSOLE: typed input for a guest's hypervisor console raises it, so a
 * PV guest reading console_io sleeps in SCHEDOP_block until there is
 * something to read (programs/pv-wait.c, scenario "console").
 */
describe('console input raises VIRQ_CONSOLE', () => {
  it('wakes a guest blocked on it, which then reads the input with console_io', () => {
    const vmm = new Vmm({ hostMemoryMiB: 128 });
    const id = vmm.createDomain({
      name: 'echo',
      type: 'pv',
      memory: 4,
      kernel: program('pv-wait.elf'),
      cmdline: 'console',
    });
    expect(vmm.runUntil(() => vmm.consoleText(id).includes('waiting for input'), 1e9)).toBe(true);
    expect(vmm.consoleText(id)).toContain('bind_virq(console) rc=0');
    const port = vmm.guest(id).evtchn.virqPort(Virq.console);
    expect(port).toBeGreaterThan(0);

    // Asleep, not polling: 100 ms pass without a single instruction or hypercall.
    vmm.runFor(1e6);
    const insns = vmm.instructions(id)[0];
    const blocks = vmm.exitCounters(id)['hypercall:sched_op.block'];
    vmm.runFor(100e6);
    expect(vmm.instructions(id)[0]).toBe(insns);
    expect(vmm.exitCounters(id)['hypercall:sched_op.block']).toBe(blocks);
    expect(vmm.domainInfo(id).stateLetters).toBe('-b----');

    vmm.consoleInput(id, enc.encode('hello'));
    expect(vmm.guest(id).events.isPending(port!)).toBe(true);
    expect(vmm.runUntil(() => vmm.consoleText(id).includes('got: hello\n'), 1e9)).toBe(true);
    vmm.runFor(10e6);
    expect(vmm.domainInfo(id).stateLetters).toBe('-b----');

    vmm.consoleInput(id, enc.encode(' world.'));
    expect(vmm.runUntil(() => vmm.domainInfo(id).state === 'shutdown', 1e9)).toBe(true);
    expect(vmm.consoleText(id)).toBe(
      'bind_virq(console) rc=0\nwaiting for input\ngot: hello\ngot:  world.\n',
    );
    // One block per wait (and at most one spurious wake-up each), not a polling loop.
    expect(vmm.exitCounters(id)['hypercall:sched_op.block']).toBeLessThanOrEqual(6);
    expect(vmm.errors).toEqual([]);
  });

  it('raises nothing for an empty write, and nothing in a guest that has not bound it', () => {
    const vmm = new Vmm({ hostMemoryMiB: 128 });
    const id = vmm.createDomain({
      name: 'echo',
      type: 'pv',
      memory: 4,
      kernel: program('pv-wait.elf'),
      cmdline: 'console',
    });
    vmm.runUntil(() => vmm.consoleText(id).includes('waiting for input'), 1e9);
    const port = vmm.guest(id).evtchn.virqPort(Virq.console)!;
    vmm.consoleInput(id, new Uint8Array(0));
    expect(vmm.guest(id).events.isPending(port)).toBe(false);

    const other = vmm.createDomain({
      name: 'other',
      type: 'pv',
      memory: 4,
      kernel: program('pv-wait.elf'),
      cmdline: 'notify',
    });
    vmm.runUntil(() => vmm.consoleText(other).includes('port='), 1e9);
    const before = vmm.exitCounters(other);
    vmm.consoleInput(other, enc.encode('x'));
    vmm.runFor(10e6);
    // Still asleep waiting for Domain-0: the input waits in the queue, no event woke it.
    expect(vmm.exitCounters(other)['hypercall:sched_op.block']).toBe(
      before['hypercall:sched_op.block'],
    );
    expect(vmm.guest(other).console.pendingInput).toBe(1);
  });
});
