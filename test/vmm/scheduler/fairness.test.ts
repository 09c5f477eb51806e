import { describe, expect, it } from 'vitest';
import { NS_PER_MS } from '../../../src/vmm/scheduler/credit';
import { Vmm } from '../../../src/vmm/vmm';
import { blockGuest, spinGuest, wfiGuest } from '../helpers/asm';

/**
 * Scheduler fairness with real guests on one pCPU, measured in virtual time
 * (deterministic mode, 1 µs per instruction so a virtual second is 1 M instructions).
 */
const NS_PER_INSN = 1000;
const RUN_NS = 3000 * NS_PER_MS;

function host() {
  return new Vmm({ hostMemoryMiB: 128, nsPerInstruction: NS_PER_INSN });
}

function spin(vmm: Vmm, name: string, weight = 256, cap = 0): number {
  return vmm.createDomain({ name, type: 'hvm', memory: 1, kernel: spinGuest(), weight, cap });
}

/** % of one CPU each domain got over the run, from instructions retired. */
function shares(vmm: Vmm, ids: number[], ns: number): number[] {
  return ids.map((id) => (100 * (vmm.instructions(id)[0] as number) * NS_PER_INSN) / ns);
}

describe('credit scheduler with guests', () => {
  it('gives three CPU-bound guests with weights 256/512/256 25/50/25 % within 5 points', () => {
    const vmm = host();
    const ids = [spin(vmm, 'a', 256), spin(vmm, 'b', 512), spin(vmm, 'c', 256)];
    vmm.runFor(RUN_NS);
    const [a, b, c] = shares(vmm, ids, RUN_NS);
    expect(Math.abs(a! - 25)).toBeLessThan(5);
    expect(Math.abs(b! - 50)).toBeLessThan(5);
    expect(Math.abs(c! - 25)).toBeLessThan(5);
    // Nothing is lost: the CPU was busy the whole time.
    expect(a! + b! + c!).toBeGreaterThan(99);
    // CPU time as xl list reports it agrees with the instruction counts.
    expect(vmm.domainInfo(ids[1]!).cpuTimeNs / RUN_NS).toBeCloseTo(b! / 100, 2);
  });

  it('spreads guests over two pCPUs by weight, no vCPU above one whole CPU', () => {
    const vmm = new Vmm({ hostMemoryMiB: 128, nsPerInstruction: NS_PER_INSN, pcpus: 2 });
    const ids = [spin(vmm, 'a', 256), spin(vmm, 'b', 512), spin(vmm, 'c', 256)];
    vmm.runFor(RUN_NS);
    const [a, b, c] = shares(vmm, ids, RUN_NS);
    expect(Math.abs(a! - 50)).toBeLessThan(5);
    expect(b!).toBeCloseTo(100, 0);
    expect(Math.abs(c! - 50)).toBeLessThan(5);
  });

  it('holds a cap of 10 % within 2 points, alone or against an uncapped guest', () => {
    for (const rival of [false, true]) {
      const vmm = host();
      const capped = spin(vmm, 'capped', 256, 10);
      const other = rival ? spin(vmm, 'other', 256) : undefined;
      vmm.runFor(RUN_NS);
      const [c] = shares(vmm, [capped], RUN_NS);
      expect(Math.abs(c! - 10)).toBeLessThan(2);
      if (other !== undefined) expect(shares(vmm, [other], RUN_NS)[0]!).toBeGreaterThan(88);
    }
  });

  it('applies a new weight and cap set while running (xl sched-credit)', () => {
    const vmm = host();
    const a = spin(vmm, 'a');
    const b = spin(vmm, 'b');
    vmm.runFor(300 * NS_PER_MS);
    const before = vmm.instructions(a)[0]! + vmm.instructions(b)[0]!;
    vmm.setSchedParams(b, { weight: 768 });
    const [a0, b0] = [vmm.instructions(a)[0]!, vmm.instructions(b)[0]!];
    vmm.runFor(RUN_NS);
    const da = vmm.instructions(a)[0]! - a0;
    const db = vmm.instructions(b)[0]! - b0;
    expect(before).toBeGreaterThan(0);
    expect(Math.abs((100 * db) / (da + db) - 75)).toBeLessThan(5);
    expect(() => vmm.setSchedParams(b, { cap: -1 })).toThrow(/cap/);
  });

  it('never gives a blocked guest a slice, and idles when every guest is blocked', () => {
    for (const guest of [blockGuest, wfiGuest]) {
      const vmm = host();
      const busy = spin(vmm, 'busy');
      const blocked = vmm.createDomain({
        name: 'blocked',
        type: 'pv',
        memory: 1,
        kernel: guest(),
        weight: 65535,
      });
      vmm.runFor(100 * NS_PER_MS); // it runs until it first blocks
      const g = vmm.guest(blocked);
      const v = g.vcpus[0]!;
      expect(v.block).not.toBeNull();
      const slices = v.sched.slices;
      const insns = v.hart.instret;
      expect(vmm.domainInfo(blocked).stateLetters).toBe('-b----');
      vmm.runFor(RUN_NS);
      expect(v.sched.slices).toBe(slices);
      expect(v.hart.instret).toBe(insns);
      expect(shares(vmm, [busy], RUN_NS + 100 * NS_PER_MS)[0]!).toBeGreaterThan(99);

      // With the busy guest gone, nothing runs: time passes without any slice.
      vmm.destroy(busy);
      const t0 = vmm.now();
      vmm.runFor(RUN_NS);
      expect(vmm.now() - t0).toBe(RUN_NS);
      expect(v.sched.slices).toBe(slices);
    }
  });
});
