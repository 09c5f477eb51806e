import { FS_ERROR_TEXT, FsError } from '../files/fs-error.ts';
import type { DirEntry, FileStat } from '../files/file-store.ts';
import type { CommandSpec, Dom0Shell } from './shell.ts';
import type { CommandIo } from './shell-io.ts';

/**
 * File utilities of the dom0 shell, after coreutils: their options, their
 * messages (`cat: /x: No such file or directory`) and their exit statuses
 * (ls: 2 for a missing operand's file, others 1).
 */

function reason(e: unknown): string {
  return e instanceof FsError ? FS_ERROR_TEXT[e.code] : e instanceof Error ? e.message : String(e);
}

/** Split `-abc` style flags from operands; `--` ends options. Unknown flags are errors. */
export function parseFlags(
  argv: readonly string[],
  allowed: string,
): { flags: Set<string>; operands: string[] } | { error: string } {
  const flags = new Set<string>();
  const operands: string[] = [];
  let options = true;
  for (const a of argv.slice(1)) {
    if (options && a === '--') {
      options = false;
    } else if (options && a.startsWith('-') && a.length > 1) {
      for (const f of a.slice(1)) {
        if (!allowed.includes(f)) return { error: `invalid option -- '${f}'` };
        flags.add(f);
      }
    } else {
      operands.push(a);
    }
  }
  return { flags, operands };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function longLine(name: string, s: FileStat): string {
  const mode = s.kind === 'dir' ? 'drwxr-xr-x' : '-rw-r--r--';
  const d = new Date(s.mtimeMs);
  const date = `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2)} ${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  return `${mode} 1 root root ${String(s.size).padStart(8)} ${date} ${name}\n`;
}

async function ls(argv: readonly string[], io: CommandIo, sh: Dom0Shell): Promise<number> {
  const p = parseFlags(argv, 'la1d');
  if ('error' in p) {
    io.stderr.write(`ls: ${p.error}\n`);
    return 2;
  }
  const long = p.flags.has('l');
  const all = p.flags.has('a');
  const operands = p.operands.length > 0 ? p.operands : ['.'];
  let status = 0;
  const files: [string, FileStat][] = [];
  const dirs: [string, string][] = [];
  for (const op of operands) {
    const path = sh.resolve(op);
    const s = await sh.host.files.stat(path);
    if (!s) {
      io.stderr.write(`ls: cannot access '${op}': No such file or directory\n`);
      status = 2;
    } else if (s.kind === 'dir' && !p.flags.has('d')) {
      dirs.push([op, path]);
    } else {
      files.push([op, s]);
    }
  }
  for (const [name, s] of files) io.stdout.write(long ? longLine(name, s) : `${name}\n`);
  const headers = operands.length > 1;
  for (const [i, [op, path]] of dirs.entries()) {
    if (headers) io.stdout.write(`${files.length > 0 || i > 0 ? '\n' : ''}${op}:\n`);
    let entries: DirEntry[];
    try {
      entries = await sh.host.files.readdir(path);
    } catch (e) {
      io.stderr.write(`ls: cannot open directory '${op}': ${reason(e)}\n`);
      status = 2;
      continue;
    }
    const shown = entries.filter((e) => all || !e.name.startsWith('.'));
    if (long) io.stdout.write(`total ${shown.reduce((t, e) => t + Math.ceil(e.size / 1024), 0)}\n`);
    for (const e of shown) io.stdout.write(long ? longLine(e.name, e) : `${e.name}\n`);
  }
  return status;
}

async function cat(argv: readonly string[], io: CommandIo, sh: Dom0Shell): Promise<number> {
  let status = 0;
  const operands = argv.slice(1);
  if (operands.length === 0) {
    io.stderr.write('cat: missing file operand\n');
    return 1;
  }
  for (const op of operands) {
    try {
      io.stdout.write(await sh.host.files.readFile(sh.resolve(op)));
    } catch (e) {
      io.stderr.write(`cat: ${op}: ${reason(e)}\n`);
      status = 1;
    }
  }
  return status;
}

/** echo [-n] [-e] ARGS: -e interprets \n \t \\ \a \b \r \0NNN as in coreutils. */
function echo(argv: readonly string[], io: CommandIo): Promise<number> {
  let i = 1;
  let newline = true;
  let escapes = false;
  while (i < argv.length && /^-[neE]+$/.test(argv[i] as string)) {
    for (const f of (argv[i] as string).slice(1)) {
      if (f === 'n') newline = false;
      else escapes = f === 'e';
    }
    i++;
  }
  let text = argv.slice(i).join(' ');
  if (escapes) {
    const cut = text.indexOf('\\c');
    if (cut >= 0) {
      text = text.slice(0, cut);
      newline = false;
    }
    text = text.replace(/\\(0[0-7]{0,3}|[\\abefnrtv])/g, (_, e: string) => {
      if (e.startsWith('0')) return String.fromCharCode(parseInt(e.slice(1) || '0', 8));
      return (
        { '\\': '\\', a: '\x07', b: '\b', e: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' }[
          e
        ] ?? e
      );
    });
  }
  io.stdout.write(newline ? `${text}\n` : text);
  return Promise.resolve(0);
}

async function mkdir(argv: readonly string[], io: CommandIo, sh: Dom0Shell): Promise<number> {
  const p = parseFlags(argv, 'p');
  if ('error' in p) {
    io.stderr.write(`mkdir: ${p.error}\n`);
    return 1;
  }
  if (p.operands.length === 0) {
    io.stderr.write('mkdir: missing operand\n');
    return 1;
  }
  let status = 0;
  for (const op of p.operands) {
    try {
      await sh.host.files.mkdir(sh.resolve(op), { parents: p.flags.has('p') });
    } catch (e) {
      io.stderr.write(`mkdir: cannot create directory '${op}': ${reason(e)}\n`);
      status = 1;
    }
  }
  return status;
}

async function rm(argv: readonly string[], io: CommandIo, sh: Dom0Shell): Promise<number> {
  const p = parseFlags(argv, 'rRf');
  if ('error' in p) {
    io.stderr.write(`rm: ${p.error}\n`);
    return 1;
  }
  const recursive = p.flags.has('r') || p.flags.has('R');
  const force = p.flags.has('f');
  if (p.operands.length === 0 && !force) {
    io.stderr.write('rm: missing operand\n');
    return 1;
  }
  let status = 0;
  for (const op of p.operands) {
    const path = sh.resolve(op);
    if (path === '/') {
      io.stderr.write(`rm: it is dangerous to operate recursively on '/'\n`);
      status = 1;
      continue;
    }
    const s = await sh.host.files.stat(path);
    if (!s) {
      if (!force) {
        io.stderr.write(`rm: cannot remove '${op}': No such file or directory\n`);
        status = 1;
      }
      continue;
    }
    if (s.kind === 'dir' && !recursive) {
      io.stderr.write(`rm: cannot remove '${op}': Is a directory\n`);
      status = 1;
      continue;
    }
    try {
      await sh.host.files.remove(path, { recursive });
    } catch (e) {
      io.stderr.write(`rm: cannot remove '${op}': ${reason(e)}\n`);
      status = 1;
    }
  }
  return status;
}

async function touch(argv: readonly string[], io: CommandIo, sh: Dom0Shell): Promise<number> {
  if (argv.length < 2) {
    io.stderr.write('touch: missing file operand\n');
    return 1;
  }
  let status = 0;
  for (const op of argv.slice(1)) {
    try {
      await sh.host.files.writeFile(sh.resolve(op), new Uint8Array(0), { append: true });
    } catch (e) {
      io.stderr.write(`touch: cannot touch '${op}': ${reason(e)}\n`);
      status = 1;
    }
  }
  return status;
}

async function cd(argv: readonly string[], io: CommandIo, sh: Dom0Shell): Promise<number> {
  if (argv.length > 2) {
    io.stderr.write('cd: too many arguments\n');
    return 1;
  }
  const target = argv[1] ?? '/';
  const path = sh.resolve(target);
  const s = await sh.host.files.stat(path);
  if (!s || s.kind !== 'dir') {
    io.stderr.write(`cd: ${target}: ${s ? 'Not a directory' : 'No such file or directory'}\n`);
    return 1;
  }
  sh.cwd = path;
  return 0;
}

function pwd(_argv: readonly string[], io: CommandIo, sh: Dom0Shell): Promise<number> {
  io.stdout.write(`${sh.cwd}\n`);
  return Promise.resolve(0);
}

export const fileCommands: readonly CommandSpec[] = [
  { name: 'ls', summary: 'list directory contents', usage: 'ls [-l] [-a] [-d] [FILE...]', run: ls },
  { name: 'cat', summary: 'print files', usage: 'cat FILE...', run: cat },
  {
    name: 'echo',
    summary: 'print arguments (use > FILE or >> FILE to write files)',
    usage: 'echo [-n] [-e] [ARG...]',
    run: (a, io) => echo(a, io),
  },
  { name: 'mkdir', summary: 'make directories', usage: 'mkdir [-p] DIR...', run: mkdir },
  { name: 'rm', summary: 'remove files or directories', usage: 'rm [-r] [-f] FILE...', run: rm },
  { name: 'touch', summary: 'create empty files', usage: 'touch FILE...', run: touch },
  { name: 'cd', summary: 'change the working directory', usage: 'cd [DIR]', run: cd },
  { name: 'pwd', summary: 'print the working directory', usage: 'pwd', run: pwd },
];
