import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ElfError } from '../machine/elf-loader';
import { BareMachine, type MachineExit } from '../machine/machine';
import { OutputBuffer } from './output-buffer';

/**
 * `tabvisor bare FILE.elf`: run an M-mode ELF on the bare machine, like
 * `qemu-system-riscv32 -M virt -bios none -nographic -kernel FILE.elf`.
 * UART 0 is wired to stdout/stdin; the exit status follows the guest (test
 * finisher or HTIF `tohost`), or is non-zero with a message on stderr.
 */

export const BARE_USAGE = `  bare FILE.elf [--memory MiB] [--max-instructions N] [--trace]
      Run an M-mode RISC-V ELF on the bare machine (QEMU virt memory map, no
      firmware). UART output goes to stdout, stdin feeds the UART.
      --memory MiB            RAM size (default 128)
      --max-instructions N    stop with an error after N instructions
      --trace                 print "pc instruction" per instruction to stderr`;

/** Instructions per run chunk between looks at stdin. */
const CHUNK = 2_000_000;
const EXIT_USAGE = 2;
const EXIT_ERROR = 1;

export async function bareCommand(args: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        memory: { type: 'string' },
        'max-instructions': { type: 'string' },
        trace: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    return usageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`Usage: tabvisor\n${BARE_USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) return usageError('expected exactly one ELF file');
  const file = positionals[0] as string;

  const memoryMiB = values.memory === undefined ? 128 : Number(values.memory);
  if (!Number.isInteger(memoryMiB) || memoryMiB < 1 || memoryMiB > 2048) {
    return usageError(
      `--memory must be a whole number of MiB from 1 to 2048, got '${values.memory}'`,
    );
  }
  const limitText = values['max-instructions'];
  const maxInstructions = limitText === undefined ? Number.POSITIVE_INFINITY : Number(limitText);
  if (!Number.isSafeInteger(maxInstructions) && limitText !== undefined) {
    return usageError(`--max-instructions must be a whole number, got '${limitText}'`);
  }
  if (maxInstructions <= 0) return usageError('--max-instructions must be positive');

  let elf: Uint8Array;
  try {
    elf = readFileSync(file);
  } catch (e) {
    return fail(
      `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }

  const stdout = new OutputBuffer((chunk, done) => process.stdout.write(chunk, () => done()));
  const machine = new BareMachine({
    ramSize: memoryMiB * 1024 * 1024,
    onOutput: (b) => stdout.push(b),
  });
  try {
    machine.loadElf(elf);
  } catch (e) {
    if (e instanceof ElfError) return fail(`${file}: ${e.message}`);
    throw e;
  }

  const trace = values.trace ? new TraceWriter() : undefined;
  if (trace) machine.setTracer((pc, insn) => trace.line(pc, insn));

  const consoleInput = new ConsoleInput((bytes) => machine.input(bytes));
  let exit: MachineExit;
  try {
    for (;;) {
      const result = machine.runFor(CHUNK, { maxInstructions });
      stdout.flush();
      trace?.flush();
      if (typeof result !== 'string') {
        exit = result;
        break;
      }
      if (result === 'idle') {
        // Asleep with no timer armed: only console input can wake the hart.
        if (consoleInput.ended) {
          exit = machine.run({ maxInstructions }); // reports the deadlock
          break;
        }
        await consoleInput.nextEvent();
      } else {
        await new Promise<void>((resolve) => setImmediate(resolve)); // let stdin data in
      }
    }
  } finally {
    consoleInput.close();
  }
  stdout.flush();
  trace?.flush();
  await stdout.drained();
  return report(exit);
}

function report(exit: MachineExit): number {
  switch (exit.kind) {
    case 'pass':
      return 0;
    case 'reset':
      process.stderr.write(`tabvisor: ${exit.message}; the bare machine does not reboot\n`);
      return 0;
    case 'fail':
      process.stderr.write(`tabvisor: ${exit.message}\n`);
      // Exit statuses are 8 bits; never let a failure look like success.
      return exit.code & 0xff || EXIT_ERROR;
    case 'limit':
      process.stderr.write(`tabvisor: ${exit.message}\n`);
      return EXIT_ERROR;
    case 'fault':
      process.stderr.write(`tabvisor: ${exit.message} (after ${exit.instructions} instructions)\n`);
      return EXIT_ERROR;
  }
}

function usageError(message: string): number {
  process.stderr.write(`tabvisor bare: ${message}\nUsage: tabvisor\n${BARE_USAGE}\n`);
  return EXIT_USAGE;
}

function fail(message: string): number {
  process.stderr.write(`tabvisor: ${message}\n`);
  return EXIT_ERROR;
}

/** stdin as console input; a closed, absent or ended stdin simply ends the input. */
class ConsoleInput {
  ended = false;
  private waiter: (() => void) | undefined;
  private readonly onData = (chunk: Buffer): void => {
    this.deliver(chunk);
    this.wake();
  };
  private readonly onEnd = (): void => {
    this.ended = true;
    this.wake();
  };

  constructor(private readonly deliver: (bytes: Uint8Array) => void) {
    try {
      const stdin = process.stdin;
      stdin.on('data', this.onData);
      stdin.on('end', this.onEnd);
      stdin.on('close', this.onEnd);
      stdin.on('error', this.onEnd);
    } catch {
      this.ended = true; // e.g. stdin is a closed descriptor
    }
  }

  nextEvent(): Promise<void> {
    if (this.ended) return Promise.resolve();
    return new Promise((resolve) => (this.waiter = resolve));
  }

  close(): void {
    try {
      process.stdin.off('data', this.onData);
      process.stdin.pause();
      process.stdin.destroy();
    } catch {
      // nothing to release
    }
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }
}

/** `--trace` lines, "pc instruction" in hex (16-bit parcels as 4 digits), batched to stderr. */
class TraceWriter {
  private lines: string[] = [];

  line(pc: number, insn: number): void {
    const pcText = (pc >>> 0).toString(16).padStart(8, '0');
    const insnText =
      (insn & 3) === 3
        ? (insn >>> 0).toString(16).padStart(8, '0')
        : (insn & 0xffff).toString(16).padStart(4, '0');
    this.lines.push(`${pcText} ${insnText}\n`);
    if (this.lines.length >= 8192) this.flush();
  }

  flush(): void {
    if (this.lines.length === 0) return;
    process.stderr.write(this.lines.join(''));
    this.lines = [];
  }
}
