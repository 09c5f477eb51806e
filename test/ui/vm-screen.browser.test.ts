import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { VmScreen } from '../../src/ui/vm-screen';
import type { VmServerClient } from '../../src/ui/vm-server-client';
import { bootedClient, mount, until } from './helpers/booted-client';

describe('<vm-screen>: an HVM guest’s VGA display and PS/2 keyboard', () => {
  let client: VmServerClient;
  let screen: VmScreen;
  beforeAll(async () => {
    client = await bootedClient();
    expect((await client.api.run('xl create sprout-hvm')).status).toBe(0);
    screen = mount(new VmScreen(), 720, 400);
    screen.client = client;
    screen.domain = 'sprout-hvm';
  });
  afterAll(() => {
    screen?.remove();
    client?.dispose();
  });

  it('draws the guest’s text screen into its canvas', async () => {
    await until(() => screen.text.includes('Tabvisor demo guest: type a line'), 'the banner');
    const canvas = screen.shadowRoot?.querySelector('canvas');
    expect([canvas?.width, canvas?.height]).toEqual([720, 400]);
    // The guest wrote a white-on-blue header bar on row 0 (VGA attribute 0x1F): blue pixels there.
    const px = canvas?.getContext('2d')?.getImageData(2, 8, 1, 1).data;
    expect(px && [px[0], px[1], px[2]]).toEqual([0, 0, 0xaa]);
    // Row 5, far right: untouched, black.
    const blank = canvas?.getContext('2d')?.getImageData(700, 90, 1, 1).data;
    expect(blank && [blank[0], blank[1], blank[2]]).toEqual([0, 0, 0]);
  });

  it('sends keys typed while it has focus to the guest’s keyboard, which echoes them', async () => {
    await userEvent.click(screen);
    expect(screen.shadowRoot?.activeElement?.classList.contains('display')).toBe(true);
    await userEvent.keyboard('hello vga{Enter}');
    await until(() => screen.text.includes('you said: hello vga'), 'the answer on screen');
    // The keys went through the emulated i8042: port 0x60/0x64 accesses.
    expect((await client.api.deviceAccesses('sprout-hvm')).ps2?.data).toBeGreaterThanOrEqual(
      'hello vga\n'.length * 2,
    );
  });

  it('says so when the guest is not running', async () => {
    await client.api.run('xl destroy sprout-hvm');
    await until(
      () => (screen.shadowRoot?.textContent ?? '').includes('is not running'),
      'the note',
    );
  });
});
