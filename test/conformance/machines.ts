import { spawn, spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The two machines of the differential suite: QEMU's `virt` board (the
 * reference) and ours through the CLI, both running the same bare-metal ELF
 * with the same memory size. Each run reports the guest's UART output and the
 * process exit status (0 when the guest wrote PASS to the test finisher, its
 * code when it wrote FAIL).
 */

export const CONFORMANCE_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(CONFORMANCE_DIR, '../..');
export const BUILD_DIR = join(CONFORMANCE_DIR, 'build');
/** Both machines get the same RAM size: programs probe the end of RAM. */
export const MEMORY_MIB = 128;

export const QEMU = 'qemu-system-riscv32';
export const CROSS_GCC = 'riscv64-unknown-elf-gcc';

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  /** Process exit status; null when the process was killed. */
  readonly status: number | null;
  readonly timedOut: boolean;
  readonly seconds: number;
}

export interface RunOptions {
  readonly timeoutMs?: number;
}

/** Tools the suite needs on PATH, with the Debian package that has each. */
const TOOLS: ReadonlyArray<readonly [string, string]> = [
  [QEMU, 'qemu-system-misc'],
  [CROSS_GCC, 'gcc-riscv64-unknown-elf'],
  ['make', 'make'],
];

/** Names (and packages) of the required tools that are not installed. */
export function missingTools(): string[] {
  return TOOLS.filter(
    ([tool]) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status !== 0,
  ).map(([tool, pkg]) => `${tool} (Debian package ${pkg})`);
}

function run(command: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolvePromise, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolvePromise({
        stdout: Buffer.concat(out).toString('latin1'),
        stderr: Buffer.concat(err).toString('utf8'),
        status,
        timedOut,
        seconds: (performance.now() - start) / 1000,
      });
    });
  });
}

/** `qemu-system-riscv32 -M virt -bios none -kernel ELF`, UART 0 on stdout. */
export function runQemu(elf: string, opts: RunOptions = {}): Promise<RunResult> {
  return run(
    QEMU,
    [
      ...['-M', 'virt', '-bios', 'none', '-m', `${MEMORY_MIB}M`, '-smp', '1'],
      ...['-display', 'none', '-monitor', 'none', '-serial', 'stdio', '-kernel', elf],
    ],
    opts,
  );
}

/** `node bin/tabvisor.js bare ELF`, our machine through the CLI. */
export function runTabvisor(
  elf: string,
  opts: RunOptions & { readonly maxInstructions?: number } = {},
): Promise<RunResult> {
  const args = [join(REPO_ROOT, 'bin/tabvisor.js'), 'bare', elf, '--memory', String(MEMORY_MIB)];
  if (opts.maxInstructions !== undefined)
    args.push('--max-instructions', String(opts.maxInstructions));
  return run(process.execPath, args, opts);
}

/** Builds the programs; returns make's output or throws with it. */
export function buildPrograms(): void {
  const r = spawnSync('make', ['-C', CONFORMANCE_DIR, '-j2'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make -C test/conformance failed:\n${r.stdout}\n${r.stderr}`);
}

/** The ELF names the Makefile builds (without building anything). */
export function listPrograms(): string[] {
  const r = spawnSync('make', ['-s', '-C', CONFORMANCE_DIR, 'list'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make list failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s.endsWith('.elf'));
}
