import { describe, expect, it } from 'vitest';
import { Csr } from '../../src/cpu/csr-numbers';
import { XenErrno } from '../../src/vmm/abi/errno';
import { Hypercall, PV_SBI_EXT } from '../../src/vmm/abi/hypercall';
import { SbiError, SbiExt } from '../../src/vmm/abi/sbi';
import { handleSbiCall } from '../../src/vmm/sbi';
import { Vmm } from '../../src/vmm/vmm';
import { blockGuest } from './helpers/asm';
import { program } from './helpers/programs';

/**
 * A hostile guest issuing random hypercalls and writing garbage into its
 * rings and shared pages must get only error codes back: no VMM exception, no
 * crash of anything but itself, and no access to another domain's memory.
 */
const SECRET = new TextEncoder().encode('SECRET-of-the-victim-domain!');

function victim(vmm: Vmm): { id: number; digest: () => string } {
  const id = vmm.createDomain({ name: 'victim', type: 'pv', memory: 4, kernel: blockGuest() });
  vmm.runFor(1e6); // until it blocks for good
  const mem = vmm.foreignMemory(id);
  for (let at = 0x100000; at + SECRET.length < 0x200000; at += 64) mem.ram.set(SECRET, at);
  const digest = () => {
    let h = 0x811c9dc5;
    for (const b of mem.ram) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    return h.toString(16);
  };
  return { id, digest };
}

/** Every page-accounting total adds up: no page leaked or double-counted by ballooning. */
function poolConsistent(vmm: Vmm): boolean {
  const used = vmm.list().reduce((sum, r) => sum + r.memoryKiB / 4, 0);
  return vmm.pool.usedPages === used;
}

const SBI_ERRORS = new Set<number>(Object.values(SbiError));
const XEN_ERRORS = new Set<number>(Object.values(XenErrno).map((e) => -e));

describe('hostile guest', () => {
  it('survives a guest making 2^19 random SBI and PV calls amid ring garbage', () => {
    const vmm = new Vmm({ hostMemoryMiB: 256 });
    const v = victim(vmm);
    const before = v.digest();
    const id = vmm.createDomain({
      name: 'hostile',
      type: 'pv',
      memory: 4,
      kernel: program('hostile.elf'),
    });
    const done = () => vmm.consoleText(id).includes('hostile: 524288 calls');
    expect(vmm.runUntil(done, 60e9)).toBe(true);
    expect(vmm.errors).toEqual([]);
    expect(vmm.domainInfo(id).state).toBe('running');
    const calls = vmm.domainInfo(id).exits;
    expect(calls).toBeGreaterThan(524288);
    // It hit every hypercall and every SBI extension.
    const exits = vmm.exitCounters(id);
    for (const op of [
      'console_io',
      'sched_op',
      'event_channel_op',
      'grant_table_op',
      'memory_op',
      'xen_version',
    ]) {
      expect(
        Object.keys(exits).filter((k) => k.startsWith(`hypercall:${op}.`)).length,
      ).toBeGreaterThan(2);
    }
    for (const ext of ['BASE', 'TIME', 'IPI', 'RFENCE', 'HSM', 'DBCN'])
      expect(Object.keys(exits).some((k) => k.startsWith(`sbi:${ext}.`))).toBe(true);
    // The victim is untouched and nothing of it reached the hostile guest.
    expect(v.digest()).toBe(before);
    expect(Buffer.from(vmm.foreignMemory(id).ram).indexOf(Buffer.from(SECRET))).toBe(-1);
    expect(vmm.domainInfo(v.id).stateLetters).toBe('-b----');
    expect(poolConsistent(vmm)).toBe(true);
  });

  it('answers 2 million random calls with random registers, memory and page tables with error codes only', () => {
    const vmm = new Vmm({ hostMemoryMiB: 256 });
    const vic = victim(vmm);
    const before = vic.digest();
    const id = vmm.createDomain({
      name: 'fuzz',
      type: 'pv',
      memory: 2,
      maxmem: 3,
      kernel: blockGuest(),
    });
    const d = vmm.guest(id);
    const v = d.vcpus[0]!;
    let seed = 0x2545f491;
    const rnd = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return seed >>> 0;
    };
    const ram = d.mem.ram;
    for (let i = 0; i < ram.length; i += 4) d.mem.view.setUint32(i, rnd(), true);
    const exts = [
      PV_SBI_EXT,
      PV_SBI_EXT,
      PV_SBI_EXT,
      SbiExt.Base,
      SbiExt.Time,
      SbiExt.Ipi,
      SbiExt.Rfence,
      SbiExt.Hsm,
      SbiExt.Dbcn,
      0,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
    ];
    const hypercalls = Object.values(Hypercall);
    const arg = (): number => {
      switch (rnd() % 5) {
        case 0:
          return rnd() % 16;
        case 1:
          return 0x80000000 + (rnd() % ram.length);
        case 2:
          return 0x7ff0;
        case 3:
          return rnd() % 4;
        default:
          return rnd();
      }
    };
    let outOfSpec = 0;
    for (let n = 0; n < 2_000_000; n++) {
      if ((n & 1023) === 0) {
        // Scramble some memory, and now and then turn on paging with garbage page tables.
        for (let i = 0; i < 256; i++)
          d.mem.view.setUint32((rnd() % (ram.length >>> 2)) * 4, rnd(), true);
        v.hart.writeCsr(Csr.satp, rnd() & 1 ? 0 : 0x80000000 | (0x80000 + (rnd() % 512)));
        v.hart.writeCsr(Csr.mstatus, rnd() & 0x000c0000); // SUM, MXR
      }
      const eid = exts[rnd() % exts.length]!;
      const fid =
        eid === PV_SBI_EXT
          ? rnd() & 3
            ? hypercalls[rnd() % hypercalls.length]!
            : rnd() % 64
          : rnd() % 8;
      const cmd = rnd() % 12;
      // Leave out what ends the domain: SRST, legacy shutdown, sched_op shutdown/remote_shutdown.
      if (eid === PV_SBI_EXT && fid === Hypercall.sched_op && (cmd === 2 || cmd === 4)) continue;
      const x = v.hart.x;
      x[10] = eid === PV_SBI_EXT ? cmd : arg();
      for (let i = 11; i < 16; i++) x[i] = arg();
      x[16] = fid;
      x[17] = eid | 0;
      handleSbiCall(vmm, d, v);
      if (eid > 8) {
        const a0 = x[10]!;
        const a1 = x[11]!;
        // hart_stop and a non-retentive suspend do not return (SBI §9.2, §9.4): nothing to check.
        const returned =
          v.block !== 'hsm-stopped' && !(v.block === 'hsm-suspended' && v.resume !== null);
        if (returned && !SBI_ERRORS.has(a0)) outOfSpec++;
        // memory_op's reservation counts and xen_version's version are ≥ 0; everything negative is an errno.
        if (eid === PV_SBI_EXT && a1 < 0 && !XEN_ERRORS.has(a1)) outOfSpec++;
      }
      // A blocking call parks the vCPU; undo it so the next call runs (the fuzzer is its only driver).
      if (v.block !== null) {
        v.block = null;
        v.resume = null;
        v.hsm = 0;
      }
    }
    expect(outOfSpec).toBe(0);
    expect(vmm.errors).toEqual([]);
    expect(vic.digest()).toBe(before);
    expect(Buffer.from(d.mem.ram).indexOf(Buffer.from(SECRET))).toBe(-1);
    expect(poolConsistent(vmm)).toBe(true);
    // The VMM still works for everyone afterwards.
    expect(vmm.domainInfo(id).state).toBe('running');
    vmm.runFor(10e6);
    expect(vmm.errors).toEqual([]);
  });
});
