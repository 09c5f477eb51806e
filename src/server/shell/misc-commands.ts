import { XsError } from '../xenstore/xs-error.ts';
import type { CommandSpec, Dom0Shell } from './shell.ts';
import { STATUS_INTERRUPTED } from './shell.ts';
import type { CommandIo } from './shell-io.ts';
import { xlCommand } from './xl-command.ts';

/** `sleep 1.5`, `sleep 2m`: coreutils' units s, m, h, d; several operands add up. */
export function parseSleep(operands: readonly string[]): number | string {
  if (operands.length === 0) return 'missing operand';
  let total = 0;
  for (const op of operands) {
    const m = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(op);
    if (!m) return `invalid time interval '${op}'`;
    const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
    total += Number(m[1]) * unit;
  }
  return total;
}

/** Wait `ms` unless aborted; true when the wait ran out. */
export function delay(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

async function sleep(argv: readonly string[], io: CommandIo): Promise<number> {
  const secs = parseSleep(argv.slice(1));
  if (typeof secs === 'string') {
    io.stderr.write(`sleep: ${secs}\n`);
    return 1;
  }
  return (await delay(secs * 1000, io.signal)) ? 0 : STATUS_INTERRUPTED;
}

function help(argv: readonly string[], io: CommandIo, sh: Dom0Shell): Promise<number> {
  const topic = argv[1];
  if (topic === 'xl') return xlCommand(['xl', 'help'], io, sh);
  if (topic !== undefined) {
    const c = sh.commands.get(topic);
    if (!c) {
      io.stderr.write(`help: no help topics match '${topic}'\n`);
      return Promise.resolve(1);
    }
    io.stdout.write(`${c.usage}\n    ${c.summary}\n`);
    return Promise.resolve(0);
  }
  let out = 'Tabvisor Domain-0 shell. Commands:\n';
  for (const c of [...sh.commands.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    out += `  ${c.usage.padEnd(34)} ${c.summary}\n`;
  }
  out += `
Separate commands with ';' (or && / ||); quote with '…' or "…".
Write files with echo: echo 'memory = 64' >> /etc/xen/vm/NAME
Guest definitions live in /etc/xen/vm; start one with: xl create -c NAME
In a guest console, Ctrl-] returns to this shell. 'help xl' lists xl's commands.
`;
  io.stdout.write(out);
  return Promise.resolve(0);
}

function xenstoreCommand(which: 'ls' | 'read' | 'write' | 'rm'): CommandSpec['run'] {
  return (argv, io, sh) => {
    const xs = sh.host.xenstore.connect(0);
    const name = `xenstore-${which}`;
    try {
      const args = argv.slice(1);
      switch (which) {
        case 'ls':
          io.stdout.write(sh.host.xenstore.dump(args[0] ?? '/'));
          break;
        case 'read':
          if (args.length === 0) throw new Error('usage: xenstore-read PATH...');
          for (const p of args) io.stdout.write(`${xs.readString(p)}\n`);
          break;
        case 'write':
          if (args.length === 0 || args.length % 2 !== 0)
            throw new Error('usage: xenstore-write PATH VALUE...');
          for (let i = 0; i < args.length; i += 2)
            xs.write(args[i] as string, args[i + 1] as string);
          break;
        case 'rm':
          if (args.length === 0) throw new Error('usage: xenstore-rm PATH...');
          for (const p of args) xs.rm(p);
          break;
      }
      return Promise.resolve(0);
    } catch (e) {
      const msg = e instanceof XsError || e instanceof Error ? e.message : String(e);
      io.stderr.write(`${name}: ${msg}\n`);
      return Promise.resolve(1);
    } finally {
      xs.close();
    }
  };
}

export const miscCommands: readonly CommandSpec[] = [
  {
    name: 'sleep',
    summary: 'wait (s, m, h, d suffixes; fractions allowed)',
    usage: 'sleep SECONDS',
    run: (a, io) => sleep(a, io),
  },
  {
    name: 'help',
    summary: 'this help; help COMMAND for one command',
    usage: 'help [COMMAND]',
    run: help,
  },
  {
    name: 'exit',
    summary: 'leave the shell',
    usage: 'exit [STATUS]',
    run: (argv, _io, sh) => {
      sh.exitRequested = true;
      const n = Number(argv[1] ?? sh.lastStatus);
      return Promise.resolve(Number.isInteger(n) ? n & 0xff : 2);
    },
  },
  {
    name: 'true',
    summary: 'do nothing, successfully',
    usage: 'true',
    run: () => Promise.resolve(0),
  },
  {
    name: 'false',
    summary: 'do nothing, unsuccessfully',
    usage: 'false',
    run: () => Promise.resolve(1),
  },
  {
    name: 'clear',
    summary: 'clear the terminal screen',
    usage: 'clear',
    run: (_a, io) => {
      io.stdout.write('\x1b[H\x1b[2J');
      return Promise.resolve(0);
    },
  },
  {
    name: 'dmesg',
    summary: 'the VMM and VM server log (as xl dmesg)',
    usage: 'dmesg',
    run: (_a, io, sh) => xlCommand(['xl', 'dmesg'], io, sh),
  },
  {
    name: 'xentop',
    summary: 'domain statistics (as xl top)',
    usage: 'xentop [-b] [-i N] [-d SECS]',
    run: (a, io, sh) => xlCommand(['xl', 'top', ...a.slice(1)], io, sh),
  },
  {
    name: 'xenstore-ls',
    summary: 'show the xenstore tree',
    usage: 'xenstore-ls [PATH]',
    run: xenstoreCommand('ls'),
  },
  {
    name: 'xenstore-read',
    summary: 'read xenstore values',
    usage: 'xenstore-read PATH...',
    run: xenstoreCommand('read'),
  },
  {
    name: 'xenstore-write',
    summary: 'write xenstore values',
    usage: 'xenstore-write PATH VALUE...',
    run: xenstoreCommand('write'),
  },
  {
    name: 'xenstore-rm',
    summary: 'remove xenstore nodes',
    usage: 'xenstore-rm PATH...',
    run: xenstoreCommand('rm'),
  },
];
