// A new library with no folder: what a first-time user sees, and adding the first folder through the UI
// (indexing shown live, paused and resumed). The other specs start from a library indexed through the API.
// Another libraryState means another worker; this file's name sorts first so a full run needs only two.
import { checkAxe, gotoPage, shot } from '../browser-helpers.js';
import { expect, test } from './app-fixture.js';

test.use({ libraryState: 'empty' });

test('starts with the search field focused and says to add a folder', async ({ page }) => {
  await page.getByRole('heading', { name: 'Add your first folder' }).waitFor();
  const focused = await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.type === 'search');
  expect(focused, 'the search field is focused on start').toBe(true);
  await shot(page, '01-first-run');
  await checkAxe(page, 'first run');
});

test('adds a folder; indexing pauses, resumes and reaches done', async ({ page, served }) => {
  test.setTimeout(150_000);
  await gotoPage(page, 'Folders');
  await page.getByLabel('Add a folder').fill(served.photos);
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await page.getByTestId('index-progress').first().waitFor();
  const phases = new Set<string>();
  let shotTaken = false;
  let pausedOnce = false;
  const deadline = Date.now() + 90_000;
  for (;;) {
    const phase = await page.locator('main [data-testid="index-progress"]').getAttribute('data-phase').catch(() => null);
    if (phase) phases.add(phase);
    if (phase === 'indexing' && !shotTaken) {
      await shot(page, '02-indexing');
      shotTaken = true;
      await page.getByRole('button', { name: 'Pause' }).click();
    }
    if (phase === 'paused' && !pausedOnce) {
      pausedOnce = true;
      await page.getByRole('button', { name: 'Resume' }).click();
    }
    if (phase === 'done') break;
    expect(phase, 'indexing was cancelled').not.toBe('cancelled');
    expect(Date.now() < deadline, `indexing did not finish; phases seen: ${[...phases].join(', ')}`).toBe(true);
    await page.waitForTimeout(100);
  }
  expect(pausedOnce || !phases.has('indexing'), `indexing never showed as paused (phases: ${[...phases].join(', ')})`).toBe(true);
  await page.getByTestId('index-summary').waitFor();
  await expect(page.locator('main [role="progressbar"]'), 'the progress bar ends at 100').toHaveAttribute('aria-valuenow', '100');
  const row = page.locator(`li[data-root="${served.photos}"]`);
  await row.waitFor();
  const text = await row.innerText();
  expect(/\b\d+ photos\b/.test(text) && !/\b0 photos\b/.test(text), `the folder row shows photos: ${text}`).toBe(true);
  await shot(page, '03-folders');
  await checkAxe(page, 'folders');
});
