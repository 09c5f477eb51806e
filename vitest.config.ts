import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import { chromiumArgs, chromiumPath } from './test/chromium.ts';

const browserTests = 'test/**/*.browser.test.ts';
const conformanceTests = 'test/conformance/**/*.test.ts';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          environment: 'node',
          include: ['test/**/*.test.ts'],
          exclude: [browserTests, conformanceTests, '**/node_modules/**'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'conformance',
          environment: 'node',
          include: [conformanceTests],
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: [browserTests],
          testTimeout: 120_000,
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({
              // Playwright gives each run a fresh profile directory of its own.
              launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
