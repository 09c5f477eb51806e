import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Vmm } from '../src/vmm/vmm';

/**
 * VMM benchmark: aggregate instruction throughput of three CPU-bound guests
 * sharing one pCPU under the credit scheduler, against one guest alone. The
 * guest is test/vmm/programs/busy.c (CRC-32 + sieve, no I/O). The ratio shows
 * what scheduling, slicing and switching between harts cost (goal ≥ 0.9×).
 *
 *   npx tsx bench/vmm.ts
 */

const PROGRAMS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'vmm', 'programs');

export interface VmmBenchResult {
  /** Instructions per wall second with one guest. */
  readonly oneGuestMips: number;
  /** Aggregate instructions per wall second with three guests. */
  readonly threeGuestsMips: number;
  /** threeGuestsMips / oneGuestMips. */
  readonly ratio: number;
  /** Instructions each of the three guests retired (fair shares: about equal). */
  readonly perGuest: readonly number[];
}

export interface VmmBenchOptions {
  /** Virtual seconds each configuration runs (default 2: 200 M instructions at 10 ns each). */
  seconds?: number;
  runs?: number;
}

function kernel(): Uint8Array {
  execFileSync('make', ['-s', '-C', PROGRAMS_DIR], { stdio: ['ignore', 'ignore', 'inherit'] });
  return new Uint8Array(readFileSync(join(PROGRAMS_DIR, 'build', 'busy.elf')));
}

/** Best-of-`runs` throughput for `guests` guests; returns [MIPS, per-guest instructions]. */
function measure(
  elf: Uint8Array,
  guests: number,
  seconds: number,
  runs: number,
): [number, number[]] {
  let best = 0;
  let counts: number[] = [];
  for (let r = 0; r < runs; r++) {
    const vmm = new Vmm({ hostMemoryMiB: 256, nsPerInstruction: 10 });
    const ids = Array.from({ length: guests }, (_, i) =>
      vmm.createDomain({ name: `busy${i}`, type: 'hvm', memory: 4, kernel: elf }),
    );
    vmm.runFor(50e6); // warm-up: decode caches and the JIT
    const before = ids.map((id) => vmm.instructions(id)[0] as number);
    const t0 = performance.now();
    vmm.runFor(seconds * 1e9);
    const wall = (performance.now() - t0) / 1000;
    const done = ids.map((id, i) => (vmm.instructions(id)[0] as number) - (before[i] as number));
    const mips = done.reduce((a, b) => a + b, 0) / wall / 1e6;
    if (mips > best) {
      best = mips;
      counts = done;
    }
  }
  return [best, counts];
}

export async function runVmmBenchmark(opts: VmmBenchOptions = {}): Promise<VmmBenchResult> {
  const elf = kernel();
  const seconds = opts.seconds ?? 2;
  const runs = opts.runs ?? 2;
  const [one] = measure(elf, 1, seconds, runs);
  const [three, perGuest] = measure(elf, 3, seconds, runs);
  return { oneGuestMips: one, threeGuestsMips: three, ratio: three / one, perGuest };
}

export function formatVmmBenchmark(r: VmmBenchResult): string {
  return [
    'VMM: aggregate throughput of CPU-bound guests on one pCPU (credit scheduler)',
    `  1 guest:  ${r.oneGuestMips.toFixed(1)} MIPS`,
    `  3 guests: ${r.threeGuestsMips.toFixed(1)} MIPS (per guest: ${r.perGuest.map((n) => (n / 1e6).toFixed(1)).join(' / ')} M instructions)`,
    `  ratio 3:1 ${r.ratio.toFixed(3)}× (goal ≥ 0.9×)`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(formatVmmBenchmark(await runVmmBenchmark()));
}
