import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { fatToolsAvailable, fsckFat, mtools, mtype, scratchDir } from './fat-tools.ts';
import { stripAnsi } from './harness.ts';

/**
 * Sprout end to end through `tabvisor shell`, as a student would run it: the
 * CLI boots the VM server on a host disk kept in a sparse file, the seeded
 * sprout-hvm / sprout-pv definitions are started with `xl create -c` (their
 * disk= overridden to a small partition, so formatting is quick), a script
 * of Sprout shell commands is typed at the prompt, and the partition is
 * exported and checked with mtools and fsck.fat.
 *
 * Guest time in the CLI follows the host's clock (src/vmm/clock.ts), so the
 * 0.3 s boot budget — a guest-time property — is asserted in the harness
 * tests (sprout-hvm.test.ts, sprout-pv.test.ts), which run the guest on
 * virtual time; here the boot log's "ready in N ms" is only sanity-checked.
 */

const BIN = fileURLToPath(new URL('../../bin/tabvisor.js', import.meta.url));
/** The seeds need 3 × 20 GiB; the file is sparse, so this costs what is written. */
const HOST_DISK_SIZE = '64G';
/** `disk create t …` on a fresh host disk after the three seeded partitions. */
const PART = '/dev/sda4';
const PROMPT = /sprout:\S*\$ /g;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** One `tabvisor shell` process; Sprout commands are typed when its prompt shows. */
class Cli {
  raw = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  private readonly child;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [BIN, 'shell', '--no-autostart', ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout.setEncoding('utf8').on('data', (d: string) => (this.raw += d));
    this.child.stderr.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  get out(): string {
    return stripAnsi(this.raw);
  }

  private prompts(): number {
    return this.out.match(PROMPT)?.length ?? 0;
  }

  async waitFor(done: () => boolean, what: string, ms = 30_000): Promise<void> {
    const end = Date.now() + ms;
    while (!done()) {
      if (Date.now() > end)
        throw new Error(
          `timed out waiting for ${what}; stdout:\n${this.out}\nstderr:\n${this.stderr}`,
        );
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Wait until `n` prompts have been printed in all. */
  async prompt(n: number): Promise<void> {
    await this.waitFor(() => this.prompts() >= n, `prompt #${n}`);
  }

  /**
   * Type `lines` one at a time, each after the prompt it answers, and return
   * what each printed. Ends with `poweroff`, waited for until the guest
   * says it is powering down.
   */
  async script(lines: readonly string[]): Promise<string[]> {
    const outputs: string[] = [];
    // This boot's first prompt (earlier guests of the same run printed theirs).
    const boot = this.out.lastIndexOf('Welcome to Sprout');
    await this.waitFor(() => /sprout:\S*\$ /.test(this.out.slice(boot)), 'the first prompt');
    for (const line of lines) {
      const before = this.out.length;
      this.child.stdin.write(`${line}\r`);
      await this.prompt(this.prompts() + 1);
      const text = this.out.slice(before);
      // The echoed command line, then its output, then the next prompt.
      outputs.push(
        text
          .slice(text.indexOf('\n') + 1)
          .replace(PROMPT, '')
          .replace(/\n?$/, ''),
      );
    }
    const before = this.out.length;
    this.child.stdin.write('poweroff\r');
    await this.waitFor(() => this.out.indexOf('Power down.', before) >= 0, 'Power down.');
    return outputs;
  }

  end(): void {
    this.child.stdin.end();
  }
}

/** Parse "boot: HVM mode, 7 devices, ready in 308 ms" (the last boot in `out`). */
function bootLine(out: string): { mode: string; devices: number; ms: number } {
  const all = [...out.matchAll(/boot: (HVM|PV) mode, (\d+) devices, ready in (\d+) ms/g)];
  const m = all.at(-1);
  if (!m) throw new Error(`no boot line in:\n${out}`);
  return { mode: m[1] as string, devices: Number(m[2]), ms: Number(m[3]) };
}

const hvmCreate = `xl create -c /etc/xen/vm/sprout-hvm 'disk=["phy:${PART},hda,w"]'`;
const pvCreate = `xl create -c /etc/xen/vm/sprout-pv 'disk=["phy:${PART},xvda,w"]'`;

async function run(
  disk: string,
  commands: string,
  scripts: readonly (readonly string[])[],
): Promise<{ cli: Cli; outputs: string[][]; code: number | null }> {
  const cli = new Cli(['--disk', disk, '-c', commands]);
  const outputs: string[][] = [];
  let seen = 0;
  for (const s of scripts) {
    await cli.waitFor(
      () => (cli.out.match(/Welcome to Sprout/g)?.length ?? 0) > seen,
      `boot #${seen + 1}`,
    );
    seen++;
    outputs.push(await cli.script(s));
  }
  cli.end();
  const code = await cli.exited;
  return { cli, outputs, code };
}

describe.skipIf(!fatToolsAvailable)('Sprout through `tabvisor shell --disk` (spawned)', () => {
  it('HVM formats a blank disk and writes a file; PV then HVM read it back and write their own; mtools and fsck.fat agree', async () => {
    const dir = scratchDir();
    dirs.push(dir);
    const disk = `${join(dir, 'host.img')}:${HOST_DISK_SIZE}`;
    const img1 = join(dir, 'after-hvm.img');
    const img2 = join(dir, 'after-pv-hvm.img');

    // Run 1: a fresh host disk, a 64 MiB partition, Sprout HVM formats and writes it.
    const r1 = await run(disk, `disk create t 64M; ${hvmCreate}; disk export t ${img1}`, [
      ['echo hello from hvm > hvm.txt', 'cat hvm.txt', 'ls', 'cat nofile', 'sync'],
    ]);
    expect(r1.code, r1.cli.stderr).toBe(0);
    const out1 = r1.cli.out;
    expect(out1).toContain('booting in HVM mode');
    expect(out1).toMatch(/ata0: 131072 sectors \(64 MiB\)/);
    expect(out1).toMatch(/fs: ata0 is blank: formatting it/);
    const [w1, cat1, ls1, nofile1] = r1.outputs[0] ?? [];
    expect(w1).toBe('');
    expect(cat1).toBe('hello from hvm');
    expect(ls1).toBe('hvm.txt');
    expect(nofile1).toBe('cat: nofile: no such file');
    expect(out1).toContain(`Exported ${PART} "t" to ${img1}: 64 MiB`);
    const boot1 = bootLine(out1);
    expect(boot1).toMatchObject({ mode: 'HVM', devices: 8 });
    expect(boot1.ms).toBeLessThan(5000);

    expect(mtype(img1, 'hvm.txt')).toBe('hello from hvm\n');
    expect(mtools('mdir', '-b', '-i', img1, '::')).toMatch(/^::\/hvm\.txt\s*$/im);
    const fsck1 = fsckFat(img1);
    expect(fsck1.code, fsck1.report).toBe(0);

    // Run 2, same host disk file: PV reads what HVM wrote, appends, adds its own;
    // then HVM again (second xl create -c in the same run) reads what PV wrote.
    const r2 = await run(disk, `${pvCreate}; ${hvmCreate}; disk export t ${img2}`, [
      [
        'cat hvm.txt',
        'echo pv was here >> hvm.txt',
        'mkdir pvdir',
        'echo hello from pv > pvdir/pv.txt',
        'ls',
        'sync',
      ],
      ['cat pvdir/pv.txt', 'cat hvm.txt', 'echo back in hvm > back.txt', 'sync'],
    ]);
    expect(r2.code, r2.cli.stderr).toBe(0);
    const out2 = r2.cli.out;
    expect(out2).not.toMatch(/formatting it/);
    expect(out2).toContain('booting in PV mode');
    expect(out2).toMatch(
      /blkfront: xvda: 6\. 131072 sectors of 512 bytes, flush-cache, state Connected/,
    );
    const [pvOut, hvmOut] = r2.outputs;
    expect(pvOut?.[0]).toBe('hello from hvm');
    expect(pvOut?.[4]?.split(/\s+/).sort()).toEqual(['hvm.txt', 'pvdir/']);
    expect(hvmOut?.[0]).toBe('hello from pv');
    expect(hvmOut?.[1]).toBe('hello from hvm\npv was here');
    expect(bootLine(out2.slice(0, out2.indexOf('Power down.')))).toMatchObject({
      mode: 'PV',
      devices: 7,
    });
    expect(bootLine(out2)).toMatchObject({ mode: 'HVM', devices: 8 });

    expect(mtype(img2, 'hvm.txt')).toBe('hello from hvm\npv was here\n');
    expect(mtype(img2, 'pvdir/pv.txt')).toBe('hello from pv\n');
    expect(mtype(img2, 'back.txt')).toBe('back in hvm\n');
    const fsck2 = fsckFat(img2);
    expect(fsck2.code, fsck2.report).toBe(0);
  }, 120_000);

  it('PV formats a blank disk and writes a file; HVM reads it; Sprout reads what mcopy wrote', async () => {
    const dir = scratchDir();
    dirs.push(dir);
    const disk = `${join(dir, 'host.img')}:${HOST_DISK_SIZE}`;
    const img = join(dir, 'after-pv.img');

    const r1 = await run(disk, `disk create t 64M; ${pvCreate}; disk export t ${img}`, [
      ['echo written by pv > pv.txt', 'cat pv.txt', 'sync'],
    ]);
    expect(r1.code, r1.cli.stderr).toBe(0);
    expect(r1.cli.out).toMatch(/fs: xvda is blank: formatting it/);
    expect(r1.outputs[0]?.[1]).toBe('written by pv');
    expect(bootLine(r1.cli.out)).toMatchObject({ mode: 'PV', devices: 7 });
    expect(mtype(img, 'pv.txt')).toBe('written by pv\n');
    const fsck = fsckFat(img);
    expect(fsck.code, fsck.report).toBe(0);

    // The host tools add a file to the exported image; it goes back in with disk import.
    mtools('mmd', '-i', img, '::tools');
    const note = join(dir, 'NOTE.TXT');
    writeFileSync(note, 'put there by mcopy\n');
    mtools('mcopy', '-i', img, note, '::tools/note.txt');

    const r2 = await run(disk, `disk import t ${img}; ${hvmCreate}`, [
      ['cat pv.txt', 'cat tools/note.txt'],
    ]);
    expect(r2.code, r2.cli.stderr).toBe(0);
    expect(r2.cli.out).toContain(`Imported ${img} into ${PART} "t"`);
    expect(r2.outputs[0]).toEqual(['written by pv', 'put there by mcopy']);
  }, 120_000);
});
