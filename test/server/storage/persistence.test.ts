/**
 * A flushed write survives the tab going away: Debian's Chromium with a
 * persistent profile (Playwright's launchPersistentContext) loads a page
 * whose worker writes records to the host disk, flushing after each; the
 * page is closed in the middle of that stream; a second browser on the same
 * profile then finds every record that was reported flushed, intact.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumArgs, chromiumPath } from '../../chromium';

const fixtures = join(import.meta.dirname, 'fixtures');
const repo = join(import.meta.dirname, '..', '..', '..');
let server: ViteDevServer;
let base = '';
const profiles: string[] = [];

beforeAll(async () => {
  server = await createServer({
    configFile: false,
    root: fixtures,
    logLevel: 'silent',
    server: { host: '127.0.0.1', port: 0, fs: { allow: [repo] } },
    worker: { format: 'es' },
  });
  await server.listen();
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite did not report a URL');
  base = url;
});

afterAll(async () => {
  await server?.close();
  for (const p of profiles) rmSync(p, { recursive: true, force: true });
});

function launch(profile: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    args: chromiumArgs,
    headless: true,
  });
}

interface Progress {
  flushed: number;
  done: boolean;
  result: { intact: number; corrupt: number[]; firstMissing: number } | null;
  error: string | null;
}

describe.each(['opfs', 'idb'])(
  '%s: a flushed write survives closing the page mid-stream',
  (backend) => {
    it('finds every flushed record intact in a new browser on the same profile', async () => {
      const profile = mkdtempSync(join(tmpdir(), `tabvisor-profile-${backend}-`));
      profiles.push(profile);
      const name = `persist-${backend}`;

      const first = await launch(profile);
      const page = await first.newPage();
      await page.goto(`${base}persistence.html?backend=${backend}&mode=write&name=${name}`);
      await page.waitForFunction(
        () => window.storageProgress.flushed >= 40 || window.storageProgress.error !== null,
        null,
        {
          timeout: 60_000,
        },
      );
      const seen = (await page.evaluate(() => window.storageProgress)) as Progress;
      expect(seen.error).toBeNull();
      // Close while the worker is still writing and flushing.
      await page.close();
      await first.close();

      const second = await launch(profile);
      const check = await second.newPage();
      await check.goto(
        `${base}persistence.html?backend=${backend}&mode=verify&name=${name}&upTo=${seen.flushed + 200}`,
      );
      await check.waitForFunction(
        () => window.storageProgress.done || window.storageProgress.error !== null,
        null,
        {
          timeout: 60_000,
        },
      );
      const after = (await check.evaluate(() => window.storageProgress)) as Progress;
      await second.close();
      expect(after.error).toBeNull();
      expect(after.result?.corrupt).toEqual([]);
      // Everything reported flushed is there (and maybe a few more that flushed before the close).
      expect(after.result?.intact).toBeGreaterThanOrEqual(seen.flushed + 1);
      expect(after.result?.firstMissing).toBe(after.result?.intact);
    });
  },
);
