import { afterEach, describe, expect, it } from 'vitest';
import { parseFdt } from '../../../src/machine/fdt.ts';
import { MemoryImageSource } from '../../../src/server/files/guest-images.ts';
import { VmServer } from '../../../src/server/vm-server.ts';
import { guestImage } from '../guests/guests.ts';
import { bootTestServer, consoleShows, HVM_CFG, PV_CFG, until } from '../helpers.ts';

const enc = new TextEncoder();
let server: VmServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function boot(
  configs: Record<string, string>,
): Promise<{ s: VmServer; xl: (line: string) => Promise<{ output: string; status: number }> }> {
  server = await bootTestServer(configs);
  const sh = server.shell();
  return { s: server, xl: (line) => sh.runCaptured(line) };
}

/** `xl list` as [name, id, state] rows. */
async function listed(xl: (l: string) => Promise<{ output: string }>): Promise<string[][]> {
  const { output } = await xl('xl list');
  return output
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => {
      const f = l.trim().split(/\s+/);
      return [f[0] as string, f[1] as string, f[4] as string];
    });
}

describe('toolstack: domain lifecycle through xl', () => {
  it('creates an HVM guest whose COM1 console echoes, pauses, unpauses and destroys it', async () => {
    const { s, xl } = await boot({ '/etc/xen/vm/web': HVM_CFG('web') });
    const r = await xl('xl create web');
    expect(r).toEqual({ output: 'Parsing config from /etc/xen/vm/web\n', status: 0 });
    const d = s.toolstack.guest('web');
    await consoleShows(d.console, 'hvm-echo: hello from COM1\r\n> ');
    d.console.input(enc.encode('hello tabvisor\r'));
    await consoleShows(d.console, 'echo 1: hello tabvisor');
    // The guest sleeps in WFI waiting for a key: blocked.
    await until(() => s.vmm.domainInfo(d.domid).stateLetters === '-b----', 'web to block');
    expect(await listed(xl)).toEqual([
      ['Domain-0', '0', 'r-----'],
      ['web', String(d.domid), '-b----'],
    ]);
    // Every COM1 access was a VM exit through the ISA port window to the device model.
    const exits = s.vmm.exitCounters(d.domid);
    expect(exits['port:com1']).toBeGreaterThan(40);
    expect(d.hvm?.serial.accessCounts()['rbr/thr/dll']).toBeGreaterThan(40);

    expect((await xl('xl pause web')).status).toBe(0);
    expect((await listed(xl))[1]?.[2]).toBe('--p---');
    d.console.input(enc.encode('while paused\r'));
    await new Promise((r) => setTimeout(r, 50));
    expect(d.console.text()).not.toContain('while paused');
    expect(await xl('xl pause web')).toMatchObject({
      status: 1,
      output: expect.stringMatching(/^xl pause: cannot pause .*it is paused\n$/),
    });
    expect((await xl('xl unpause web')).status).toBe(0);
    await consoleShows(d.console, 'echo 2: while paused');

    expect((await xl(`xl destroy ${d.domid}`)).status).toBe(0);
    await until(() => s.toolstack.managed().length === 0, 'web to go');
    expect(await listed(xl)).toEqual([['Domain-0', '0', 'r-----']]);
    expect(s.xenstore.connect(0).exists(`/local/domain/${d.domid}`)).toBe(false);
  });

  it('builds a PV guest: console_io, the xencons ring and the xenstore ring all reach the guest', async () => {
    const { s, xl } = await boot({ '/etc/xen/vm/pv': PV_CFG('pv1', 'extra = "quiet"\n') });
    expect((await xl('xl create /etc/xen/vm/pv')).status).toBe(0);
    const d = s.toolstack.guest('pv1');
    await consoleShows(
      d.console,
      'pv-echo: hello via console_io (xen-3.0-riscv32, cmdline "quiet")',
    );
    // The guest read its own name over the xenstore ring (XS_READ of "name").
    await consoleShows(d.console, 'pv-echo: xenstore name = pv1');
    await consoleShows(d.console, 'pv-echo: hello via the console ring\n> ');
    expect(d.pv?.console.bytesOut).toBe('pv-echo: hello via the console ring\n'.length);
    expect(d.pv?.xenstore.stats.requests).toBe(1);
    // Keys now go to the ring the guest uses.
    d.console.input(enc.encode('ping\r'));
    await consoleShows(d.console, 'echo 1: ping');
    expect(d.pv?.console.bytesIn).toBe(5);
    const xs = s.xenstore.connect(0);
    expect(xs.readString(`/local/domain/${d.domid}/name`)).toBe('pv1');
    expect(xs.readString(`/local/domain/${d.domid}/console/ring-ref`)).toBe(
      String(s.vmm.bootInfo(d.domid).consolePfn),
    );
    expect(xs.readString(`/local/domain/${d.domid}/memory/target`)).toBe('16384');
  });

  it('describes COM1 in the HVM guest DTB and makes it the stdout path', async () => {
    const { s, xl } = await boot({ '/etc/xen/vm/web': HVM_CFG('web') });
    await xl('xl create -p web');
    const d = s.toolstack.guest('web');
    const mem = s.vmm.foreignMemory(d.domid);
    const dtbAddr = s.vmm.bootInfo(d.domid).dtb;
    const fdt = parseFdt(mem.ram.subarray(dtbAddr - mem.base));
    const serial = fdt.root.child('soc')?.children.find((c) => c.name.startsWith('serial@'));
    expect(serial?.name).toBe('serial@30003f8');
    expect(fdt.root.child('chosen')?.getStrings('stdout-path')).toEqual(['/soc/serial@30003f8']);
    expect(serial?.getStrings('compatible')).toEqual(['ns16550a']);
    // ISA IRQ 4 on its PLIC source.
    expect(serial?.getU32s('interrupts')).toEqual([0x44]);
    expect(fdt.root.child('soc')?.children.map((c) => c.name.split('@')[0])).toEqual(
      expect.arrayContaining(['serial', 'keyboard-controller', 'rtc', 'vga']),
    );
    // -p left it paused: nothing ran.
    expect(s.vmm.domainInfo(d.domid).stateLetters).toBe('--p---');
    expect(d.console.text()).toBe('');
  });
});

describe('toolstack: configuration errors leave the server running', () => {
  it('names file:line:col, creates nothing, and the next create works', async () => {
    const { s, xl } = await boot({
      '/etc/xen/vm/bad': 'name = "bad"\nmemory = lots\n',
      '/etc/xen/vm/nokernel': 'name = "nk"\ntype = "hvm"\n',
      '/etc/xen/vm/badkernel': HVM_CFG('bk').replace('/guests/hvm-echo.elf', '/guests/nothing.elf'),
      '/etc/xen/vm/pvh': 'name = "p"\ntype = "pvh"\nkernel = "/guests/pv-echo.elf"\n',
      '/etc/xen/vm/big': HVM_CFG('big').replace('memory = 16', 'memory = 240'),
      '/etc/xen/vm/huge': HVM_CFG('huge').replace('memory = 16', 'memory = 4096'),
      '/etc/xen/vm/ok': HVM_CFG('ok'),
    });
    const bad = await xl('xl create bad');
    expect(bad.status).toBe(1);
    expect(bad.output).toContain(
      `/etc/xen/vm/bad:2:10: expected a value after '=', found lots (strings must be quoted: "lots")\n`,
    );
    expect(bad.output).toContain('no domain was created');
    expect((await xl('xl create nokernel')).output).toMatch(
      /\/etc\/xen\/vm\/nokernel:1:1: kernel must be set/,
    );
    expect((await xl('xl create badkernel')).output).toContain(
      '/etc/xen/vm/badkernel:4:10: cannot load kernel "/guests/nothing.elf": No such file or directory',
    );
    expect((await xl('xl create pvh')).output).toContain(
      '/etc/xen/vm/pvh:2:8: type "pvh" is not supported here',
    );
    const big = await xl('xl create big');
    expect(big.status).toBe(1);
    expect(big.output).toMatch(
      /xl create: not enough host memory for domain "big": it needs 240 MiB but only 192 MiB of 256 MiB are free/,
    );
    expect((await xl('xl create huge')).output).toContain(
      '/etc/xen/vm/huge:3:10: memory must be at most 2048 MiB',
    );
    expect((await xl('xl create /etc/xen/vm/missing')).output).toContain(
      'Failed to read config file: /etc/xen/vm/missing: No such file or directory',
    );
    expect(s.toolstack.managed()).toEqual([]);
    expect((await xl('xl create ok')).status).toBe(0);
    expect((await listed(xl)).map((r) => r[0])).toEqual(['Domain-0', 'ok']);
    const dup = await xl('xl create ok');
    expect(dup).toMatchObject({
      status: 1,
      output: expect.stringContaining('a domain named "ok" already exists'),
    });
  });

  it('applies KEY=VALUE overrides and prints the configuration with -n without creating', async () => {
    const { s, xl } = await boot({ '/etc/xen/vm/web': HVM_CFG('web') });
    const r = await xl(`xl create -n web memory=48 'name="web2"'`);
    expect(r.status).toBe(0);
    const json = JSON.parse(r.output.slice(r.output.indexOf('{'))) as {
      c_info: { name: string };
      b_info: { target_memkb: number };
    };
    expect(json.c_info.name).toBe('web2');
    expect(json.b_info.target_memkb).toBe(48 * 1024);
    expect(s.toolstack.managed()).toEqual([]);
    expect((await xl('xl create web memory=24')).status).toBe(0);
    expect(s.vmm.domainInfo(s.toolstack.resolve('web')).memoryKiB).toBe(24 * 1024);
  });
});

describe('toolstack: on_poweroff / on_reboot / on_crash', () => {
  const poweroff = async (cfgExtra: string, key: string) => {
    const { s, xl } = await boot({ '/etc/xen/vm/g': HVM_CFG('g', cfgExtra) });
    await xl('xl create g');
    const d = s.toolstack.guest('g');
    await consoleShows(d.console, '> ');
    d.console.input(enc.encode(`${key}\r`));
    return { s, xl, d };
  };

  it('destroys on poweroff by default', async () => {
    const { s, xl } = await poweroff('', 'poweroff');
    await until(() => s.toolstack.managed().length === 0, 'g to be destroyed');
    expect(await listed(xl)).toEqual([['Domain-0', '0', 'r-----']]);
    expect(s.log.format()).toMatch(/domain 1 \(g\) shut down \(poweroff\): on_poweroff = destroy/);
  });

  it('keeps a shut-down domain with on_poweroff = "preserve"', async () => {
    const { s, xl, d } = await poweroff('on_poweroff = "preserve"\n', 'poweroff');
    await until(() => d.lastAction === 'on_poweroff=preserve', 'the action');
    expect(await listed(xl)).toEqual([
      ['Domain-0', '0', 'r-----'],
      ['g', String(d.domid), '---s--'],
    ]);
    expect((await xl('xl console g')).output).toContain('no terminal');
    expect((await xl('xl destroy g')).status).toBe(0);
    await until(() => s.toolstack.managed().length === 0, 'g to go');
  });

  it('restarts in place on reboot (same id, fresh guest, devices reset)', async () => {
    const { s, d } = await poweroff('', 'one');
    await consoleShows(d.console, 'echo 1: one');
    d.console.input(enc.encode('reboot\r'));
    await consoleShows(d.console, /rebooting\r\nhvm-echo: hello from COM1\r\n> $/);
    expect(s.toolstack.guest('g').domid).toBe(d.domid);
    d.console.input(enc.encode('two\r'));
    // The counter restarted: it is a new boot of the guest.
    await consoleShows(d.console, 'echo 1: two');
    expect(d.restarts).toBe(1);
    expect(s.xenstore.connect(0).readString(`/local/domain/${d.domid}/name`)).toBe('g');
  });

  it('marks a crash c with on_crash = "preserve", and destroys it by default', async () => {
    const kept = await poweroff('on_crash = "preserve"\n', 'crash');
    await until(() => kept.d.lastAction === 'on_crash=preserve', 'the crash action');
    expect((await listed(kept.xl))[1]?.[2]).toBe('----c-');
    await server?.stop();
    const gone = await poweroff('', 'crash');
    await until(() => gone.s.toolstack.managed().length === 0, 'the crashed guest to be destroyed');
    expect(gone.s.log.format()).toMatch(/domain 1 \(g\) crashed: on_crash = destroy/);
  });

  it('xl shutdown without PV control stops the guest, and on_poweroff follows (-w waits)', async () => {
    const { s, xl } = await boot({ '/etc/xen/vm/g': HVM_CFG('g') });
    await xl('xl create g');
    const r = await xl('xl shutdown -w g');
    expect(r).toEqual({
      output:
        'Shutting down domain 1\nWaiting for domain 1 to shut down.\nDomain 1 has been shut down.\n',
      status: 0,
    });
    expect(s.toolstack.managed()).toEqual([]);
  });

  it('xl shutdown asks through xenstore when the guest offers control/feature-poweroff', async () => {
    const { s, xl } = await boot({ '/etc/xen/vm/p': PV_CFG('p', 'on_poweroff = "preserve"\n') });
    await xl('xl create p');
    const d = s.toolstack.guest('p');
    const xs = s.xenstore.connect(0);
    // What a PV guest's xenbus driver writes (it owns control/feature-poweroff).
    s.xenstore.connect(d.domid).write(`/local/domain/${d.domid}/control/feature-poweroff`, '1');
    const seen: string[] = [];
    xs.watch(`/local/domain/${d.domid}/control/shutdown`, 'tok', (path) =>
      seen.push(xs.readString(path)),
    );
    expect((await xl('xl shutdown p')).status).toBe(0);
    expect(seen).toContain('poweroff');
    // The guest decides; it is still running.
    expect(s.vmm.domainInfo(d.domid).state).toBe('running');
  });
});

describe('toolstack: scheduling, memory and autostart', () => {
  it('sets and shows credit weight and cap; refuses bad values', async () => {
    const { s, xl } = await boot({ '/etc/xen/vm/g': HVM_CFG('g', 'cpu_weight = 128\n') });
    await xl('xl create g');
    expect((await xl('xl sched-credit -d g')).output).toMatch(/\ng {32}\s+1 {4}128 {4}0\n$/);
    expect((await xl('xl sched-credit -d g -w 512 -c 50')).status).toBe(0);
    expect(s.vmm.schedParams(1)).toEqual({ weight: 512, cap: 50 });
    expect((await xl('xl sched-credit')).output).toContain(
      'g                                    1    512   50\n',
    );
    expect(await xl('xl sched-credit -d g -w 0')).toMatchObject({
      status: 1,
      output: expect.stringContaining('weight must be an integer from 1 to 65535'),
    });
    expect(await xl('xl sched-credit -w 5')).toMatchObject({
      status: 2,
      output: expect.stringContaining('-w and -c need -d DOMAIN'),
    });
  });

  it('mem-set writes the balloon target in KiB, within maxmem', async () => {
    const { s, xl } = await boot({ '/etc/xen/vm/g': PV_CFG('g', 'maxmem = 32\n') });
    await xl('xl create g');
    expect((await xl('xl mem-set g 24m')).status).toBe(0);
    expect(s.toolstack.memoryTarget(1)).toBe(24 * 1024);
    expect((await xl('xl mem-set g 20')).status).toBe(0);
    expect(s.toolstack.memoryTarget(1)).toBe(20 * 1024);
    expect((await xl('xl mem-set g 64')).output).toContain('memory_static_max');
    expect((await xl('xl mem-set g lots')).status).toBe(2);
  });

  it('autostarts only the definitions marked autostart, and logs boot stages for xl dmesg', async () => {
    const stages: string[] = [];
    server = await bootTestServer(
      {
        '/etc/xen/vm/a': HVM_CFG('auto-hvm', 'autostart = 1\n'),
        '/etc/xen/vm/b': PV_CFG('auto-pv', 'autostart = 1\n'),
        '/etc/xen/vm/c': HVM_CFG('manual'),
        '/etc/xen/vm/d': 'name = "broken"\nautostart = 1\nmemory = "lots"\n',
        '/etc/xen/vm/e': 'name = "unreadable"\nautostart = 1\nmemory = [\n',
      },
      { onProgress: (p) => stages.push(`${p.stage}:${p.status}`) },
    );
    expect(server.toolstack.managed().map((d) => d.name)).toEqual(['auto-hvm', 'auto-pv']);
    expect(stages).toEqual([
      'vmm:start',
      'vmm:done',
      'dom0:start',
      'dom0:done',
      'storage:start',
      'storage:done',
      // The host network: xenbr0 with Domain-0 on it, then the host NIC (none here).
      'storage:done',
      'storage:done',
      'autostart:start',
      'autostart:done',
      'autostart:done',
      'autostart:error',
      'autostart:done',
      'ready:done',
    ]);
    const dmesg = (await server.shell().runCaptured('xl dmesg')).output;
    const lines = dmesg.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\(XEN\) \[ +\d+\.\d{6}\] Tabvisor VMM starting/);
    expect(dmesg).toMatch(
      /\(d0\) \[ +\d+\.\d{6}\] VM server \(Domain-0\) starting in privileged mode/,
    );
    expect(dmesg).toContain(
      'ERROR: could not start d: /etc/xen/vm/d:3:10: memory must be a positive integer (MiB), got "lots"',
    );
    expect(dmesg).toContain(
      "WARNING: autostart: skipping /etc/xen/vm/e: /etc/xen/vm/e:3:10: unterminated list: missing ']'",
    );
    // Timestamps never go backwards.
    const times = lines.map((l) => Number(/\[ *([\d.]+)\]/.exec(l)?.[1]));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('boots a fresh install onto the seed picture: three Sprout guests autostarted from the image source', async () => {
    // Sprout is another piece of work; the HVM test guest stands in for its image here.
    server = await VmServer.boot({
      images: new MemoryImageSource({ 'sprout.elf': guestImage('hvm-echo.elf') }),
      vmm: { timeMode: 'realtime', hostMemoryMiB: 256 },
    });
    expect(server.toolstack.managed().map((d) => [d.domid, d.name, d.config.type])).toEqual([
      [1, 'sprout-hvm', 'hvm'],
      [2, 'sprout-hvm2', 'hvm'],
      [3, 'sprout-pv', 'pv'],
    ]);
    await consoleShows(server.toolstack.guest('sprout-hvm').console, 'hello from COM1');
    await consoleShows(server.toolstack.guest('sprout-hvm2').console, 'hello from COM1');
    expect((await server.shell().runCaptured('ls /usr/lib/tabvisor/guests')).output).toBe(
      'sprout.elf\n',
    );
  });

  it('xl list -l prints each domain as libxl JSON; xl uptime and xl reboot work on names and ids', async () => {
    const { s, xl } = await boot({ '/etc/xen/vm/g': HVM_CFG('g', 'vcpus = 2\n') });
    await xl('xl create g');
    const long = JSON.parse((await xl('xl list -l')).output) as {
      domid: number;
      config: { c_info: { name: string }; b_info: { max_vcpus: number } };
    }[];
    expect(long.map((d) => [d.domid, d.config.c_info.name])).toEqual([
      [0, 'Domain-0'],
      [1, 'g'],
    ]);
    expect(long[1]?.config.b_info.max_vcpus).toBe(2);
    expect((await xl('xl uptime 1')).output).toMatch(/^Name {32}ID Uptime\ng {36}1 {2}0:00:0\d\n$/);
    const d = s.toolstack.guest('g');
    await consoleShows(d.console, '> ');
    expect(await xl('xl reboot 1')).toEqual({ output: 'Rebooting domain 1\n', status: 0 });
    await consoleShows(d.console, /COM1\r\n> hvm-echo: hello from COM1\r\n> $/);
    expect(d.restarts).toBe(1);
    expect(await xl('xl list nosuch')).toMatchObject({
      status: 1,
      output: 'xl list: nosuch is an invalid domain identifier\n',
    });
  });

  it('xl top -b -i 1 prints one xentop screen with every domain', async () => {
    const { s, xl } = await boot({
      '/etc/xen/vm/g': PV_CFG('g', 'vif = [ "bridge=xenbr0" ]\ndisk = [ "file:/img,xvda,w" ]\n'),
    });
    await s.files.writeFile('/img', new Uint8Array(64 * 1024));
    expect((await xl('xl create g')).status).toBe(0);
    const out = (await xl('xl top -b -i 1')).output.split('\n');
    expect(out[1]).toMatch(
      /^2 domains: \d running, \d blocked, 0 paused, 0 crashed, 0 dying, 0 shutdown $/,
    );
    expect(out[3]?.trim().split(/\s+/)[0]).toBe('NAME');
    const g = out
      .find((l) => l.trimStart().startsWith('g '))
      ?.trim()
      .split(/\s+/);
    // NAME STATE CPU(sec) CPU(%) MEM(k) … VCPUS NETS … VBDS
    expect(g?.[0]).toBe('g');
    expect(g?.[4]).toBe('16384');
    expect(g?.[8]).toBe('1');
    expect(g?.[9]).toBe('1');
    expect(g?.[12]).toBe('1');
    expect(out.filter((l) => l.startsWith('xentop - '))).toHaveLength(1);
  });
});
