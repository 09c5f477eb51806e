import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bootToDesktop,
  browserAvailability,
  expectNoProblems,
  guestsAtPrompt,
  hostDiskLog,
  inPage,
  instrumentBuild,
  miniBrowserPath,
  startWebKitDriver,
  startXvfb,
  typeIntoScreenAndConsole,
  webkitDriverPath,
  xvfbPath,
  type DesktopDriver,
  type Spawned,
} from './browsers';
import { buildApp, serveApp } from './preview-server';
import { Keys, WebDriverSession, isElementRef } from './webdriver-client';

/**
 * The desktop end to end in WebKit — Safari's engine, as Debian's WebKitGTK
 * MiniBrowser driven by WebKitWebDriver (W3C WebDriver) on an Xvfb display,
 * since WebKitGTK has no headless mode — as desktop.test.ts runs it in
 * Chromium: the built app, a fresh (ephemeral, as under automation)
 * profile, driven by clicks and keys. WebKitGTK has no OPFS sync access
 * handles by default, so the host disk must fall back to IndexedDB.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const SHOTS = join(import.meta.dirname, 'screenshots');
const haveSprout = existsSync(join(ROOT, 'public/guests/sprout.elf'));
const { missing, skip } = browserAvailability([webkitDriverPath, miniBrowserPath, xvfbPath]);

describe.skipIf(skip || !haveSprout)('the VM server desktop in WebKit (e2e)', () => {
  let outDir: string;
  let server: PreviewServer;
  let url: string;
  let xvfb: Spawned | undefined;
  let webdriver: (Spawned & { endpoint: string }) | undefined;
  let session: WebDriverSession | undefined;

  const wd = (): WebDriverSession => {
    if (!session) throw new Error('no WebDriver session');
    return session;
  };
  const driver: DesktopDriver = {
    evaluate: <T>(expression: string) => wd().execute<T>(`return ${expression};`),
    async click(chain) {
      const el = await wd().execute(`return ${inPage.element(chain)};`);
      if (!isElementRef(el)) throw new Error(`nothing at ${chain.join(' » ')} to click`);
      await wd().click(el);
    },
    // 15 ms between keys, as desktop.test.ts types (the guest polls its PS/2 port).
    typeLine: (text) => wd().typeKeys(`${text}${Keys.Enter}`, 15),
    async screenshot(path) {
      writeFileSync(path, await wd().screenshot());
    },
  };

  beforeAll(async () => {
    if (missing.length > 0)
      throw new Error(
        `missing ${missing.join(', ')}: install webkit2gtk-driver and xvfb ` +
          '(scripts/install-test-deps.sh) or set TABVISOR_SKIP_CONFORMANCE=1 to skip',
      );
    outDir = mkdtempSync(join(tmpdir(), 'tabvisor-e2e-wk-'));
    await buildApp(ROOT, outDir);
    instrumentBuild(outDir);
    ({ server, url } = await serveApp(ROOT, outDir));
    const x = await startXvfb();
    xvfb = x;
    const wk = await startWebKitDriver(x.display);
    webdriver = wk;
    session = await WebDriverSession.create(wk.endpoint, {
      'webkitgtk:browserOptions': { binary: miniBrowserPath, args: ['--automation'] },
    });
    // The window's toolbar takes part of it: size the window for a 1280×720 viewport.
    await session.setWindowRect({ width: 1280, height: 720 });
    const [w, h] = await driver.evaluate<[number, number]>(inPage.viewport());
    await session.setWindowRect({ width: 1280 + (1280 - w), height: 720 + (720 - h) });
    expect(await driver.evaluate(inPage.viewport())).toEqual([1280, 720]);
    mkdirSync(SHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await session?.delete().catch(() => {});
    await webdriver?.stop();
    await xvfb?.stop();
    await server?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('runs the boot sequence to the desktop, the host disk falling back to IndexedDB', async () => {
    await wd().navigate(url);
    await bootToDesktop(
      driver,
      /host disk: 500 GiB, GPT with 3 partitions .* on IndexedDB tabvisor-disk \(no OPFS sync access handles here\)/,
    );
    // Started under LANG=C.UTF-8, WebKitGTK says "C": src/ui/locale-guard.ts makes it a BCP 47 tag.
    expect(await driver.evaluate('navigator.language')).toBe('en-US');
  }, 90_000);

  it('brings the three guests to their shell prompt', () => guestsAtPrompt(driver), 100_000);

  it('runs commands typed into an HVM guest’s screen and a PV guest’s console', async () => {
    await typeIntoScreenAndConsole(driver, 'webkit');
    await driver.screenshot(join(SHOTS, 'webkit-desktop.png'));
  }, 60_000);

  it('says in the log why the host disk is in IndexedDB', async () => {
    expect(await hostDiskLog(driver)).toContain(
      'host disk store: IndexedDB tabvisor-disk (no OPFS sync access handles here; using IndexedDB)',
    );
  }, 20_000);

  it('logged no errors in the page or its worker', () => expectNoProblems(driver, 'WebKit'));
});
