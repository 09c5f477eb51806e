import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManagedDomain } from '../../src/server/toolstack/toolstack.ts';
import type { VmServer } from '../../src/server/vm-server.ts';
import type { HostWire } from '../../src/server/network/host-wire.ts';
import { MemoryWire } from '../../src/server/network/memory-wire.ts';
import { bootTestServer, consoleShows } from '../server/helpers.ts';

/**
 * Sprout on the network, end to end through the VM server: an HVM Sprout
 * driving the NE2000 model and a PV Sprout with netfront ↔ netback, both
 * on xenbr0. Each gets its address from Domain-0's DHCP server, they ping
 * Domain-0 and each other, Domain-0 pings them, and the bridge's capture
 * opens in tshark with the echo requests and replies where they belong.
 */

const SPROUT = readFileSync(resolve(import.meta.dirname, '../../public/guests/sprout.elf'));
const haveTshark = spawnSync('tshark', ['--version']).status === 0;
const skipTools = process.env.TABVISOR_SKIP_CONFORMANCE === '1';

const cfg = (name: string, type: 'hvm' | 'pv', vif: string): string =>
  `name = "${name}"\ntype = "${type}"\nmemory = 16\nkernel = "/guests/sprout.elf"\n` +
  `${type === 'hvm' ? 'vga = "none"\n' : ''}vif = [ "${vif}" ]\n`;

let server: VmServer;
let hvm: ManagedDomain;
let pv: ManagedDomain;
let tmp: string;

/** Types a command at a guest's shell and waits for the output that follows it, up to the next prompt. */
async function run(d: ManagedDomain, line: string, ms = 20_000): Promise<string> {
  const before = d.console.text().length;
  d.console.input(new TextEncoder().encode(`${line}\r`));
  await consoleShows(
    d.console,
    { test: (t: string) => /\n[^\n]*[$#] $/.test(t.slice(before + line.length)) } as RegExp,
    ms,
  );
  return d.console.text().slice(before);
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'tabvisor-net-'));
  server = await bootTestServer(
    {
      '/etc/xen/vm/net-hvm': cfg('net-hvm', 'hvm', 'ip=10.0.0.21'),
      '/etc/xen/vm/net-pv': cfg('net-pv', 'pv', 'mac=00:16:3e:00:10:22'),
    },
    { macSalt: 3 },
  );
  await server.files.writeFile('/guests/sprout.elf', SPROUT);
  await server.toolstack.create('net-hvm');
  await server.toolstack.create('net-pv');
  hvm = server.toolstack.guest('net-hvm');
  pv = server.toolstack.guest('net-pv');
  await consoleShows(hvm.console, /eth0: 10\.0\.0\.21\/16 via DHCP/, 30_000);
  await consoleShows(pv.console, /eth0: 10\.0\.4\.\d+\/16 via DHCP/, 30_000);
  for (const d of [hvm, pv]) await consoleShows(d.console, /Welcome to Sprout[^]*\$ $/, 30_000);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const pvIp = (): string =>
  /eth0: (10\.0\.\d+\.\d+)\/16 via DHCP/.exec(pv.console.text())?.[1] ?? '';

describe('Sprout on xenbr0: NE2000 (HVM) and netfront (PV)', () => {
  it('gets addresses from Domain-0: the vif ip= for the HVM guest, the pool for the PV guest', () => {
    // This tab's pool is 10.0.4.100–199 (its MAC salt is 3): the first free address.
    expect(pvIp()).toBe('10.0.4.100');
    const leases = server.network.dom0.leases();
    expect(leases.map((l) => [l.ip, l.mac]).sort()).toEqual(
      [
        ['10.0.4.100', '00:16:3e:00:10:22'],
        ['10.0.0.21', hvm.ne2000?.mac ?? ''],
      ].sort(),
    );
    expect(hvm.console.text()).toMatch(/ne2000/i);
    expect(pv.console.text()).toMatch(/netfront|vif/i);
  });

  it('pings Domain-0 from both guests', async () => {
    for (const d of [hvm, pv]) {
      const out = await run(d, 'ping -c 2 10.0.0.1');
      expect(out).toMatch(/PING 10\.0\.0\.1 \(10\.0\.0\.1\) 56\(84\) bytes of data\./);
      expect(out).toMatch(/64 bytes from 10\.0\.0\.1: icmp_seq=1 ttl=64 time=/);
      expect(out).toMatch(/2 packets transmitted, 2 received, 0% packet loss/);
    }
  });

  it('pings across: HVM → PV over NE2000 → xenbr0 → netback, and back', async () => {
    const there = await run(hvm, `ping -c 3 ${pvIp()}`);
    expect(there).toMatch(/3 packets transmitted, 3 received, 0% packet loss/);
    const back = await run(pv, 'ping -c 3 10.0.0.21');
    expect(back).toMatch(/3 packets transmitted, 3 received, 0% packet loss/);
    const ne = hvm.nics[0]?.counters();
    const nb = pv.nics[0]?.counters();
    expect(ne?.txFrames).toBeGreaterThanOrEqual(6);
    expect(nb?.rxFrames).toBeGreaterThanOrEqual(6);
    expect(nb?.txFrames).toBeGreaterThanOrEqual(6);
    // The two paths' costs (lab 2): the NE2000's data port traps on every word, netfront only notifies.
    const hvmExits = server.vmm.exitCounters(hvm.domid);
    const pvExits = server.vmm.exitCounters(pv.domid);
    expect(hvmExits['port:ne2000']).toBeGreaterThan(6 * 100);
    expect(Object.keys(pvExits).filter((r) => r.startsWith('port:'))).toEqual([]);
    expect(pvExits['hypercall:event_channel_op.send']).toBeGreaterThan(0);
  });

  it('is pinged by Domain-0, and shows its interface in ifconfig', async () => {
    const sh = server.shell();
    const out = await sh.runCaptured('ping -c 2 -i 0.05 10.0.0.21');
    expect(out.output).toMatch(/2 packets transmitted, 2 received, 0% packet loss/);
    expect(out.status).toBe(0);
    const ifc = await run(hvm, 'ifconfig');
    expect(ifc).toMatch(/inet addr:10\.0\.0\.21/);
    expect(ifc).toContain(hvm.ne2000?.mac ?? '??');
  });

  it.skipIf(!haveTshark && skipTools)(
    'writes a capture that tshark reads: requests and replies between the guests',
    async () => {
      const sh = server.shell();
      expect((await sh.runCaptured('tcpdump -w /xenbr0.pcap')).status).toBe(0);
      const file = join(tmp, 'xenbr0.pcap');
      writeFileSync(file, await server.files.readFile('/xenbr0.pcap'));
      const fields = execFileSync(
        'tshark',
        [
          '-r',
          file,
          '-Y',
          'icmp',
          '-T',
          'fields',
          '-e',
          'ip.src',
          '-e',
          'ip.dst',
          '-e',
          'icmp.type',
        ],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
      )
        .trim()
        .split('\n')
        .map((l) => l.split('\t').join(' '));
      expect(fields).toContain(`10.0.0.21 ${pvIp()} 8`);
      expect(fields).toContain(`${pvIp()} 10.0.0.21 0`);
      expect(fields).toContain('10.0.0.1 10.0.0.21 8');
      const dhcp = execFileSync(
        'tshark',
        ['-r', file, '-Y', 'dhcp', '-T', 'fields', '-e', 'dhcp.option.dhcp'],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      );
      // DISCOVER 1, OFFER 2, REQUEST 3, ACK 5 — the whole exchange, for both guests.
      for (const t of ['1', '2', '3', '5']) expect(dhcp.split('\n')).toContain(t);
    },
  );
});

describe('two VM servers on one host wire (two tabs sharing a BroadcastChannel)', () => {
  it('leases from each tab’s own range, and a guest of one pings a guest of the other', async () => {
    const [wireA, wireB] = MemoryWire.pair();
    const boot = async (salt: number, wire: HostWire): Promise<VmServer> => {
      const s = await bootTestServer(
        { '/etc/xen/vm/g': cfg('g', 'pv', '') },
        { macSalt: salt, hostWire: wire },
      );
      await s.files.writeFile('/guests/sprout.elf', SPROUT);
      await s.toolstack.create('g');
      return s;
    };
    const a = await boot(10, wireA);
    const b = await boot(20, wireB);
    try {
      const ga = a.toolstack.guest('g');
      const gb = b.toolstack.guest('g');
      await consoleShows(ga.console, /eth0: 10\.0\.11\.100\/16 via DHCP/, 30_000);
      await consoleShows(gb.console, /eth0: 10\.0\.21\.100\/16 via DHCP/, 30_000);
      await consoleShows(ga.console, /Welcome to Sprout[^]*\$ $/, 30_000);
      // Each Domain-0 answered only its own guest; the other's DHCP was seen on the wire and ignored.
      expect(a.network.dom0.leases().map((l) => l.ip)).toEqual(['10.0.11.100']);
      expect(b.network.dom0.leases().map((l) => l.ip)).toEqual(['10.0.21.100']);
      const out = await run(ga, 'ping -c 2 10.0.21.100');
      expect(out).toMatch(/2 packets transmitted, 2 received, 0% packet loss/);
      expect(a.network.nic?.counters.txFrames).toBeGreaterThan(0);
      expect(b.network.nic?.counters.rxFrames).toBeGreaterThan(0);
    } finally {
      await a.stop();
      await b.stop();
    }
  }, 60_000);
});
