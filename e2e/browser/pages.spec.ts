// The other pages and the app as a whole: failed files on Folders, Duplicates, language and theme settings,
// a phone-sized window, the security headers with a clean console, and an accessibility sweep.
import { checkAxe, expectFirst, expectTierSeparator, gotoPage, shot, sidewaysOverflow } from '../browser-helpers.js';
import { expect, test } from './app-fixture.js';

test('lists the files that could not be read, with reasons', async ({ page }) => {
  await gotoPage(page, 'Folders');
  const row = page.locator('[data-testid="failures"] tr[data-failed-path$="zero_bytes.jpg"]');
  await row.waitFor();
  const reason = (await row.locator('td.reason').innerText()).trim();
  expect(reason.length, `a reason is shown for zero_bytes.jpg ("${reason}")`).toBeGreaterThan(3);
  expect(await page.locator('[data-testid="failures"] tbody tr').count(), 'failed files listed').toBeGreaterThanOrEqual(5);
});

test('duplicates page loads and stays accessible', async ({ page }) => {
  await gotoPage(page, 'Duplicates');
  await page.getByRole('heading', { name: 'Duplicates', level: 1 }).waitFor();
  await page.waitForFunction(() => !document.querySelector('main [role="status"]')?.textContent?.includes('Looking for duplicates'), undefined, { timeout: 60_000 });
  await shot(page, '12-duplicates');
  await checkAxe(page, 'duplicates');
});

test('switches language to 中文 and back', async ({ page }) => {
  await gotoPage(page, 'Settings');
  await page.getByText('简体中文').click();
  await page.getByRole('navigation').getByRole('link', { name: '文件夹', exact: true }).waitFor();
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await page.getByRole('heading', { name: '设置', level: 1 }).waitFor();
  await shot(page, '07-settings-zh');
  await checkAxe(page, 'settings (zh-CN)');
  // The choice is saved with the library: a reload keeps it.
  await page.reload();
  await page.getByRole('navigation').getByRole('link', { name: '文件夹', exact: true }).waitFor();
  await gotoPage(page, '搜索');
  await page.getByRole('searchbox').fill('红色');
  await expectFirst(page, '/red.jpg');
  await expectTierSeparator(page, '最佳匹配', '更多结果');
  await shot(page, '08-search-zh');
  await gotoPage(page, '设置');
  await page.getByText('English', { exact: true }).click();
  await page.getByRole('navigation').getByRole('link', { name: 'Folders', exact: true }).waitFor();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
});

test('dark theme applies and stays accessible', async ({ page }) => {
  await gotoPage(page, 'Settings');
  await page.getByText('Dark', { exact: true }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await shot(page, '09-settings-dark');
  await checkAxe(page, 'settings (dark)');
  await gotoPage(page, 'Search');
  await page.getByRole('searchbox').fill('red');
  await expectFirst(page, '/red.jpg');
  await shot(page, '10-search-dark');
  await checkAxe(page, 'results (dark)');
  await gotoPage(page, 'Folders');
  await checkAxe(page, 'folders (dark)');
  await gotoPage(page, 'Settings');
  await page.getByText('System', { exact: true }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
});

test('a phone-sized window keeps everything reachable without sideways scrolling', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 800 });
  await page.getByRole('searchbox').fill('红色');
  await expectFirst(page, '/red.jpg');
  expect(await sidewaysOverflow(page), 'the results page scrolls sideways by (px)').toBeLessThanOrEqual(0);
  await shot(page, '13-narrow');
  await checkAxe(page, 'narrow results');
  await gotoPage(page, 'Folders');
  expect(await sidewaysOverflow(page), 'the folders page scrolls sideways by (px)').toBeLessThanOrEqual(0);
  await gotoPage(page, 'Search');
});

test('the page has a strict CSP and no console errors or CSP violations', async ({ page, served, consoleProblems }) => {
  const res = await page.request.get(served.url);
  expect(res.ok()).toBe(true);
  const csp = res.headers()['content-security-policy'] ?? '';
  expect(csp, 'CSP script-src').toContain("script-src 'self'");
  expect(csp, 'CSP default-src').toContain("default-src 'none'");
  expect(res.headers()['x-content-type-options'], 'X-Content-Type-Options').toBe('nosniff');
  // Every page, with results, a thumbnail and a full-size image loaded, under that policy.
  await page.getByRole('searchbox').fill('red');
  await expectFirst(page, '/red.jpg');
  await page.locator('[data-path]').first().locator('button.open').click();
  await page.waitForFunction(() => {
    const img = document.querySelector<HTMLImageElement>('[role="dialog"] img.full');
    return !!img && img.complete && img.naturalWidth > 0;
  });
  await page.keyboard.press('Escape');
  for (const name of ['Albums', 'Duplicates', 'Folders', 'Settings'] as const) {
    await gotoPage(page, name);
    await page.getByRole('heading', { name, level: 1 }).waitFor();
  }
  await gotoPage(page, 'Search');
  await expectFirst(page, '/red.jpg');
  expect(consoleProblems, 'console errors, uncaught exceptions or CSP violations').toEqual([]);
});

test('axe: no serious or critical accessibility violations', async ({ page }) => {
  // Each flow above scans the screens it reaches; this sweep covers every page in its resting state.
  await checkAxe(page, 'search (empty)');
  await page.getByRole('searchbox').fill('blue');
  await expectFirst(page, '/blue.jpg');
  await checkAxe(page, 'search results');
  for (const name of ['Albums', 'Duplicates', 'Folders', 'Settings'] as const) {
    await gotoPage(page, name);
    await page.getByRole('heading', { name, level: 1 }).waitFor();
    await checkAxe(page, name);
  }
});
