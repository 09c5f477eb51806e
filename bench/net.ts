/**
 * The two network paths of the I/O story, measured on the real thing: an
 * HVM Sprout pinging Domain-0 through its NE2000 (every register access of
 * the driver is a VM exit) and a PV Sprout doing the same through netfront
 * and netback (shared rings, one event-channel notification per batch).
 * Both run in one VM server in Node, on xenbr0; the PV path is printed as a
 * ratio of the HVM one.
 *
 *   npx tsx bench/net.ts [--pings N]
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MemoryFileStore } from '../src/server/files/memory-file-store.ts';
import { writeText } from '../src/server/files/file-store.ts';
import type { ManagedDomain } from '../src/server/toolstack/toolstack.ts';
import { VmServer } from '../src/server/vm-server.ts';
import { table } from './table.ts';

export interface NetPathResult {
  readonly path: 'HVM NE2000' | 'PV netfront/netback';
  readonly pings: number;
  readonly received: number;
  /** Wall-clock pings per second (the whole round trip, guest and VM server). */
  readonly pingsPerSecond: number;
  /** Guest-time round trip, as the guest's ping prints it (ms). */
  readonly rttMs: number;
  /** VMM exits the guest took per ping (all reasons). */
  readonly exitsPerPing: number;
  /** Guest hypercalls per ping. */
  readonly hypercallsPerPing: number;
}

const SPROUT = resolve(import.meta.dirname, '../public/guests/sprout.elf');

function total(counters: Record<string, number>, prefix: string): number {
  return Object.entries(counters)
    .filter(([k]) => k.startsWith(prefix))
    .reduce((n, [, v]) => n + v, 0);
}

async function waitFor(d: ManagedDomain, re: RegExp, from: number, ms = 60_000): Promise<string> {
  const end = performance.now() + ms;
  for (;;) {
    const text = d.console.text().slice(from);
    if (re.test(text)) return text;
    if (performance.now() > end) throw new Error(`${d.name}: timed out waiting for ${String(re)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function pingFrom(s: VmServer, d: ManagedDomain, pings: number): Promise<NetPathResult> {
  const before = s.vmm.exitCounters(d.domid);
  const from = d.console.text().length;
  const t0 = performance.now();
  d.console.input(new TextEncoder().encode(`ping -c ${pings} -i 0.001 10.0.0.1\r`));
  const out = await waitFor(d, /rtt min\/avg\/max[^\n]*\n/, from);
  const seconds = (performance.now() - t0) / 1000;
  const after = s.vmm.exitCounters(d.domid);
  const received = Number(/(\d+) received/.exec(out)?.[1] ?? 0);
  const rtt = Number(/rtt min\/avg\/max(?:\/mdev)? = [\d.]+\/([\d.]+)/.exec(out)?.[1] ?? NaN);
  const delta = (prefix: string): number => total(after, prefix) - total(before, prefix);
  return {
    path: d.config.type === 'hvm' ? 'HVM NE2000' : 'PV netfront/netback',
    pings,
    received,
    pingsPerSecond: pings / seconds,
    rttMs: rtt,
    exitsPerPing: delta('') / pings,
    hypercallsPerPing: delta('hypercall:') / pings,
  };
}

export async function runNetBenchmark(pings = 200): Promise<NetPathResult[]> {
  const files = new MemoryFileStore();
  await files.mkdir('/etc/xen/vm', { parents: true });
  await files.mkdir('/guests');
  await files.writeFile('/guests/sprout.elf', readFileSync(SPROUT));
  for (const type of ['hvm', 'pv'] as const) {
    await writeText(
      files,
      `/etc/xen/vm/net-${type}`,
      `name = "net-${type}"\ntype = "${type}"\nmemory = 16\nkernel = "/guests/sprout.elf"\n` +
        `${type === 'hvm' ? 'vga = "none"\n' : ''}vif = [ "" ]\n`,
    );
  }
  const s = await VmServer.boot({
    files,
    autostart: false,
    macSalt: 1,
    vmm: { timeMode: 'realtime', hostMemoryMiB: 128 },
  });
  try {
    const out: NetPathResult[] = [];
    for (const type of ['hvm', 'pv'] as const) {
      await s.toolstack.create(`net-${type}`);
      const d = s.toolstack.guest(`net-${type}`);
      await waitFor(d, /via DHCP[^]*\$ $/, 0);
      out.push(await pingFrom(s, d, pings));
      s.toolstack.destroy(d.domid);
    }
    return out;
  } finally {
    await s.stop();
  }
}

export function formatNetBenchmark(r: readonly NetPathResult[]): string {
  const rows = table([
    [
      'network path (ping Domain-0)',
      'pings',
      'received',
      'pings/s',
      'RTT ms',
      'exits/ping',
      'hypercalls/ping',
    ],
    ...r.map((p) => [
      p.path,
      String(p.pings),
      String(p.received),
      p.pingsPerSecond.toFixed(0),
      p.rttMs.toFixed(3),
      p.exitsPerPing.toFixed(1),
      p.hypercallsPerPing.toFixed(1),
    ]),
  ]);
  const [hvm, pv] = r;
  const ratio =
    hvm && pv
      ? `\nPV / HVM: ${(pv.pingsPerSecond / hvm.pingsPerSecond).toFixed(2)}× the pings per second, ` +
        `${(pv.exitsPerPing / hvm.exitsPerPing).toFixed(2)}× the exits per ping`
      : '';
  return `${rows}${ratio}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--pings');
  const pings = i > 0 ? Number(process.argv[i + 1]) : 200;
  console.log(formatNetBenchmark(await runNetBenchmark(pings)));
}
