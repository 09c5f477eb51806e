import { afterEach, describe, expect, it } from 'vitest';
import { XenbusState } from '../../../src/vmm/abi/xenbus-state.ts';
import { ConfigError } from '../../../src/server/config/config-error.ts';
import { MemoryWire } from '../../../src/server/network/memory-wire.ts';
import { PvNic } from '../../../src/server/toolstack/guest-nics.ts';
import type { VmServer } from '../../../src/server/vm-server.ts';
import { bootTestServer, HVM_CFG, PV_CFG, until } from '../helpers.ts';

/**
 * `vif = [...]` in the toolstack: an HVM guest gets an NE2000 (ports
 * 0x300–0x31F, IRQ 9, its MAC in the DTB) with a port on xenbr0, a PV guest
 * a netback per vif; Domain-0's DHCP knows their MACs; brctl, ip, xl
 * network-list and xentop show them; the ports go with the domain.
 */

let server: VmServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function boot(configs: Record<string, string>, wire = false) {
  const pair = wire ? MemoryWire.pair() : null;
  server = await bootTestServer(configs, { macSalt: 7, hostWire: pair?.[0] ?? null });
  const sh = server.shell();
  return { s: server, pair, run: (line: string) => sh.runCaptured(line) };
}

describe('toolstack: guest NICs on xenbr0', () => {
  it('reports the host network at boot: xenbr0 with Domain-0 on 10.0.0.1, and the host NIC on its wire', async () => {
    const { s, run } = await boot({}, true);
    const lines = s.bootProgress.map((p) => p.message).join('\n');
    expect(lines).toMatch(
      /host network: bridge xenbr0: Domain-0 at 10\.0\.0\.1\/16 .*guests \(10\.0\.8\.100–199\)/,
    );
    expect(lines).toMatch(/host network: host NIC eth0 00:16:3e:00:00:02 on xenbr0/);
    const brctl = (await run('brctl show')).output;
    const id = s.network.dom0.mac.replace(/:/g, '');
    expect(brctl).toMatch(new RegExp(`^xenbr0\\s+8000\\.${id}\\s+no\\s+xenbr0$`, 'm'));
    expect(brctl).toMatch(/^\s+eth0$/m);
    expect((await run('ip addr')).output).toContain('inet 10.0.0.1/16 scope global xenbr0');
  });

  it('gives an HVM guest an NE2000 port and a PV guest a netback, each known to DHCP and shown by xl', async () => {
    const { s, run } = await boot({
      '/etc/xen/vm/h': HVM_CFG('h', 'vga = "none"\nvif = [ "ip=10.0.0.42" ]\n'),
      '/etc/xen/vm/p': PV_CFG('p', 'vif = [ "mac=00:16:3e:aa:bb:cc", "" ]\n'),
    });
    expect((await run('xl create h')).status).toBe(0);
    expect((await run('xl create p')).status).toBe(0);
    const h = s.toolstack.guest('h');
    const p = s.toolstack.guest('p');

    // The NE2000 sits in the guest's DTB with its MAC, its ports trapped by the VMM.
    expect(h.ne2000?.device.dtb).toMatchObject({
      name: 'ethernet',
      compatible: ['tabvisor,ne2000'],
      base: 0x03000300,
      size: 0x20,
      irq: 0x49,
    });
    const macBytes = h.ne2000?.device.dtb.props?.['local-mac-address'];
    expect(macBytes).toBeInstanceOf(Uint8Array);
    const hMac = h.ne2000?.mac ?? '';
    expect(
      [...(macBytes as Uint8Array)].map((b) => b.toString(16).padStart(2, '0')).join(':'),
    ).toBe(hMac);
    expect(hMac).toMatch(/^00:16:3e:/);
    const xs = s.xenstore.connect(0);
    expect(xs.tryReadString(`/local/domain/${h.domid}/device/vif/0/mac`)).toBe(hMac);

    // A PV guest's vifs are netbacks in InitWait, waiting for the netfront.
    expect(p.nics.map((n) => [n.kind, n.portName, n.mac])).toEqual([
      ['netback', `vif${p.domid}.0`, '00:16:3e:aa:bb:cc'],
      ['netback', `vif${p.domid}.1`, s.network.guestMac('p', 1)],
    ]);
    expect(xs.tryReadString(`/local/domain/0/backend/vif/${p.domid}/0/state`)).toBe(
      String(XenbusState.InitWait),
    );
    expect(xs.tryReadString(`/local/domain/0/backend/vif/${p.domid}/0/feature-rx-copy`)).toBe('1');

    // The NE2000's port is on xenbr0 from the start; a netback joins once its front end connects.
    const ports = s.network.bridge.ports().map((x) => x.name);
    expect(ports).toContain(`vif${h.domid}.0`);
    expect(ports).not.toContain(`vif${p.domid}.0`);
    expect((await run('brctl show')).output).toContain(`vif${h.domid}.0`);

    const list = (await run('xl network-list p')).output.split('\n');
    expect(list[0]).toMatch(/^Idx BE Mac Addr\.\s+handle state evt-ch\s+tx-\/rx-ring-ref BE-path/);
    expect(list[1]).toMatch(
      new RegExp(
        `^0\\s+0\\s+00:16:3e:aa:bb:cc\\s+0\\s+2\\s+-1\\s+-1/-1\\s+/local/domain/0/backend/vif/${p.domid}/0\\s+vif${p.domid}\\.0\\s+netback`,
      ),
    );
    expect((await run('xl network-list h')).output).toMatch(/ne2000/);

    // xentop: NETS per domain.
    const top = (await run('xl top -b -i 1')).output;
    const cells = (name: string): string[] =>
      top
        .split('\n')
        .find((l) => l.trim().startsWith(`${name} `))
        ?.trim()
        .split(/\s+/) ?? [];
    expect(cells('h')[9]).toBe('1');
    expect(cells('p')[9]).toBe('2');

    await run('xl destroy p');
    expect(s.xenstore.connect(0).exists(`/local/domain/0/backend/vif/${p.domid}`)).toBe(false);
    await run('xl destroy h');
    expect(s.network.bridge.ports().map((x) => x.name)).not.toContain(`vif${h.domid}.0`);
  });

  it('renews a PV guest’s netbacks when it reboots', async () => {
    const { s, run } = await boot({
      '/etc/xen/vm/p': PV_CFG('p', 'vif = [ "" ]\non_poweroff = "restart"\n'),
    });
    expect((await run('xl create p')).status).toBe(0);
    const p = s.toolstack.guest('p');
    const first = p.nics[0];
    s.toolstack.restart(p);
    const again = p.nics[0];
    expect(again).toBeDefined();
    expect(again).not.toBe(first);
    expect(first instanceof PvNic ? first.back.state : -1).toBe(XenbusState.Closed);
    const xs = s.xenstore.connect(0);
    await until(
      () =>
        xs.tryReadString(`/local/domain/0/backend/vif/${p.domid}/0/state`) ===
        String(XenbusState.InitWait),
      'the new netback in InitWait',
    );
  });

  it('refuses a vif on a bridge that does not exist, and two emulated NICs for one HVM guest', async () => {
    const { s } = await boot({
      '/etc/xen/vm/b': PV_CFG('b', 'vif = [ "bridge=br1" ]\n'),
      '/etc/xen/vm/two': HVM_CFG('two', 'vif = [ "", "" ]\n'),
    });
    await expect(s.toolstack.create('b')).rejects.toThrow(ConfigError);
    await expect(s.toolstack.create('b')).rejects.toThrow(/bridge br1 does not exist/);
    await expect(s.toolstack.create('two')).rejects.toThrow(/one emulated NIC/);
    expect(s.toolstack.managed()).toHaveLength(0);
    expect(s.network.bridge.ports().map((x) => x.name)).toEqual(['xenbr0']);
  });
});
