import { afterEach, describe, expect, it } from 'vitest';
import { ByteInput } from '../../../src/server/shell/byte-input.ts';
import { CONSOLE_ESCAPE } from '../../../src/server/shell/console-attach.ts';
import type { Dom0Shell } from '../../../src/server/shell/shell.ts';
import { BufferSink } from '../../../src/server/shell/shell-io.ts';
import { ShellSession } from '../../../src/server/shell/shell-session.ts';
import { readText } from '../../../src/server/files/file-store.ts';
import type { VmServer } from '../../../src/server/vm-server.ts';
import { bootTestServer, HVM_CFG, until } from '../helpers.ts';

let server: VmServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** Run a line with separate stdout and stderr. */
async function run(
  sh: Dom0Shell,
  line: string,
  stdin: ByteInput | null = null,
  signal = new AbortController().signal,
) {
  const out = new BufferSink();
  const err = new BufferSink();
  const status = await sh.run(line, { stdout: out, stderr: err, stdin, signal });
  return { out: out.text(), err: err.text(), status };
}

async function shell(configs: Record<string, string> = {}): Promise<Dom0Shell> {
  server = await bootTestServer(configs);
  return server.shell();
}

describe('dom0 shell: files', () => {
  it('writes files with echo > and >>, reads them with cat, lists them with ls', async () => {
    const sh = await shell();
    expect(
      await run(
        sh,
        "echo 'name = \"new\"' > /etc/xen/vm/new; echo 'memory = 64' >> /etc/xen/vm/new",
      ),
    ).toEqual({ out: '', err: '', status: 0 });
    expect(await run(sh, 'cat /etc/xen/vm/new')).toEqual({
      out: 'name = "new"\nmemory = 64\n',
      err: '',
      status: 0,
    });
    expect((await run(sh, 'ls /etc/xen/vm')).out).toBe('new\n');
    expect((await run(sh, 'ls /')).out).toBe('etc\nguests\nusr\n');
    const long = (await run(sh, 'ls -l /etc/xen/vm')).out.split('\n');
    expect(long[0]).toBe('total 1');
    expect(long[1]).toMatch(/^-rw-r--r-- 1 root root {7}25 \w{3} [ \d]\d \d\d:\d\d new$/);
    expect(await readText(server!.files, '/etc/xen/vm/new')).toBe('name = "new"\nmemory = 64\n');
  });

  it('prints errors as coreutils do, with their exit statuses', async () => {
    const sh = await shell();
    expect(await run(sh, 'cat /nofile')).toEqual({
      out: '',
      err: 'cat: /nofile: No such file or directory\n',
      status: 1,
    });
    expect(await run(sh, 'cat /etc')).toEqual({
      out: '',
      err: 'cat: /etc: Is a directory\n',
      status: 1,
    });
    expect(await run(sh, 'ls /nope')).toEqual({
      out: '',
      err: "ls: cannot access '/nope': No such file or directory\n",
      status: 2,
    });
    expect(await run(sh, 'ls -z')).toEqual({
      out: '',
      err: "ls: invalid option -- 'z'\n",
      status: 2,
    });
    expect(await run(sh, 'echo hi > /no/dir/f')).toEqual({
      out: '',
      err: 'sh: /no/dir/f: No such file or directory\n',
      status: 1,
    });
    expect(await run(sh, 'frobnicate now')).toEqual({
      out: '',
      err: 'frobnicate: command not found\n',
      status: 127,
    });
    expect(await run(sh, 'xl frobnicate')).toMatchObject({
      err: expect.stringMatching(/^xl: command not found: frobnicate\n/),
      status: 1,
    });
    expect(await run(sh, "echo 'open")).toEqual({
      out: '',
      err: 'sh: syntax error: unterminated quoted string\n',
      status: 2,
    });
    expect(await run(sh, 'rm /etc')).toEqual({
      out: '',
      err: "rm: cannot remove '/etc': Is a directory\n",
      status: 1,
    });
    expect(await run(sh, 'mkdir /etc')).toEqual({
      out: '',
      err: "mkdir: cannot create directory '/etc': File exists\n",
      status: 1,
    });
    expect(await run(sh, 'sleep soon')).toEqual({
      out: '',
      err: "sleep: invalid time interval 'soon'\n",
      status: 1,
    });
    expect(await run(sh, 'cd /etc/xen/vm/nothing')).toEqual({
      out: '',
      err: 'cd: /etc/xen/vm/nothing: No such file or directory\n',
      status: 1,
    });
  });

  it('runs ; lists, && and || by status, redirects stderr, and keeps a working directory', async () => {
    const sh = await shell();
    expect((await run(sh, 'false; echo a && echo b || echo c')).out).toBe('a\nb\n');
    expect((await run(sh, 'false && echo no || echo yes')).out).toBe('yes\n');
    expect((await run(sh, 'cat /nope 2> /err; cat /err')).out).toBe(
      'cat: /nope: No such file or directory\n',
    );
    expect((await run(sh, 'cat /nope /etc/xen > /both 2>&1; cat /both')).out).toBe(
      'cat: /nope: No such file or directory\ncat: /etc/xen: Is a directory\n',
    );
    expect(
      (await run(sh, 'mkdir -p /a/b; cd /a; pwd; cd b; pwd; cd ..; echo x > f; cat /a/f')).out,
    ).toBe('/a\n/a/b\nx\n');
    expect((await run(sh, 'echo -n no-newline; echo -e "t\\tx"')).out).toBe(
      'no-newline\nt\tx\n'.replace('\n', ''),
    );
    expect((await run(sh, 'rm -r /a; ls /a')).err).toBe(
      "ls: cannot access '/a': No such file or directory\n",
    );
  });

  it('sleeps for the time asked and can be interrupted', async () => {
    const sh = await shell();
    const t0 = performance.now();
    expect((await run(sh, 'sleep 0.2')).status).toBe(0);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(), 30);
    const t1 = performance.now();
    const r = await run(sh, 'sleep 10; echo not reached', null, ctrl.signal);
    expect(r).toEqual({ out: '', err: '', status: 130 });
    expect(performance.now() - t1).toBeLessThan(2000);
  });

  it('lists its commands in help, and the xl subcommands in xl help', async () => {
    const sh = await shell();
    const help = (await run(sh, 'help')).out;
    for (const c of ['xl', 'ls', 'cat', 'echo', 'sleep', 'help'])
      expect(help).toMatch(new RegExp(`^  ${c} `, 'm'));
    const xlHelp = (await run(sh, 'xl help')).out;
    for (const c of [
      'create',
      'list',
      'console',
      'pause',
      'unpause',
      'shutdown',
      'reboot',
      'destroy',
      'sched-credit',
      'mem-set',
      'info',
      'dmesg',
      'top',
    ]) {
      expect(xlHelp).toMatch(new RegExp(`^ ${c} `, 'm'));
    }
    expect((await run(sh, 'xl list -q')).err).toBe(
      "xl list: invalid option -- 'q'\nUsage: xl list [-l] [DOMAIN...]\n",
    );
  });
});

describe('dom0 shell: xl console', () => {
  it('attaches the terminal to a guest until Ctrl-], and the rest of the input goes back to the shell', async () => {
    const sh = await shell({ '/etc/xen/vm/g': HVM_CFG('g') });
    const stdin = new ByteInput();
    const out = new BufferSink();
    const done = sh.run('xl create -c g; echo back in dom0', {
      stdout: out,
      stderr: new BufferSink(),
      stdin,
      signal: new AbortController().signal,
    });
    await until(() => out.text().includes('> '), 'the guest prompt');
    stdin.push('hi\r');
    await until(() => out.text().includes('echo 1: hi'), 'the echo');
    stdin.push(Uint8Array.of(0x61, CONSOLE_ESCAPE, 0x7a));
    expect(await done).toBe(0);
    // The guest got the 'a' typed before Ctrl-]; its echo came after the terminal had left.
    expect(out.text()).toBe('hvm-echo: hello from COM1\r\n> hi\r\necho 1: hi\r\n> back in dom0\n');
    await until(
      () => server!.toolstack.guest('g').console.text().endsWith('> a'),
      'the guest to echo a',
    );
    // What followed Ctrl-] was not the guest's.
    expect(new TextDecoder().decode((await stdin.read()) ?? undefined)).toBe('z');
    expect(server!.vmm.domainInfo(1).state).toBe('running');
  });

  it('returns when the guest powers off, even with input left', async () => {
    const sh = await shell({ '/etc/xen/vm/g': HVM_CFG('g') });
    const stdin = new ByteInput();
    stdin.push('poweroff\r');
    stdin.end();
    const r = await run(sh, 'xl create -c g; xl list', stdin);
    expect(r.out).toContain('hvm-echo: powering off\r\n');
    expect(
      r.out.endsWith(
        'Domain-0                                     0    64     1     r-----       0.0\n',
      ),
    ).toBe(true);
  });
});

describe('dom0 shell: interactive session', () => {
  it('echoes keys, edits with Backspace and Ctrl-U, recalls history with the up arrow, and ends on Ctrl-D', async () => {
    const sh = await shell();
    const stdin = new ByteInput();
    const out = new BufferSink();
    const session = new ShellSession(
      sh,
      { stdout: out, stderr: out, stdin },
      { interactive: true, banner: 'hi\r\n' },
    );
    const done = session.run();
    stdin.push('echo abx\x7fc\r');
    await until(() => out.text().includes('abc\n'), 'the first command');
    stdin.push('junk\x15pwd\r');
    await until(() => out.text().includes('/\n'), 'pwd');
    stdin.push('\x1b[A\x1b[A\r');
    await until(() => out.text().split('abc\n').length === 3, 'the recalled command');
    stdin.push('sleep 5\r');
    await new Promise((r) => setTimeout(r, 50));
    stdin.push(Uint8Array.of(0x03));
    await until(() => sh.lastStatus === 130, 'Ctrl-C to interrupt sleep');
    stdin.push(Uint8Array.of(0x04));
    expect(await done).toBe(130);
    const text = out.text();
    expect(text.startsWith('hi\r\ndom0:/# echo abx\b \bc\r\nabc\n')).toBe(true);
    expect(text).toContain('dom0:/# junk\b \b\b \b\b \b\b \bpwd\r\n/\n');
    expect(text.endsWith('dom0:/# exit\r\n')).toBe(true);
  });

  it('reads a script line by line without echo and stops at exit', async () => {
    const sh = await shell();
    const stdin = new ByteInput();
    stdin.push('echo one\nexit 3\necho never\n');
    const out = new BufferSink();
    const status = await new ShellSession(
      sh,
      { stdout: out, stderr: out, stdin },
      { interactive: false },
    ).run();
    expect(status).toBe(3);
    expect(out.text()).toBe('one\n');
  });
});
