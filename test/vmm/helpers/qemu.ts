import { spawnSync } from 'node:child_process';

/**
 * Run a bare M-mode ELF on the reference machine, `qemu-system-riscv32 -M virt
 * -bios none` (entered at its ELF entry, a0 = hart id, a1 = DTB), its UART on
 * stdout; it ends through the SiFive test finisher (status 0 = PASS).
 */
export function runBareOnQemu(
  elfPath: string,
  memoryMiB = 128,
): { output: string; status: number } {
  const r = spawnSync(
    'qemu-system-riscv32',
    [
      '-M',
      'virt',
      '-bios',
      'none',
      '-m',
      `${memoryMiB}M`,
      '-nographic',
      '-monitor',
      'none',
      '-serial',
      'stdio',
      '-kernel',
      elfPath,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (r.error) throw r.error;
  if (r.status === null)
    throw new Error(`qemu-system-riscv32 was killed (${r.signal ?? 'timeout'})`);
  return { output: r.stdout, status: r.status };
}
