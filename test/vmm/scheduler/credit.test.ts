import { describe, expect, it } from 'vitest';
import {
  CreditScheduler,
  NS_PER_MS,
  Priority,
  type SchedVcpu,
} from '../../../src/vmm/scheduler/credit';

/**
 * Drive the scheduler with simulated vCPUs on one clock: CPU-bound ones use
 * their whole budget; `blockAfter` makes a vCPU block after that much running.
 */
function simulate(
  sched: CreditScheduler,
  totalNs: number,
  onRun?: (v: SchedVcpu, now: number, ns: number) => number,
): { idleNs: number } {
  let now = 0;
  let idleNs = 0;
  while (now < totalNs) {
    const pick = sched.pick(0, now);
    if (!pick) {
      const next = Math.min(sched.nextAccounting, totalNs);
      idleNs += next - now;
      now = next;
      continue;
    }
    const ns = Math.min(pick.budgetNs, totalNs - now);
    const ran = onRun ? onRun(pick.vcpu, now, ns) : ns;
    sched.charge(pick.vcpu, ran);
    now += ran;
  }
  return { idleNs };
}

const share = (v: SchedVcpu, total: number) => (100 * v.runNs) / total;

describe('credit scheduler', () => {
  it('shares one pCPU 25/50/25 among CPU-bound vCPUs with weights 256/512/256', () => {
    const s = new CreditScheduler({ pcpus: 1 });
    const vs = [256, 512, 256].map((w, i) =>
      s.addVcpu(s.addDomain(i + 1, { weight: w, cap: 0 }), 0, true),
    );
    const total = 3000 * NS_PER_MS;
    simulate(s, total);
    const shares = vs.map((v) => share(v, total));
    expect(shares[0]).toBeCloseTo(25, 0);
    expect(shares[1]).toBeCloseTo(50, 0);
    expect(shares[2]).toBeCloseTo(25, 0);
  });

  it('holds a 10 % cap even with the CPU otherwise idle, and parks the capped vCPU', () => {
    const s = new CreditScheduler({ pcpus: 1 });
    const v = s.addVcpu(s.addDomain(1, { weight: 256, cap: 10 }), 0, true);
    const total = 3000 * NS_PER_MS;
    const { idleNs } = simulate(s, total);
    expect(share(v, total)).toBeCloseTo(10, 1);
    expect(idleNs).toBeGreaterThan(0.85 * total);
  });

  it('gives the rest to uncapped domains when one is capped', () => {
    const s = new CreditScheduler({ pcpus: 1 });
    const capped = s.addVcpu(s.addDomain(1, { weight: 512, cap: 10 }), 0, true);
    const free = s.addVcpu(s.addDomain(2, { weight: 256, cap: 0 }), 0, true);
    const total = 3000 * NS_PER_MS;
    simulate(s, total);
    expect(share(capped, total)).toBeCloseTo(10, 0);
    expect(share(free, total)).toBeCloseTo(90, 0);
  });

  it('never picks a blocked vCPU, and idles when all are blocked', () => {
    const s = new CreditScheduler({ pcpus: 1 });
    const busy = s.addVcpu(s.addDomain(1, { weight: 256, cap: 0 }), 0, true);
    const blocked = s.addVcpu(s.addDomain(2, { weight: 65535, cap: 0 }), 0, false);
    simulate(s, 1000 * NS_PER_MS);
    expect(blocked.slices).toBe(0);
    expect(blocked.runNs).toBe(0);
    expect(busy.runNs).toBe(1000 * NS_PER_MS);
    s.block(busy);
    expect(s.pick(0, 1000 * NS_PER_MS)).toBeNull();
    expect(s.hasRunnable()).toBe(false);
  });

  it('boosts a vCPU woken from a block ahead of CPU hogs, until it has run a tick', () => {
    const s = new CreditScheduler({ pcpus: 1 });
    const hog = s.addVcpu(s.addDomain(1, { weight: 256, cap: 0 }), 0, true);
    const io = s.addVcpu(s.addDomain(2, { weight: 256, cap: 0 }), 0, false);
    s.pick(0, 0);
    s.charge(hog, 5 * NS_PER_MS);
    s.wake(io);
    expect(io.priority).toBe(Priority.Boost);
    // The hog keeps running until the next tick, then the boosted vCPU preempts it mid-slice.
    const p1 = s.pick(0, 5 * NS_PER_MS);
    expect(p1?.vcpu).toBe(io);
    s.charge(io, 1 * NS_PER_MS);
    s.block(io); // e.g. waits for the next I/O
    expect(s.pick(0, 6 * NS_PER_MS)?.vcpu).toBe(hog);
    s.wake(io);
    s.pick(0, 6 * NS_PER_MS);
    s.charge(io, 10 * NS_PER_MS);
    expect(io.boosted).toBe(false);
  });

  it('time-slices equal vCPUs in 30 ms slices, preempting only at ticks', () => {
    const s = new CreditScheduler({ pcpus: 1 });
    const a = s.addVcpu(s.addDomain(1, { weight: 256, cap: 0 }), 0, true);
    const b = s.addVcpu(s.addDomain(2, { weight: 256, cap: 0 }), 0, true);
    const runs: [number, number][] = [];
    simulate(s, 120 * NS_PER_MS, (v, now, ns) => {
      const last = runs[runs.length - 1];
      if (last && last[0] === v.dom.domid) last[1] += ns;
      else runs.push([v.dom.domid, ns]);
      return ns;
    });
    for (const [, ns] of runs) expect(ns % (10 * NS_PER_MS)).toBe(0);
    expect(a.runNs + b.runNs).toBe(120 * NS_PER_MS);
    expect(Math.abs(a.runNs - b.runNs)).toBeLessThanOrEqual(30 * NS_PER_MS);
  });

  it('validates weight and cap as xl sched-credit does', () => {
    const s = new CreditScheduler({ pcpus: 2 });
    expect(() => s.addDomain(1, { weight: 0, cap: 0 })).toThrow(/weight/);
    expect(() => s.addDomain(1, { weight: 70000, cap: 0 })).toThrow(/weight/);
    expect(() => s.addDomain(1, { weight: 256, cap: 201 })).toThrow(/cap/);
    s.addDomain(1, { weight: 256, cap: 200 });
    expect(() => s.setParams(1, { weight: 1.5, cap: 0 })).toThrow(/weight/);
  });

  it('uses every pCPU: two CPU-bound vCPUs on two pCPUs each get a whole CPU', () => {
    const s = new CreditScheduler({ pcpus: 2 });
    const a = s.addVcpu(s.addDomain(1, { weight: 256, cap: 0 }), 0, true);
    const b = s.addVcpu(s.addDomain(2, { weight: 512, cap: 0 }), 0, true);
    const clocks = [0, 0];
    const end = 600 * NS_PER_MS;
    while (Math.min(...clocks) < end) {
      const p = clocks[0]! <= clocks[1]! ? 0 : 1;
      const pick = s.pick(p, clocks[p]!);
      if (!pick) {
        clocks[p] = s.nextAccounting;
        continue;
      }
      s.charge(pick.vcpu, pick.budgetNs);
      clocks[p]! += pick.budgetNs;
    }
    expect(a.runNs / end).toBeGreaterThan(0.95);
    expect(b.runNs / end).toBeGreaterThan(0.95);
  });
});
