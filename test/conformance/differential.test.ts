import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BUILD_DIR,
  buildPrograms,
  listPrograms,
  missingTools,
  runQemu,
  runTabvisor,
  type RunResult,
} from './machines';

/**
 * Differential conformance: every program under programs/ runs on QEMU's
 * `virt` board (the reference, run afresh each time: no expected outputs are
 * committed) and on our bare machine; the UART output and the exit status
 * must be identical. Set TABVISOR_SKIP_CONFORMANCE=1 to skip on a machine
 * without QEMU and the RISC-V cross compiler; without it, missing tools fail.
 */

const SKIP = process.env.TABVISOR_SKIP_CONFORMANCE === '1';
const QEMU_TIMEOUT_MS = 30_000;
const OURS_TIMEOUT_MS = 240_000;
/** A guard against a runaway hart; the largest program retires well under 10 M. */
const MAX_INSTRUCTIONS = 200_000_000;

const missing = SKIP ? [] : missingTools();
const programs = SKIP || missing.length > 0 ? [] : listPrograms();

/** QEMU's output per ELF for this run only. */
const reference = new Map<string, Promise<RunResult>>();
function qemuRun(elf: string): Promise<RunResult> {
  let r = reference.get(elf);
  if (!r) {
    r = runQemu(elf, { timeoutMs: QEMU_TIMEOUT_MS });
    reference.set(elf, r);
  }
  return r;
}

function describeRun(who: string, r: RunResult): string {
  const how = r.timedOut ? 'timed out' : `exit status ${String(r.status)}`;
  const tail = r.stdout.split('\n').slice(-6).join('\n');
  return `${who}: ${how} after ${r.seconds.toFixed(1)} s\n--- last output ---\n${tail}\n--- stderr ---\n${r.stderr}`;
}

describe('conformance: ours vs qemu-system-riscv32 -M virt', () => {
  if (SKIP) {
    it.skip('skipped: TABVISOR_SKIP_CONFORMANCE=1', () => {});
    return;
  }
  if (missing.length > 0) {
    it('has the tools to build and run the reference', () => {
      throw new Error(
        `missing ${missing.join(', ')}: install them (scripts/install-test-deps.sh) ` +
          'or set TABVISOR_SKIP_CONFORMANCE=1 to skip the conformance suite',
      );
    });
    return;
  }

  beforeAll(() => {
    buildPrograms();
  });

  it('finds programs to run', () => {
    expect(programs.length).toBeGreaterThan(20);
  });

  for (const name of programs) {
    it(name, async () => {
      const elf = join(BUILD_DIR, name);
      const [qemu, ours] = await Promise.all([
        qemuRun(elf),
        runTabvisor(elf, { timeoutMs: OURS_TIMEOUT_MS, maxInstructions: MAX_INSTRUCTIONS }),
      ]);
      // The reference itself must pass: otherwise the program, not the hart, is wrong.
      if (qemu.timedOut || qemu.status !== 0 || !qemu.stdout.endsWith('PASS\n')) {
        throw new Error(`reference run did not pass\n${describeRun('qemu', qemu)}`);
      }
      if (ours.timedOut) throw new Error(describeRun('ours', ours));
      expect(ours.stdout, `UART output differs\n${describeRun('ours', ours)}`).toBe(qemu.stdout);
      expect(ours.status, `exit status differs\n${describeRun('ours', ours)}`).toBe(qemu.status);
    });
  }
});
