import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AxeResults, ElementContext, Result, RunOptions, run } from 'axe-core';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumArgs, chromiumPath } from '../chromium';
import { buildApp, serveApp } from './preview-server';

/**
 * The desktop's accessibility, checked by axe-core against WCAG 2 A/AA on
 * every tab once the boot sequence is done: the built app in Debian's
 * Chromium with a fresh profile, so the three Sprout guests are running and
 * every view has live content. axe descends into open shadow roots, so one
 * run over the document covers all the Lit components.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const AXE = join(ROOT, 'node_modules/axe-core/axe.min.js');
const haveBrowser = existsSync(chromiumPath);
const haveSprout = existsSync(join(ROOT, 'public/guests/sprout.elf'));

/** WCAG 2.0/2.1/2.2 levels A and AA (axe's tag names). */
const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** Impacts that fail the test; moderate and minor ones are only reported. */
const BLOCKING = new Set(['serious', 'critical']);

const VIEWPORTS = [
  [1280, 720],
  [820, 1180],
] as const;

/** The whole document; axe descends into open shadow roots from here. */
const document_: ElementContext = { include: [['html']] };

interface Finding {
  readonly tab: string;
  readonly rule: string;
  readonly impact: string;
  readonly help: string;
  readonly targets: string[];
  /** axe's reasons, deduplicated (for colour contrast: the colours and the ratio). */
  readonly why: string;
}

function findings(tab: string, results: Result[]): Finding[] {
  return results.map((v) => ({
    tab,
    rule: v.id,
    impact: v.impact ?? 'unknown',
    help: v.help,
    targets: v.nodes.map((n) => JSON.stringify(n.target)),
    why: [...new Set(v.nodes.map((n) => (n.failureSummary ?? '').replace(/\s+/g, ' ')))].join(
      ' | ',
    ),
  }));
}

async function runAxe(page: Page, context: ElementContext, options: RunOptions): Promise<Result[]> {
  // Passed as JSON: Playwright's serialisable-argument types recurse too deep on axe's own.
  const arg = JSON.stringify({ context, options });
  const json = await page.evaluate(async (a: string) => {
    const { context: ctx, options: opts } = JSON.parse(a) as {
      context: ElementContext;
      options: RunOptions;
    };
    const axe = (window as unknown as { axe: { run: typeof run } }).axe;
    const r: AxeResults = await axe.run(ctx, opts);
    return JSON.stringify(r.violations);
  }, arg);
  return JSON.parse(json) as Result[];
}

describe.skipIf(!haveBrowser || !haveSprout)('the desktop’s accessibility (axe-core, e2e)', () => {
  let outDir: string;
  let server: PreviewServer;
  let url: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'tabvisor-a11y-'));
    await buildApp(ROOT, outDir);
    ({ server, url } = await serveApp(ROOT, outDir));
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    page = await context.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  const app = (sel: string) => page.locator(`tabvisor-app ${sel}`);

  it('has no serious or critical WCAG 2 A/AA violations on any tab', async () => {
    await page.goto(url);
    await app('boot-view [data-stage="ready"][data-state="done"]').waitFor({ timeout: 90_000 });
    await app('[role="tablist"]').waitFor({ timeout: 10_000 });
    await page.addScriptTag({ content: readFileSync(AXE, 'utf8') });

    const tabs = await app('[role="tab"]').evaluateAll((els) => els.map((e) => e.id.slice(4)));
    expect(tabs).toContain('dashboard');
    expect(tabs.length).toBeGreaterThanOrEqual(8);

    const all: Finding[] = [];
    // The desktop and the tablet width desktop.test.ts checks (tables scroll in boxes there).
    for (const [width, height] of VIEWPORTS) {
      await page.setViewportSize({ width, height });
      for (const id of tabs) {
        await app(`#tab-${id}`).click();
        await expect.poll(() => app(`#panel-${id}`).isVisible()).toBe(true);
        if (id === 'screens' && width === VIEWPORTS[0][0]) {
          // Checked with the guests up, their screens and consoles showing text (the
          // first pass waits; at the narrower width the console has scrolled on).
          const consoles = app('vm-tile vm-console .xterm-rows');
          await expect
            .poll(() => consoles.first().innerText(), { timeout: 120_000 })
            .toContain('Welcome to Sprout');
        }
        // Let live views draw their first data.
        await page.waitForTimeout(1_000);
        // No exclusions: the guests' screens (VGA text in a <pre>, xterm.js rows) pass too.
        const violations = await runAxe(page, document_, {
          runOnly: { type: 'tag', values: WCAG_AA },
        });
        all.push(...findings(`${id}@${width}`, violations));
      }
    }

    for (const f of all) {
      const line = `[a11y] ${f.tab}: ${f.impact} ${f.rule} — ${f.help} (${f.targets.length}× e.g. ${f.targets.slice(0, 3).join(' ')}) ${f.why}`;
      console.log(line);
    }
    const blocking = all
      .filter((f) => BLOCKING.has(f.impact))
      .map((f) => `${f.tab}: ${f.impact} ${f.rule} at ${f.targets.join(' ')}`);
    expect(blocking).toEqual([]);
  }, 300_000);
});
