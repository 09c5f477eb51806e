import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeText } from '../../../src/server/files/file-store.ts';
import { ByteInput } from '../../../src/server/shell/byte-input.ts';
import { BufferSink } from '../../../src/server/shell/shell-io.ts';
import type { VmServer } from '../../../src/server/vm-server.ts';
import { buildPrograms, program, PROGRAMS_DIR } from '../../vmm/helpers/programs.ts';
import { runBareOnQemu } from '../../vmm/helpers/qemu.ts';
import { bootTestServer } from '../helpers.ts';

/**
 * Issue 3: "A stock S-mode program written against the SBI spec … runs as a
 * guest via `kernel=` in its config". The same C program as
 * test/vmm/sbi-program.test.ts (test/vmm/programs/sbi-test.c), built as an
 * S-mode SBI guest, is started the way a user would — an xl.cfg in the VM
 * server's tree naming it with kernel=, then `xl create -c` in the dom0
 * shell — and what its console shows must equal what the bare M-mode build
 * prints on qemu-system-riscv32 -M virt -bios none.
 */

const CONFIG = `# A stock SBI program as a guest kernel
name = "sbi-test"
type = "hvm"
memory = 32
kernel = "/guests/sbi-test.elf"
`;

let server: VmServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe('xl create -c of an SBI program named by kernel= in its xl.cfg', () => {
  let qemuOutput = '';

  beforeAll(() => {
    buildPrograms();
    const r = runBareOnQemu(join(PROGRAMS_DIR, 'build', 'sbi-test-bare.elf'));
    expect(r.status).toBe(0);
    qemuOutput = r.output;
  });

  it('shows on its console exactly what the bare build prints on QEMU, then powers off', async () => {
    server = await bootTestServer();
    await server.files.writeFile('/guests/sbi-test.elf', program('sbi-test-guest.elf'));
    await writeText(server.files, '/etc/xen/vm/sbi-test', CONFIG);
    const sh = server.shell();
    const out = new BufferSink();
    const err = new BufferSink();
    const stdin = new ByteInput();
    stdin.end();
    const status = await sh.run('xl create -c sbi-test', {
      stdout: out,
      stderr: err,
      stdin,
      signal: AbortSignal.timeout(30_000),
    });

    expect(qemuOutput).toContain('sbi-test: done');
    expect(err.text()).toBe('Parsing config from /etc/xen/vm/sbi-test\n');
    expect(status).toBe(0);
    expect(out.text()).toBe(qemuOutput);
    // It powered off through SBI SRST; on_poweroff's default (destroy) took it away.
    const log = server.log.entries.map((e) => e.message).join('\n');
    expect(log).toMatch(/domain \d+ \(sbi-test\) shut down \(poweroff\): on_poweroff = destroy/);
    expect(server.toolstack.list().map((r) => r.name)).toEqual(['Domain-0']);
    expect(server.vmm.errors).toEqual([]);
  });
});
