// A library indexed with the compact (8-bit) image model, as `soutu index --precision compact` makes one: the main
// screen offers to re-embed it at full precision (in both languages, by keyboard too); dismissed, the offer stays
// hidden for this library; Re-embed starts the switch while search keeps working.
import { checkAxe, foreignText, gotoPage, shot } from '../browser-helpers.js';
import { expect, test } from './app-fixture.js';
import { settings, speak, status, switched, type Status } from './precision-helpers.js';

test.use({ libraryPrecision: 'compact' });

test('the main screen offers a re-embed at full precision, in both languages; dismissed, it stays hidden', async ({ page, served }) => {
  expect((await status(served)).model?.vision).toBe('q8');
  const banner = page.getByTestId('compact-banner');
  await expect(banner).toContainText('This library was indexed with the compact model. Re-embed at full precision for better results.');
  await shot(page, '33-compact-banner');
  await checkAxe(page, 'search with the compact banner');
  // Settings shows the library as it is.
  await gotoPage(page, 'Settings');
  await expect(page.getByTestId('precision').getByRole('radio', { name: /^Compact/ })).toBeChecked();
  try {
    await speak(page, 'zh-CN');
    await gotoPage(page, '搜索');
    await expect(banner).toContainText('此照片库是用紧凑模型建立索引的');
    expect(await foreignText(page, 'zh-CN', '[data-testid="compact-banner"]'), 'the banner in Chinese').toEqual([]);
  } finally {
    await speak(page, 'en');
  }
  await gotoPage(page, 'Search');
  // Keyboard: the dismiss button takes focus and Enter hides the notice, for this library, after a reload too.
  const dismiss = banner.getByRole('button', { name: 'Dismiss' });
  await dismiss.focus();
  await expect(dismiss).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(banner).toHaveCount(0);
  await page.reload();
  await page.getByRole('searchbox').waitFor();
  await expect(page.getByRole('navigation').getByRole('link', { name: 'Folders', exact: true })).toBeVisible();
  await expect(banner).toHaveCount(0);
  expect((await status(served)).pendingModel, 'dismissing starts nothing').toBeNull();
});

test('Re-embed starts the switch to full precision; search keeps working meanwhile', async ({ page, served }) => {
  const banner = page.getByTestId('compact-banner');
  const reembed = banner.getByRole('button', { name: 'Re-embed' });
  await reembed.focus();
  const answer = page.waitForResponse((r) => r.url().includes('/api/call/models:use'));
  await page.keyboard.press('Enter');
  const started = (await (await answer).json()) as Status;
  expect(started.pendingModel).not.toBeNull();
  expect(started.model?.vision).toBe('q8');
  await expect(banner).toHaveCount(0);
  const hits = await served.call<unknown[]>('search:text', { text: 'red', options: { limit: 3 } });
  expect(hits.length, 'search answers during the re-embed').toBeGreaterThan(0);
  await switched(served, 'full');
  expect((await settings(served)).precision).toBe('quality');
  await page.reload();
  await page.getByRole('searchbox').waitFor();
  await expect(banner).toHaveCount(0);
});
