import { table } from './table.ts';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Blkback } from '../src/server/backends/blkback';
import { IdeController } from '../src/server/device-models/ide';
import { AtaCommand, AtaStatus } from '../src/server/device-models/ide-registers';
import { isaIrqToPlic } from '../src/server/device-models/isa-port-map';
import { BlockDevice } from '../src/server/storage/block-device';
import type { ChunkStore } from '../src/server/storage/chunk-store';
import { GuestDisk } from '../src/server/storage/guest-disk';
import { HostDisk } from '../src/server/storage/host-disk';
import { DiskIoMonitor } from '../src/server/storage/io-trace';
import { MemoryChunkStore } from '../src/server/storage/memory-chunk-store';
import { NodeFileChunkStore } from '../src/server/storage/node-file-chunk-store';
import { writeDeviceLayout } from '../src/server/xenstore/domain-layout';
import { XenStore } from '../src/server/xenstore/xenstore';
import { ISA_IO_BASE } from '../src/vmm/abi/platform';
import { BlkifOp, BlkifStatus } from '../src/vmm/abi/ring';
import { Vmm } from '../src/vmm/vmm';
import { FakeBlkfront, TestEvents } from '../test/server/backends/fake-blkfront';
import { AtaDriver } from '../test/server/device-models/ata-driver';
import { blockGuest } from '../test/vmm/helpers/asm';

/**
 * Disk benchmark.
 *
 * 1. Sequential write throughput of the host disk backends: 1 MiB writes
 *    through BlockDevice then one flush, timed to the flush's completion
 *    (memory and the Node sparse file here; OPFS and IndexedDB in Debian's
 *    Chromium via Playwright, in a Worker, when a browser is available).
 * 2. The same 4 MiB written by a guest over the HVM path (IDE PIO: every
 *    data word a trapped port access) and over the PV path (blkif ring,
 *    grants, one event-channel notification per batch), ending with a
 *    cache flush. The guest side is a TypeScript stand-in driver (test/server/device-models/ata-driver.ts,
 *    test/server/backends/fake-blkfront.ts) acting on a real domain through
 *    the real VMM: HVM accesses go through the domain's bus and ioreq
 *    dispatch (the VMM counts them as exits); PV requests live in the
 *    domain's RAM, data pages are granted through its grant table, and
 *    notifications are EVTCHNOP_send on its ports (counted by the driver,
 *    since no guest CPU executes the hypercall instruction).
 * 3. The real thing: Sprout's `bench disk` (sequential write, then read
 *    back and verify, of a file on its FAT volume) in the seeded sprout-hvm
 *    (ATA PIO driver) and sprout-pv (blkfront) guests, each booted by
 *    `tabvisor shell --disk` on a sparse host disk file with a 64 MiB
 *    partition. MB/s is Sprout's own figure (guest time, which in the CLI
 *    follows the host clock); exits per MiB come from its output and the
 *    hypercalls per MiB from the VMM's counters that `hv` prints, before
 *    and after.
 *
 *   npx tsx bench/disk.ts [--mib N] [--no-browser] [--no-sprout]
 */

const MiB = 1 << 20;

export interface BackendResult {
  readonly backend: string;
  readonly mib: number;
  readonly seconds: number;
  readonly mbPerSecond: number;
  /** Set when the backend could not be measured. */
  readonly skipped?: string;
}

export interface GuestPathResult {
  readonly path: 'HVM IDE (PIO)' | 'PV blkif';
  readonly mib: number;
  readonly seconds: number;
  readonly mbPerSecond: number;
  /** VM exits the VMM recorded for the transfer (HVM: trapped port accesses). */
  readonly exitsPerMiB: number;
  /** Guest hypercalls (PV: EVTCHNOP_send notifications to the back end). */
  readonly hypercallsPerMiB: number;
  /** Event-channel notifications or interrupts delivered to the guest. */
  readonly guestInterruptsPerMiB: number;
  /** Disk requests (IDE commands or blkif requests) the transfer took. */
  readonly requests: number;
}

/** Sprout's `bench disk` in one mode, with the VMM's counters around it. */
export interface SproutDiskResult {
  readonly mode: 'HVM' | 'PV';
  /** Its disk driver, as `bench disk` names it. */
  readonly driver: string;
  readonly kib: number;
  readonly writeMBps: number;
  readonly readMBps: number;
  /** VM exits during the write and the read, per MiB moved (Sprout's count). */
  readonly writeExitsPerMiB: number;
  readonly readExitsPerMiB: number;
  /** Hypercalls per MiB over write + read (the VMM's counters via `hv`). */
  readonly hypercallsPerMiB: number;
  readonly requests: number;
  /** Wall time of the whole CLI run (boot, bench, power off). */
  readonly wallSeconds: number;
  /** Set when it could not be measured. */
  readonly skipped?: string;
}

export interface DiskBenchResult {
  readonly backends: readonly BackendResult[];
  readonly guestPaths: readonly GuestPathResult[];
  readonly guestDriver: string;
  readonly sprout: readonly SproutDiskResult[];
}

export interface DiskBenchOptions {
  /** MiB written per backend (default 256). */
  readonly mib?: number;
  /** Measure OPFS and IndexedDB in Chromium (default true). */
  readonly browser?: boolean;
  /** Run Sprout's `bench disk` through `tabvisor shell` (default true). */
  readonly sprout?: boolean;
  /** KiB Sprout's `bench disk` writes and reads (default 4096). */
  readonly sproutKiB?: number;
}

async function sequentialWrite(store: ChunkStore, mib: number): Promise<number> {
  const dev = await BlockDevice.open(store, { sizeBytes: 4 * mib * MiB });
  const block = new Uint8Array(MiB);
  for (let i = 0; i < block.length; i += 4096) block[i] = 1;
  const t0 = performance.now();
  for (let i = 0; i < mib; i++) {
    block[0] = i;
    await dev.write(i * 2048, block);
  }
  await dev.flush();
  const seconds = (performance.now() - t0) / 1000;
  await dev.close();
  return seconds;
}

function backendResult(backend: string, mib: number, seconds: number): BackendResult {
  return { backend, mib, seconds, mbPerSecond: (mib * MiB) / seconds / 1e6 };
}

async function browserBackends(mib: number): Promise<BackendResult[]> {
  const skipped = (backend: string, why: string): BackendResult => ({
    backend,
    mib,
    seconds: 0,
    mbPerSecond: 0,
    skipped: why,
  });
  let modules: [
    typeof import('playwright'),
    typeof import('vite'),
    typeof import('../test/chromium'),
  ];
  try {
    modules = await Promise.all([import('playwright'), import('vite'), import('../test/chromium')]);
  } catch (e) {
    const why = `no Playwright/Vite: ${String(e)}`;
    return [skipped('OPFS (Chromium worker)', why), skipped('IndexedDB (Chromium worker)', why)];
  }
  const [{ chromium }, { createServer }, { chromiumArgs, chromiumPath }] = modules;
  const root = join(import.meta.dirname, '..', 'test', 'server', 'storage', 'fixtures');
  const server = await createServer({
    configFile: false,
    root,
    logLevel: 'silent',
    server: { host: '127.0.0.1', port: 0, fs: { allow: [join(import.meta.dirname, '..')] } },
    worker: { format: 'es' },
  });
  const profile = mkdtempSync(join(tmpdir(), 'tabvisor-bench-profile-'));
  const out: BackendResult[] = [];
  try {
    await server.listen();
    const base = server.resolvedUrls?.local[0] ?? '';
    const ctx = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      args: chromiumArgs,
      headless: true,
    });
    try {
      for (const [backend, label] of [
        ['opfs', 'OPFS (Chromium worker)'],
        ['idb', 'IndexedDB (Chromium worker)'],
      ] as const) {
        const page = await ctx.newPage();
        await page.goto(
          `${base}persistence.html?backend=${backend}&mode=bench&name=bench-${backend}&upTo=${mib}`,
        );
        await page.waitForFunction(
          () => {
            const p = (
              window as unknown as { storageProgress: { done: boolean; error: string | null } }
            ).storageProgress;
            return p.done || p.error !== null;
          },
          null,
          { timeout: 300_000 },
        );
        const p = (await page.evaluate(
          () => (window as unknown as { storageProgress: unknown }).storageProgress,
        )) as { error: string | null; result: { seconds: number } | null };
        await page.close();
        if (p.error || !p.result) out.push(skipped(label, p.error ?? 'no result'));
        else out.push(backendResult(label, mib, p.result.seconds));
      }
    } finally {
      await ctx.close();
    }
  } catch (e) {
    out.push(skipped('OPFS / IndexedDB (Chromium)', e instanceof Error ? e.message : String(e)));
  } finally {
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
  return out;
}

/** A host disk in memory with one 64 MiB partition for the guest. */
async function guestDiskFor(domid: number, path: 'hvm' | 'pv') {
  const host = await HostDisk.open(new MemoryChunkStore(), {
    sizeBytes: 1 << 30,
    seed: [{ name: 'guest', sizeBytes: 64 * MiB }],
  });
  const p = host.partition(1);
  const disk = new GuestDisk(
    host.device,
    p.firstLba,
    p.lastLba - p.firstLba + 1,
    {
      domid,
      vdev: path === 'hvm' ? 'hda' : 'xvda',
      devid: path === 'hvm' ? 768 : 51712,
      path,
      readonly: false,
    },
    new DiskIoMonitor(),
    '/dev/sda1',
  );
  return { host, disk };
}

function guestData(mib: number): Uint8Array {
  const data = new Uint8Array(mib * MiB);
  for (let i = 0; i < data.length; i += 4) data[i] = (i >>> 2) & 0xff;
  return data;
}

async function hvmPath(mib: number): Promise<GuestPathResult> {
  const vmm = new Vmm({ hostMemoryMiB: 128 });
  const domid = vmm.createDomain({
    name: 'hvm-bench',
    type: 'hvm',
    memory: 8,
    kernel: blockGuest(),
  });
  const { disk } = await guestDiskFor(domid, 'hvm');
  const irq = isaIrqToPlic(14);
  let interrupts = 0;
  const ide = new IdeController({
    master: disk,
    setIrq: (level) => {
      if (level) interrupts++;
      vmm.setIrqLevel(domid, irq, level);
    },
  });
  for (const spec of ide.ioreqSpecs()) vmm.registerIoreqServer(domid, spec);
  const bus = vmm.guest(domid).vcpus[0]!.hart.bus;
  const drv = new AtaDriver({
    read: (port, size) => bus.load(ISA_IO_BASE + port, size),
    write: (port, size, value) => bus.store(ISA_IO_BASE + port, size, value),
  });
  const data = guestData(mib);
  const exits0 = vmm.guest(domid).exits.total;
  const t0 = performance.now();
  drv.outb(2, 16);
  await drv.nonData(AtaCommand.SET_MULTIPLE_MODE);
  const sectors = data.length / 512;
  let commands = 0;
  // 256 sectors (128 KiB) per command, 16-sector DRQ blocks: what Linux's libata does for PIO disks.
  for (let at = 0; at < sectors; at += 256) {
    drv.taskfile48(at, 256);
    const s = await drv.pioOut(
      AtaCommand.WRITE_MULTIPLE_EXT,
      data.subarray(at * 512, (at + 256) * 512),
      16,
    );
    if (s & AtaStatus.ERR) throw new Error('IDE write failed');
    commands++;
  }
  if ((await drv.nonData(AtaCommand.FLUSH_CACHE_EXT)) & AtaStatus.ERR)
    throw new Error('IDE flush failed');
  const seconds = (performance.now() - t0) / 1000;
  const exits = vmm.guest(domid).exits.total - exits0;
  vmm.destroy(domid);
  return {
    path: 'HVM IDE (PIO)',
    mib,
    seconds,
    mbPerSecond: data.length / seconds / 1e6,
    exitsPerMiB: exits / mib,
    hypercallsPerMiB: 0,
    guestInterruptsPerMiB: interrupts / mib,
    requests: commands + 2,
  };
}

async function pvPath(mib: number): Promise<GuestPathResult> {
  const vmm = new Vmm({ hostMemoryMiB: 128 });
  const domid = vmm.createDomain({
    name: 'pv-bench',
    type: 'pv',
    memory: 16,
    kernel: blockGuest(),
  });
  const { disk } = await guestDiskFor(domid, 'pv');
  const xenstore = new XenStore();
  const xs = xenstore.connect(0);
  writeDeviceLayout(xs, { kind: 'vbd', domid, devid: 51712, backend: { params: '/dev/sda1' } });
  const events = new TestEvents(vmm);
  const back = new Blkback({ xs, grants: vmm, events, domid, devid: 51712, disk });
  back.start();
  const front = new FakeBlkfront(vmm, xenstore, domid, 51712);
  front.connect();
  const exits0 = vmm.guest(domid).exits.total;
  const data = guestData(mib);
  const pages = 64; // data pages the front end cycles through
  const refs = Array.from({ length: pages }, (_, i) => front.grantData(i, true));
  const segsPerReq = 11; // BLKIF_MAX_SEGMENTS_PER_REQUEST: 44 KiB per request
  const t0 = performance.now();
  let offset = 0;
  let id = 0n;
  let outstanding = 0;
  let nextPage = 0;
  let requests = 0;
  let interrupts = 0;
  const reap = async (): Promise<void> => {
    // The guest waits for its interrupt: Domain-0 runs, answers, notifies.
    events.deliver();
    await new Promise((r) => setTimeout(r, 0));
    await back.idle();
    if (front.notified()) interrupts++;
    for (const r of front.take()) {
      if (r.status !== BlkifStatus.okay) throw new Error(`blkif error ${r.status}`);
      outstanding--;
    }
    front.finalCheck();
  };
  while (offset < data.length) {
    // Fill the ring (32 slots, but only as many pages as we have), then push once.
    while (outstanding < 5 && offset < data.length) {
      const segs = [];
      const sector = offset / 512;
      for (let s = 0; s < segsPerReq && offset < data.length; s++) {
        const page = nextPage++ % pages;
        front.dataPage(page).set(data.subarray(offset, offset + 4096));
        segs.push({ gref: refs[page] as number, first: 0, last: 7 });
        offset += 4096;
      }
      front.queue({ op: BlkifOp.write, id: id++, sector, segs });
      outstanding++;
      requests++;
    }
    front.push();
    while (outstanding > 0) await reap();
  }
  front.queue({ op: BlkifOp.flush_diskcache, id, sector: 0, segs: [] });
  outstanding++;
  requests++;
  front.push();
  while (outstanding > 0) await reap();
  const seconds = (performance.now() - t0) / 1000;
  const exits = vmm.guest(domid).exits.total - exits0;
  await back.stop();
  vmm.destroy(domid);
  return {
    path: 'PV blkif',
    mib,
    seconds,
    mbPerSecond: data.length / seconds / 1e6,
    exitsPerMiB: exits / mib,
    hypercallsPerMiB: front.hypercalls / mib,
    guestInterruptsPerMiB: interrupts / mib,
    requests,
  };
}

const TABVISOR = fileURLToPath(new URL('../bin/tabvisor.js', import.meta.url));
const ANSI = new RegExp(`${String.fromCharCode(0x1b)}\\[[0-9;]*[A-Za-z]`, 'g');
const SPROUT_PROMPT = /sprout:\S*\$ /g;

/** Sum of the `hv` counter lines whose reason starts with `hypercall:`, minus `hv`'s own. */
function hypercallCount(hv: string): number {
  let n = 0;
  for (const m of hv.matchAll(/^ +hypercall:(\S+) +(\d+)$/gm))
    if (!/^(tabvisor_op|xen_version)\./.test(m[1] as string)) n += Number(m[2]);
  return n;
}

/**
 * Boot the seeded sprout-hvm or sprout-pv on a fresh sparse host disk (its
 * disk= pointed at a 64 MiB partition, formatted at first boot) and type
 * `hv`, `bench disk KIB`, `hv`, `poweroff` at its prompt.
 */
async function sproutBench(mode: 'hvm' | 'pv', kib: number): Promise<SproutDiskResult> {
  const label = mode === 'hvm' ? 'HVM' : 'PV';
  const dir = mkdtempSync(join(tmpdir(), 'tabvisor-bench-sprout-'));
  const t0 = performance.now();
  const disk = mode === 'hvm' ? '"phy:/dev/sda4,hda,w"' : '"phy:/dev/sda4,xvda,w"';
  const child = spawn(
    process.execPath,
    [
      TABVISOR,
      'shell',
      '--no-autostart',
      '--disk',
      `${join(dir, 'host.img')}:64G`,
      '-c',
      `disk create bench 64M; xl create -c /etc/xen/vm/sprout-${mode} 'disk=[${disk}]'`,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d.replace(ANSI, '')));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  const prompts = (): number => out.match(SPROUT_PROMPT)?.length ?? 0;
  const waitPrompts = async (n: number): Promise<void> => {
    const end = performance.now() + 60_000;
    while (prompts() < n) {
      if (gone || performance.now() > end)
        throw new Error(`no Sprout prompt #${n}; stdout:\n${out}\nstderr:\n${err}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const command = async (line: string): Promise<string> => {
    const n = prompts();
    const from = out.length;
    child.stdin.write(`${line}\r`);
    await waitPrompts(n + 1);
    return out.slice(from).replace(/\r/g, '');
  };
  try {
    await waitPrompts(1);
    const before = hypercallCount(await command('hv'));
    const bench = await command(`bench disk ${kib}`);
    const after = hypercallCount(await command('hv'));
    child.stdin.write('poweroff\r');
    child.stdin.end();
    await exited;
    const head = /bench disk: \d+ KiB through \S+ \(([^)]+)\)/.exec(bench);
    const line = (op: string) =>
      new RegExp(
        ` ${op} +(\\d+) KiB in +[\\d.]+ ms: +([\\d.]+) MB/s +\\((\\d+) disk requests, (\\d+) exits\\)`,
      ).exec(bench);
    const w = line('write');
    const r = line('read');
    if (!head || !w || !r || !bench.includes('data verified'))
      throw new Error(`unexpected bench disk output:\n${bench}`);
    const mib = kib / 1024;
    return {
      mode: label,
      driver: head[1] as string,
      kib,
      writeMBps: Number(w[2]),
      readMBps: Number(r[2]),
      writeExitsPerMiB: Number(w[4]) / mib,
      readExitsPerMiB: Number(r[4]) / mib,
      hypercallsPerMiB: (after - before) / (2 * mib),
      requests: Number(w[3]) + Number(r[3]),
      wallSeconds: (performance.now() - t0) / 1000,
    };
  } catch (e) {
    if (!gone) child.kill();
    return {
      mode: label,
      driver: '-',
      kib,
      writeMBps: 0,
      readMBps: 0,
      writeExitsPerMiB: 0,
      readExitsPerMiB: 0,
      hypercallsPerMiB: 0,
      requests: 0,
      wallSeconds: (performance.now() - t0) / 1000,
      skipped: e instanceof Error ? e.message.split('\n')[0] : String(e),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runDiskBenchmark(opts: DiskBenchOptions = {}): Promise<DiskBenchResult> {
  const mib = opts.mib ?? 256;
  const backends: BackendResult[] = [];
  backends.push(backendResult('memory', mib, await sequentialWrite(new MemoryChunkStore(), mib)));
  const dir = mkdtempSync(join(tmpdir(), 'tabvisor-bench-disk-'));
  try {
    const store = await NodeFileChunkStore.open(join(dir, 'host.img'));
    backends.push(
      backendResult('sparse file (Node, fsync)', mib, await sequentialWrite(store, mib)),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (opts.browser ?? true) backends.push(...(await browserBackends(mib)));
  const guestPaths = [await hvmPath(4), await pvPath(4)];
  const kib = opts.sproutKiB ?? 4096;
  const sprout =
    (opts.sprout ?? true) ? [await sproutBench('hvm', kib), await sproutBench('pv', kib)] : [];
  return {
    backends,
    guestPaths,
    guestDriver:
      'stand-ins: TypeScript guest drivers on a real domain through the real VMM, IDE model and blkback',
    sprout,
  };
}

export function formatDiskBenchmark(r: DiskBenchResult): string {
  const back = table([
    ['host disk backend', 'MiB', 'seconds', 'MB/s'],
    ...r.backends.map((b) =>
      b.skipped
        ? [b.backend, String(b.mib), '-', `skipped: ${b.skipped}`]
        : [b.backend, String(b.mib), b.seconds.toFixed(3), b.mbPerSecond.toFixed(1)],
    ),
  ]);
  const paths = table([
    [
      'guest path (4 MiB write + flush)',
      'MB/s',
      'exits/MiB',
      'hypercalls/MiB',
      'guest irqs/MiB',
      'requests',
    ],
    ...r.guestPaths.map((g) => [
      g.path,
      g.mbPerSecond.toFixed(2),
      g.exitsPerMiB.toFixed(0),
      g.hypercallsPerMiB.toFixed(1),
      g.guestInterruptsPerMiB.toFixed(1),
      String(g.requests),
    ]),
  ]);
  const [hvm, pv] = r.guestPaths;
  const ratio =
    hvm && pv ? `\nPV / HVM throughput: ${(pv.mbPerSecond / hvm.mbPerSecond).toFixed(1)}×` : '';
  let sprout = '';
  if (r.sprout.length > 0) {
    const kib = r.sprout[0]?.kib ?? 0;
    sprout = `\n\n${table([
      [
        `Sprout bench disk (${kib} KiB, tabvisor shell)`,
        'write MB/s',
        'read MB/s',
        'write exits/MiB',
        'read exits/MiB',
        'hypercalls/MiB',
        'requests',
        'wall s',
      ],
      ...r.sprout.map((g) =>
        g.skipped
          ? [g.mode, '-', `skipped: ${g.skipped}`]
          : [
              `${g.mode} ${g.driver}`,
              g.writeMBps.toFixed(2),
              g.readMBps.toFixed(2),
              g.writeExitsPerMiB.toFixed(0),
              g.readExitsPerMiB.toFixed(0),
              g.hypercallsPerMiB.toFixed(1),
              String(g.requests),
              g.wallSeconds.toFixed(1),
            ],
      ),
    ])}`;
    const [sh, sp] = r.sprout;
    if (sh && sp && !sh.skipped && !sp.skipped)
      sprout += `\nPV / HVM (Sprout): write ${(sp.writeMBps / sh.writeMBps).toFixed(1)}×, read ${(sp.readMBps / sh.readMBps).toFixed(1)}×`;
  }
  return `Disk benchmark\n${back}\n\n${paths}${ratio}\n(${r.guestDriver})${sprout}`;
}

function parseArgs(argv: readonly string[]): DiskBenchOptions {
  const i = argv.indexOf('--mib');
  const mib = i >= 0 ? Number(argv[i + 1]) : undefined;
  if (mib !== undefined && (!Number.isInteger(mib) || mib < 1))
    throw new Error('--mib needs a positive whole number');
  return {
    ...(mib !== undefined ? { mib } : {}),
    browser: !argv.includes('--no-browser'),
    sprout: !argv.includes('--no-sprout'),
  };
}

const invokedPath = process.argv[1];
if (invokedPath !== undefined && import.meta.url === pathToFileURL(invokedPath).href) {
  console.log(formatDiskBenchmark(await runDiskBenchmark(parseArgs(process.argv.slice(2)))));
}
