// The `test` every browser spec uses: a fresh page already on the app (through the server's entry URL), and a
// guard that fails the test during which the page logged an error, threw, or broke its Content Security Policy.
import { expect, test as serveTest } from './serve-fixture.js';

export interface AppFixtures {
  /** What the page reported during this test: console errors, uncaught exceptions, CSP violations. */
  consoleProblems: string[];
}

/** Requests the browser makes on its own (not the app) whose failure is not the app's problem. */
const IGNORED = /favicon/;

export const test = serveTest.extend<AppFixtures>({
  consoleProblems: async ({}, use) => {
    await use([]);
  },

  page: async ({ page, served, consoleProblems }, use) => {
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content.Security.Policy|Refused to/i.test(m.text())) consoleProblems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleProblems.push(`pageerror: ${e.message}`));
    // Chromium logs most CSP refusals, but not all (e.g. some report-only or worker cases): listen for the event
    // too. Init scripts run over CDP, so the page's own CSP does not block this one.
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || '(inline)'}`));
    });
    await page.goto(served.entryUrl);
    await use(page);
    const bad = consoleProblems.filter((m) => !IGNORED.test(m));
    expect(bad, 'console errors, uncaught exceptions or CSP violations during this test').toEqual([]);
  },
});

export { expect };
export type { Served } from './serve-fixture.js';
