import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer, { type Browser, type ElementHandle, type Page } from 'puppeteer-core';
import type { PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bootToDesktop,
  browserAvailability,
  expectNoProblems,
  firefoxPath,
  guestsAtPrompt,
  hostDiskLog,
  inPage,
  instrumentBuild,
  typeIntoScreenAndConsole,
  type DesktopDriver,
} from './browsers';
import { buildApp, serveApp } from './preview-server';

/**
 * The desktop end to end in Firefox — Debian's Firefox ESR, driven over
 * WebDriver BiDi by Puppeteer (Playwright 1.65's BiDi Firefox needs
 * emulation commands ESR 153 lacks) — as desktop.test.ts runs it in
 * Chromium: the built app, a fresh profile (so the VM server seeds a fresh
 * install and autostarts its three guests), driven by clicks and keys.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const SHOTS = join(import.meta.dirname, 'screenshots');
const haveSprout = existsSync(join(ROOT, 'public/guests/sprout.elf'));
const { missing, skip } = browserAvailability([firefoxPath]);

describe.skipIf(skip || !haveSprout)('the VM server desktop in Firefox (e2e)', () => {
  let outDir: string;
  let profile: string;
  let server: PreviewServer;
  let url: string;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const warnings: string[] = [];

  const driver: DesktopDriver = {
    evaluate: <T>(expression: string) => page.evaluate(expression) as Promise<T>,
    async click(chain) {
      const handle = await page.evaluateHandle(inPage.element(chain));
      const el = handle.asElement() as ElementHandle<Element> | null;
      if (!el) throw new Error(`nothing at ${chain.join(' » ')} to click`);
      await el.click();
    },
    async typeLine(text) {
      await page.keyboard.type(text, { delay: 15 });
      await page.keyboard.press('Enter');
    },
    async screenshot(path) {
      await page.screenshot({ path: path as `${string}.png` });
    },
  };

  beforeAll(async () => {
    if (missing.length > 0)
      throw new Error(
        `missing ${missing.join(', ')}: install firefox-esr (scripts/install-test-deps.sh) ` +
          'or set TABVISOR_SKIP_CONFORMANCE=1 to skip',
      );
    outDir = mkdtempSync(join(tmpdir(), 'tabvisor-e2e-ff-'));
    profile = mkdtempSync(join(tmpdir(), 'tabvisor-e2e-ff-profile-'));
    await buildApp(ROOT, outDir);
    instrumentBuild(outDir);
    ({ server, url } = await serveApp(ROOT, outDir));
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: firefoxPath,
      headless: true,
      userDataDir: profile,
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 720 });
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
      else if (m.type() === 'warn') warnings.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${String(e)}`));
    mkdirSync(SHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    for (const dir of [outDir, profile]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs the boot sequence to the desktop, the host disk on OPFS', async () => {
    await page.goto(url);
    // Firefox has OPFS sync access handles in the worker: the host disk lives there.
    await bootToDesktop(
      driver,
      /host disk: 500 GiB, GPT with 3 partitions .* on OPFS tabvisor-disk/,
    );
  }, 90_000);

  it('brings the three guests to their shell prompt', () => guestsAtPrompt(driver), 100_000);

  it('runs commands typed into an HVM guest’s screen and a PV guest’s console', async () => {
    await typeIntoScreenAndConsole(driver, 'firefox');
    await driver.screenshot(join(SHOTS, 'firefox-desktop.png'));
  }, 60_000);

  it('says in the log where the host disk is kept', async () => {
    expect(await hostDiskLog(driver)).toContain(
      'host disk store: OPFS tabvisor-disk (OPFS (sync access handles))',
    );
  }, 20_000);

  it('logged no errors in the page or its worker', () =>
    expectNoProblems(driver, 'Firefox', { errors: problems, warnings }));
});
