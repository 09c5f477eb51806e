import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchView } from '../../src/ui/arch-view';
import type { VmServerClient } from '../../src/ui/vm-server-client';
import { bootedClient, deepText, mount, until } from './helpers/booted-client';

describe('<arch-view>: host → VMM → VM server → guests, live', () => {
  let client: VmServerClient;
  let view: ArchView;
  const box = (name: string): Element | null =>
    view.shadowRoot?.querySelector(`.box[data-domain="${name}"]`) ?? null;

  beforeAll(async () => {
    client = await bootedClient();
    client.startSampling(250);
    view = mount(new ArchView(), 1000, 900);
    view.client = client;
  });
  afterAll(() => {
    view?.remove();
    client?.dispose();
  });

  it('shows the VM server with no guests, then each guest as it starts, with its drivers', async () => {
    await until(() => box('Domain-0') !== null, 'the VM server');
    expect(
      deepText(view.shadowRoot?.querySelector('[data-part="device-models"]') as Element),
    ).toContain('none running');
    await client.run('xl create sprout-hvm');
    await client.run('xl create sprout-pv');
    await until(() => box('sprout-hvm') !== null && box('sprout-pv') !== null, 'both guests');
    await until(
      () => deepText(box('sprout-hvm') as Element).includes('16550 UART driver'),
      'HVM drivers',
    );
    const hvm = deepText(box('sprout-hvm') as Element);
    expect(hvm).toContain('VGA text / Bochs VBE driver');
    expect(hvm).toMatch(/traps: [\d,]+ VM exits/);
    await until(
      () => deepText(box('sprout-pv') as Element).includes('xencons front end'),
      'PV drivers',
    );
    // The VM server serves each: device models for the HVM guest, back ends for the PV guest.
    await until(
      () =>
        deepText(view.shadowRoot?.querySelector('[data-part="device-models"]') as Element).includes(
          'sprout-hvm: com1 · ps2 · rtc · vga',
        ),
      'device models',
    );
    expect(
      deepText(view.shadowRoot?.querySelector('[data-part="back-ends"]') as Element),
    ).toContain('sprout-pv: console · xenstore');
  });

  it('takes a guest away when it is destroyed', async () => {
    await client.run('xl destroy sprout-pv');
    await until(() => box('sprout-pv') === null, 'sprout-pv gone');
    expect(box('sprout-hvm')).not.toBeNull();
  });
});
