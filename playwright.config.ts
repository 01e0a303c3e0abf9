// End-to-end tests, one runner (@playwright/test) and three projects:
// - browser (e2e/browser/): Debian's Chromium against `soutu serve` started inside the test worker
//   (e2e/browser/serve-fixture.ts);
// - desktop-bridge (e2e/desktop/): the desktop app's data path with Chromium standing in for Electron's window;
// - electron (e2e/electron/): the real Electron binary through Playwright's _electron (fails without one unless
//   SOUTU_ELECTRON_SMOKE=skip).
// Each npm script runs one project (test:e2e → --project browser, test:desktop-bridge, test:electron);
// a bare `playwright test` runs all three.
import { defineConfig } from '@playwright/test';

const CHROMIUM = process.env.SOUTU_CHROMIUM ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: 'e2e',
  globalSetup: './e2e/browser/global-setup.ts',
  outputDir: 'artifacts/test-results',
  // One worker: the machines are small, and each worker builds and indexes its own library.
  workers: 1,
  fullyParallel: false,
  retries: process.env.CI ? 1 : 0,
  forbidOnly: !!process.env.CI,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list'], ['html', { outputFolder: 'artifacts/playwright-report', open: 'never' }], ['json', { outputFile: 'artifacts/playwright-results.json' }]],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: CHROMIUM,
      // Root in a container: no sandbox, no GPU, and nothing that would reach for the network on its own.
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'],
    },
    locale: 'en-US',
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    colorScheme: 'light',
    actionTimeout: 15_000,
    navigationTimeout: 15_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    { name: 'browser', testDir: 'e2e/browser' },
    // Each builds and indexes its own library; generous limits for small machines.
    { name: 'desktop-bridge', testDir: 'e2e/desktop', timeout: 240_000 },
    { name: 'electron', testDir: 'e2e/electron', timeout: 300_000 },
  ],
});
