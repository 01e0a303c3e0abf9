// Videos end to end: a library of generated colour clips beside colour photos, searched by colour. A video's tile
// shows its length and a play mark and scrubs its moments under the pointer (its moments asked for once, only after
// the pointer rests); the lightbox plays it from the moment that matched, jumps between the matching moments
// (strip, , and .), pauses with Space; a clip the browser cannot play (MPEG-4 in AVI: the browser says no at once;
// in Matroska: it errors when tried) plays through a converted copy, still from inside its matching segment; a Live
// Photo plays its motion over the still; /media/full answers a Range request with exactly those bytes.
//
// Its own library (the shared one holds no video), served by serve-fixture.ts's serveFolder as the shared one is.
// The clips are made with Debian's ffmpeg (video-test-clips.ts).
import { copyFile, mkdir, mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { writeColourImages } from '../../src/main/core/testing/fixtures.js';
import { makeTestModel } from '../../src/main/core/testing/test-models.js';
import { HAVE_SYSTEM_FFMPEG, makeColourClip } from '../../src/main/core/video/video-test-clips.js';
import type { SearchHit } from '../../src/shared/types.js';
import { checkAxe, foreignText, gotoPage, shot } from '../browser-helpers.js';
import { expect, test as appTest, type Served } from './app-fixture.js';
import { serveFolder } from './serve-fixture.js';

/** Red from 5 to 10 s in each of the three red clips. */
const RED = { from: 5, to: 10 };
const ORANGE = { from: 4, to: 8 };

const test = appTest.extend<object, { served: Served }>({
  served: [
    async ({ playwright }, use) => {
      const tmp = await mkdtemp(path.join(os.tmpdir(), 'soutu-e2e-video-'));
      const photos = path.join(tmp, 'photos');
      const colours = path.join(photos, 'colours');
      const clips = path.join(photos, 'clips');
      const modelDir = path.join(tmp, 'model');
      await makeTestModel('toy-color', modelDir);
      const stills = await writeColourImages(colours, { withHalf: false });
      await mkdir(clips, { recursive: true });
      // 15 s: blue, red (5–10 s), green: the browser plays it as it is.
      await makeColourClip(path.join(clips, 'birthday.mp4'), [{ color: 'blue', seconds: 5 }, { color: 'red', seconds: 5 }, { color: 'green', seconds: 5 }], { codec: 'h264', noise: true });
      // The same story in MPEG-4 part 2 inside AVI: Chromium says no to the container, so a preview is made at once.
      await makeColourClip(path.join(clips, 'old-camera.avi'), [{ color: 'green', seconds: 5 }, { color: 'red', seconds: 5 }], { codec: 'mpeg4', noise: true });
      // MPEG-4 part 2 inside Matroska: Chromium tries the container and fails on the codec; then a preview.
      await makeColourClip(path.join(clips, 'holiday.mkv'), [{ color: 'blue', seconds: 4 }, { color: 'orange', seconds: 4 }], { codec: 'mpeg4', noise: true });
      // A Live Photo: the still and its same-named 2 s motion clip.
      await copyFile(stills.purple, path.join(clips, 'IMG_0001.JPG'));
      await makeColourClip(path.join(clips, 'IMG_0001.MOV'), [{ color: 'purple', seconds: 1 }, { color: 'magenta', seconds: 1 }], { codec: 'h264' });
      await serveFolder(playwright, { tmp, photos, colours, modelDir, label: 'server:video', index: true, indexTimeoutMs: 150_000 }, use);
    },
    { scope: 'worker', timeout: 240_000 },
  ],
});

test.skip(!HAVE_SYSTEM_FFMPEG, 'Debian ffmpeg (/usr/bin/ffmpeg) makes the clips; install it to run these');

const tile = (page: Page, name: string) => page.locator(`[data-path$="/${name}"]`);

async function search(page: Page, q: string, name: string): Promise<void> {
  await page.getByRole('searchbox').fill(q);
  await expect(tile(page, name)).toBeVisible({ timeout: 30_000 });
}

async function openTile(page: Page, name: string): Promise<void> {
  await tile(page, name).locator('button.open').click();
  await page.getByRole('dialog').waitFor();
}

/** Waits until the lightbox's player has reached its first moment; answers where it is in the video's own time. */
async function landed(page: Page, source: 'original' | 'preview'): Promise<number> {
  const video = page.getByTestId('lightbox-video');
  await expect(video).toHaveAttribute('data-source', source, { timeout: 45_000 });
  await expect(video).toHaveAttribute('data-state', 'ready', { timeout: 45_000 });
  return videoTime(page);
}

/** The <video>'s time in the video's own timeline (a preview's start added back). */
async function videoTime(page: Page): Promise<number> {
  return page.getByTestId('lightbox-video').evaluate((v: HTMLVideoElement) => v.currentTime + Number(v.dataset.offset ?? 0));
}

test('「红色」 shows the video among the first results, with its length and a play mark', async ({ page }) => {
  await search(page, '红色', 'birthday.mp4');
  const index = Number(await tile(page, 'birthday.mp4').getAttribute('data-index'));
  expect(index, 'the red video is among the first results').toBeLessThan(4);
  const badge = tile(page, 'birthday.mp4').getByTestId('video-badge');
  await expect(badge).toBeVisible();
  await expect(badge).toHaveText('0:15');
  await expect(badge.locator('svg'), 'the play mark').toBeVisible();
  // The poster is the tile's picture, and the tile says what it is.
  await expect(tile(page, 'birthday.mp4').locator('button.open')).toContainText('Video, 0:15');
  await expect(tile(page, 'red.jpg').getByTestId('video-badge')).toHaveCount(0);
  await shot(page, '25-search-video-tile');
  await checkAxe(page, 'results with video tiles');
});

test('hovering a video tile scrubs its moments, asking for them once and only after the pointer rests', async ({ page, served }) => {
  const hits = await served.call<SearchHit[]>('search:text', { text: '红色', options: { limit: 10 } });
  const video = hits.find((h) => h.path.endsWith('/birthday.mp4'))!;
  const moments = (await served.call<{ times: number[] } | null>('video:moments', { id: video.id }))!;
  expect(moments.times.length).toBeGreaterThan(1);
  await search(page, '红色', 'birthday.mp4');
  const asked: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/call/video:moments') || r.url().includes('/media/moment/')) asked.push(new URL(r.url()).pathname);
  });
  // A sweep across every tile asks for nothing.
  const grid = (await page.locator('.grid').boundingBox())!;
  await page.mouse.move(grid.x + 2, grid.y + 40);
  await page.mouse.move(grid.x + grid.width - 2, grid.y + 40, { steps: 6 });
  await page.mouse.move(grid.x + 2, grid.y + 2);
  expect(asked, 'no moments asked for by a passing pointer').toEqual([]);

  const box = (await tile(page, 'birthday.mp4').boundingBox())!;
  const at = (frac: number) => page.mouse.move(box.x + box.width * frac, box.y + box.height / 2);
  await at(0.1);
  const moment = tile(page, 'birthday.mp4').getByTestId('tile-moment');
  await expect(moment).toBeVisible();
  await expect.poll(() => moment.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
  const first = await moment.getAttribute('src');
  expect(first).toMatch(new RegExp(`/media/moment/${video.id}/0$`));
  await at(0.95);
  await expect(moment).toHaveAttribute('src', new RegExp(`/media/moment/${video.id}/${moments.times.length - 1}$`));
  await at(0.5);
  await shot(page, '26-search-video-scrub');
  expect(asked.filter((p) => p.includes('video:moments')), 'the moments were asked for once').toHaveLength(1);
  // Only the moments shown were loaded, not the whole strip.
  expect(asked.filter((p) => p.includes('/media/moment/')).length).toBeLessThanOrEqual(3);
  await page.mouse.move(2, 2);
  await expect(moment).toHaveCount(0);

  // From the keyboard: . and , on the focused tile step through the moments.
  await tile(page, 'birthday.mp4').locator('button.open').focus();
  await page.keyboard.press('.');
  await expect(moment).toHaveAttribute('src', new RegExp(`/media/moment/${video.id}/0$`));
  await page.keyboard.press('.');
  await expect(moment).toHaveAttribute('src', new RegExp(`/media/moment/${video.id}/1$`));
  await page.keyboard.press(',');
  await page.keyboard.press(',');
  await expect(moment).toHaveCount(0);
});

test('the lightbox plays the video from the moment that matched, and jumps between the matching moments', async ({ page }) => {
  await search(page, '红色', 'birthday.mp4');
  await openTile(page, 'birthday.mp4');
  const t0 = await landed(page, 'original');
  expect(t0, `opened at ${t0} s, inside the red segment`).toBeGreaterThanOrEqual(RED.from - 0.05);
  expect(t0).toBeLessThan(RED.to);
  const video = page.getByTestId('lightbox-video');
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => !v.paused), { message: 'it plays' }).toBe(true);
  await shot(page, '27-lightbox-video');
  await checkAxe(page, 'lightbox with a video');

  // Space pauses and plays again (the close button has the focus: Space does not close).
  await page.keyboard.press(' ');
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.paused)).toBe(true);
  await expect(page.getByRole('dialog')).toBeVisible();
  await page.keyboard.press(' ');
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.paused)).toBe(false);

  // The strip: another matching moment, and the player goes there.
  const strip = page.getByTestId('moment-strip').getByRole('button');
  const times = (await strip.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-time'))))).sort((a, b) => a - b);
  expect(times.length, `matching moments: ${times.join(', ')}`).toBeGreaterThan(1);
  const other = times.reduce((far, t) => (Math.abs(t - t0) > Math.abs(far - t0) ? t : far), times[0]);
  await page.keyboard.press(' ');
  await page.locator(`[data-testid="moment-strip"] button[data-time="${other}"]`).click();
  await expect.poll(() => videoTime(page), { message: `jumped to ${other} s` }).toBeCloseTo(other, 0);
  await expect(page.locator(`[data-testid="moment-strip"] button[data-time="${other}"]`)).toHaveAttribute('aria-current', 'true');
  // , and . step to the moment before and after.
  const i = times.indexOf(other);
  if (i > 0) {
    await page.keyboard.press(',');
    await expect.poll(() => videoTime(page)).toBeCloseTo(times[i - 1], 0);
    await page.keyboard.press('.');
    await expect.poll(() => videoTime(page)).toBeCloseTo(times[i], 0);
  } else {
    await page.keyboard.press('.');
    await expect.poll(() => videoTime(page)).toBeCloseTo(times[1], 0);
  }
  // ← → still move between the results.
  const counter = page.getByRole('dialog').locator('.counter');
  const before = await counter.textContent();
  await page.keyboard.press('ArrowRight');
  await expect(counter).not.toHaveText(before!);
  await page.keyboard.press('ArrowLeft');
  await expect(counter).toHaveText(before!);
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached' });
});

test('an AVI the browser cannot play opens as a converted copy, inside its matching segment', async ({ page }) => {
  const previews: number[] = [];
  page.on('response', (r) => {
    if (r.url().includes('/media/preview/')) previews.push(r.status());
  });
  await search(page, '红色', 'old-camera.avi');
  await openTile(page, 'old-camera.avi');
  const t = await landed(page, 'preview');
  expect(t, `opened at ${t} s of the video`).toBeGreaterThanOrEqual(RED.from - 0.05);
  expect(t).toBeLessThan(RED.to);
  expect(previews.every((s) => s === 200 || s === 206), `preview answers: ${previews.join(', ')}`).toBe(true);
  await expect(page.getByText('Playing a converted copy')).toBeVisible();
  await shot(page, '28-lightbox-video-preview');
});

test('a Matroska file whose codec the browser lacks falls back to a converted copy when it fails', async ({ page }) => {
  await search(page, '橙色', 'holiday.mkv');
  await openTile(page, 'holiday.mkv');
  const t = await landed(page, 'preview');
  expect(t, `opened at ${t} s of the video`).toBeGreaterThanOrEqual(ORANGE.from - 0.05);
  expect(t).toBeLessThan(ORANGE.to);
});

test('a Live Photo shows its still with LIVE, and plays its motion over it', async ({ page }) => {
  await search(page, '紫色', 'IMG_0001.JPG');
  await expect(tile(page, 'IMG_0001.JPG').getByTestId('live-badge')).toBeVisible();
  await openTile(page, 'IMG_0001.JPG');
  await expect(page.locator('[role="dialog"] img.full')).toHaveClass(/loaded/);
  const live = page.getByTestId('live-button');
  await expect(live).toBeVisible();
  await expect(page.getByTestId('live-motion')).toHaveCount(0);
  await live.hover();
  const motion = page.getByTestId('live-motion');
  await expect(motion).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
  await expect.poll(() => motion.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeGreaterThan(0);
  // Over the still, the same box.
  const img = (await page.locator('[role="dialog"] img.full').boundingBox())!;
  const vid = (await motion.boundingBox())!;
  expect(Math.abs(img.x - vid.x) + Math.abs(img.width - vid.width)).toBeLessThan(3);
  await shot(page, '29-lightbox-live-photo');
  await page.mouse.move(2, 2);
  await expect(motion).toHaveCount(0);
  // Space plays it too.
  await page.keyboard.press(' ');
  await expect(page.getByTestId('live-motion')).toHaveCount(1);
});

test('in Chinese, the video tile and the video lightbox speak Chinese', async ({ page }) => {
  try {
    await gotoPage(page, 'Settings');
    await page.getByText('简体中文').click();
    await page.getByRole('heading', { name: '设置', level: 1 }).waitFor();
    await gotoPage(page, '搜索');
    await search(page, '红色', 'birthday.mp4');
    await expect(tile(page, 'birthday.mp4').locator('button.open')).toContainText('视频，0:15');
    await openTile(page, 'birthday.mp4');
    await landed(page, 'original');
    await expect(page.getByRole('group', { name: '匹配的片段' })).toBeVisible();
    expect(await foreignText(page, 'zh-CN', '[role="dialog"]'), 'the video lightbox: phrases not in Chinese').toEqual([]);
    await shot(page, '30-lightbox-video-zh');
    await page.keyboard.press('Escape');
  } finally {
    await gotoPage(page, '设置').catch(() => {});
    await page.getByText('English', { exact: true }).click().catch(() => {});
  }
});

test('/media/full of a video answers a Range request with exactly those bytes', async ({ served }) => {
  const hits = await served.call<SearchHit[]>('search:text', { text: '红色', options: { limit: 10 } });
  const video = hits.find((h) => h.path.endsWith('/birthday.mp4'))!;
  const bytes = await readFile(video.path);
  const r = await served.request.get(`media/full/${video.id}`, { headers: { Range: 'bytes=1000-1999' } });
  expect(r.status()).toBe(206);
  expect(r.headers()['content-range']).toBe(`bytes 1000-1999/${bytes.length}`);
  expect(r.headers()['accept-ranges']).toBe('bytes');
  expect(r.headers()['content-type']).toBe('video/mp4');
  expect(Buffer.from(await r.body()).equals(bytes.subarray(1000, 2000))).toBe(true);
  const past = await served.request.get(`media/full/${video.id}`, { headers: { Range: `bytes=${bytes.length}-` } });
  expect(past.status()).toBe(416);
});
