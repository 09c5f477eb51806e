import * as Comlink from 'comlink';
import { afterAll, describe, expect, it } from 'vitest';
import type { BootProgress } from '../../src/server/vm-server';
import type { TabvisorApi } from '../../src/worker/api';
import { com1EchoGuest } from './com1-echo-guest';

const newWorker = (): Worker =>
  new Worker(new URL('../../src/worker/vm-server.worker.ts', import.meta.url), { type: 'module' });
const worker = newWorker();
const api = Comlink.wrap<TabvisorApi>(worker);
afterAll(() => worker.terminate());
/** A database of its own, so that runs do not see each other's trees. */
const database = `tabvisor-test-${Date.now()}`;

async function until(
  cond: () => boolean | Promise<boolean>,
  what: string,
  ms = 20_000,
): Promise<void> {
  const end = performance.now() + ms;
  while (!(await cond())) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the VM server in a real Web Worker (Chromium), through the Comlink API', () => {
  it('boots VMM → Domain-0 → autostart with progress, on IndexedDB, and lists Domain-0 with xl list', async () => {
    const progress: BootProgress[] = [];
    const done = await api.boot(
      { storage: 'indexeddb', database },
      Comlink.proxy((p: BootProgress) => void progress.push(p)),
    );
    expect(done.map((p) => p.stage)).toEqual(
      expect.arrayContaining(['vmm', 'dom0', 'autostart', 'ready']),
    );
    // Callbacks travel on their own message channel: they may trail boot()'s answer.
    await until(() => progress.length === done.length, 'every progress report');
    expect(progress).toEqual(done);
    expect(progress.map((p) => `${p.stage}:${p.status}`).slice(0, 4)).toEqual([
      'vmm:start',
      'vmm:done',
      'dom0:start',
      'dom0:done',
    ]);
    expect(progress.at(-1)).toMatchObject({ stage: 'ready', status: 'done' });

    const list = await api.run('xl list');
    expect(list.status).toBe(0);
    const lines = list.output.split('\n');
    expect(lines[0]).toBe(
      'Name                                        ID   Mem VCPUs      State   Time(s)',
    );
    // Domain-0's vCPUs are the browser's logical CPUs (dom0Vcpus).
    expect(lines[1]).toMatch(
      new RegExp(`^Domain-0 {37}0 {4}64 +${navigator.hardwareConcurrency} {5}r----- +\\d+\\.\\d$`),
    );

    // A fresh install was seeded into IndexedDB.
    expect((await api.run('ls /etc/xen/vm')).output).toBe('sprout-hvm\nsprout-hvm2\nsprout-pv\n');
    const { domains } = await api.listDomains();
    expect(domains[0]).toMatchObject({ id: 0, name: 'Domain-0', stateLetters: 'r-----' });

    // The host disk came up after Domain-0, on OPFS (this worker has sync access handles).
    expect(progress.find((p) => p.stage === 'storage' && p.status === 'done')?.message).toMatch(
      /^host disk: 500 GiB, GPT with 3 partitions \(\/dev\/sda1 sprout-hvm 20 GiB, .* on OPFS /,
    );
    expect((await api.run('xl dmesg')).output).toContain(
      `host disk store: OPFS ${database}-disk (OPFS (sync access handles))`,
    );
    const layout = await api.diskLayout();
    expect(layout.description).toBe(`OPFS ${database}-disk`);
    expect(layout.partitions.map((p) => [p.device, p.name, p.owner])).toEqual([
      ['/dev/sda1', 'sprout-hvm', 'sprout-hvm'],
      ['/dev/sda2', 'sprout-pv', 'sprout-pv'],
      ['/dev/sda3', 'sprout-hvm2', 'sprout-hvm2'],
    ]);
    // The partition table travels as a stream: the first sectors of the whole disk hold the GPT.
    const whole = await api.exportPartition();
    const reader = whole.stream.getReader();
    const first = await reader.read();
    await reader.cancel();
    expect(new TextDecoder().decode(first.value?.subarray(512, 520))).toBe('EFI PART');
  });

  it('runs an HVM guest: console stream out, keys in, exits counted, a VGA screen sent as dirty regions', async () => {
    const image = com1EchoGuest();
    await api.run('mkdir -p /guests');
    await api.writeFile('/guests/echo.elf', Comlink.transfer(image, [image.buffer]));
    await api.writeFile(
      '/etc/xen/vm/web',
      'name = "web"\ntype = "hvm"\nmemory = 16\nkernel = "/guests/echo.elf"\n',
    );
    expect(await api.run('xl create web')).toEqual({
      output: 'Parsing config from /etc/xen/vm/web\n',
      status: 0,
    });

    let text = '';
    const sub = await api.subscribeConsole(
      'web',
      Comlink.proxy((b: Uint8Array) => void (text += new TextDecoder().decode(b))),
      true,
    );
    await until(() => text === 'ok\n', 'the guest greeting');
    await api.sendConsoleInput('web', 'from the page');
    await until(() => text === 'ok\nfrom the page', 'the echo');
    await api.unsubscribe(sub);

    const { domains } = await api.listDomains();
    const web = domains.find((d) => d.name === 'web');
    expect(web).toMatchObject({
      type: 'hvm',
      hasScreen: true,
      consoleBytesIn: 13,
      consoleBytesOut: 16,
    });
    // 3 THR writes, then per byte one LSR read that found it, one RBR read and one THR write (plus polls).
    expect((await api.exitCounters('web'))['port:com1']).toBeGreaterThan(3 + 13 * 3);
    expect((await api.deviceAccesses('web')).com1?.['rbr/thr/dll']).toBe(3 + 13 * 2);

    const full = await api.screenUpdate('web', true);
    expect(full).toMatchObject({ mode: 'text', width: 720, height: 400 });
    expect(full?.regions).toHaveLength(1);
    expect(full?.regions[0]?.pixels.length).toBe(720 * 400 * 4);
    const next = await api.screenUpdate('web');
    // Nothing drew on the screen since (the cursor may blink: at most one cell).
    expect(next?.regions.reduce((n, r) => n + r.w * r.h, 0)).toBeLessThanOrEqual(9 * 16);

    await api.run('xl destroy web');
    await until(async () => !(await api.run('xl list')).output.includes('web'), 'web to go');
  });

  it('keeps the file tree in IndexedDB: a second worker on the same database sees what the first wrote', async () => {
    expect((await api.run('echo kept across workers > /etc/note')).status).toBe(0);
    const other = newWorker();
    try {
      const api2 = Comlink.wrap<TabvisorApi>(other);
      await api2.boot({ storage: 'indexeddb', database, autostart: false });
      // The first worker holds the OPFS disk: this one says so and falls back to IndexedDB.
      expect((await api2.run('xl dmesg')).output).toMatch(
        /host disk store: IndexedDB .*\(OPFS failed: .*; using IndexedDB\)/,
      );
      expect((await api2.run('cat /etc/note; ls /etc/xen/vm')).output).toBe(
        'kept across workers\nsprout-hvm\nsprout-hvm2\nsprout-pv\nweb\n',
      );
    } finally {
      other.terminate();
    }
  });

  it('opens an interactive dom0 terminal', async () => {
    let out = '';
    const id = await api.openShell(
      Comlink.proxy((b: Uint8Array) => void (out += new TextDecoder().decode(b))),
    );
    await until(() => out.includes('dom0:/# '), 'the prompt');
    await api.shellInput(id, 'echo hi from xterm\r');
    await until(() => out.includes('hi from xterm\n'), 'the echo');
    await api.closeShell(id);
  });
});
