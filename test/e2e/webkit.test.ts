import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GUESTS,
  browserAvailability,
  consoleRows,
  inPage,
  instrumentBuild,
  miniBrowserPath,
  openTab,
  screenText,
  splitProblems,
  startWebKitDriver,
  startXvfb,
  tile,
  waitFor,
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
    const boot = await waitFor(
      'the boot sequence to finish',
      () => driver.evaluate<{ steps: string[]; text: string } | null>(inPage.boot()),
      (b) =>
        b !== null && (b.steps.includes('ready=done') || b.steps.some((s) => s.endsWith('=error'))),
      60_000,
    );
    expect(boot?.steps.filter((s) => !s.endsWith('=done'))).toEqual([]);
    expect(boot?.steps).toEqual(
      expect.arrayContaining(['vmm=done', 'dom0=done', 'storage=done', 'autostart=done']),
    );
    expect(boot?.text).toContain('VM server (Domain-0) starting in privileged mode');
    expect(boot?.text).toMatch(
      /host disk: 500 GiB, GPT with 3 partitions .* on IndexedDB tabvisor-disk \(no OPFS sync access handles here\)/,
    );
    for (const g of GUESTS) expect(boot?.text).toContain(`started ${g} as domain`);
    await waitFor(
      'the desktop',
      () => driver.evaluate<boolean>(inPage.exists(['[role="tablist"]'])),
      Boolean,
      10_000,
    );
    // Started under LANG=C.UTF-8, WebKitGTK says "C": src/ui/locale-guard.ts makes it a BCP 47 tag.
    expect(await driver.evaluate('navigator.language')).toBe('en-US');
  }, 90_000);

  it('brings the three guests to their shell prompt', async () => {
    await openTab(driver, 'screens');
    for (const g of GUESTS)
      await waitFor(
        `${g} to boot to its shell`,
        () => driver.evaluate<string | null>(inPage.innerText(consoleRows(g))),
        (t) => t?.includes('Welcome to Sprout') ?? false,
        90_000,
      );
  }, 100_000);

  it('runs commands typed into an HVM guest’s screen and a PV guest’s console', async () => {
    // HVM: the VGA screen, keys through the emulated PS/2 keyboard (KeyboardEvent.code).
    await driver.click([tile('sprout-hvm'), 'vm-screen']);
    await waitFor(
      'sprout-hvm to have the keyboard',
      () => driver.evaluate<string | null>(inPage.attribute([tile('sprout-hvm')], 'keyboard')),
      (v) => v === '',
      5_000,
    );
    await driver.typeLine('echo webkit-ok');
    const screen = await waitFor(
      'the command’s output on the VGA screen',
      () => driver.evaluate<string | null>(inPage.textContent(screenText('sprout-hvm'))),
      (t) => /^ *webkit-ok *$/m.test(t ?? ''),
      20_000,
    );
    expect(screen).toMatch(/echo webkit-ok/);
    // PV: its console, an xterm.js terminal (keys through its hidden textarea).
    await driver.click([tile('sprout-pv'), 'vm-console']);
    await driver.typeLine('echo webkit-pv-ok');
    await waitFor(
      'the command’s output on the PV console',
      () => driver.evaluate<string | null>(inPage.innerText(consoleRows('sprout-pv'))),
      (t) => /^ *webkit-pv-ok *$/m.test(t ?? ''),
      20_000,
    );
    expect(await driver.evaluate(inPage.attribute([tile('sprout-hvm')], 'keyboard'))).toBeNull();
    await driver.screenshot(join(SHOTS, 'webkit-desktop.png'));
  }, 60_000);

  it('says in the log why the host disk is in IndexedDB', async () => {
    await openTab(driver, 'log');
    const log = await waitFor(
      'the host disk line in the log',
      () => driver.evaluate<string | null>(inPage.innerText(['#panel-log', 'system-log', 'ol'])),
      (t) => t?.includes('host disk store:') ?? false,
      10_000,
    );
    expect(log).toContain(
      'host disk store: IndexedDB tabvisor-disk (no OPFS sync access handles here; using IndexedDB)',
    );
  }, 20_000);

  it('logged no errors in the page or its worker', async () => {
    const seen = splitProblems(await driver.evaluate<string[]>(inPage.problems()));
    if (seen.warnings.length > 0) console.log(`WebKit warnings:\n  ${seen.warnings.join('\n  ')}`);
    expect(seen.errors).toEqual([]);
  });
});
