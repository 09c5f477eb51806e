import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { freePort } from './preview-server';

/**
 * The browsers besides Chromium that the desktop must work in, all Debian
 * packages (browsers cannot be downloaded here): Firefox ESR, driven over
 * WebDriver BiDi, and WebKitGTK — Safari's engine — through its
 * WebKitWebDriver and MiniBrowser, which need an X display (Xvfb).
 */

export const firefoxPath = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
export const webkitDriverPath = process.env.WEBKIT_DRIVER_PATH ?? '/usr/bin/WebKitWebDriver';
export const miniBrowserPath =
  process.env.MINIBROWSER_PATH ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
export const xvfbPath = process.env.XVFB_PATH ?? '/usr/bin/Xvfb';

/**
 * As elsewhere in the repo: a missing browser fails the suite (CI installs
 * them) unless TABVISOR_SKIP_CONFORMANCE=1 says this machine lacks them.
 */
export function browserAvailability(paths: readonly string[]): {
  missing: string[];
  skip: boolean;
} {
  const missing = paths.filter((p) => !existsSync(p));
  return { missing, skip: missing.length > 0 && process.env.TABVISOR_SKIP_CONFORMANCE === '1' };
}

export interface Spawned {
  readonly child: ChildProcess;
  /** Everything it printed, stdout and stderr, line by line. */
  readonly output: string[];
  stop(): Promise<void>;
}

function collect(child: ChildProcess): string[] {
  const lines: string[] = [];
  let partial = '';
  const take = (chunk: Buffer): void => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  return lines;
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
}

/** A virtual X server on a free display number; `-displayfd` reports which. */
export async function startXvfb(): Promise<Spawned & { display: string }> {
  const child = spawn(
    xvfbPath,
    ['-displayfd', '3', '-screen', '0', '1600x1000x24', '-nolisten', 'tcp'],
    { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] },
  );
  const output = collect(child);
  const fd = child.stdio[3] as NodeJS.ReadableStream;
  const stop = stopper(child);
  let timer: NodeJS.Timeout | undefined;
  try {
    const display = await new Promise<string>((resolve, reject) => {
      let text = '';
      fd.on('data', (d: Buffer) => {
        text += d.toString();
        if (text.includes('\n')) resolve(`:${text.trim()}`);
      });
      child.once('exit', (code) =>
        reject(new Error(`Xvfb exited (${code}) before it was ready:\n${output.join('\n')}`)),
      );
      timer = setTimeout(() => reject(new Error('Xvfb did not report a display in 10 s')), 10_000);
    });
    return { child, output, display, stop };
  } catch (e) {
    await stop();
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/** WebKitWebDriver on a free port of 127.0.0.1, its browsers on `display`. */
export async function startWebKitDriver(display: string): Promise<Spawned & { endpoint: string }> {
  const port = await freePort();
  const child = spawn(webkitDriverPath, [`--port=${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      DISPLAY: display,
      // The POSIX locale, as on CI: WebKitGTK then reports navigator.language "C" (src/ui/locale-guard.ts).
      LANG: 'C.UTF-8',
      LC_ALL: '',
      LANGUAGE: '',
    },
  });
  const output = collect(child);
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const r = await fetch(`${endpoint}/status`);
      if (r.ok) break;
    } catch {
      // Not listening yet.
    }
    if (child.exitCode !== null) throw new Error(`WebKitWebDriver exited:\n${output.join('\n')}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('WebKitWebDriver did not answer /status in 10 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, output, endpoint, stop: stopper(child) };
}

/** The BroadcastChannel the worker's probe reports on (it cannot share the app's Comlink port). */
const PROBE_CHANNEL = 'tabvisor-e2e-console';

/**
 * What the page and its worker report: console errors and warnings, uncaught
 * exceptions and unhandled rejections, failed resource loads — in the page
 * and in the VM server's worker. Run first in each (prepended to the built
 * files), it stands in for a driver's console events where the driver has
 * none (WebDriver classic, which WebKitWebDriver speaks, has no log API and
 * MiniBrowser prints no console messages under automation).
 */
function pageProbe(channel: string): void {
  const w = window as unknown as { __tabvisorE2eProblems: string[] };
  const seen: string[] = (w.__tabvisorE2eProblems = []);
  const text = (args: unknown[]): string =>
    // WebKit's Error.stack lacks the message: both.
    args.map((a) => (a instanceof Error ? `${String(a)}\n${a.stack ?? ''}` : String(a))).join(' ');
  for (const level of ['error', 'warn'] as const) {
    const original = console[level].bind(console);
    console[level] = (...args: unknown[]) => {
      seen.push(`${level === 'warn' ? 'warning' : 'error'}: ${text(args)}`);
      original(...args);
    };
  }
  addEventListener(
    'error',
    (e) => {
      const t = e.target as { src?: string; href?: string } | null;
      if (t && t !== (window as unknown) && (t.src ?? t.href))
        seen.push(`error: failed to load ${t.src ?? t.href}`);
      else seen.push(`pageerror: ${text([e.error ?? e.message])} (${e.filename}:${e.lineno})`);
    },
    true,
  );
  addEventListener('unhandledrejection', (e) =>
    seen.push(`pageerror: unhandled rejection: ${text([e.reason])}`),
  );
  const PageWorker = window.Worker;
  window.Worker = class extends PageWorker {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options);
      this.addEventListener('error', (e) => seen.push(`workererror: ${e.message}`));
    }
  };
  new BroadcastChannel(channel).onmessage = (m: MessageEvent<string>) => seen.push(m.data);
}

function workerProbe(channel: string): void {
  const out = new BroadcastChannel(channel);
  const text = (args: unknown[]): string =>
    // WebKit's Error.stack lacks the message: both.
    args.map((a) => (a instanceof Error ? `${String(a)}\n${a.stack ?? ''}` : String(a))).join(' ');
  for (const level of ['error', 'warn'] as const) {
    const original = console[level].bind(console);
    console[level] = (...args: unknown[]) => {
      out.postMessage(`worker ${level === 'warn' ? 'warning' : 'error'}: ${text(args)}`);
      original(...args);
    };
  }
  addEventListener('error', (e) => out.postMessage(`workererror: ${text([e.error ?? e.message])}`));
  addEventListener('unhandledrejection', (e) =>
    out.postMessage(`workererror: unhandled rejection: ${text([e.reason])}`),
  );
}

/** Prepends the probes to the built page and worker in `outDir` (a build of the test's own). */
export function instrumentBuild(outDir: string): void {
  const call = (fn: (channel: string) => void): string =>
    // `__name`: the helper a keepNames transpile (tsx) puts in function bodies.
    `((__name) => (${fn.toString()})(${JSON.stringify(PROBE_CHANNEL)}))((f) => f);`;
  const index = join(outDir, 'index.html');
  const html = readFileSync(index, 'utf8');
  if (!html.includes('<head>')) throw new Error(`${index}: no <head> to put the probe in`);
  writeFileSync(index, html.replace('<head>', `<head><script>${call(pageProbe)}</script>`));
  const workers = readdirSync(join(outDir, 'assets')).filter((f) =>
    /^vm-server\.worker.*\.js$/.test(f),
  );
  if (workers.length !== 1)
    throw new Error(`expected one built worker, found ${workers.join(', ')}`);
  const worker = join(outDir, 'assets', workers[0] ?? '');
  // On the first line, so the source map's line numbers still hold.
  writeFileSync(worker, call(workerProbe) + readFileSync(worker, 'utf8'));
}

/** Reads what the page probe has seen (an expression for the driver to evaluate). */
export const PROBLEMS_EXPRESSION = 'window.__tabvisorE2eProblems ?? ["probe missing"]';

/** What a test does to the page, the same through Puppeteer (Firefox) and WebDriver (WebKit). */
export interface DesktopDriver {
  /** Evaluates a JavaScript expression in the page (see `inPage`). */
  evaluate<T>(expression: string): Promise<T>;
  /** Clicks the element `inPage.element(chain)` finds, as a user would (pointer at its centre). */
  click(chain: readonly string[]): Promise<void>;
  /** Types into whatever has focus, key by key, then presses Enter. */
  typeLine(text: string): Promise<void>;
  screenshot(path: string): Promise<void>;
}

/** In the page: the first element matching each selector in turn, looking into open shadow roots. */
function deepFind(chain: readonly string[]): Element | null {
  const within = (root: ParentNode, sel: string): Element | null => {
    const hit = root.querySelector(sel);
    if (hit) return hit;
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) {
        const inner = within(el.shadowRoot, sel);
        if (inner) return inner;
      }
    }
    return null;
  };
  let at = document as Element | Document;
  for (const sel of chain) {
    const found: Element | null =
      at instanceof Element && at.shadowRoot
        ? (within(at.shadowRoot, sel) ?? within(at, sel))
        : within(at, sel);
    if (!found) return null;
    at = found;
  }
  return at instanceof Element ? at : null;
}

type Find = typeof deepFind;

function expression<A extends unknown[]>(
  fn: (find: Find, ...args: A) => unknown,
  ...args: A
): string {
  const list = args.map((a) => JSON.stringify(a)).join(', ');
  // `__name`: the helper a keepNames transpile (tsx) puts in function bodies.
  return `((__name) => (${fn.toString()})(${deepFind.toString()}${list ? `, ${list}` : ''}))((f) => f)`;
}

/** Expressions for `DesktopDriver.evaluate`, reading the desktop as desktop.test.ts does. */
export const inPage = {
  /** The boot view's steps as `stage=state`, and its text; null before it renders. */
  boot: (): string =>
    expression((find) => {
      const view = find(['boot-view']);
      if (!view?.shadowRoot) return null;
      const steps = [...view.shadowRoot.querySelectorAll('li.step')].map(
        (e) => `${e.getAttribute('data-stage')}=${e.getAttribute('data-state')}`,
      );
      const text = view.shadowRoot.querySelector('section') as HTMLElement | null;
      return { steps, text: text?.innerText ?? '' };
    }),
  /** The element itself (a driver turns it into a handle to click). */
  element: (chain: readonly string[]): string => expression((find, c) => find(c), chain),
  exists: (chain: readonly string[]): string => expression((find, c) => find(c) !== null, chain),
  visible: (chain: readonly string[]): string =>
    expression((find, c) => {
      const el = find(c) as HTMLElement | null;
      return el !== null && el.getClientRects().length > 0;
    }, chain),
  innerText: (chain: readonly string[]): string =>
    expression((find, c) => (find(c) as HTMLElement | null)?.innerText ?? null, chain),
  textContent: (chain: readonly string[]): string =>
    expression((find, c) => find(c)?.textContent ?? null, chain),
  attribute: (chain: readonly string[], name: string): string =>
    expression((find, c, n) => find(c)?.getAttribute(n) ?? null, chain, name),
  viewport: (): string => expression(() => [innerWidth, innerHeight]),
  problems: (): string => PROBLEMS_EXPRESSION,
};

export const GUESTS = ['sprout-hvm', 'sprout-hvm2', 'sprout-pv'] as const;

/** The tile of a guest on the Screens tab, and where its text shows. */
export const tile = (guest: string): string => `vm-tile[domain="${guest}"]`;
export const consoleRows = (guest: string): string[] => [tile(guest), 'vm-console', '.xterm-rows'];
export const screenText = (guest: string): string[] => [tile(guest), 'vm-screen', 'pre'];

/** Polls `read` until `done` holds of its value, or fails after `timeoutMs` with the last value. */
export async function waitFor<T>(
  what: string,
  read: () => Promise<T>,
  done: (v: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (done(last)) return last;
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)}`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Opens a tab of the desktop and waits for its panel. */
export async function openTab(d: DesktopDriver, id: string): Promise<void> {
  await d.click([`#tab-${id}`]);
  await waitFor(
    `the ${id} panel`,
    () => d.evaluate<boolean>(inPage.visible([`#panel-${id}`])),
    Boolean,
    10_000,
  );
}

/** The probe's reports split into errors (which fail a test) and warnings (which are listed). */
export function splitProblems(seen: readonly string[]): { errors: string[]; warnings: string[] } {
  const isWarning = (p: string): boolean => /^(worker )?warning:/.test(p);
  return { errors: seen.filter((p) => !isWarning(p)), warnings: seen.filter(isWarning) };
}

/*
 * The steps every browser's test takes, through whatever drives it: a test
 * file keeps how it launches and drives its browser and what differs there
 * (where the host disk is kept, the locale).
 */

/**
 * Waits for the boot view to be ready (or a step to fail), checks each step
 * is done, Domain-0 started, the host disk is as `hostDisk` says and the
 * guests autostarted, then waits for the desktop's tabs.
 */
export async function bootToDesktop(d: DesktopDriver, hostDisk: RegExp): Promise<void> {
  const boot = await waitFor(
    'the boot sequence to finish',
    () => d.evaluate<{ steps: string[]; text: string } | null>(inPage.boot()),
    (b) =>
      b !== null && (b.steps.includes('ready=done') || b.steps.some((s) => s.endsWith('=error'))),
    60_000,
  );
  expect(boot?.steps.filter((s) => !s.endsWith('=done'))).toEqual([]);
  expect(boot?.steps).toEqual(
    expect.arrayContaining(['vmm=done', 'dom0=done', 'storage=done', 'autostart=done']),
  );
  expect(boot?.text).toContain('VM server (Domain-0) starting in privileged mode');
  expect(boot?.text).toMatch(hostDisk);
  for (const g of GUESTS) expect(boot?.text).toContain(`started ${g} as domain`);
  await waitFor(
    'the desktop',
    () => d.evaluate<boolean>(inPage.exists(['[role="tablist"]'])),
    Boolean,
    10_000,
  );
}

/** Opens the Screens tab and waits for each guest's console to greet from its shell. */
export async function guestsAtPrompt(d: DesktopDriver): Promise<void> {
  await openTab(d, 'screens');
  for (const g of GUESTS)
    await waitFor(
      `${g} to boot to its shell`,
      () => d.evaluate<string | null>(inPage.innerText(consoleRows(g))),
      (t) => t?.includes('Welcome to Sprout') ?? false,
      90_000,
    );
}

/**
 * Types `echo WORD-ok` into the HVM guest's screen and `echo WORD-pv-ok` into
 * the PV guest's console, and waits for each guest to print it back.
 */
export async function typeIntoScreenAndConsole(d: DesktopDriver, word: string): Promise<void> {
  // HVM: the VGA screen, keys through the emulated PS/2 keyboard (KeyboardEvent.code).
  await d.click([tile('sprout-hvm'), 'vm-screen']);
  await waitFor(
    'sprout-hvm to have the keyboard',
    () => d.evaluate<string | null>(inPage.attribute([tile('sprout-hvm')], 'keyboard')),
    (v) => v === '',
    5_000,
  );
  await d.typeLine(`echo ${word}-ok`);
  const screen = await waitFor(
    'the command’s output on the VGA screen',
    () => d.evaluate<string | null>(inPage.textContent(screenText('sprout-hvm'))),
    (t) => new RegExp(`^ *${word}-ok *$`, 'm').test(t ?? ''),
    20_000,
  );
  expect(screen).toMatch(`echo ${word}-ok`);
  // PV: its console, an xterm.js terminal (keys through its hidden textarea).
  await d.click([tile('sprout-pv'), 'vm-console']);
  await d.typeLine(`echo ${word}-pv-ok`);
  await waitFor(
    'the command’s output on the PV console',
    () => d.evaluate<string | null>(inPage.innerText(consoleRows('sprout-pv'))),
    (t) => new RegExp(`^ *${word}-pv-ok *$`, 'm').test(t ?? ''),
    20_000,
  );
  expect(await d.evaluate(inPage.attribute([tile('sprout-hvm')], 'keyboard'))).toBeNull();
}

/** Opens the Log tab and returns its text once it names the host disk's store. */
export async function hostDiskLog(d: DesktopDriver): Promise<string | null> {
  await openTab(d, 'log');
  return waitFor(
    'the host disk line in the log',
    () => d.evaluate<string | null>(inPage.innerText(['#panel-log', 'system-log', 'ol'])),
    (t) => t?.includes('host disk store:') ?? false,
    10_000,
  );
}

/**
 * Fails on any error the probe saw, or the driver's own events did (`seen`);
 * lists the warnings under the browser's `name`.
 */
export async function expectNoProblems(
  d: DesktopDriver,
  name: string,
  seen: { errors: readonly string[]; warnings: readonly string[] } = { errors: [], warnings: [] },
): Promise<void> {
  const probed = splitProblems(await d.evaluate<string[]>(inPage.problems()));
  const warned = [...seen.warnings, ...probed.warnings];
  if (warned.length > 0) console.log(`${name} warnings:\n  ${warned.join('\n  ')}`);
  expect([...seen.errors, ...probed.errors]).toEqual([]);
}
