import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseElf } from '../../src/machine/elf-loader';
import { buildProgram, haveQemu, haveToolchain, makeBuildDir } from '../machine/guest-build';

const BIN = fileURLToPath(new URL('../../bin/tabvisor.js', import.meta.url));

function tabvisor(args: string[], input?: string): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    ...(input === undefined ? { stdio: ['ignore', 'pipe', 'pipe'] } : { input }),
  });
}

function qemu(elf: string, input?: string): SpawnSyncReturns<string> {
  return spawnSync(
    'qemu-system-riscv32',
    [
      '-M',
      'virt',
      '-bios',
      'none',
      '-display',
      'none',
      '-monitor',
      'none',
      '-serial',
      'stdio',
      '-kernel',
      elf,
    ],
    {
      encoding: 'utf8',
      timeout: 20_000,
      ...(input === undefined ? { stdio: ['ignore', 'pipe', 'pipe'] } : { input }),
    },
  );
}

describe('tabvisor CLI', () => {
  it('prints usage for --help and exits 0', () => {
    const r = tabvisor(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: tabvisor <command>/);
    expect(r.stdout).toContain('bare FILE.elf [--memory MiB] [--max-instructions N] [--trace]');
  });

  it.each([
    [[], /^Usage: tabvisor/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['bare'], /expected exactly one ELF file/],
    [['bare', 'x.elf', '--memory', 'lots'], /--memory must be a whole number of MiB/],
    [['bare', 'x.elf', '--max-instructions', '0'], /--max-instructions must be positive/],
    [['bare', 'x.elf', '--max-instructions', '1.5'], /--max-instructions must be a whole number/],
    [['bare', 'x.elf', '--bogus'], /Unknown option '--bogus'/],
  ])('rejects %j with a usage error (status 2)', (args, message) => {
    const r = tabvisor(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});

describe.runIf(haveToolchain)('tabvisor bare', () => {
  const elf: Record<string, string> = {};
  let dir = '';
  beforeAll(() => {
    dir = makeBuildDir();
    for (const name of [
      'hello',
      'fail',
      'spin',
      'wild-jump',
      'echo',
      'uart-irq',
      'timer',
      'probe',
      'htif',
    ]) {
      elf[name] = buildProgram(name, dir);
    }
  });

  it('runs a UART hello world: exact stdout, nothing on stderr, status 0', () => {
    const r = tabvisor(['bare', elf.hello!]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('Hello from the bare machine!\n');
    expect(r.status).toBe(0);
  });

  it('exits with the guest’s fail code', () => {
    const r = tabvisor(['bare', elf.fail!]);
    expect(r.stdout).toBe('about to fail\n');
    expect(r.stderr).toBe('tabvisor: test finisher: fail with code 42\n');
    expect(r.status).toBe(42);
  });

  it('exits with the HTIF code and prints HTIF console writes', () => {
    const r = tabvisor(['bare', elf.htif!]);
    expect(r.stdout).toBe('htif write works\n');
    expect(r.status).toBe(7);
  });

  it.each([
    ['a text file', 'notes.txt', 'just some text\n', /: not an ELF file\n$/],
    ['a truncated ELF', 'short.elf', '\x7fELF\x01\x01\x01', /: truncated ELF file/],
  ])('refuses %s with a message and status 1', (_name, file, content, message) => {
    const path = join(dir, file);
    writeFileSync(path, content, 'latin1');
    const r = tabvisor(['bare', path]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('refuses a host executable (x86-64 ELF)', () => {
    const r = tabvisor(['bare', process.execPath]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/not a 32-bit RISC-V executable \(class 2, data 1, machine 62\)/);
  });

  it('reports a missing file', () => {
    const r = tabvisor(['bare', join(dir, 'nope.elf')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cannot read .*nope\.elf: ENOENT/);
  });

  it('stops at --max-instructions with a message and status 1', () => {
    const r = tabvisor(['bare', elf.spin!, '--max-instructions', '200000']);
    expect(r.stdout).toBe('spinning\n');
    expect(r.stderr).toMatch(
      /^tabvisor: instruction limit reached \(200000 instructions\) at pc 0x800[0-9a-f]{5}\n$/,
    );
    expect(r.status).toBe(1);
  });

  it('stops on a fetch outside memory with a message and status 1', () => {
    const r = tabvisor(['bare', elf['wild-jump']!]);
    expect(r.stdout).toBe('jumping into the void\n');
    expect(r.stderr).toMatch(/instruction fetch from 0x40000000 outside memory/);
    expect(r.status).toBe(1);
  });

  it('feeds stdin to the UART', () => {
    const r = tabvisor(['bare', elf.echo!], 'hello world\nbye\n.\n');
    expect(r.stdout).toBe('HELLO WORLD\nBYE\n');
    expect(r.status).toBe(0);
  });

  it('does not hang when stdin is closed and the guest sleeps waiting for input', () => {
    const r = tabvisor(['bare', elf['uart-irq']!]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/waiting for an interrupt \(WFI\) that nothing can raise/);
  });

  it('honours --memory (the DTB moves to the top of the smaller RAM)', () => {
    const r = tabvisor(['bare', elf.probe!, '--memory', '32']);
    expect(r.stdout).toContain('a1=81e00000\n');
    expect(r.status).toBe(0);
  });

  it('traces pc and raw instruction per line with --trace', () => {
    const r = tabvisor(['bare', elf.hello!, '--trace']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('Hello from the bare machine!\n');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(100);
    for (const line of lines) expect(line).toMatch(/^[0-9a-f]{8} ([0-9a-f]{4}|[0-9a-f]{8})$/);
    // The first line is the entry point and the instruction the ELF puts there.
    const text = parseElf(readFileSync(elf.hello!)).segments.find(
      (s) => s.paddr === 0x8000_0000,
    )!.data;
    const word = Buffer.from(text).readUInt32LE(0);
    const expected =
      (word & 3) === 3
        ? word.toString(16).padStart(8, '0')
        : (word & 0xffff).toString(16).padStart(4, '0');
    expect(lines[0]).toBe(`80000000 ${expected}`);
  });
});

describe.runIf(haveToolchain && haveQemu)(
  'tabvisor bare against qemu-system-riscv32 -M virt -bios none',
  () => {
    const elf: Record<string, string> = {};
    beforeAll(() => {
      const dir = makeBuildDir();
      for (const name of ['hello', 'fail', 'timer', 'probe', 'echo', 'uart-irq'])
        elf[name] = buildProgram(name, dir);
    });

    it.each([
      ['hello', undefined],
      ['fail', undefined],
      ['timer', undefined],
      ['probe', undefined],
      ['echo', 'Differential testing\nworks\n.\n'],
      ['uart-irq', 'typed.'],
    ])('%s: same output and exit status', (name, input) => {
      const q = qemu(elf[name]!, input);
      const t = tabvisor(['bare', elf[name]!], input);
      expect(q.status, `QEMU stderr: ${q.stderr}`).not.toBeNull();
      expect(t.stdout).toBe(q.stdout);
      expect(t.status).toBe(q.status);
    });
  },
);
