// Automatic albums: browsing them, the tag strictness slider (live, debounced, and in step with other clients),
// and hand edits (remove, add, undo) that the engine keeps through a rescan.
import { albumTotal, checkAxe, expectFirst, focusedTileIndex, focusedTilePath, gotoPage, shot, tilePaths, tileScore } from '../browser-helpers.js';
import { expect, test, type Served } from './app-fixture.js';
import type { Page } from '@playwright/test';

/** What the engine says an automatic album holds: path → score (1 = added by hand). */
async function albumScores(served: Served, tag: string): Promise<Map<string, number>> {
  const hits = await served.call<{ path: string; score: number }[]>('album:get', { tag, options: { limit: 10_000 } });
  return new Map(hits.map((h) => [h.path, h.score]));
}

/** Opens the Albums page and waits for the covers. */
async function openAlbums(page: Page): Promise<void> {
  await gotoPage(page, 'Albums');
  await page.getByRole('heading', { name: 'Albums', level: 1 }).waitFor();
  await page.locator('button.album').first().waitFor({ timeout: 60_000 });
}

test('albums list photos by subject and open into the grid', async ({ page }) => {
  await openAlbums(page);
  await shot(page, '11-albums');
  await checkAxe(page, 'albums');
  await page.locator('button.album').first().click();
  await page.locator('[data-path]').first().waitFor();
  await page.getByRole('button', { name: 'Albums' }).first().click();
  await page.locator('button.album').first().waitFor();
});

test('the tag strictness slider updates album counts live and keeps the default', async ({ page, served }) => {
  await openAlbums(page);
  const slider = page.getByRole('slider', { name: 'Tag strictness' });
  await expect(slider, 'the slider starts at the default 0.05').toHaveValue('0.05');
  // The default shown is the model's, from the status, once the status carries it (tagMarginDefault).
  const { tagMarginDefault } = await served.call<{ tagMarginDefault?: number }>('library:status');
  if (typeof tagMarginDefault === 'number') {
    await expect(page.locator('output[for="tag-margin"]')).toHaveText(`0.05 (default ${tagMarginDefault.toFixed(2)})`, { useInnerText: true });
  }
  const status = page.getByTestId('tag-margin-status');
  const before = await albumTotal(page);
  const calls: number[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/api/call/tags:threshold')) calls.push((r.postDataJSON() as { margin: number }).margin);
  });
  await slider.focus();
  await page.keyboard.press('End');
  await expect(status).toHaveText(/strictness 0\.15/, { useInnerText: true });
  const strict = await albumTotal(page);
  expect(strict, `album counts drop at 0.15 (from ${before})`).toBeLessThan(before);
  await page.keyboard.press('Home');
  await expect(status).toHaveText(/strictness 0\.00/, { useInnerText: true });
  const loose = await albumTotal(page);
  expect(loose, `album counts grow at 0.00 (from ${before})`).toBeGreaterThan(before);
  await shot(page, '14-albums-strictness');
  // Five quick steps back to the default: debounced into one call.
  const n = calls.length;
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
  await expect(status).toHaveText(/strictness 0\.05/, { useInnerText: true });
  expect(calls.slice(n), 'one debounced call with 0.05').toEqual([0.05]);
  expect(await albumTotal(page), 'the counts back at 0.05').toBe(before);
  await checkAxe(page, 'albums (strictness)');
});

test('the strictness slider shows a margin set by another client', async ({ page, served }) => {
  const setMargin = (margin: number) => served.call('tags:threshold', { margin });
  const slider = page.getByRole('slider', { name: 'Tag strictness' });
  const output = page.locator('output[for="tag-margin"]');
  await openAlbums(page);
  await expect(slider).toHaveValue('0.05');
  const before = await albumTotal(page);
  // Changed while this window shows another page: opening Albums reads it.
  await gotoPage(page, 'Search');
  await setMargin(0.09);
  await gotoPage(page, 'Albums');
  await expect(slider).toHaveValue('0.09');
  await expect(output).toHaveText(/^0\.09(?!\d)/, { useInnerText: true });
  await page.locator('button.album').first().waitFor();
  expect(await albumTotal(page), `album counts at 0.09 are below those at 0.05 (${before})`).toBeLessThan(before);
  // Changed again, then a reload: the status read on load carries it.
  await setMargin(0.12);
  await page.reload();
  await page.getByRole('heading', { name: 'Albums', level: 1 }).waitFor();
  await expect(slider).toHaveValue('0.12');
  await expect(output).toHaveText(/^0\.12(?!\d)/, { useInnerText: true });
  // And the slider moves on from there: seven steps down is the default again.
  await slider.focus();
  for (let i = 0; i < 7; i++) await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('tag-margin-status')).toHaveText(/strictness 0\.05/, { useInnerText: true });
  expect(await albumTotal(page), 'the counts back at 0.05').toBe(before);
  const st = await served.call<{ tagMargin: number }>('library:status');
  expect(st.tagMargin, "the engine's margin").toBe(0.05);
});

// These build on each other: red.jpg taken out of “colorful clouds at dusk” (tag afterglow), blue.jpg added by
// hand, and then a rescan must keep both decisions.
test.describe.serial('album edits', () => {
  test('a photo is removed from an album from the grid and the lightbox, with undo', async ({ page, served }) => {
    await openAlbums(page);
    await page.locator('button.album', { hasText: 'colorful clouds at dusk' }).click();
    await page.getByRole('heading', { name: 'colorful clouds at dusk', level: 1 }).waitFor();
    const tiles = page.locator('[data-path]');
    await tiles.first().waitFor();
    const paths = await tilePaths(page);
    expect(paths.some((p) => p.endsWith('/red.jpg')), `red.jpg is in the album: ${paths.join(', ')}`).toBe(true);
    const n = paths.length;
    const count = page.locator('.album-head .muted');
    // Delete on the focused tile removes it; focus moves to the photo that takes its place.
    const red = page.locator('[data-path$="/red.jpg"]');
    const redIndex = Number(await red.getAttribute('data-index'));
    const redPath = (await red.getAttribute('data-path'))!;
    const redScore = await tileScore(red);
    const engineBefore = await albumScores(served, 'afterglow');
    expect(engineBefore.get(redPath), 'red.jpg is in the album by hand before any edit').not.toBe(1);
    await red.locator('button.open').focus();
    await page.keyboard.press('Delete');
    await red.waitFor({ state: 'detached' });
    await expect(count).toHaveText(new RegExp(`^${n - 1} photo`), { useInnerText: true });
    expect(await focusedTileIndex(page), 'focus after the removal').toBe(String(Math.min(redIndex, n - 2)));
    await page.getByRole('status').filter({ hasText: 'Removed red.jpg from “colorful clouds at dusk”' }).waitFor();
    await shot(page, '15-album-removed-undo');
    await checkAxe(page, 'album after removal');
    // Ctrl+Z puts it back, in its place, as the automatic tagging has it (its own score, not one added by hand).
    await page.keyboard.press('Control+z');
    await red.waitFor();
    await expect(count).toHaveText(new RegExp(`^${n} photo`), { useInnerText: true });
    expect(Number(await red.getAttribute('data-index')), 'red.jpg comes back in its place').toBe(redIndex);
    expect(await tileScore(red), 'red.jpg comes back with its own score').toBe(redScore);
    const engineAfter = await albumScores(served, 'afterglow');
    expect(engineAfter.get(redPath), 'after Undo the engine scores red.jpg as before (1 = added by hand)').toBe(engineBefore.get(redPath));
    // From the lightbox: it moves on to the next photo.
    await red.locator('button.open').click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Remove from this album' }).waitFor();
    await checkAxe(page, 'album lightbox');
    await dialog.getByRole('button', { name: 'Remove from this album' }).click();
    await expect(dialog.locator('.counter')).toHaveText(new RegExp(`of ${n - 1}$`));
    await expect(dialog.locator('h2'), 'the lightbox moves on from red.jpg').not.toHaveText('red.jpg');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await red.waitFor({ state: 'detached' });
    // The Undo button of a notice: remove another photo, then undo it.
    const other = tiles.first();
    const otherPath = (await other.getAttribute('data-path'))!;
    const otherScore = (await albumScores(served, 'afterglow')).get(otherPath);
    await other.hover();
    await other.locator('button.remove').click();
    await page.locator(`[data-path="${otherPath}"]`).waitFor({ state: 'detached' });
    expect((await albumScores(served, 'afterglow')).has(otherPath), 'the engine still has the removed photo in the album').toBe(false);
    await page.getByRole('button', { name: 'Undo' }).last().click();
    await page.locator(`[data-path="${otherPath}"]`).waitFor();
    await expect(count).toHaveText(new RegExp(`^${n - 1} photo`), { useInnerText: true });
    const otherAfter = (await albumScores(served, 'afterglow')).get(otherPath);
    expect(otherAfter, `after Undo the engine scores ${otherPath} as before`).toBe(otherScore);
    expect(otherAfter, `${otherPath} is not marked as added by hand`).not.toBe(1);
    await page.getByRole('button', { name: 'Albums' }).first().click();
    await page.locator('button.album').first().waitFor();
  });

  test('“Add to album…” from search results: a picker filtered in Chinese or English', async ({ page, served }) => {
    const searchBox = page.getByRole('searchbox');
    await searchBox.fill('blue');
    await expectFirst(page, '/blue.jpg');
    // From the lightbox: the picker opens over it, and Esc closes only the picker.
    await page.locator('[data-path]').first().locator('button.open').click();
    const lightbox = page.getByRole('dialog', { name: 'blue.jpg' });
    await lightbox.waitFor();
    await lightbox.getByRole('button', { name: 'Add to album…' }).click();
    const picker = page.getByRole('dialog', { name: 'Add blue.jpg to an album' });
    await picker.waitFor();
    await page.keyboard.press('Escape');
    await picker.waitFor({ state: 'detached' });
    await expect(lightbox, 'Esc in the picker leaves the lightbox open').toBeVisible();
    await page.keyboard.press('Escape');
    await lightbox.waitFor({ state: 'detached' });
    // From the grid, by keyboard: A on the focused tile.
    await page.locator('[data-path]').first().locator('button.open').focus();
    await page.keyboard.press('a');
    await picker.waitFor();
    const field = picker.getByRole('combobox');
    await expect(field, 'the filter field has the focus').toBeFocused();
    await picker.getByRole('option').first().waitFor();
    await field.fill('dusk');
    await picker.getByRole('option', { name: /colorful clouds at dusk/ }).waitFor();
    await field.fill('晚霞');
    const first = picker.getByRole('option').first();
    await expect(first).toHaveText(/colorful clouds at dusk/, { useInnerText: true });
    await expect(first, 'the first match is the active option').toHaveAttribute('aria-selected', 'true');
    const firstId = await first.getAttribute('id');
    expect(firstId, 'the active option has an id').toBeTruthy();
    await expect(field, 'aria-activedescendant points at the active option').toHaveAttribute('aria-activedescendant', firstId!);
    await shot(page, '16-add-to-album');
    await checkAxe(page, 'album picker');
    await page.keyboard.press('Enter');
    await picker.waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'Added blue.jpg to “colorful clouds at dusk”' }).waitFor();
    const back = await focusedTilePath(page);
    expect(back?.endsWith('/blue.jpg'), `focus returns to the tile (it is on ${back})`).toBe(true);
    const blueIn = async () => [...(await albumScores(served, 'afterglow')).entries()].find(([p]) => p.endsWith('/blue.jpg'))?.[1];
    expect(await blueIn(), 'blue.jpg is in the album as added by hand').toBe(1);
    // Ctrl+Z hands it back to the automatic tagging, which leaves it out; then it is added again.
    const undo = page.waitForResponse((r) => r.url().endsWith('/api/call/album:edit'));
    await page.keyboard.press('Control+z');
    const undone = await undo;
    expect(undone.ok(), 'album:edit for Undo succeeds').toBe(true);
    expect((undone.request().postDataJSON() as { action: string }).action, 'Undo resets the decision').toBe('reset');
    expect(await blueIn(), 'blue.jpg is out of the album after Undo').toBeUndefined();
    await page.keyboard.press('a');
    await picker.waitFor();
    await field.fill('晚霞');
    await expect(picker.getByRole('option').first()).toHaveText(/colorful clouds at dusk/, { useInnerText: true });
    await page.keyboard.press('Enter');
    await picker.waitFor({ state: 'detached' });
    expect(await blueIn(), 'blue.jpg is added again').toBe(1);
  });

  test('album edits are kept by the engine and survive a rescan', async ({ page, served }) => {
    const album = async () => (await served.call<{ path: string }[]>('album:get', { tag: 'afterglow' })).map((h) => h.path);
    const expectEdits = (paths: string[], when: string) => {
      expect(paths.some((p) => p.endsWith('/red.jpg')), `${when}: red.jpg is back in the album`).toBe(false);
      expect(paths.some((p) => p.endsWith('/blue.jpg')), `${when}: blue.jpg is in the album`).toBe(true);
    };
    expectEdits(await album(), 'before the rescan');
    const lastBefore = JSON.stringify(await served.call('index:last'));
    await gotoPage(page, 'Folders');
    const started = page.waitForResponse((r) => r.url().endsWith('/api/call/index:start'));
    await page.getByRole('button', { name: 'Rescan all' }).click();
    expect((await started).ok(), 'index:start succeeds').toBe(true);
    const progress = page.locator('main [data-testid="index-progress"]');
    await expect
      .poll(
        async () => {
          const last = JSON.stringify(await served.call('index:last'));
          const phase = await progress.getAttribute('data-phase', { timeout: 1000 }).catch(() => null);
          return last !== 'null' && last !== lastBefore && phase === 'done' ? 'done' : `phase ${phase}`;
        },
        { message: 'the rescan finishes', timeout: 90_000, intervals: [250] },
      )
      .toBe('done');
    expectEdits(await album(), 'after the rescan');
    // And the page shows the same.
    await openAlbums(page);
    await page.locator('button.album', { hasText: 'colorful clouds at dusk' }).click();
    await page.locator('[data-path$="/blue.jpg"]').waitFor();
    await expect(page.locator('[data-path$="/red.jpg"]'), 'red.jpg shows in the album after the rescan').toHaveCount(0);
    await page.getByRole('button', { name: 'Albums' }).first().click();
    await page.locator('button.album').first().waitFor();
  });
});
