import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MemoryFileStore } from '../server/files/memory-file-store.ts';
import { ByteInput } from '../server/shell/byte-input.ts';
import { ShellSession } from '../server/shell/shell-session.ts';
import type { Sink } from '../server/shell/shell-io.ts';
import { VmServer } from '../server/vm-server.ts';
import { DiskFileStore } from './disk-file-store.ts';
import { DirectoryImageSource } from './node-image-source.ts';
import { NodeFileChunkStore } from '../server/storage/node-file-chunk-store.ts';
import { StorageError } from '../server/storage/storage-error.ts';
import { NodeHostFiles } from './node-host-files.ts';

/**
 * `tabvisor shell`: boots the VMM and the VM server in Node and gives the
 * dom0 shell to the terminal — commands from -c, else a prompt on a TTY, or
 * lines from a pipe. `xl console` / `xl create -c` attach the guest's
 * console to stdin/stdout until the guest stops or Ctrl-] is typed.
 */

export const SHELL_USAGE = `  shell [--root DIR] [--disk FILE[:SIZE]] [--no-autostart] [-c "CMD; CMD"]
      Boot the VMM and the VM server (Domain-0) and run its shell: xl create,
      list, console, … (type 'help'). Guest consoles attach to the terminal.
      --root DIR          keep the VM server's file tree (/etc/xen/vm …) in DIR
                          (default: in memory, seeded afresh)
      --disk FILE[:SIZE]  keep the host disk in FILE, a sparse raw image with its
                          GPT (created SIZE big, default 500G; K/M/G/T suffixes)
                          (default: in memory)
      --no-autostart      do not start the guests marked autostart
      --guests DIR        guest OS images for /usr/lib/tabvisor/guests
                          (default: the checkout's public/guests)
      -c "CMD; CMD"       run these commands, then exit with the last status`;

const EXIT_USAGE = 2;

/**
 * A Node stream as a Sink that can be waited on before exiting. (Raw mode
 * leaves the terminal's output processing on, so LF still starts a new line.)
 */
class StreamSink implements Sink {
  private last: Promise<void> = Promise.resolve();

  constructor(private readonly stream: NodeJS.WriteStream) {}

  write(data: string | Uint8Array): void {
    this.last = new Promise((done) => {
      this.stream.write(data, () => done());
    });
  }

  drained(): Promise<void> {
    return this.last;
  }
}

export async function shellCommand(args: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: false,
      strict: true,
      options: {
        root: { type: 'string' },
        disk: { type: 'string' },
        guests: { type: 'string' },
        'no-autostart': { type: 'boolean', default: false },
        command: { type: 'string', short: 'c' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    process.stderr.write(
      `tabvisor shell: ${(e as Error).message}\nUsage: tabvisor\n${SHELL_USAGE}\n`,
    );
    return EXIT_USAGE;
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(`Usage: tabvisor\n${SHELL_USAGE}\n`);
    return 0;
  }
  let disk: { path: string; sizeBytes?: number } | undefined;
  if (v.disk !== undefined) {
    const m = /^([^:]+)(?::(\d+)([KMGT]?))?$/i.exec(v.disk);
    if (!m) {
      process.stderr.write(`tabvisor shell: --disk must be FILE or FILE:SIZE, got '${v.disk}'\n`);
      return EXIT_USAGE;
    }
    disk = { path: resolve(m[1] as string) };
    if (m[2] !== undefined) {
      const shift = { '': 0, K: 10, M: 20, G: 30, T: 40 }[(m[3] ?? '').toUpperCase()] ?? 0;
      const sizeBytes = Number(m[2]) * 2 ** shift;
      if (!(sizeBytes >= 1024 ** 2) || sizeBytes % 512 !== 0) {
        process.stderr.write(
          `tabvisor shell: --disk size must be at least 1M and a whole number of 512-byte sectors, got '${m[2]}${m[3] ?? ''}'\n`,
        );
        return EXIT_USAGE;
      }
      disk.sizeBytes = sizeBytes;
    }
  }

  let files;
  if (v.root !== undefined) {
    const root = resolve(v.root);
    try {
      mkdirSync(root, { recursive: true });
    } catch (e) {
      process.stderr.write(`tabvisor shell: cannot use --root ${root}: ${(e as Error).message}\n`);
      return 1;
    }
    files = new DiskFileStore(root);
  } else {
    files = new MemoryFileStore();
  }

  const stdinTty = process.stdin.isTTY === true;
  const interactive = v.command === undefined && stdinTty && process.stdout.isTTY === true;
  const stdout = new StreamSink(process.stdout);
  const stderr = new StreamSink(process.stderr);
  const input = new ByteInput();
  const onData = (chunk: Buffer): void => input.push(new Uint8Array(chunk));
  const onEnd = (): void => input.end();
  process.stdin.on('data', onData);
  process.stdin.on('end', onEnd);
  process.stdin.on('error', onEnd);

  let server: VmServer | undefined;
  let status: number;
  // A disk this run creates and then cannot use is not left behind (nor its chunk map).
  const newDisk = disk !== undefined && !existsSync(disk.path);
  try {
    try {
      server = await VmServer.boot({
        files,
        images: new DirectoryImageSource(v.guests !== undefined ? resolve(v.guests) : undefined),
        autostart: !v['no-autostart'],
        // Domain-0 runs on this process: its vCPUs are the host's logical CPUs.
        vmm: { dom0Vcpus: availableParallelism() },
        hostFiles: new NodeHostFiles(),
        ...(disk
          ? {
              disk: async () => ({
                store: await NodeFileChunkStore.open(disk.path),
                note: 'tabvisor shell --disk',
              }),
              ...(disk.sizeBytes !== undefined ? { diskSizeBytes: disk.sizeBytes } : {}),
            }
          : {}),
        onProgress: (p) => {
          if (p.status === 'error') stderr.write(`tabvisor: ${p.message}\n`);
        },
      });
    } catch (e) {
      // A host disk that cannot be opened (too small, corrupt, no space) is the
      // user's to fix: say why in one line, no stack trace.
      if (!(e instanceof StorageError)) throw e;
      stderr.write(`tabvisor shell: ${e.message}\n`);
      if (disk && newDisk)
        for (const f of [disk.path, `${disk.path}.map`, `${disk.path}.map.tmp`])
          rmSync(f, { force: true });
      return 1;
    }
    const shell = server.shell();
    // A terminal is put in raw mode so keys reach the line editor and guest consoles unbuffered (Ctrl-] included).
    if (stdinTty) process.stdin.setRawMode(true);
    // Node empties its event loop only when nothing can ever happen again: input has
    // ended and every guest sleeps with no timer armed. Say so and let the command go.
    const onIdle = (): void => {
      stderr.write(
        'tabvisor shell: input has ended and the guests are idle with nothing left to wake them; detaching\n',
      );
      shell.cancelCurrent();
    };
    process.on('beforeExit', onIdle);
    try {
      if (v.command !== undefined) {
        const ctrl = new AbortController();
        const cancel = (): void => ctrl.abort();
        process.on('SIGINT', cancel);
        try {
          status = await shell.run(v.command, {
            stdout,
            stderr,
            stdin: input,
            signal: ctrl.signal,
          });
        } finally {
          process.off('SIGINT', cancel);
        }
      } else {
        const session = new ShellSession(
          shell,
          { stdout, stderr, stdin: input },
          {
            interactive,
            banner: `Tabvisor VM server (Domain-0) on ${server.files.description}. Type 'help' for commands.\n`,
          },
        );
        status = await session.run();
      }
    } finally {
      process.off('beforeExit', onIdle);
    }
  } finally {
    if (stdinTty) process.stdin.setRawMode(false);
    process.stdin.off('data', onData);
    process.stdin.off('end', onEnd);
    process.stdin.pause();
    await server?.stop();
    await stdout.drained();
    await stderr.drained();
  }
  return status;
}
