// Two library settings in Settings, end to end through `soutu serve`: reading the text in photos (off and on,
// kept with the library; turned back on, it starts a run that reads what was skipped) and the precision of the
// models (choosing the other asks first, then re-embeds in the background), in English and in Chinese.
// The toy model also has its 8-bit file name here, so either precision can be chosen.
import { checkAxe, foreignText, gotoPage, shot } from '../browser-helpers.js';
import { expect, test } from './app-fixture.js';
import { settings, speak, status, switched, type Status } from './precision-helpers.js';

test.use({ libraryPrecision: 'quality' });

test('text in photos: turned off and on, kept after a reload; turned back on, a run reads what was skipped', async ({ page, served }) => {
  await gotoPage(page, 'Settings');
  const toggle = page.getByRole('switch', { name: 'Text in photos' });
  const state = page.getByTestId('settings-ocr-status');
  await expect(toggle).toBeChecked();
  await expect(state).toHaveText(/^[\d,]+ of [\d,]+ photos read$/);
  await toggle.click();
  await expect(toggle).not.toBeChecked();
  await expect(state).toHaveText('Off: the text in new photos is not read.');
  expect((await settings(served)).ocr).toBe(false);
  expect((await status(served)).ocr?.enabled, "the library's own setting follows").toBe(false);

  await page.reload();
  await gotoPage(page, 'Settings');
  await expect(toggle).not.toBeChecked();
  await gotoPage(page, 'Folders');
  await expect(page.getByTestId('ocr-status')).toHaveText('Reading the text in photos is turned off for this library.');

  const before = JSON.stringify(await served.call('index:last'));
  await gotoPage(page, 'Settings');
  await toggle.press('Space');
  await expect(toggle).toBeChecked();
  await expect(state).toHaveText(/^[\d,]+ of [\d,]+ photos read$/);
  expect((await settings(served)).ocr).toBe(true);
  expect((await status(served)).ocr?.enabled).toBe(true);
  await expect.poll(async () => JSON.stringify(await served.call('index:last')), { timeout: 60_000, message: 'an index run fills the gap' }).not.toBe(before);
  await checkAxe(page, 'settings with text in photos');
});

test('precision: Compact asks first, cancel puts Quality back; confirmed, the library re-embeds in the background', async ({ page, served }) => {
  await gotoPage(page, 'Settings');
  const group = page.getByTestId('precision');
  const quality = group.getByRole('radio', { name: /^Quality/ });
  const compact = group.getByRole('radio', { name: /^Compact/ });
  await expect(quality).toBeChecked();
  await expect(group).toContainText('Full-precision image model');
  await expect(group).toContainText('8-bit image and text models');

  await compact.check();
  const confirm = group.getByRole('group', { name: 'Re-embed' });
  const photos = (await status(served)).photos;
  await expect(confirm).toContainText(`Re-embed ${photos} photos in the background? Search keeps working meanwhile.`);
  await shot(page, '31-settings-precision-confirm');
  await checkAxe(page, 'settings, precision confirmation');
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(quality).toBeChecked();
  await expect(confirm).toHaveCount(0);
  expect((await settings(served)).precision, 'nothing is saved on cancel').toBeUndefined();
  expect((await status(served)).pendingModel).toBeNull();

  await compact.check();
  const answer = page.waitForResponse((r) => r.url().includes('/api/call/models:use'));
  await confirm.getByRole('button', { name: 'Re-embed' }).click();
  const started = (await (await answer).json()) as Status;
  expect(started.pendingModel, 'the switch is pending while the re-embed runs').not.toBeNull();
  expect(started.model?.vision, 'search keeps the full-precision vectors meanwhile').toBe('full');
  await expect(compact).toBeChecked();
  await switched(served, 'q8');
  expect((await settings(served)).precision).toBe('compact');
  await page.reload();
  await gotoPage(page, 'Settings');
  await expect(compact).toBeChecked();
  // Chosen, compact is what was asked for: no offer to re-embed on the main screen.
  await gotoPage(page, 'Search');
  await page.getByRole('searchbox').waitFor();
  await expect(page.getByTestId('compact-banner')).toHaveCount(0);
});

test('in Chinese, the text and precision settings speak Chinese', async ({ page }) => {
  try {
    await speak(page, 'zh-CN');
    await expect(page.getByRole('switch', { name: '识别照片中的文字' })).toBeVisible();
    const group = page.getByTestId('precision');
    await expect(group).toContainText('精度');
    // The choice not in use, to show its confirmation too.
    const other = group.getByRole('radio', { checked: false });
    await other.check();
    await expect(group.getByRole('group', { name: '重新处理' })).toContainText('期间搜索照常可用');
    await shot(page, '32-settings-precision-zh');
    for (const scope of ['section[aria-labelledby="s-indexing"]', '[data-testid="precision"]']) {
      expect(await foreignText(page, 'zh-CN', scope), `${scope}: phrases not in Chinese`).toEqual([]);
    }
    expect(await foreignText(page, 'zh-CN'), 'the settings page').toEqual([]);
    await group.getByRole('button', { name: '取消' }).click();
  } finally {
    await speak(page, 'en');
  }
});
