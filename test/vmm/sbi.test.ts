import { describe, expect, it } from 'vitest';
import { Csr } from '../../src/cpu/csr-numbers';
import { HsmState, SbiError, SbiExt } from '../../src/vmm/abi/sbi';
import { handleSbiCall } from '../../src/vmm/sbi';
import { Vmm } from '../../src/vmm/vmm';
import { asm, elf, reg } from './helpers/asm';

/**
 * SBI with two vCPUs. The image: at 0x80000000 vCPU 0 spins; at 0x80000008
 * (the HSM start address) a0/a1 are kept and the hart waits in WFI.
 */
function twoHarts() {
  const kernel = elf([asm.addi(reg.t0, reg.t0, 1), asm.jal(0, -4), asm.wfi(), asm.jal(0, -4)]);
  const vmm = new Vmm({ hostMemoryMiB: 128 });
  const id = vmm.createDomain({ name: 'smp', type: 'hvm', memory: 1, vcpus: 2, kernel });
  const d = vmm.guest(id);
  const call = (hart: number, eid: number, fid: number, ...args: number[]) => {
    const v = d.vcpus[hart]!;
    args.forEach((a, i) => (v.hart.x[10 + i] = a | 0));
    v.hart.x[16] = fid;
    v.hart.x[17] = eid;
    handleSbiCall(vmm, d, v);
    return { error: v.hart.x[10]!, value: v.hart.x[11]! };
  };
  return { vmm, id, d, call };
}

describe('SBI HSM, IPI and TIME with two vCPUs', () => {
  it('starts the second hart with a0 = hart id and a1 = opaque, and reports its status', () => {
    const { vmm, d, call } = twoHarts();
    expect(call(0, SbiExt.Hsm, 2, 1)).toEqual({ error: 0, value: HsmState.Stopped });
    vmm.runFor(1e6);
    expect(d.vcpus[1]!.hart.instret).toBe(0); // a stopped hart never runs
    expect(call(0, SbiExt.Hsm, 0, 1, 0x80000008, 0x1234).error).toBe(SbiError.Success);
    const h1 = d.vcpus[1]!.hart;
    expect([h1.x[10], h1.x[11], h1.pc >>> 0, h1.priv]).toEqual([1, 0x1234, 0x80000008, 1]);
    expect(call(0, SbiExt.Hsm, 2, 1).value).toBe(HsmState.Started);
    expect(call(0, SbiExt.Hsm, 0, 1, 0x80000008, 0).error).toBe(SbiError.AlreadyAvailable);
    vmm.runFor(100e6); // one pCPU: it runs once vCPU 0's slice is over
    expect(d.vcpus[1]!.block).toBe('wfi');
    // hart_stop from the hart itself.
    call(1, SbiExt.Hsm, 1);
    expect(call(0, SbiExt.Hsm, 2, 1).value).toBe(HsmState.Stopped);
    expect(vmm.domainInfo(d.id).onlineVcpus).toBe(1);
  });

  it('wakes a hart in WFI with an IPI (SSIP) when it enabled SSIE, and validates hart masks', () => {
    const { vmm, d, call } = twoHarts();
    call(0, SbiExt.Hsm, 0, 1, 0x80000008, 0);
    vmm.runFor(100e6);
    const v1 = d.vcpus[1]!;
    expect(v1.block).toBe('wfi');
    expect(call(0, SbiExt.Ipi, 0, 0b100, 0).error).toBe(SbiError.InvalidParam); // hart 2 does not exist
    call(0, SbiExt.Ipi, 0, 0b10, 0);
    expect(v1.block).toBe('wfi'); // SSIE is off: WFI only ends for enabled interrupts
    v1.hart.writeCsr(Csr.sie, 1 << 1);
    call(0, SbiExt.Ipi, 0, 1, 1); // hart_mask_base = 1
    expect(v1.block).toBeNull();
    expect(v1.hart.readCsr(Csr.sip) & 2).toBe(2);
    call(0, SbiExt.Ipi, 0, 0, -1); // base −1: every hart
    expect(d.vcpus[0]!.hart.readCsr(Csr.mip) & 2).toBe(2);
    expect(vmm.exitCounters(d.id)['ipi']).toBe(4); // one, one, then both harts
  });

  it('raises STIP when guest time reaches the compare value, and set_timer clears it', () => {
    const { vmm, d, call } = twoHarts();
    const h0 = d.vcpus[0]!.hart;
    call(0, SbiExt.Time, 0, 50_000, 0); // 5 ms of guest time
    vmm.runFor(4.9e6);
    expect(h0.readCsr(Csr.mip) & (1 << 5)).toBe(0);
    vmm.runFor(0.2e6);
    expect(h0.readCsr(Csr.mip) & (1 << 5)).toBe(1 << 5);
    expect(h0.readCsr(Csr.time)).toBeGreaterThanOrEqual(50_000);
    call(0, SbiExt.Time, 0, -1, -1);
    expect(h0.readCsr(Csr.mip) & (1 << 5)).toBe(0);
    expect(vmm.exitCounters(d.id)['timer']).toBe(1);
  });
});
