import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import { ScreenGrid } from '../../src/ui/screen-grid';
import type { VmServerClient } from '../../src/ui/vm-server-client';
import type { VmTile } from '../../src/ui/vm-tile';
import { bootedClient, mount, until } from './helpers/booted-client';

describe('<screen-grid>: three guests side by side', () => {
  let client: VmServerClient;
  let grid: ScreenGrid;
  const tiles = (): VmTile[] => [...(grid.shadowRoot?.querySelectorAll('vm-tile') ?? [])];
  const tile = (name: string): VmTile => {
    const t = tiles().find((x) => x.domain === name);
    if (!t) throw new Error(`no tile ${name}`);
    return t;
  };

  beforeAll(async () => {
    await page.viewport(1280, 800);
    client = await bootedClient();
    for (const n of ['sprout-hvm', 'sprout-hvm2', 'sprout-pv'])
      expect((await client.api.run(`xl create ${n}`)).status).toBe(0);
    await client.refresh();
    grid = mount(new ScreenGrid(), 1260, 640);
    grid.client = client;
  });
  afterAll(() => {
    grid?.remove();
    client?.dispose();
  });

  it('tiles every running guest: screens and consoles for HVM, the console for PV', async () => {
    await until(() => tiles().length === 3, 'three tiles');
    await until(() => tile('sprout-hvm2').screen?.text.includes('mode: HVM') ?? false, 'a screen');
    expect(tile('sprout-pv').screen).toBeNull();
    await until(() => tile('sprout-pv').console?.text().includes('mode: PV') ?? false, 'a console');
    // Side by side: one row, three columns.
    const tops = new Set(tiles().map((t) => Math.round(t.getBoundingClientRect().top)));
    expect(tops.size).toBe(1);
  });

  it('gives the keyboard to the screen clicked, and shows which tile has it', async () => {
    const a = tile('sprout-hvm');
    const b = tile('sprout-hvm2');
    await userEvent.click(a.screen as HTMLElement);
    await until(() => a.keyboard, 'tile a marked');
    expect(b.keyboard).toBe(false);
    await userEvent.keyboard('to a{Enter}');
    await userEvent.click(b.screen as HTMLElement);
    await until(() => b.keyboard && !a.keyboard, 'the keyboard moved to b');
    await userEvent.keyboard('to b{Enter}');
    await until(() => a.screen?.text.includes('you said: to a') ?? false, 'a answered');
    await until(() => b.screen?.text.includes('you said: to b') ?? false, 'b answered');
    expect(a.screen?.text).not.toContain('to b');
    // Ctrl+] gives the keyboard back.
    await userEvent.keyboard('{Control>}]{/Control}');
    await until(() => !b.keyboard, 'released');
  });

  it('maximises one tile and restores the grid', async () => {
    const pv = tile('sprout-pv');
    const max = pv.shadowRoot?.querySelector<HTMLButtonElement>(
      'button[aria-label="Maximise sprout-pv"]',
    );
    await userEvent.click(max as HTMLButtonElement);
    await until(() => pv.maximised, 'maximised');
    expect(tile('sprout-hvm').getBoundingClientRect().width).toBe(0);
    expect(pv.getBoundingClientRect().width).toBeGreaterThan(1200);
    const restore = pv.shadowRoot?.querySelector<HTMLButtonElement>(
      'button[aria-label="Restore sprout-pv"]',
    );
    await userEvent.click(restore as HTMLButtonElement);
    await until(() => tile('sprout-hvm').getBoundingClientRect().width > 0, 'restored');
  });
});
