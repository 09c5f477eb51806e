import { FS_ERROR_TEXT, FsError } from '../files/fs-error.ts';
import { resolvePath } from '../files/fs-path.ts';
import type { FileStore } from '../files/file-store.ts';
import type { BootLog } from '../boot-log.ts';
import type { Toolstack } from '../toolstack/toolstack.ts';
import type { XenStore } from '../xenstore/xenstore.ts';
import type { Vmm } from '../../vmm/vmm.ts';
import type { Storage } from '../storage/storage.ts';
import { diskCommand, DISK_SUMMARY } from './disk-commands.ts';
import type { HostFiles } from './host-files.ts';
import type { ByteInput } from './byte-input.ts';
import { fileCommands } from './file-commands.ts';
import { miscCommands } from './misc-commands.ts';
import { networkCommands } from './network-commands.ts';
import type { HostNetwork } from '../network/host-network.ts';
import { parseCommandLine, type Redirect } from './shell-parser.ts';
import { BufferSink, type CommandIo, type Sink } from './shell-io.ts';
import { xlCommand, XL_SUMMARY } from './xl-command.ts';

/**
 * The dom0 shell: what a Xen administrator types at Domain-0's prompt —
 * `xl …`, a few file utilities to read and write VM definitions without an
 * editor, `sleep` for scripts, `help`. Line-oriented and I/O-agnostic: the
 * CLI and the browser terminal hand it a line and the streams to use.
 */

/** What the shell drives: the VM server's services. */
export interface ShellHost {
  readonly toolstack: Toolstack;
  readonly files: FileStore;
  readonly log: BootLog;
  readonly xenstore: XenStore;
  readonly vmm: Vmm;
  /** The host disk and the guest disks on it. */
  readonly storage: Storage;
  /** xenbr0, Domain-0's interface on it and the host NIC. */
  readonly network: HostNetwork;
  /** Files outside the VM server's tree (Node); null in the browser. */
  readonly hostFiles: HostFiles | null;
  readonly hostname: string;
  /** performance.now() at boot. */
  readonly bootedAt: number;
  /** Nominal guest CPU speed, for xl info and xentop. */
  cpuMhz(): number;
  /** How the VMM was started, for xl info's xen_commandline. */
  commandLine(): string;
}

export interface CommandSpec {
  readonly name: string;
  /** One line for `help`. */
  readonly summary: string;
  readonly usage: string;
  run(argv: readonly string[], io: CommandIo, sh: Dom0Shell): Promise<number>;
}

/** Exit status of a command interrupted by Ctrl-C (128 + SIGINT), as shells report it. */
export const STATUS_INTERRUPTED = 130;
export const STATUS_NOT_FOUND = 127;

export class Dom0Shell {
  cwd = '/';
  lastStatus = 0;
  /** Set by `exit`: the session should end. */
  exitRequested = false;
  readonly commands = new Map<string, CommandSpec>();
  private currentCommand: AbortController | null = null;

  constructor(readonly host: ShellHost) {
    for (const c of [...fileCommands, ...miscCommands, ...networkCommands])
      this.commands.set(c.name, c);
    this.commands.set('xl', {
      name: 'xl',
      summary: XL_SUMMARY,
      usage: 'xl <subcommand> [args]',
      run: xlCommand,
    });
    this.commands.set('disk', {
      name: 'disk',
      summary: DISK_SUMMARY,
      usage: 'disk list | create NAME SIZE | delete PART | export PART FILE | import PART FILE',
      run: diskCommand,
    });
  }

  get prompt(): string {
    return `${this.host.hostname}:${this.cwd}# `;
  }

  /**
   * Cancel only the command running now; the rest of its list goes on
   * (unlike the caller's signal, which stops the whole list, as Ctrl-C does).
   */
  cancelCurrent(): void {
    this.currentCommand?.abort();
  }

  /** An absolute path for a command argument. */
  resolve(path: string): string {
    return resolvePath(path, this.cwd);
  }

  /** Run one command line (a list of commands); returns the last status. */
  async run(line: string, io: CommandIo): Promise<number> {
    const parsed = parseCommandLine(line);
    if (!parsed.ok) {
      io.stderr.write(`sh: ${parsed.error}\n`);
      this.lastStatus = 2;
      return 2;
    }
    let status = this.lastStatus;
    let skip = false;
    for (const cmd of parsed.commands) {
      if (!skip) {
        status = await this.runSimple(cmd.argv, cmd.redirects, io);
        this.lastStatus = status;
        if (this.exitRequested || io.signal.aborted) break;
      }
      // a && b runs b only if a succeeded; a || b only if it failed; a skipped command passes its predecessor's status on.
      skip = cmd.next === '&&' ? status !== 0 : cmd.next === '||' ? status === 0 : false;
    }
    return status;
  }

  /** Run a line with no terminal, collecting stdout and stderr together (the worker API). */
  async runCaptured(
    line: string,
    signal?: AbortSignal,
  ): Promise<{ output: string; status: number }> {
    const out = new BufferSink();
    const status = await this.run(line, {
      stdout: out,
      stderr: out,
      stdin: null,
      signal: signal ?? new AbortController().signal,
    });
    return { output: out.text(), status };
  }

  private async runSimple(
    argv: readonly string[],
    redirects: readonly Redirect[],
    io: CommandIo,
  ): Promise<number> {
    const name = argv[0] as string;
    let stdout: Sink = io.stdout;
    let stderr: Sink = io.stderr;
    const files: { path: string; sink: BufferSink }[] = [];
    // Redirections are set up left to right before the command runs (§2.7): a file that cannot be opened stops it.
    for (const r of redirects) {
      if ('toFd' in r) {
        stderr = stdout;
        continue;
      }
      const path = this.resolve(r.target);
      try {
        await this.host.files.writeFile(path, new Uint8Array(0), { append: r.append });
      } catch (e) {
        io.stderr.write(
          `sh: ${r.target}: ${e instanceof FsError ? FS_ERROR_TEXT[e.code] : String(e)}\n`,
        );
        return 1;
      }
      const sink = new BufferSink();
      files.push({ path, sink });
      if (r.fd === 1) stdout = sink;
      else stderr = sink;
    }
    const spec = this.commands.get(name);
    let status: number;
    if (!spec) {
      stderr.write(`${name}: command not found\n`);
      status = STATUS_NOT_FOUND;
    } else {
      const ctrl = new AbortController();
      const forward = (): void => ctrl.abort();
      io.signal.addEventListener('abort', forward, { once: true });
      if (io.signal.aborted) ctrl.abort();
      this.currentCommand = ctrl;
      try {
        status = await spec.run(
          argv,
          { stdout, stderr, stdin: io.stdin, signal: ctrl.signal },
          this,
        );
      } catch (e) {
        stderr.write(`${name}: ${e instanceof Error ? e.message : String(e)}\n`);
        status = 1;
      } finally {
        io.signal.removeEventListener('abort', forward);
        this.currentCommand = null;
      }
    }
    for (const f of files) {
      try {
        await this.host.files.writeFile(f.path, f.sink.bytes(), { append: true });
      } catch (e) {
        io.stderr.write(`sh: ${e instanceof Error ? e.message : String(e)}\n`);
        status = 1;
      }
    }
    return status;
  }
}

/** Interactive input source type, re-exported for sessions. */
export type { ByteInput };
