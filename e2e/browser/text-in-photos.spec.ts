// Text inside photos (PaddleOCR), end to end: a library holding real screenshots with Chinese and English text
// (the shared OCR fixtures) is searched by a phrase inside one; the hit shows the matched line under its tile;
// the lightbox draws the read lines over the photo, copies all of it (button and Shift+C) or one selected line
// (mouse or keyboard, then Ctrl+C); indexing shows its text stage and Folders how much text has been read.
//
// This file builds its own library (the shared one holds no text photos) with its own worker-scoped `served`,
// served by serve-fixture.ts's serveFolder, as the shared one is.
import { cp, mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { REPO_ROOT, writeColourImages } from '../../src/main/core/testing/fixtures.js';
import { makeTestModel } from '../../src/main/core/testing/test-models.js';
import type { PhotoText, SearchHit } from '../../src/shared/types.js';
import { checkAxe, expectFirst, foreignText, gotoPage, SCREENSHOTS, shot } from '../browser-helpers.js';
import { expect, test as appTest, type Served } from './app-fixture.js';
import { serveFolder } from './serve-fixture.js';

const OCR_FIXTURES = path.resolve(REPO_ROOT, '..', 'shared', 'fixtures', 'ocr');
/**
 * In the library from the start: the screenshot searched for, another Chinese one, an English line, a photo
 * stored sideways with an EXIF orientation (its words read "top", "left", "right", "bottom" when upright) and a
 * photo without text.
 */
const FIRST = ['zh_paragraph_screenshot.png', 'zh_chat_bubble_screenshot.png', 'mixed_hello_world_line.jpg', 'rotated_exif8_landscape.jpg', 'neg_bee_flower.jpg'];
/** Added later through the Folders page, so a run reads text while the test watches. */
const LATER = ['zh_product_info_graphic.jpg', 'zh_shop_banner.jpg', 'en_receipt_photo.jpg'];
const TARGET = 'zh_paragraph_screenshot.png';
const PHRASE = '手机号码';

/** A second folder beside the library's, not in the library at first (LATER's photos). */
const laterFolder = (served: Served) => path.join(path.dirname(served.photos), 'later');

async function copyOcr(names: string[], dest: string): Promise<void> {
  await mkdir(dest, { recursive: true });
  for (const n of names) await cp(path.join(OCR_FIXTURES, n), path.join(dest, n));
}

const test = appTest.extend<object, { served: Served }>({
  served: [
    async ({ playwright }, use) => {
      const tmp = await mkdtemp(path.join(os.tmpdir(), 'soutu-e2e-text-'));
      const photos = path.join(tmp, 'photos');
      const colours = path.join(photos, 'colours');
      const later = path.join(tmp, 'later');
      const modelDir = path.join(tmp, 'model');
      await makeTestModel('toy-color', modelDir);
      await writeColourImages(colours);
      await copyOcr(FIRST, path.join(photos, 'text'));
      await copyOcr(LATER, later);
      await serveFolder(playwright, { tmp, photos, colours, modelDir, label: 'server:text', index: true, indexTimeoutMs: 150_000 }, use);
    },
    { scope: 'worker', timeout: 240_000 },
  ],
});

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

async function clipboard(page: Page): Promise<string> {
  return page.evaluate(() => navigator.clipboard.readText());
}

async function targetText(served: Served): Promise<{ hit: SearchHit; text: PhotoText }> {
  const hits = await served.call<SearchHit[]>('search:text', { text: PHRASE, options: { limit: 5 } });
  const hit = hits.find((h) => h.path.endsWith(`/${TARGET}`));
  if (!hit) throw new Error(`${TARGET} is not among the hits for ${PHRASE}: ${hits.map((h) => h.path).join(', ')}`);
  const text = await served.call<PhotoText | null>('photo:text', { id: hit.id });
  if (!text) throw new Error(`no text was read in ${TARGET}`);
  return { hit, text };
}

/** Searches the phrase, opens the screenshot from its tile and waits for the overlay on the full-size photo. */
async function openTarget(page: Page): Promise<void> {
  await page.getByRole('searchbox').fill(PHRASE);
  await expectFirst(page, `/${TARGET}`, 30_000);
  await page.locator('[data-path]').first().locator('button.open').click();
  await page.getByRole('dialog').waitFor();
  await page.getByTestId('text-overlay').waitFor();
}

/** Drags the mouse across one line of the text layer, as a person selecting it would. */
async function dragAcross(page: Page, lineIndex: number): Promise<void> {
  const box = (await page.locator(`[data-testid="text-overlay"] .line[data-line="${lineIndex}"]`).boundingBox())!;
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + 1, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2, y, { steps: 4 });
  await page.mouse.move(box.x + box.width - 1, y, { steps: 4 });
  await page.mouse.up();
}

test(`「${PHRASE}」 finds the screenshot first, with the matched line under its tile`, async ({ page }) => {
  await page.getByRole('searchbox').fill(PHRASE);
  await expectFirst(page, `/${TARGET}`, 30_000);
  const first = page.locator('[data-path]').first();
  const snippet = first.getByTestId('text-snippet');
  await expect(snippet).toBeVisible();
  await expect(snippet.locator('mark')).toHaveText(PHRASE);
  // Under the picture, not over it; and told to screen readers with the tile.
  const img = (await first.locator('img').boundingBox())!;
  const cap = (await snippet.boundingBox())!;
  expect(cap.y, 'the snippet is below the picture').toBeGreaterThanOrEqual(img.y + img.height - 1);
  const describedBy = (await first.locator('button.open').getAttribute('aria-describedby')) ?? '';
  expect(describedBy.split(' '), 'the tile is described by its snippet').toContain(await snippet.getAttribute('id'));
  // text:"…" matches text only: the colour images are not in its answer.
  await page.getByRole('searchbox').fill(`text:"${PHRASE}"`);
  await expect.poll(() => page.locator('[data-path]').evaluateAll((els) => els.map((e) => e.getAttribute('data-path')!.split('/').pop()))).toEqual([TARGET]);
  await page.getByRole('searchbox').fill(PHRASE);
  await expectFirst(page, `/${TARGET}`);
  await shot(page, '18-search-text-snippet');
  await checkAxe(page, 'results with text snippets');
});

test('the lightbox draws the read lines over the photo and shows the match', async ({ page, served }) => {
  const { text } = await targetText(served);
  await openTarget(page);
  const overlay = page.getByTestId('text-overlay');
  const lines = text.lines.filter((l) => l.text.trim()).length;
  await expect(overlay.locator('polygon')).toHaveCount(lines);
  await expect(overlay.locator('.line')).toHaveCount(lines);
  await expect(overlay.locator('polygon.match'), 'the line holding the match is highlighted').not.toHaveCount(0);
  await expect(page.getByRole('region', { name: /Text in the photo/ })).toContainText(PHRASE);
  // The overlay lies on the picture: same box as the full-size image (which the stage letterboxes).
  const img = (await page.locator('[role="dialog"] img.full').boundingBox())!;
  const ov = (await overlay.boundingBox())!;
  for (const [a, b, what] of [[ov.x, img.x, 'left'], [ov.y, img.y, 'top'], [ov.width, img.width, 'width'], [ov.height, img.height, 'height']] as const) {
    expect(Math.abs(a - b), `overlay ${what} vs the image (${a} / ${b})`).toBeLessThan(2);
  }
  // Each line's box is where the engine read it, scaled to the shown size.
  const scale = img.width / text.width;
  const k = text.lines.findIndex((l) => l.text.includes(PHRASE));
  const poly = (await overlay.locator(`polygon[data-line="${k}"]`).boundingBox())!;
  const [x0, y0] = text.lines[k].box[0];
  expect(Math.abs(poly.x - (img.x + x0 * scale)), 'the matched line box, left').toBeLessThan(4);
  expect(Math.abs(poly.y - (img.y + y0 * scale)), 'the matched line box, top').toBeLessThan(4);
  await expect(page.getByRole('complementary').getByTestId('text-snippet').locator('mark')).toHaveText(PHRASE);
  await shot(page, '19-lightbox-text');
  await checkAxe(page, 'lightbox with text');
  // T hides and shows the overlay.
  await page.keyboard.press('t');
  await overlay.waitFor({ state: 'detached' });
  await expect(page.getByRole('button', { name: 'Show or hide the text in the photo (T)' })).toHaveAttribute('aria-pressed', 'false');
  await page.keyboard.press('t');
  await overlay.waitFor();
});

test('the boxes follow the photo as shown: on an EXIF-rotated photo each word sits where it reads', async ({ page }) => {
  await page.getByRole('searchbox').fill('text:bottom');
  await expectFirst(page, '/rotated_exif8_landscape.jpg', 30_000);
  await page.locator('[data-path]').first().locator('button.open').click();
  const overlay = page.getByTestId('text-overlay');
  await overlay.waitFor();
  const img = (await page.locator('[role="dialog"] img.full').boundingBox())!;
  expect(img.width, 'the photo is shown upright (landscape)').toBeGreaterThan(img.height);
  const centres = await overlay.evaluate((el) => {
    const out: Record<string, { x: number; y: number }> = {};
    for (const line of el.querySelectorAll<HTMLElement>('.line')) {
      const r = el.querySelector(`polygon[data-line="${line.dataset.line}"]`)!.getBoundingClientRect();
      out[line.textContent!.trim().toLowerCase()] = { x: r.x + r.width / 2, y: r.y + r.height / 2 };
    }
    return out;
  });
  const { top, left, right, bottom } = centres;
  expect(top && left && right && bottom, `the four words were read: ${JSON.stringify(centres)}`).toBeTruthy();
  expect(top.y, '"top" above "left" and "right"').toBeLessThan(Math.min(left.y, right.y));
  expect(bottom.y, '"bottom" below "left" and "right"').toBeGreaterThan(Math.max(left.y, right.y));
  expect(left.x, '"left" left of "top", "bottom" and "right"').toBeLessThan(Math.min(top.x, bottom.x, right.x));
  expect(right.x, '"right" right of "top" and "bottom"').toBeGreaterThan(Math.max(top.x, bottom.x));
  for (const c of [top, left, right, bottom]) {
    expect(c.x >= img.x && c.x <= img.x + img.width && c.y >= img.y && c.y <= img.y + img.height, 'each box lies on the photo').toBe(true);
  }
});

test('“Copy all text” and Shift+C put every line on the clipboard in reading order', async ({ page, served }) => {
  const { text } = await targetText(served);
  const all = text.lines.map((l) => l.text.trim()).filter(Boolean).join('\n');
  await openTarget(page);
  await page.evaluate(() => navigator.clipboard.writeText(''));
  await page.getByRole('button', { name: 'Copy all text' }).click();
  await expect.poll(() => clipboard(page)).toBe(all);
  expect(all, 'the copied text holds the phrase').toContain(PHRASE);
  await expect(page.getByRole('status').filter({ hasText: /Copied \d+ lines of text/ })).toBeVisible();
  await page.evaluate(() => navigator.clipboard.writeText(''));
  await page.keyboard.press('Shift+C');
  await expect.poll(() => clipboard(page)).toBe(all);
});

test('one line selected with the mouse, or from the keyboard, copies with Ctrl+C', async ({ page, served }) => {
  const { text } = await targetText(served);
  const k = text.lines.findIndex((l) => l.text.includes(PHRASE));
  await openTarget(page);
  await page.evaluate(() => navigator.clipboard.writeText(''));
  await dragAcross(page, k);
  const selected = await page.evaluate(() => document.getSelection()?.toString() ?? '');
  expect(selected, 'the drag selected the line').toContain(PHRASE);
  await page.keyboard.press('Control+C');
  await expect.poll(() => clipboard(page)).toContain(PHRASE);
  const copied = await clipboard(page);
  expect(copied.includes('\n'), `one line was copied: ${JSON.stringify(copied)}`).toBe(false);
  expect(text.lines[k].text, 'what was copied is part of that line').toContain(copied.trim());
  await shot(page, '20-lightbox-text-selected');

  // Keyboard: Tab reaches the text layer; ↓ selects line by line; Ctrl+C copies exactly that line.
  await page.evaluate(() => navigator.clipboard.writeText(''));
  const layer = page.getByRole('region', { name: /Text in the photo/ });
  for (let i = 0; i < 20 && !(await layer.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(layer, 'Tab reaches the text layer').toBeFocused();
  const rank = (await layer.locator('.line').evaluateAll((els) => els.map((e) => e.getAttribute('data-line')))).indexOf(String(k));
  for (let i = 0; i <= rank; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Control+C');
  await expect.poll(() => clipboard(page)).toBe(text.lines[k].text);
  // Ctrl+A in the layer selects every line, and copies them one per line.
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Control+C');
  await expect.poll(() => clipboard(page)).toBe(text.lines.map((l) => l.text).filter((l) => l.trim()).join('\n'));
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached' });
});

test('indexing shows its text stage, and Folders how much text has been read', async ({ page, served }) => {
  test.setTimeout(180_000);
  await gotoPage(page, 'Folders');
  await expect(page.getByTestId('ocr-status')).toHaveText(/Text in photos: (\d+) of \1 photos read/);
  await page.getByLabel('Add a folder').fill(laterFolder(served));
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  // The stage lasts as long as three photos take to read: watched every frame, not polled.
  const progress = page.locator('main [data-testid="index-progress"]');
  await page.waitForFunction(
    () => {
      const p = document.querySelector('main [data-testid="index-progress"]');
      const counted = /^Reading text \d+ \/ \d+$/.test(p?.querySelector('.phase')?.textContent ?? '');
      // The bar measures the text stage (a value, not the sweep of an unknown total).
      return p?.getAttribute('data-phase') === 'reading-text' && counted && !!p.querySelector('[role="progressbar"][aria-valuenow]');
    },
    undefined,
    { polling: 'raf', timeout: 90_000 },
  );
  // Taken at once (shot() would first wait for the bar's animation, by when the stage may be over).
  const file = path.join(SCREENSHOTS, '21-progress-reading-text.png');
  await page.screenshot({ path: file });
  await test.info().attach('21-progress-reading-text', { path: file, contentType: 'image/png' });
  await expect(progress).toHaveAttribute('data-phase', 'done', { timeout: 120_000 });
  const status = await served.call<{ ocr?: { done: number; pending: number } }>('library:status');
  expect(status.ocr?.pending, 'no photo left to read').toBe(0);
  await expect(page.getByTestId('ocr-status')).toHaveText(`Text in photos: ${status.ocr!.done} of ${status.ocr!.done} photos read`);
  await shot(page, '22-folders-ocr-status');
  await checkAxe(page, 'folders with text status');
});

test('in Chinese: the query help, the lightbox and the text status speak Chinese', async ({ page, served }) => {
  try {
    await gotoPage(page, 'Settings');
    await page.getByText('简体中文').click();
    await gotoPage(page, '搜索');
    await expect(page.locator('main')).toContainText('只搜这些文字');
    await expect(page.locator('main code').filter({ hasText: 'text:"…"' })).toBeVisible();
    expect(await foreignText(page, 'zh-CN'), 'the welcome page in Chinese').toEqual([]);
    await shot(page, '23-search-help-zh');
    await page.getByRole('searchbox').fill(PHRASE);
    await expectFirst(page, `/${TARGET}`, 30_000);
    await page.locator('[data-path]').first().locator('button.open').click();
    await page.getByTestId('text-overlay').waitFor();
    await expect(page.getByRole('button', { name: '复制全部文字' })).toBeVisible();
    expect(await foreignText(page, 'zh-CN'), 'the lightbox in Chinese').toEqual([]);
    await shot(page, '24-lightbox-text-zh');
    await page.keyboard.press('Escape');
    await gotoPage(page, '文件夹');
    await expect(page.getByTestId('ocr-status')).toHaveText(/^照片中的文字：已识别 [\d,]+ \/ [\d,]+ 张$/);
  } finally {
    await served.call('settings:set', { language: 'en' });
  }
});
