import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BareMachine } from '../src/machine/machine';
import { MEMORY_MIB, runQemu } from '../test/conformance/machines';

/**
 * CPU benchmark: bench/programs/cpu-loop.c (a CRC/sieve/matrix/division/
 * pointer-walk mix) on QEMU's `virt` board and on our bare machine in this
 * process, side by side.
 *
 * - Ours runs the standard build (2048 rounds, ~593 M instructions) several
 *   times; its exact instret is the instruction count and the median wall time
 *   counts.
 * - QEMU is so much faster that the standard build would last ~0.2 s, too short
 *   to time against its start-up. So it runs a build with 8× the rounds (over a
 *   second), minus the median start-up time of a program that only exits. That
 *   build's instruction count is exact without running it here: every 1024
 *   rounds execute the same instructions (see cpu-loop.c), so it follows from our
 *   counts for the standard build and a half-length one (which also serves as an
 *   untimed warm-up of our JIT-compiled interpreter).
 * - QEMU also runs the standard build once: both machines must print the same
 *   checksum.
 * - The runs of the two machines alternate, so that changes in the host's load
 *   hit both alike; the ratio of the medians is the result, the ratio of the best
 *   runs is shown too (it is the steadier one on a busy host).
 *
 *   npx tsx bench/cpu.ts [--runs N]
 */

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const PROGRAMS_DIR = join(BENCH_DIR, 'programs');
const CPU_LOOP_ELF = join(PROGRAMS_DIR, 'build/cpu-loop.elf');
const CPU_LOOP_LONG_ELF = join(PROGRAMS_DIR, 'build/cpu-loop-long.elf');
const CPU_LOOP_HALF_ELF = join(PROGRAMS_DIR, 'build/cpu-loop-half.elf');
const EMPTY_ELF = join(PROGRAMS_DIR, 'build/empty.elf');
/** Rounds of the builds (bench/programs/Makefile). */
const ROUNDS = 2048;
const HALF_ROUNDS = 1024;
const LONG_ROUNDS = 16384;
const MAX_INSTRUCTIONS = 20_000_000_000;

export interface CpuBenchResult {
  /** Instructions of the standard build (our instret at exit). */
  readonly instructions: number;
  /** Median wall time of our machine on the standard build, in seconds. */
  readonly oursSeconds: number;
  readonly oursMips: number;
  /** Every run of ours, in MIPS, in run order (the first includes JIT warm-up). */
  readonly oursRunsMips: readonly number[];
  /** Instructions of the long build QEMU is timed on. */
  readonly qemuInstructions: number;
  /** Median QEMU wall time for the long build, start-up not subtracted. */
  readonly qemuWallSeconds: number;
  /** Median QEMU wall time for a program that only exits. */
  readonly qemuStartupSeconds: number;
  /** qemuWallSeconds - qemuStartupSeconds. */
  readonly qemuSeconds: number;
  readonly qemuMips: number;
  /** oursMips / qemuMips. */
  readonly ratio: number;
  /** The same from the fastest run of each machine. */
  readonly bestRatio: number;
  /** Runs per machine the medians are taken over. */
  readonly runs: number;
  /** The line the standard build printed, identical on both machines. */
  readonly checksum: string;
}

export interface CpuBenchOptions {
  /** Timed runs per machine; medians count (default 5). */
  readonly runs?: number;
  /** Older names for `runs`: the larger of the two is used. */
  readonly qemuRuns?: number;
  readonly oursRuns?: number;
}

function buildPrograms(): void {
  const r = spawnSync('make', ['-C', PROGRAMS_DIR], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make -C bench/programs failed:\n${r.stdout}\n${r.stderr}`);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function qemuRun(elf: string): Promise<{ seconds: number; stdout: string }> {
  const r = await runQemu(elf, { timeoutMs: 120_000 });
  if (r.status !== 0 || r.timedOut) {
    throw new Error(
      `QEMU run of ${elf} failed (status ${String(r.status)}):\n${r.stdout}${r.stderr}`,
    );
  }
  return { seconds: r.seconds, stdout: r.stdout };
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
  const n = opts.runs ?? (Math.max(opts.qemuRuns ?? 0, opts.oursRuns ?? 0) || 5);

  const reference = await qemuRun(CPU_LOOP_ELF);
  const half = runOurs(readFileSync(CPU_LOOP_HALF_ELF));

  // Interleaved, so that a change in the host's load hits both machines alike.
  const elf = readFileSync(CPU_LOOP_ELF);
  const ours: ReturnType<typeof runOurs>[] = [];
  const startups: number[] = [];
  const longs: number[] = [];
  for (let i = 0; i < n; i++) {
    ours.push(runOurs(elf));
    startups.push((await qemuRun(EMPTY_ELF)).seconds);
    longs.push((await qemuRun(CPU_LOOP_LONG_ELF)).seconds);
  }

  const first = ours[0]!;
  if (ours.some((r) => r.stdout !== first.stdout || r.instructions !== first.instructions)) {
    throw new Error('our runs of the same program differ');
  }
  if (first.stdout !== reference.stdout) {
    throw new Error(
      `outputs differ:\n--- qemu ---\n${reference.stdout}\n--- ours ---\n${first.stdout}`,
    );
  }
  const checksum = /checksum=[0-9a-f]+/.exec(first.stdout)?.[0];
  if (!checksum) throw new Error(`no checksum in the output:\n${first.stdout}`);

  const instructions = first.instructions;
  const perRound = (instructions - half.instructions) / (ROUNDS - HALF_ROUNDS);
  const qemuInstructions = half.instructions + (LONG_ROUNDS - HALF_ROUNDS) * perRound;
  const oursSeconds = median(ours.map((r) => r.seconds));
  const qemuWallSeconds = median(longs);
  const qemuStartupSeconds = median(startups);
  // Never let noise make QEMU's time vanish.
  const qemuNet = (wall: number): number => Math.max(wall - qemuStartupSeconds, wall * 0.5);
  const qemuSeconds = qemuNet(qemuWallSeconds);
  const oursMips = instructions / oursSeconds / 1e6;
  const qemuMips = qemuInstructions / qemuSeconds / 1e6;
  const bestOurs = instructions / Math.min(...ours.map((r) => r.seconds));
  const bestQemu = qemuInstructions / qemuNet(Math.min(...longs));
  return {
    instructions,
    oursSeconds,
    oursMips,
    oursRunsMips: ours.map((r) => instructions / r.seconds / 1e6),
    qemuInstructions,
    qemuWallSeconds,
    qemuStartupSeconds,
    qemuSeconds,
    qemuMips,
    ratio: oursMips / qemuMips,
    bestRatio: bestOurs / bestQemu,
    runs: n,
    checksum,
  };
}

/** A small side-by-side table of the result. */
export function formatCpuBenchmark(r: CpuBenchResult): string {
  const rows: Array<[string, string, string]> = [
    ['', 'ours (Node)', 'QEMU 7.2 TCG'],
    ['program', 'cpu-loop.elf', `cpu-loop-long.elf (${LONG_ROUNDS / ROUNDS}× the rounds)`],
    [
      'instructions',
      r.instructions.toLocaleString('en-US'),
      r.qemuInstructions.toLocaleString('en-US'),
    ],
    [
      `seconds (median of ${r.runs})`,
      r.oursSeconds.toFixed(3),
      `${r.qemuSeconds.toFixed(3)} (${r.qemuWallSeconds.toFixed(3)} - ${r.qemuStartupSeconds.toFixed(3)} start-up)`,
    ],
    ['MIPS', r.oursMips.toFixed(1), r.qemuMips.toFixed(1)],
    ['runs (MIPS)', r.oursRunsMips.map((m) => m.toFixed(0)).join(' '), ''],
    ['ours / QEMU', r.ratio.toFixed(3), `(best runs: ${r.bestRatio.toFixed(3)})`],
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
  return { runs: n };
}

const invokedPath = process.argv[1];
if (invokedPath !== undefined && import.meta.url === pathToFileURL(invokedPath).href) {
  const result = await runCpuBenchmark(parseRuns(process.argv.slice(2)));
  console.log('CPU benchmark: bench/programs/cpu-loop.c');
  console.log(formatCpuBenchmark(result));
}
