import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumArgs, chromiumPath } from '../chromium';
import { compareWithGolden } from './golden';
import { buildApp, serveApp } from './preview-server';

/**
 * The desktop end to end, as a student meets it: the built app served by
 * `vite preview`, opened in Debian's Chromium with a fresh profile (so the
 * VM server seeds a fresh install and autostarts its three Sprout guests),
 * then driven through the page only — clicks and keys.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const SHOTS = join(import.meta.dirname, 'screenshots');
const GOLDENS = join(import.meta.dirname, 'goldens');
const GUESTS = ['sprout-hvm', 'sprout-hvm2', 'sprout-pv'] as const;
const haveBrowser = existsSync(chromiumPath);
const haveSprout = existsSync(join(ROOT, 'public/guests/sprout.elf'));

describe.skipIf(!haveBrowser || !haveSprout)('the VM server desktop in Chromium (e2e)', () => {
  let outDir: string;
  let server: PreviewServer;
  let url: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'tabvisor-e2e-'));
    await buildApp(ROOT, outDir);
    ({ server, url } = await serveApp(ROOT, outDir));
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    mkdirSync(SHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  const app = (sel: string) => page.locator(`tabvisor-app ${sel}`);
  const tab = async (id: string): Promise<void> => {
    await page.click(`#tab-${id}`);
    await expect.poll(() => app(`#panel-${id}`).isVisible()).toBe(true);
  };

  it('shows the boot sequence as it happens, then the desktop', async () => {
    await page.goto(url);
    const boot = app('boot-view');
    await boot.waitFor({ timeout: 30_000 });
    await expect
      .poll(() => boot.locator('[data-stage="vmm"]').getAttribute('data-state'), {
        timeout: 30_000,
      })
      .toBe('done');
    await boot.locator('[data-stage="ready"][data-state="done"]').waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(SHOTS, 'boot.png') });
    const steps = await boot
      .locator('li.step')
      .evaluateAll((els) =>
        els.map((e) => `${e.getAttribute('data-stage')}=${e.getAttribute('data-state')}`),
      );
    expect(steps).toEqual([
      'vmm=done',
      'dom0=done',
      'storage=done',
      'autostart=done',
      'ready=done',
    ]);
    const text = await boot.locator('section').innerText();
    expect(text).toContain('VM server (Domain-0) starting in privileged mode');
    expect(text).toMatch(/host disk: 500 GiB, GPT with 3 partitions/);
    for (const g of GUESTS) expect(text).toContain(`started ${g} as domain`);
    await app('[role="tablist"]').waitFor({ timeout: 10_000 });
  }, 120_000);

  it('lists the domains as xl list does, all running', async () => {
    const row = (name: string) => app(`vm-list tr[data-name="${name}"]`);
    await row('Domain-0').waitFor();
    for (const g of GUESTS) {
      await row(g).waitFor();
      await expect.poll(() => row(g).locator('td').nth(3).innerText()).toMatch(/r-----|-b----/);
    }
    expect(await row('Domain-0').locator('td').nth(0).innerText()).toBe('0');
  }, 60_000);

  it('runs a command typed into each of the three guests’ screens', async () => {
    await tab('screens');
    const tile = (g: string) => app(`vm-tile[domain="${g}"]`);
    for (const g of GUESTS) {
      await expect
        .poll(() => tile(g).locator('vm-console .xterm-rows').innerText(), { timeout: 120_000 })
        .toContain('Welcome to Sprout');
    }
    for (const g of GUESTS) {
      const hvm = g !== 'sprout-pv';
      // HVM: the VGA screen, keys through the emulated PS/2 keyboard; PV: its console.
      await tile(g)
        .locator(hvm ? 'vm-screen' : 'vm-console')
        .click();
      await expect.poll(() => tile(g).getAttribute('keyboard')).toBe('');
      await page.keyboard.type(`echo hi-from-${g}`, { delay: 15 });
      await page.keyboard.press('Enter');
      const output = hvm
        ? () => tile(g).locator('vm-screen pre').textContent()
        : () => tile(g).locator('vm-console .xterm-rows').innerText();
      // The command's output: its own line, not just the echo of what was typed.
      await expect.poll(output, { timeout: 20_000 }).toMatch(new RegExp(`^ *hi-from-${g} *$`, 'm'));
    }
    // Only the last one clicked has the keyboard.
    expect(await tile('sprout-hvm').getAttribute('keyboard')).toBeNull();
    await page.screenshot({ path: join(SHOTS, 'desktop.png') });
  }, 240_000);

  it('looks as the goldens say with three guests (layout, live parts masked)', async () => {
    await tab('dashboard');
    await page.mouse.move(0, 0);
    const shot = await page.screenshot({
      mask: [
        app('stat-graph'),
        app('vm-list td.num'),
        app('vm-list td .letters'),
        app('vm-list .state'),
        app('vm-list .status'),
        app('system-log'),
        app('header .host'),
      ],
    });
    writeFileSync(join(SHOTS, 'dashboard-masked.png'), shot);
    const r = await compareWithGolden(browser, shot, join(GOLDENS, 'dashboard.png'));
    expect(r.meanDiff).toBeLessThan(6);
    expect(r.changedCells).toBeLessThan(0.03);

    await tab('screens');
    await page.mouse.move(0, 0);
    const screens = await page.screenshot({
      mask: [app('vm-screen'), app('vm-console'), app('vm-tile .dot'), app('header .host')],
    });
    writeFileSync(join(SHOTS, 'screens-masked.png'), screens);
    const s = await compareWithGolden(browser, screens, join(GOLDENS, 'screens.png'));
    expect(s.meanDiff).toBeLessThan(6);
    expect(s.changedCells).toBeLessThan(0.03);
  }, 60_000);

  it('runs xl list in the dom0 terminal', async () => {
    await tab('terminal');
    const term = app('dom0-terminal');
    await expect.poll(() => term.locator('.xterm-rows').innerText()).toContain('dom0:/#');
    await term.locator('.xterm-screen').click();
    await page.keyboard.type('xl list', { delay: 10 });
    await page.keyboard.press('Enter');
    await expect
      .poll(() => term.locator('.xterm-rows').innerText())
      .toMatch(/Domain-0 +0 +64 +\d +r----- +\d+\.\d/);
    await page.screenshot({ path: join(SHOTS, 'terminal.png') });
  }, 60_000);

  it('creates a VM through the form, writes its file, boots it, and its disk writes land on the map', async () => {
    await tab('definitions');
    const form = app('vm-create-form');
    await form.locator('#vm-name').fill('e2e-vm');
    await form.locator('input[value="pv"]').check();
    await form.locator('#vm-memory').fill('16');
    await form.locator('#vm-disk').fill('1');
    await form.locator('#vm-weight').fill('512');
    await form.locator('button[type="submit"]').click();
    // The editor opens on the new file.
    const editor = app('vm-config-editor');
    await expect
      .poll(() => editor.locator('textarea').inputValue(), { timeout: 20_000 })
      .toContain('name = "e2e-vm"');
    const file = await editor.locator('textarea').inputValue();
    expect(file).toMatch(/^type = "pv"$/m);
    expect(file).toMatch(/^memory = 16$/m);
    expect(file).toMatch(/^cpu_weight = 512$/m);
    expect(file).toMatch(/^disk = \[ "phy:\/dev\/vg0\/e2e-vm,xvda,w" \]$/m);
    await expect.poll(() => editor.locator('.state').innerText()).toContain('Valid configuration');
    await page.screenshot({ path: join(SHOTS, 'definitions.png') });

    // It is running, and the file is what the dom0 shell sees.
    await tab('dashboard');
    await expect
      .poll(() => app('vm-list tr[data-name="e2e-vm"] td').nth(3).innerText(), { timeout: 20_000 })
      .toMatch(/r-----|-b----/);
    await tab('terminal');
    await app('dom0-terminal .xterm-screen').click();
    await page.keyboard.type('cat /etc/xen/vm/e2e-vm', { delay: 5 });
    await page.keyboard.press('Enter');
    await expect
      .poll(() => app('dom0-terminal .xterm-rows').innerText())
      .toContain('cpu_weight = 512');

    // Sprout formats its new 1 GiB disk: the writes show on the host disk map, at its partition.
    await tab('storage');
    const map = app('disk-map');
    const seg = map.locator('.bar .seg', { hasText: 'e2e-vm' });
    await seg.waitFor({ timeout: 20_000 });
    const row = map.locator('tbody tr', { hasText: 'e2e-vm' }).filter({ hasText: 'write' }).first();
    await row.waitFor({ timeout: 60_000 });
    const cells = await row.locator('td').allInnerTexts();
    expect(cells[3]).toBe('write');
    const sector = Number((cells[4] ?? '').replace(/,/g, ''));
    const lba = Number((cells[6] ?? '').replace(/,/g, ''));
    const offset = Number((cells[7] ?? '').split('\n')[0]);
    expect(lba * 512).toBe(offset);
    // The partition starts where the guest's sector 0 lands.
    const title = (await seg.getAttribute('title')) ?? '';
    const start = Number(/from byte (0x[0-9a-f]+)/.exec(title)?.[1]);
    expect(offset).toBe(start + sector * 512);
    await page.screenshot({ path: join(SHOTS, 'disk-io.png') });
  }, 180_000);

  it('pings across xenbr0 from the guests’ screens, and the Network tab shows the traffic', async () => {
    // Each guest got an address from Domain-0's DHCP at boot: read them off the lease table.
    await tab('network');
    const net = app('network-view');
    const leases = net.locator('table[aria-label="DHCP leases"] tr');
    await expect.poll(() => leases.count(), { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
    const ipOf = async (g: string): Promise<string> =>
      (
        await leases
          .filter({ hasText: new RegExp(`\\b${g}\\b`) })
          .locator('td')
          .first()
          .innerText()
      ).trim();
    const pvIp = await ipOf('sprout-pv');
    expect(pvIp).toMatch(/^10\.0\.\d+\.\d+$/);

    await tab('screens');
    const tile = (g: string) => app(`vm-tile[domain="${g}"]`);
    // PV → Domain-0 through netfront and netback; HVM → PV through the NE2000 and the bridge.
    await tile('sprout-pv').locator('vm-console').click();
    await page.keyboard.type('ping -c 2 10.0.0.1', { delay: 10 });
    await page.keyboard.press('Enter');
    await expect
      .poll(() => tile('sprout-pv').locator('vm-console .xterm-rows').innerText(), {
        timeout: 30_000,
      })
      .toMatch(/2 packets transmitted, 2 received, 0% packet loss/);
    await tile('sprout-hvm').locator('vm-screen').click();
    await page.keyboard.type(`ping -c 2 ${pvIp}`, { delay: 15 });
    await page.keyboard.press('Enter');
    await expect
      .poll(() => tile('sprout-hvm').locator('vm-screen pre').textContent(), { timeout: 30_000 })
      .toMatch(/2 packets transmitted, 2 received, 0% packet loss/);

    await tab('network');
    await expect
      .poll(() => net.locator('ol.frames').innerText(), { timeout: 20_000 })
      .toMatch(new RegExp(`> ${pvIp.replace(/\./g, '\\.')}: ICMP echo request`));
    await page.screenshot({ path: join(SHOTS, 'network.png') });
  }, 120_000);

  it('is usable at a tablet’s width and from the keyboard alone', async () => {
    await page.setViewportSize({ width: 820, height: 1180 });
    try {
      for (const id of [
        'dashboard',
        'screens',
        'terminal',
        'definitions',
        'architecture',
        'storage',
        'network',
        'log',
      ]) {
        await tab(id);
        // Nothing pushes the page sideways: wide tables scroll inside their own boxes.
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        expect(overflow, `${id} at 820 px`).toBeLessThanOrEqual(0);
        if (id === 'dashboard' || id === 'screens')
          await page.screenshot({ path: join(SHOTS, `tablet-${id}.png`) });
      }
      // The tab list is one tab stop; arrow keys move between tabs (WAI-ARIA tabs pattern).
      await app('#tab-log').focus();
      await page.keyboard.press('ArrowLeft');
      await expect.poll(() => app('#panel-network').isVisible()).toBe(true);
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowRight');
      await expect.poll(() => app('#panel-dashboard').isVisible()).toBe(true);
    } finally {
      await page.setViewportSize({ width: 1280, height: 720 });
    }
  }, 120_000);

  it('logged no errors in the page', () => {
    expect(problems).toEqual([]);
  });
});
