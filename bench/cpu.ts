import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BareMachine } from '../src/machine/machine';
import { MEMORY_MIB, runQemu } from '../test/conformance/machines';

/**
 * CPU benchmark: bench/programs/cpu-loop.c (a CRC/sieve/matrix/division/
 * pointer-walk mix, > 500 M instructions) on QEMU's `virt` board and on our
 * bare machine in this process. The instruction count is our exact instret;
 * QEMU's MIPS is that count over QEMU's wall time minus its start-up time
 * (measured with a program that only exits). Both must print the same checksum.
 *
 *   npx tsx bench/cpu.ts [--runs N]
 */

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const PROGRAMS_DIR = join(BENCH_DIR, 'programs');
const CPU_LOOP_ELF = join(PROGRAMS_DIR, 'build/cpu-loop.elf');
const EMPTY_ELF = join(PROGRAMS_DIR, 'build/empty.elf');
const MAX_INSTRUCTIONS = 20_000_000_000;

export interface CpuBenchResult {
  /** Instructions the program retires (our instret at exit). */
  readonly instructions: number;
  /** Best wall time of our machine, in seconds. */
  readonly oursSeconds: number;
  readonly oursMips: number;
  /** Best QEMU wall time for the program, start-up not subtracted. */
  readonly qemuWallSeconds: number;
  /** Best QEMU wall time for a program that only exits. */
  readonly qemuStartupSeconds: number;
  /** qemuWallSeconds - qemuStartupSeconds. */
  readonly qemuSeconds: number;
  readonly qemuMips: number;
  /** oursMips / qemuMips. */
  readonly ratio: number;
  /** The line the program printed, identical on both machines. */
  readonly checksum: string;
}

export interface CpuBenchOptions {
  /** Runs per machine; the best time counts (default 3 for QEMU, 2 for ours). */
  readonly qemuRuns?: number;
  readonly oursRuns?: number;
}

function buildPrograms(): void {
  const r = spawnSync('make', ['-C', PROGRAMS_DIR], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make -C bench/programs failed:\n${r.stdout}\n${r.stderr}`);
}

async function bestQemuSeconds(
  elf: string,
  runs: number,
): Promise<{ seconds: number; stdout: string }> {
  let best = Number.POSITIVE_INFINITY;
  let stdout = '';
  for (let i = 0; i < runs; i++) {
    const r = await runQemu(elf, { timeoutMs: 120_000 });
    if (r.status !== 0 || r.timedOut) {
      throw new Error(
        `QEMU run of ${elf} failed (status ${String(r.status)}):\n${r.stdout}${r.stderr}`,
      );
    }
    best = Math.min(best, r.seconds);
    stdout = r.stdout;
  }
  return { seconds: best, stdout };
}

function runOurs(elf: Uint8Array): { seconds: number; instructions: number; stdout: string } {
  const bytes: number[] = [];
  const machine = new BareMachine({
    ramSize: MEMORY_MIB * 1024 * 1024,
    onOutput: (b) => bytes.push(b),
  });
  machine.loadElf(elf);
  const start = performance.now();
  const exit = machine.run({ maxInstructions: MAX_INSTRUCTIONS });
  const seconds = (performance.now() - start) / 1000;
  if (exit.kind !== 'pass')
    throw new Error(`our machine stopped with ${exit.kind}: ${exit.message}`);
  return { seconds, instructions: exit.instructions, stdout: String.fromCharCode(...bytes) };
}

export async function runCpuBenchmark(opts: CpuBenchOptions = {}): Promise<CpuBenchResult> {
  buildPrograms();
  const qemuRuns = opts.qemuRuns ?? 3;
  const oursRuns = opts.oursRuns ?? 2;

  const startup = await bestQemuSeconds(EMPTY_ELF, qemuRuns);
  const qemu = await bestQemuSeconds(CPU_LOOP_ELF, qemuRuns);

  const elf = readFileSync(CPU_LOOP_ELF);
  let ours = runOurs(elf);
  for (let i = 1; i < oursRuns; i++) {
    const again = runOurs(elf);
    if (again.seconds < ours.seconds) ours = again;
  }

  if (ours.stdout !== qemu.stdout) {
    throw new Error(`outputs differ:\n--- qemu ---\n${qemu.stdout}\n--- ours ---\n${ours.stdout}`);
  }
  const checksum = /checksum=[0-9a-f]+/.exec(ours.stdout)?.[0];
  if (!checksum) throw new Error(`no checksum in the output:\n${ours.stdout}`);

  // Start-up is measured separately; never let noise make QEMU's time vanish.
  const qemuSeconds = Math.max(qemu.seconds - startup.seconds, qemu.seconds * 0.05);
  const oursMips = ours.instructions / ours.seconds / 1e6;
  const qemuMips = ours.instructions / qemuSeconds / 1e6;
  return {
    instructions: ours.instructions,
    oursSeconds: ours.seconds,
    oursMips,
    qemuWallSeconds: qemu.seconds,
    qemuStartupSeconds: startup.seconds,
    qemuSeconds,
    qemuMips,
    ratio: oursMips / qemuMips,
    checksum,
  };
}

/** A small side-by-side table of the result. */
export function formatCpuBenchmark(r: CpuBenchResult): string {
  const rows: Array<[string, string, string]> = [
    ['', 'ours (Node)', 'QEMU 7.2 TCG'],
    [
      'instructions',
      r.instructions.toLocaleString('en-US'),
      r.instructions.toLocaleString('en-US'),
    ],
    [
      'seconds',
      r.oursSeconds.toFixed(3),
      `${r.qemuSeconds.toFixed(3)} (${r.qemuWallSeconds.toFixed(3)} - ${r.qemuStartupSeconds.toFixed(3)} start-up)`,
    ],
    ['MIPS', r.oursMips.toFixed(1), r.qemuMips.toFixed(1)],
    ['ours / QEMU', r.ratio.toFixed(3), ''],
    ['output', r.checksum, r.checksum],
  ];
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const w1 = Math.max(...rows.map((x) => x[1].length));
  return rows.map(([a, b, c]) => `${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`.trimEnd()).join('\n');
}

function parseRuns(argv: readonly string[]): CpuBenchOptions {
  const i = argv.indexOf('--runs');
  if (i < 0) return {};
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--runs needs a positive whole number`);
  return { qemuRuns: n, oursRuns: n };
}

const invokedPath = process.argv[1];
if (invokedPath !== undefined && import.meta.url === pathToFileURL(invokedPath).href) {
  const result = await runCpuBenchmark(parseRuns(process.argv.slice(2)));
  console.log('CPU benchmark: bench/programs/cpu-loop.c');
  console.log(formatCpuBenchmark(result));
}
