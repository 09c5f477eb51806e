import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docsConfig } from '../../scripts/docs-site';
import { chromiumArgs, chromiumPath } from '../chromium';
import { freePort } from './preview-server';

/**
 * The documentation site as a reader gets it: `docs:build` into a directory
 * of its own, served as static files on 127.0.0.1, opened in Debian's
 * Chromium; from the index to lab 2, whose live widget boots its own VM
 * server and PV guest in the page, and answers what is typed into it.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const SHOTS = join(import.meta.dirname, 'screenshots');
const haveBrowser = existsSync(chromiumPath);
const haveSprout = existsSync(join(ROOT, 'public/guests/sprout.elf'));

/** The text of the console of the `n`th <vm-sandbox> in the page. */
const consoleText = (page: Page, n: number): Promise<string> =>
  page.evaluate((i) => document.querySelectorAll('vm-sandbox')[i]?.console?.text() ?? '', n);

describe.skipIf(!haveBrowser || !haveSprout)('the documentation site in Chromium (e2e)', () => {
  let outDir: string;
  let server: PreviewServer;
  let url: string;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'tabvisor-docs-'));
    // A production build even under Vitest (NODE_ENV=test would pick Lit's dev build).
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({ ...docsConfig(ROOT, outDir), configFile: false, logLevel: 'warn' });
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
    const port = await freePort();
    server = await preview({
      ...docsConfig(ROOT, outDir),
      configFile: false,
      logLevel: 'warn',
      // Under a sub-path, as on most static hosts: every link and fetch must be relative.
      base: '/tabvisor/',
      preview: { host: '127.0.0.1', port, strictPort: true },
    });
    url = `http://127.0.0.1:${port}/tabvisor/`;
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('response', (r) => {
      if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
    });
    mkdirSync(SHOTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('builds relative pages: an index, one page per lab, the desktop, the guest image', () => {
    for (const f of ['index.html', 'labs/01-follow-a-write.html', 'labs/02-follow-a-ping.html']) {
      const html = readFileSync(join(outDir, f), 'utf8');
      // Any static host, under any path: no root-absolute links or sources.
      expect(html, f).not.toMatch(/(?:href|src)="\/(?!\/)/);
    }
    expect(existsSync(join(outDir, 'desktop.html'))).toBe(true);
    expect(readFileSync(join(outDir, 'guests/sprout.elf'))).toEqual(
      readFileSync(join(ROOT, 'public/guests/sprout.elf')),
    );
    const lab2 = readFileSync(join(outDir, 'labs/02-follow-a-ping.html'), 'utf8');
    expect(lab2).toContain('<pre><code>ifconfig\nping -c 3 10.0.0.1\n');
    expect(lab2).toMatch(/<vm-sandbox images="..\/guests\/" guest="sprout-pv">/);
  });

  it('leads from the index to lab 2, whose live PV guest pings Domain-0', async () => {
    await page.goto(url);
    await expect.poll(() => page.title()).toMatch(/Tabvisor/);
    expect(await page.locator('main a[href="desktop.html"]').count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'docs-index.png') });
    await page.locator('main a', { hasText: 'Lab 2' }).click();
    await page.waitForURL(/labs\/02-follow-a-ping\.html$/);
    expect(await page.locator('main h1').textContent()).toMatch(/^Lab 2/);
    // Code blocks stay code blocks; the marker became a live widget.
    expect(
      await page.locator('main pre code', { hasText: 'xl network-list sprout-pv' }).count(),
    ).toBe(1);
    expect(await page.locator('vm-sandbox').count()).toBe(2);

    const pv = page.locator('vm-sandbox').first();
    await pv.scrollIntoViewIfNeeded();
    await expect
      .poll(() => consoleText(page, 0), { timeout: 60_000, interval: 500 })
      .toContain('Welcome to Sprout');
    await pv.locator('vm-console').click();
    await page.keyboard.type('ping -c 1 10.0.0.1\n');
    await expect
      .poll(() => consoleText(page, 0), { timeout: 20_000, interval: 500 })
      .toMatch(/1 packets transmitted, 1 received/);
    expect(await consoleText(page, 0)).toMatch(/bytes from 10\.0\.0\.1: icmp_seq=/);
    await expect.poll(() => pv.locator('header').textContent()).toMatch(/sprout-pv\s*pv/);
    await page.screenshot({ path: join(SHOTS, 'docs-lab.png') });
    expect(errors).toEqual([]);
  }, 90_000);

  it('opens the desktop from the site, which finds its guest images beside the page', async () => {
    await page.goto(url);
    await page.locator('main a[href="desktop.html"]').click();
    await page.waitForURL(/\/tabvisor\/desktop\.html$/);
    const boot = page.locator('tabvisor-app boot-view');
    await boot.locator('[data-stage="ready"][data-state="done"]').waitFor({ timeout: 60_000 });
    const text = await boot.locator('section').innerText();
    for (const g of ['sprout-hvm', 'sprout-hvm2', 'sprout-pv'])
      expect(text).toContain(`started ${g} as domain`);
    expect(errors).toEqual([]);
  }, 90_000);
});
