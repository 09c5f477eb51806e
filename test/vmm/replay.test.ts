import { describe, expect, it } from 'vitest';
import { Vmm } from '../../src/vmm/vmm';
import { spinGuest } from './helpers/asm';
import { program } from './helpers/programs';

/**
 * Deterministic mode: virtual time comes from instruction counts, so the same
 * configuration run twice gives identical console output, instruction counts,
 * exit counters and timing — whatever the host's speed.
 */
function scenario() {
  const vmm = new Vmm({ hostMemoryMiB: 512, nsPerInstruction: 20 });
  const sbi = vmm.createDomain({
    name: 'sbi',
    type: 'hvm',
    memory: 128,
    kernel: program('sbi-test-guest.elf'),
    weight: 512,
  });
  const pv = vmm.createDomain({
    name: 'pv',
    type: 'pv',
    memory: 4,
    kernel: program('pv-test.elf'),
  });
  const spin = vmm.createDomain({
    name: 'spin',
    type: 'hvm',
    memory: 1,
    kernel: spinGuest(),
    cap: 30,
  });
  vmm.registerIoreqServer(pv, {
    name: 'probe',
    ranges: [{ type: 'mmio', start: 0x10000000, size: 8 }],
    handler: { read: () => 7, write: () => {} },
  });
  vmm.registerIoreqServer(pv, {
    name: 'post',
    ranges: [{ type: 'port', start: 0x80, size: 1 }],
    handler: { read: () => 0, write: () => {} },
  });
  // The VM server's part, driven at fixed virtual times.
  vmm.runUntil(() => vmm.consoleText(pv).includes('ready'), 1e9);
  const port = Number(/ready port=(\d+)/.exec(vmm.consoleText(pv))![1]);
  const local = vmm.evtchnBindInterdomain(pv, port);
  const seen: number[] = [];
  vmm.onEvent((p) => seen.push(p));
  // Each notification waits for the guest's answer: events sent while one is pending coalesce.
  for (let i = 1; i <= 3; i++) {
    vmm.runFor(1e6);
    vmm.evtchnSend(local);
    vmm.runUntil(() => seen.filter((p) => p === local).length > i, 1e9);
  }
  vmm.runUntil(
    () => vmm.domainInfo(sbi).state !== 'running' && vmm.domainInfo(pv).state !== 'running',
    10e9,
  );
  vmm.runFor(50e6);
  return {
    now: vmm.now(),
    consoles: [sbi, pv].map((id) => vmm.consoleText(id)),
    instructions: [sbi, pv, spin].map((id) => vmm.instructions(id)),
    exits: [sbi, pv, spin].map((id) => vmm.exitCounters(id)),
    traces: [sbi, pv].map((id) => vmm.exitTrace(id)),
    cpu: vmm.list().map((r) => r.cpuTimeNs),
    seen,
  };
}

describe('deterministic replay', () => {
  it('gives identical console output, instruction counts, exits and times for the same config', () => {
    const a = scenario();
    const b = scenario();
    expect(a.consoles[0]).toContain('sbi-test: done');
    expect(a.consoles[1]).toContain('pv-test: done');
    expect(a.instructions[2]![0]).toBeGreaterThan(100_000);
    expect(b).toEqual(a);
  });
});

describe('save and restore', () => {
  it('continues a saved guest in another VMM exactly where it left off', () => {
    const kernel = program('sbi-test-guest.elf');
    const config = { name: 'sbi', type: 'hvm' as const, memory: 128, kernel };
    const whole = new Vmm({ hostMemoryMiB: 512 });
    const w = whole.createDomain(config);
    whole.runUntil(() => whole.domainInfo(w).state !== 'running', 10e9);

    const first = new Vmm({ hostMemoryMiB: 512 });
    const f = first.createDomain(config);
    // Stop in the middle of the timer test (after the IPI, before the timers are done).
    first.runUntil(() => first.consoleText(f).includes('software interrupts'), 10e9);
    first.pause(f);
    const snap = first.saveDomain(f);
    expect(first.exitCounters(f)['timer'] ?? 0).toBeLessThan(3);

    const second = new Vmm({ hostMemoryMiB: 512, seed: 'other host' });
    // A different host clock and history; the neighbour is gone before the restore, since
    // the guest measures time and would (rightly) see a busier CPU as later interrupts.
    const neighbour = second.createDomain({
      name: 'neighbour',
      type: 'hvm',
      memory: 1,
      kernel: spinGuest(),
    });
    second.runFor(7_777_777);
    second.destroy(neighbour);
    const s = second.restoreDomain(structuredClone(snap));
    expect(second.domainInfo(s)).toMatchObject({
      state: 'paused',
      name: 'sbi',
      uuid: first.domainInfo(f).uuid,
    });
    second.unpause(s);
    second.runUntil(() => second.domainInfo(s).state !== 'running', 10e9);

    expect(first.consoleText(f) + second.consoleText(s)).toBe(whole.consoleText(w));
    expect(second.instructions(s)).toEqual(whole.instructions(w));
    expect(second.domainInfo(s).shutdownReason).toBe('poweroff');
    expect(second.exitCounters(s)['timer']).toBe(3);
    expect(second.errors).toEqual([]);
  });

  it('refuses to save a domain that still maps foreign grants, and snapshots of another version', () => {
    const vmm = new Vmm({ hostMemoryMiB: 256 });
    const id = vmm.createDomain({ name: 'x', type: 'pv', memory: 1, kernel: spinGuest() });
    vmm
      .guest(id)
      .grants.maps.set(1, { granter: 0, ref: 0, frame: 0, readonly: true, hostAddr: 0x70000000 });
    expect(() => vmm.saveDomain(id)).toThrow(/maps 1 foreign grant/);
    vmm.guest(id).grants.maps.clear();
    const snap = vmm.saveDomain(id);
    expect(() => vmm.restoreDomain(snap)).toThrow(/already exists/);
    expect(() => vmm.restoreDomain({ ...snap, name: 'y', version: 2 as 1 })).toThrow(/version/);
  });
});
