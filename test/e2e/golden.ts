import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Browser } from 'playwright-core';

/**
 * Screenshot goldens without a pixel-diff package: both images are drawn
 * into a canvas in Chromium, shrunk to a coarse grid of cells (so
 * anti-aliasing and sub-pixel shifts average out), and compared by the
 * luminance of each cell (ITU-R BT.601 weights). A golden that does not
 * exist yet is written from the screenshot (review it, then commit it).
 */

export interface GoldenResult {
  /** The golden was missing and has been written. */
  readonly created: boolean;
  /** Mean |Δ luminance| over all cells, 0–255. */
  readonly meanDiff: number;
  /** Share of cells whose luminance moved by more than `cellThreshold`. */
  readonly changedCells: number;
}

export interface GoldenOptions {
  /** Grid the images are reduced to (default 128 × 72 for 16:9). */
  readonly cols?: number;
  readonly rows?: number;
  /** A cell counts as changed beyond this luminance difference (default 24). */
  readonly cellThreshold?: number;
}

export async function compareWithGolden(
  browser: Browser,
  screenshot: Buffer,
  goldenPath: string,
  opts: GoldenOptions = {},
): Promise<GoldenResult> {
  if (!existsSync(goldenPath)) {
    mkdirSync(dirname(goldenPath), { recursive: true });
    writeFileSync(goldenPath, screenshot);
    return { created: true, meanDiff: 0, changedCells: 0 };
  }
  const golden = readFileSync(goldenPath);
  const page = await browser.newPage();
  try {
    return await page.evaluate(
      // No named helper functions inside: this body runs in the page as written (a
      // transpiler's name-keeping wrappers would not exist there).
      async ({ a, b, cols, rows, threshold }) => {
        const lums: Float64Array[] = [];
        for (const b64 of [a, b]) {
          const img = new Image();
          img.src = `data:image/png;base64,${b64}`;
          await img.decode();
          const c = document.createElement('canvas');
          c.width = cols;
          c.height = rows;
          const ctx = c.getContext('2d');
          if (!ctx) throw new Error('no 2d context');
          ctx.imageSmoothingQuality = 'high';
          ctx.drawImage(img, 0, 0, cols, rows);
          const d = ctx.getImageData(0, 0, cols, rows).data;
          const out = new Float64Array(cols * rows);
          for (let i = 0; i < out.length; i++)
            out[i] =
              0.299 * (d[i * 4] ?? 0) + 0.587 * (d[i * 4 + 1] ?? 0) + 0.114 * (d[i * 4 + 2] ?? 0);
          lums.push(out);
        }
        const [la, lb] = lums as [Float64Array, Float64Array];
        let sum = 0;
        let changed = 0;
        for (let i = 0; i < la.length; i++) {
          const diff = Math.abs((la[i] ?? 0) - (lb[i] ?? 0));
          sum += diff;
          if (diff > threshold) changed++;
        }
        return { created: false, meanDiff: sum / la.length, changedCells: changed / la.length };
      },
      {
        a: screenshot.toString('base64'),
        b: golden.toString('base64'),
        cols: opts.cols ?? 128,
        rows: opts.rows ?? 72,
        threshold: opts.cellThreshold ?? 24,
      },
    );
  } finally {
    await page.close();
  }
}
