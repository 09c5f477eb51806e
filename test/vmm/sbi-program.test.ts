import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Vmm } from '../../src/vmm/vmm';
import { buildPrograms, program, PROGRAMS_DIR } from './helpers/programs';
import { runBareOnQemu } from './helpers/qemu';

/**
 * One C program (programs/sbi-test.c), built as an S-mode SBI guest and as a
 * bare M-mode program: the guest's output under the VMM must equal the bare
 * build's output on qemu-system-riscv32 -M virt -bios none.
 */
describe('SBI program: guest under the VMM vs bare on QEMU', () => {
  let qemuOutput = '';

  beforeAll(() => {
    buildPrograms();
    const r = runBareOnQemu(join(PROGRAMS_DIR, 'build', 'sbi-test-bare.elf'));
    expect(r.status).toBe(0); // the test finisher's PASS
    qemuOutput = r.output;
  });

  it('prints exactly what the bare build prints on QEMU, then powers off through SRST', () => {
    const vmm = new Vmm({ hostMemoryMiB: 256 });
    const id = vmm.createDomain({
      name: 'sbi-test',
      type: 'hvm',
      memory: 128,
      kernel: program('sbi-test-guest.elf'),
    });
    expect(vmm.runUntil(() => vmm.domainInfo(id).state !== 'running', 60e9)).toBe(true);
    expect(qemuOutput).toContain('sbi-test: done');
    expect(vmm.consoleText(id)).toBe(qemuOutput);
    expect(vmm.domainInfo(id)).toMatchObject({
      state: 'shutdown',
      shutdownReason: 'poweroff',
      stateLetters: '---s--',
    });
    expect(vmm.errors).toEqual([]);
    // The run went through the firmware: every kind of call was counted as an exit.
    const exits = vmm.exitCounters(id);
    expect(exits['sbi:DBCN.console_write']).toBeGreaterThan(10);
    expect(exits['sbi:TIME.set_timer']).toBe(4);
    expect(exits['sbi:SRST.system_reset']).toBe(2); // the refused reserved type, then the shutdown
    expect(exits['timer']).toBe(3);
    expect(exits['wfi']).toBeGreaterThanOrEqual(1);
    expect(exits['sbi:unknown']).toBe(1);
  });
});
