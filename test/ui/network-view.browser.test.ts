import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetworkView } from '../../src/ui/network-view';
import type { VmServerClient } from '../../src/ui/vm-server-client';
import { bootedClient, deepText, mount, until } from './helpers/booted-client';

/**
 * <network-view> on a real worker with the real Sprout: the seeded guests'
 * NICs (an NE2000 for the HVM one, a netback for the PV one) appear as
 * ports of xenbr0 next to Domain-0 and the host NIC (a BroadcastChannel in
 * this worker), each guest's DHCP lease appears, and the frames on the
 * bridge read as tcpdump would print them.
 */
describe('<network-view>: xenbr0, its ports, leases and frames', () => {
  let client: VmServerClient;
  let view: NetworkView;

  beforeAll(async () => {
    client = await bootedClient('sprout');
    await client.run('xl create sprout-hvm');
    await client.run('xl create sprout-pv');
    client.startSampling(250);
    view = mount(new NetworkView(), 1200, 900);
    view.client = client;
  });
  afterAll(() => {
    view?.remove();
    client?.dispose();
  });

  const text = (): string => deepText(view.shadowRoot as ShadowRoot);
  const row = (port: string): string => {
    const tr = view.shadowRoot?.querySelector(`tr[data-port="${port}"]`);
    return tr ? deepText(tr) : '';
  };

  it('lists Domain-0, the host NIC and each guest NIC as ports of xenbr0', async () => {
    const port = (name: string): string =>
      `vif${client.domains.find((d) => d.name === name)?.id ?? '?'}.0`;
    await until(
      () => row(port('sprout-hvm')) !== '' && row(port('sprout-pv')) !== '',
      'both guest ports',
      60_000,
    );
    const [hvm, pv] = [port('sprout-hvm'), port('sprout-pv')];
    expect(row('xenbr0')).toMatch(/Domain-0 \(its own interface\)/);
    expect(row('eth0')).toMatch(/host NIC → host wire/);
    expect(row(hvm)).toMatch(/sprout-hvm NE2000 model \(HVM\) 00:16:3e:/);
    expect(row(pv)).toMatch(/sprout-pv netback \(PV\) 00:16:3e:/);
    expect(text()).toContain('BroadcastChannel');
  });

  it('shows the leases Domain-0 gave and the DHCP exchange on the wire', async () => {
    await until(
      () =>
        (view.shadowRoot?.querySelectorAll('table[aria-label="DHCP leases"] tr').length ?? 0) === 2,
      'two leases',
      60_000,
    );
    const leases = deepText(
      view.shadowRoot?.querySelector('table[aria-label="DHCP leases"]') as Element,
    );
    expect(leases).toMatch(/10\.0\.\d+\.10\d .*sprout-pv/);
    await until(() => /DHCPACK from 00:16:3e/.test(text()), 'a DHCP ack in the frames', 20_000);
    expect(text()).toMatch(
      /IP 0\.0\.0\.0\.68 > 255\.255\.255\.255\.67: DHCPDISCOVER from 00:16:3e/,
    );
  });

  it('offers the capture as a pcap file', async () => {
    const bytes = await client.api.networkCapture();
    const view32 = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(view32.getUint32(0, true)).toBe(0xa1b2c3d4);
    expect(view32.getUint32(20, true)).toBe(1); // LINKTYPE_ETHERNET
    expect(bytes.length).toBeGreaterThan(24 + 16 + 300);
    const button = view.shadowRoot?.querySelector('button');
    expect(button?.textContent).toMatch(/Download capture \(\.pcap, [\d,]+ frames\)/);
    expect(button?.disabled).toBe(false);
  });
});
