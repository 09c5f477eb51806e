import { ConfigError } from '../config/config-error.ts';
import { formatXlConfigJson } from '../config/print-config.ts';
import { ToolstackError, type ManagedDomain } from '../toolstack/toolstack.ts';
import {
  formatSchedCredit,
  formatXentop,
  formatXlInfo,
  formatXlList,
  formatXlListLong,
  type TopSample,
} from '../toolstack/xl-format.ts';
import { attachConsole } from './console-attach.ts';
import { delay } from './misc-commands.ts';
import type { Dom0Shell } from './shell.ts';
import type { CommandIo } from './shell-io.ts';

/**
 * `xl`, Xen's toolstack command line (xl(1)), over the Toolstack: the
 * subcommands a Xen user types, their options as xl's getopt strings have
 * them, and their output as tools/xl prints it.
 */
export const XL_SUMMARY =
  "Xen's domain manager: create, list, console, pause, shutdown … ('xl help')";

interface Sub {
  readonly usage: string;
  readonly summary: string;
  /** getopt-style option letters; "x:" takes a value. */
  readonly opts: string;
  run(a: Args, io: CommandIo, sh: Dom0Shell): Promise<number>;
}

interface Args {
  readonly sub: string;
  readonly flags: ReadonlyMap<string, string | true>;
  readonly operands: readonly string[];
}

class UsageError extends Error {}

/** getopt(3) with "+": options up to the first operand, clustered flags, `-x VALUE` or `-xVALUE`. */
function getopt(sub: string, argv: readonly string[], spec: string): Args {
  const flags = new Map<string, string | true>();
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    for (let j = 1; j < a.length; j++) {
      const f = a[j] as string;
      const at = spec.indexOf(f);
      if (at < 0 || f === ':') throw new UsageError(`invalid option -- '${f}'`);
      if (spec[at + 1] === ':') {
        const value = j + 1 < a.length ? a.slice(j + 1) : argv[++i];
        if (value === undefined) throw new UsageError(`option requires an argument -- '${f}'`);
        flags.set(f, value);
        break;
      }
      flags.set(f, true);
    }
  }
  return { sub, flags, operands: argv.slice(i) };
}

function oneDomain(a: Args): string {
  if (a.operands.length !== 1)
    throw new UsageError(`expected one domain, got ${a.operands.length}`);
  return a.operands[0] as string;
}

function intOption(a: Args, f: string, what: string): number | undefined {
  const v = a.flags.get(f);
  if (v === undefined) return undefined;
  if (v === true || !/^-?\d+$/.test(v))
    throw new UsageError(`${what} must be an integer, got '${String(v)}'`);
  return Number(v);
}

/** xl_utils.c parse_mem_size_kb: a number with an optional unit b, k, m (default), g, t. */
export function parseMemSizeKb(text: string): number | null {
  const m = /^(\d+)([bkmgtBKMGT]?)$/.exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  switch ((m[2] as string).toLowerCase()) {
    case 'b':
      return Math.floor(n / 1024);
    case 'k':
      return n;
    case '':
    case 'm':
      return n * 1024;
    case 'g':
      return n * 1024 * 1024;
    default:
      return n * 1024 * 1024 * 1024;
  }
}

/** "%d days, %2d:%02d:%02d" as xl uptime prints it. */
export function formatUptime(secs: number): string {
  const s = Math.floor(secs);
  const days = Math.floor(s / 86400);
  const hms = `${String(Math.floor((s % 86400) / 3600)).padStart(2)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  return days > 0 ? `${days} day${days > 1 ? 's' : ''}, ${hms}` : hms;
}

function isAlive(sh: Dom0Shell, d: ManagedDomain): boolean {
  if (!sh.host.toolstack.managed().includes(d)) return false;
  const state = sh.host.vmm.domainInfo(d.domid).state;
  return state === 'running' || state === 'paused';
}

async function consoleOf(sh: Dom0Shell, d: ManagedDomain, io: CommandIo): Promise<number> {
  if (!io.stdin) {
    io.stderr.write(`xl console: there is no terminal here to attach ${d.name}'s console to\n`);
    return 1;
  }
  await attachConsole(d.console, io, () => isAlive(sh, d));
  return 0;
}

/** Wait until the domain has stopped and its on_* action has been carried out. */
async function waitStopped(sh: Dom0Shell, d: ManagedDomain, signal: AbortSignal): Promise<boolean> {
  for (;;) {
    if (!sh.host.toolstack.managed().includes(d)) return true;
    const state = sh.host.vmm.domainInfo(d.domid).state;
    if ((state === 'shutdown' || state === 'crashed') && d.lastAction !== null) return true;
    if (!(await delay(50, signal))) return false;
  }
}

function clock(): string {
  const d = new Date();
  return [d.getHours(), d.getMinutes(), d.getSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
}

const subs: Record<string, Sub> = {
  create: {
    usage: 'create [-c] [-n] [-p] [-q] [-f FILE] CONFIG [KEY=VALUE...]',
    summary:
      'create a domain from a config file (-c: attach its console, -n: dry run, -p: leave paused)',
    opts: 'cnpqf:F',
    async run(a, io, sh) {
      const operands = [...a.operands];
      let file = a.flags.get('f');
      if (file === undefined && operands[0] !== undefined && !operands[0].includes('='))
        file = operands.shift();
      if (typeof file !== 'string') throw new UsageError('a config file is required');
      const ts = sh.host.toolstack;
      const quiet = a.flags.has('q');
      try {
        const path = await ts.findConfig(file, sh.cwd);
        if (!quiet) io.stderr.write(`Parsing config from ${path}\n`);
        const loaded = await ts.loadConfig(path, { overrides: operands });
        for (const w of loaded.warnings) io.stderr.write(`${w.toString()}\n`);
        if (a.flags.has('n')) {
          io.stdout.write(formatXlConfigJson(loaded.config));
          return 0;
        }
        const domid = await ts.createFrom(loaded, { paused: a.flags.has('p') });
        if (a.flags.has('c')) return consoleOf(sh, ts.guest(domid), io);
        return 0;
      } catch (e) {
        if (e instanceof ConfigError) {
          io.stderr.write(`${e.message}\n`);
          io.stderr.write('xl create: the configuration is not valid; no domain was created\n');
          return 1;
        }
        throw e;
      }
    },
  },
  list: {
    usage: 'list [-l] [DOMAIN...]',
    summary: 'list domains (-l: full configurations as JSON)',
    opts: 'lv',
    run(a, io, sh) {
      const ts = sh.host.toolstack;
      let rows = ts.list();
      if (a.operands.length > 0) {
        const ids = a.operands.map((x) => ts.resolve(x));
        rows = rows.filter((r) => ids.includes(r.id));
      }
      if (a.flags.has('l')) {
        const configs = new Map(ts.managed().map((d) => [d.domid, d.config]));
        io.stdout.write(formatXlListLong(rows, (id) => configs.get(id)));
      } else {
        io.stdout.write(formatXlList(rows));
      }
      return Promise.resolve(0);
    },
  },
  'network-list': {
    usage: 'network-list DOMAIN',
    summary:
      "list a domain's network interfaces (the back end's xenstore state, and where its port is)",
    opts: '',
    run(a, io, sh) {
      const d = sh.host.toolstack.guest(oneDomain(a));
      const xs = sh.host.xenstore.connect(0);
      try {
        // xl's columns (xl_cmdimpl.c main_networklist), then what the bridge knows of the port.
        io.stdout.write(
          'Idx BE Mac Addr.         handle state evt-ch   tx-/rx-ring-ref BE-path                        port      model\n',
        );
        for (const v of d.config.vif) {
          const be = `/local/domain/0/backend/vif/${d.domid}/${v.devid}`;
          const fe = `/local/domain/${d.domid}/device/vif/${v.devid}`;
          const read = (p: string): string => xs.tryReadString(p) ?? '-1';
          const nic = d.nics.find((n) => n.devid === v.devid);
          const refs = `${read(`${fe}/tx-ring-ref`)}/${read(`${fe}/rx-ring-ref`)}`;
          io.stdout.write(
            `${String(v.devid).padEnd(4)}0  ${read(`${be}/mac`).padEnd(18)}${String(v.devid).padStart(6)} ${read(`${be}/state`).padStart(5)} ${read(`${fe}/event-channel`).padStart(6)}   ${refs.padEnd(15)} ${be.padEnd(30)} ${(nic?.portName ?? '-').padEnd(9)} ${nic?.kind ?? '-'}\n`,
          );
        }
      } finally {
        xs.close();
      }
      return Promise.resolve(0);
    },
  },
  console: {
    usage: 'console [-t pv|serial] [-n NUM] DOMAIN',
    summary: "attach to a domain's console (Ctrl-] detaches)",
    opts: 't:n:',
    run(a, io, sh) {
      return consoleOf(sh, sh.host.toolstack.guest(oneDomain(a)), io);
    },
  },
  pause: {
    usage: 'pause DOMAIN',
    summary: 'pause a domain',
    opts: '',
    run(a, _io, sh) {
      sh.host.toolstack.pause(oneDomain(a));
      return Promise.resolve(0);
    },
  },
  unpause: {
    usage: 'unpause DOMAIN',
    summary: 'unpause a paused domain',
    opts: '',
    run(a, _io, sh) {
      sh.host.toolstack.unpause(oneDomain(a));
      return Promise.resolve(0);
    },
  },
  shutdown: {
    usage: 'shutdown [-w] [-a] [-F] DOMAIN',
    summary: 'shut a domain down (-w: wait until it has, -a: every guest)',
    opts: 'waF',
    run: (a, io, sh) => stop(a, io, sh, 'poweroff'),
  },
  reboot: {
    usage: 'reboot [-w] [-a] [-F] DOMAIN',
    summary: 'reboot a domain',
    opts: 'waF',
    run: (a, io, sh) => stop(a, io, sh, 'reboot'),
  },
  destroy: {
    usage: 'destroy DOMAIN',
    summary: 'end a domain immediately',
    opts: 'f',
    run(a, _io, sh) {
      sh.host.toolstack.destroy(oneDomain(a));
      return Promise.resolve(0);
    },
  },
  'sched-credit': {
    usage: 'sched-credit [-d DOMAIN [-w WEIGHT] [-c CAP]]',
    summary: 'show or set credit scheduler weight and cap',
    opts: 'd:w:c:s',
    run(a, io, sh) {
      const ts = sh.host.toolstack;
      const dom = a.flags.get('d');
      const weight = intOption(a, 'w', 'weight');
      const cap = intOption(a, 'c', 'cap');
      if (dom === undefined && (weight !== undefined || cap !== undefined)) {
        throw new UsageError('-w and -c need -d DOMAIN');
      }
      if (typeof dom === 'string' && (weight !== undefined || cap !== undefined)) {
        ts.schedCredit(dom, {
          ...(weight !== undefined ? { weight } : {}),
          ...(cap !== undefined ? { cap } : {}),
        });
        return Promise.resolve(0);
      }
      let rows = ts.list();
      if (typeof dom === 'string') {
        const id = ts.resolve(dom);
        rows = rows.filter((r) => r.id === id);
      }
      const table = formatSchedCredit(rows);
      io.stdout.write(a.flags.has('s') ? `${table.split('\n')[0]}\n` : table);
      return Promise.resolve(0);
    },
  },
  'mem-set': {
    usage: 'mem-set DOMAIN MEM',
    summary: "set a domain's balloon target (MEM in MiB, or with a k/m/g suffix)",
    opts: '',
    run(a, _io, sh) {
      if (a.operands.length !== 2) throw new UsageError('expected DOMAIN and MEM');
      const kib = parseMemSizeKb(a.operands[1] as string);
      if (kib === null) throw new UsageError(`invalid memory size: ${a.operands[1]}`);
      sh.host.toolstack.memSet(a.operands[0] as string, kib);
      return Promise.resolve(0);
    },
  },
  info: {
    usage: 'info',
    summary: 'information about the host and the VMM',
    opts: 'n',
    run(_a, io, sh) {
      io.stdout.write(
        formatXlInfo(sh.host.vmm.hostInfo(), {
          hostname: sh.host.hostname,
          cpuMhz: sh.host.cpuMhz(),
          commandLine: sh.host.commandLine(),
          uptimeSec: (performance.now() - sh.host.bootedAt) / 1000,
        }),
      );
      return Promise.resolve(0);
    },
  },
  dmesg: {
    usage: 'dmesg [-c]',
    summary: 'the VMM and VM server log since boot (-c: then clear it)',
    opts: 'c',
    run(a, io, sh) {
      io.stdout.write(sh.host.log.format());
      if (a.flags.has('c')) sh.host.log.clear();
      return Promise.resolve(0);
    },
  },
  top: {
    usage: 'top [-b] [-i ITERATIONS] [-d SECONDS]',
    summary: 'per-domain CPU, memory, network and disk figures (xentop); -b: batch mode',
    opts: 'bi:d:',
    async run(a, io, sh) {
      // Without a terminal to stop it from, an endless xentop would never return: one screen then.
      const iterations = intOption(a, 'i', 'iterations') ?? (io.stdin ? Infinity : 1);
      const secsText = a.flags.get('d');
      const secs = secsText === undefined ? 3 : Number(secsText);
      if (!(secs > 0))
        throw new UsageError(
          `delay must be a positive number of seconds, got '${String(secsText)}'`,
        );
      if (iterations < 1) throw new UsageError('iterations must be at least 1');
      const batch = a.flags.has('b');
      let previous: TopSample | null = null;
      for (let i = 0; i < iterations; i++) {
        if (i > 0 && !(await delay(secs * 1000, io.signal))) break;
        const host = sh.host.vmm.hostInfo();
        const sample: TopSample = { rows: sh.host.toolstack.list(), nowNs: host.nowNs };
        const screen = formatXentop(sample, previous, host, {
          clock: clock(),
          cpuMhz: sh.host.cpuMhz(),
        });
        io.stdout.write(batch ? screen : `\x1b[H\x1b[2J${screen}`);
        previous = sample;
      }
      return 0;
    },
  },
  uptime: {
    usage: 'uptime [DOMAIN...]',
    summary: 'how long domains have been running',
    opts: 's',
    run(a, io, sh) {
      const ts = sh.host.toolstack;
      const now = performance.now();
      const ids = a.operands.map((x) => ts.resolve(x));
      let out = `${'Name'.padEnd(33)} ${'ID'.padStart(4)} Uptime\n`;
      for (const r of ts.list()) {
        if (ids.length > 0 && !ids.includes(r.id)) continue;
        const since =
          r.id === 0
            ? sh.host.bootedAt
            : (ts.managed().find((d) => d.domid === r.id)?.createdMs ?? now);
        out += `${r.name.padEnd(33)} ${String(r.id).padStart(4)} ${formatUptime((now - since) / 1000)}\n`;
      }
      io.stdout.write(out);
      return Promise.resolve(0);
    },
  },
};

async function stop(
  a: Args,
  io: CommandIo,
  sh: Dom0Shell,
  reason: 'poweroff' | 'reboot',
): Promise<number> {
  const ts = sh.host.toolstack;
  const targets = a.flags.has('a') ? ts.managed() : [ts.guest(oneDomain(a))];
  const verb = reason === 'poweroff' ? 'Shutting down' : 'Rebooting';
  for (const d of targets) {
    io.stdout.write(`${verb} domain ${d.domid}\n`);
    ts.shutdown(String(d.domid), reason);
  }
  if (a.flags.has('w') && reason === 'poweroff') {
    for (const d of targets) {
      io.stdout.write(`Waiting for domain ${d.domid} to shut down.\n`);
      if (!(await waitStopped(sh, d, io.signal))) return 130;
      io.stdout.write(`Domain ${d.domid} has been shut down.\n`);
    }
  }
  return 0;
}

function xlHelp(io: CommandIo): number {
  let out = 'Usage: xl <subcommand> [args]\n\nxl full list of subcommands:\n\n';
  for (const [name, s] of Object.entries(subs)) out += ` ${name.padEnd(16)} ${s.summary}\n`;
  io.stdout.write(out);
  return 0;
}

export async function xlCommand(
  argv: readonly string[],
  io: CommandIo,
  sh: Dom0Shell,
): Promise<number> {
  const name = argv[1];
  if (name === undefined || name === 'help' || name === '-h' || name === '--help') {
    if (name === undefined) {
      xlHelp({ ...io, stdout: io.stderr });
      return 1;
    }
    return xlHelp(io);
  }
  const sub = subs[name];
  if (!sub) {
    io.stderr.write(`xl: command not found: ${name}\nRun 'xl help' for the list of subcommands.\n`);
    return 1;
  }
  if (argv[2] === '-h' || argv[2] === '--help') {
    io.stdout.write(`Usage: xl ${sub.usage}\n\n${sub.summary}\n`);
    return 0;
  }
  try {
    return await sub.run(getopt(name, argv.slice(2), sub.opts), io, sh);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`xl ${name}: ${e.message}\nUsage: xl ${sub.usage}\n`);
      return 2;
    }
    if (e instanceof ToolstackError || e instanceof ConfigError) {
      io.stderr.write(`xl ${name}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
