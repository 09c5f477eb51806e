import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guestImage, GUESTS_DIR } from '../server/guests/guests.ts';

/** Domain-0's vCPUs in `tabvisor shell`: the host's logical CPUs. */
const DOM0_VCPUS = availableParallelism();
const BIN = fileURLToPath(new URL('../../bin/tabvisor.js', import.meta.url));
const tmp: string[] = [];
afterAll(() => {
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});

/** A --root tree with the two test guests and their definitions (no autostart). */
function testRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'tabvisor-shell-'));
  tmp.push(root);
  mkdirSync(join(root, 'etc/xen/vm'), { recursive: true });
  mkdirSync(join(root, 'guests'));
  cpSync(join(GUESTS_DIR, 'build/hvm-echo.elf'), join(root, 'guests/hvm-echo.elf'));
  cpSync(join(GUESTS_DIR, 'build/pv-echo.elf'), join(root, 'guests/pv-echo.elf'));
  writeFileSync(
    join(root, 'etc/xen/vm/t-hvm'),
    'name = "t-hvm"\ntype = "hvm"\nmemory = 16\nkernel = "/guests/hvm-echo.elf"\n',
  );
  writeFileSync(
    join(root, 'etc/xen/vm/t-pv'),
    'name = "t-pv"\ntype = "pv"\nmemory = 16\nkernel = "/guests/pv-echo.elf"\nextra = "from-cli"\n',
  );
  writeFileSync(join(root, 'etc/xen/vm/bad'), 'name = "bad"\nvcpus = "many"\n');
  return root;
}

/** `tabvisor shell ARGS` fed `input` all at once (a pipe), to completion. */
function shellPiped(args: string[], input: string) {
  return spawnSync(process.execPath, [BIN, 'shell', ...args], {
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

/** An interactive run: the test writes to stdin when it sees what it waits for. */
class Running {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  private readonly child;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [BIN, 'shell', ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    this.child.stderr.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  async waitFor(text: string, count = 1, ms = 20_000): Promise<void> {
    const end = Date.now() + ms;
    while (this.stdout.split(text).length - 1 < count) {
      if (Date.now() > end)
        throw new Error(
          `timed out waiting for ${JSON.stringify(text)}; stdout: ${JSON.stringify(this.stdout)} stderr: ${JSON.stringify(this.stderr)}`,
        );
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  type(text: string): void {
    this.child.stdin.write(text);
  }

  end(): void {
    this.child.stdin.end();
  }
}

beforeAll(() => {
  guestImage('hvm-echo.elf'); // (re)builds the test guests when the toolchain is there
});

describe('tabvisor shell (spawned)', () => {
  it('drives an HVM guest from a pipe: printf … | tabvisor shell -c "xl create -c …"', () => {
    const root = testRoot();
    const r = shellPiped(
      ['--root', root, '-c', 'xl create -c t-hvm; xl list'],
      'hello cli\npoweroff\n',
    );
    expect(r.stderr).toBe('Parsing config from /etc/xen/vm/t-hvm\n');
    expect(r.stdout).toMatch(
      new RegExp(
        '^hvm-echo: hello from COM1\r\n> hello cli\r\necho 1: hello cli\r\n> poweroff\r\nhvm-echo: powering off\r\n' +
          'Name {40}ID {3}Mem VCPUs {6}State {3}Time\\(s\\)\n' +
          `Domain-0 {37}0 {4}64 +${DOM0_VCPUS} {5}r----- +\\d+\\.\\d\n$`,
      ),
    );
    expect(r.status).toBe(0);
  });

  it('drives a PV guest interactively: console_io, the console ring, xenstore, reboot, poweroff', async () => {
    const root = testRoot();
    const p = new Running(['--root', root, '-c', 'xl create -c t-pv; echo "guest gone"; xl list']);
    await p.waitFor('> ');
    expect(p.stdout).toBe(
      'pv-echo: hello via console_io (xen-3.0-riscv32, cmdline "from-cli")\n' +
        'pv-echo: xenstore name = t-pv\n' +
        'pv-echo: hello via the console ring\n> ',
    );
    p.type('ping\r');
    await p.waitFor('echo 1: ping\n');
    p.type('reboot\r');
    // on_reboot = restart (the default): the guest boots again, same console.
    await p.waitFor('pv-echo: xenstore name = t-pv', 2);
    await p.waitFor('> ', 3);
    p.type('again\r');
    await p.waitFor('echo 1: again\n');
    p.type('poweroff\r');
    p.end();
    expect(await p.exited).toBe(0);
    expect(p.stdout).toContain('pv-echo: powering off\nguest gone\nName ');
    expect(p.stdout.trimEnd().split('\n').at(-1)).toMatch(
      new RegExp(`^Domain-0 +0 +64 +${DOM0_VCPUS} +r----- +\\d+\\.\\d$`),
    );
  });

  it('detaches from a console on Ctrl-] and carries on with the next command; the guest keeps running', async () => {
    const root = testRoot();
    const p = new Running([
      '--root',
      root,
      '-c',
      'xl create -c t-hvm; xl list t-hvm; xl destroy t-hvm',
    ]);
    await p.waitFor('> ');
    p.type('\x1d');
    p.end();
    expect(await p.exited).toBe(0);
    expect(p.stdout).toMatch(/\nt-hvm +1 +16 +1 +-b---- +\d+\.\d\n$/);
  });

  it('reports a config error with file:line:col and keeps serving the next commands', () => {
    const root = testRoot();
    const r = shellPiped(['--root', root, '-c', 'xl create bad; xl list; cat /nofile'], '');
    expect(r.stderr).toContain(
      'Parsing config from /etc/xen/vm/bad\n/etc/xen/vm/bad:2:9: vcpus must be an integer from 1 to 128, got "many"\n',
    );
    expect(r.stderr).toContain('cat: /nofile: No such file or directory\n');
    expect(r.stdout).toMatch(
      new RegExp(`^Name .*\nDomain-0 +0 +64 +${DOM0_VCPUS} +r----- +\\d+\\.\\d\n$`),
    );
    expect(r.status).toBe(1);
  });

  it('seeds a fresh --root with the Sprout definitions, says clearly why they cannot start without an image, and persists the tree', () => {
    const root = mkdtempSync(join(tmpdir(), 'tabvisor-fresh-'));
    const noImages = mkdtempSync(join(tmpdir(), 'tabvisor-noimg-'));
    tmp.push(root, noImages);
    const first = shellPiped(
      [
        '--root',
        root,
        '--guests',
        noImages,
        '-c',
        'ls /etc/xen/vm; echo kept > /etc/note; xl list',
      ],
      '',
    );
    expect(first.stdout).toMatch(/^sprout-hvm\nsprout-hvm2\nsprout-pv\nName /);
    expect(first.stderr).toContain(
      'could not start sprout-hvm: /etc/xen/vm/sprout-hvm:9:10: cannot load kernel "/usr/lib/tabvisor/guests/sprout.elf": No such file or directory',
    );
    expect(first.status).toBe(0);
    expect(readFileSync(join(root, 'etc/note'), 'utf8')).toBe('kept\n');
    const second = shellPiped(
      ['--root', root, '--no-autostart', '-c', 'cat /etc/note; ls /etc/xen/vm'],
      '',
    );
    expect(second.stdout).toBe('kept\nsprout-hvm\nsprout-hvm2\nsprout-pv\n');
    expect(second.stderr).toBe('');
  });

  it('runs piped stdin as a script when there is no -c', () => {
    const r = shellPiped(['--no-autostart'], 'echo one\nxl list | less\necho two\n');
    expect(r.stdout).toBe('one\ntwo\n');
    expect(r.stderr).toContain('sh: syntax error: pipes (|) are not supported\n');
  });

  it('has --help and usage errors', () => {
    const help = spawnSync(process.execPath, [BIN, 'shell', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain(
      'shell [--root DIR] [--disk FILE[:SIZE]] [--no-autostart] [-c "CMD; CMD"]',
    );
    const bad = spawnSync(process.execPath, [BIN, 'shell', '--bogus'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("Unknown option '--bogus'");
    const badDisk = shellPiped(['--no-autostart', '--disk', 'host.img:12Q', '-c', 'true'], '');
    expect(badDisk.status).toBe(2);
    expect(badDisk.stderr).toContain("--disk must be FILE or FILE:SIZE, got 'host.img:12Q'");
  });

  it('says in one line why a host disk cannot be used, and shares a small one among the seeds', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tabvisor-disk-'));
    try {
      const tiny = shellPiped(
        ['--no-autostart', '--disk', join(dir, 'tiny.img:3M'), '-c', 'true'],
        '',
      );
      expect(tiny.status).toBe(1);
      expect(tiny.stderr).toContain('host disk is too small for 3 guest partitions');
      expect(tiny.stderr).not.toMatch(/\n\s+at /); // no stack trace
      // The disk it could not use was its own new file: nothing is left behind.
      expect(readdirSync(dir)).toEqual([]);
      const small = shellPiped(
        ['--no-autostart', '--disk', join(dir, 'small.img:1G'), '-c', 'disk list'],
        '',
      );
      expect(small.status).toBe(0);
      expect(small.stdout).toMatch(/sprout-hvm2\s+\d+\s+340 MiB/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the host disk in --disk FILE:SIZE: a sparse raw image with its GPT, reopened next time', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tabvisor-disk-'));
    tmp.push(dir);
    const img = join(dir, 'host.img');
    const first = shellPiped(
      [
        '--no-autostart',
        '--disk',
        `${img}:100G`,
        '-c',
        'xl dmesg; disk create scratch 1G; disk list',
      ],
      '',
    );
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(
      /host disk: 100 GiB, GPT with 3 partitions \(\/dev\/sda1 sprout-hvm 20 GiB, \/dev\/sda2 sprout-pv 20 GiB, \/dev\/sda3 sprout-hvm2 20 GiB\) on file /,
    );
    expect(first.stdout).toContain('Created /dev/sda4 "scratch": 1 GiB');
    // The file is the raw disk: its logical size, and the protective MBR's signature at 510.
    expect(statSync(img).size).toBe(100 * 1024 ** 3);
    const head = Buffer.alloc(1024);
    const fd = openSync(img, 'r');
    readSync(fd, head, 0, 1024, 0);
    closeSync(fd);
    expect([head[510], head[511]]).toEqual([0x55, 0xaa]);
    expect(head.subarray(512, 520).toString('latin1')).toBe('EFI PART');
    // Reopened: the same disk, the new partition still there, SIZE ignored.
    const second = shellPiped(['--no-autostart', '--disk', `${img}:5G`, '-c', 'disk list'], '');
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/Disk \/dev\/sda: 100 GiB/);
    expect(second.stdout).toMatch(/ +4 +scratch +\d+ +1 GiB/);
  });
});
