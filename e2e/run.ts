// End-to-end suite: Debian's Chromium (driven by playwright-core) against `soutu serve` running in this
// process, on a library built from generated colour images plus the shared fixtures with the toy-color model.
// Prints "N passed, M failed"; screenshots go to artifacts/e2e/. Run: npm run test:e2e (tsx e2e/run.ts).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { copyFixtures, REPO_ROOT, writeColourImages } from '../src/main/core/testing/fixtures.js';
import { makeTestModel } from '../src/main/core/testing/test-models.js';
import { startServe, type RunningServe } from '../src/server/serve.js';
import { axeScan, dropFile, pasteFile, type AxeViolation } from './browser-helpers.js';

const CHROMIUM = process.env.SOUTU_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(REPO_ROOT, 'artifacts', 'e2e');
const RENDERER = path.join(REPO_ROOT, 'out', 'renderer');
const KEEP = process.env.SOUTU_E2E_KEEP === '1';

interface Result {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

const results: Result[] = [];
const consoleProblems: string[] = [];

function log(line: string): void {
  process.stdout.write(line + '\n');
}

function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);
}

/** Waits (up to 3 s) for running animations, such as a dialog or notice fading in, to end. */
async function settle(page: Page): Promise<void> {
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'), undefined, { timeout: 3000 }).catch(() => {});
}

async function shot(page: Page, name: string): Promise<void> {
  await settle(page);
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

async function test(page: Page, name: string, fn: () => Promise<void>): Promise<void> {
  const t0 = performance.now();
  try {
    await fn();
    const ms = performance.now() - t0;
    results.push({ name, ok: true, ms });
    log(`  ✓ ${name} (${(ms / 1000).toFixed(1)} s)`);
  } catch (err) {
    const ms = performance.now() - t0;
    const msg = err instanceof Error ? err.message.split('\n').slice(0, 6).join('\n    ') : String(err);
    results.push({ name, ok: false, ms, error: msg });
    log(`  ✗ ${name} (${(ms / 1000).toFixed(1)} s)\n    ${msg}`);
    await shot(page, `failed-${slug(name)}`).catch(() => {});
  }
}

async function firstPath(page: Page): Promise<string | null> {
  return page.evaluate(() => document.querySelector('[data-path]')?.getAttribute('data-path') ?? null);
}

/** Waits until the first result tile's path ends with `suffix`; fails with what was there instead. */
async function expectFirst(page: Page, suffix: string, timeout = 15_000): Promise<void> {
  try {
    await page.waitForFunction(
      (s) => document.querySelector('[data-path]')?.getAttribute('data-path')?.endsWith(s) === true,
      suffix,
      { timeout },
    );
  } catch {
    const paths = await page.evaluate(() => [...document.querySelectorAll('[data-path]')].slice(0, 5).map((e) => e.getAttribute('data-path')));
    throw new Error(`expected the first result to end with ${suffix}; first results were: ${JSON.stringify(paths)}`);
  }
}

async function expectThumbLoaded(page: Page): Promise<void> {
  const ok = await page.waitForFunction(
    () => {
      const img = document.querySelector<HTMLImageElement>('[data-path] img');
      return !!img && img.complete && img.naturalWidth > 0 && !!img.alt;
    },
    undefined,
    { timeout: 10_000 },
  );
  assert(ok, 'the first tile has no loaded thumbnail with alt text');
}

/** The result grid is split: a "best" heading above the best tiles, and a "more" heading between the last best
 *  tile and the first other one (checked on screen positions; both lists are labelled by their headings). */
async function expectTierSeparator(page: Page, best: string, more: string): Promise<void> {
  const moreHead = page.getByRole('heading', { name: more, exact: true });
  await moreHead.waitFor();
  await page.getByRole('heading', { name: best, exact: true }).waitFor();
  const r = await page.evaluate(
    ({ best, more }) => {
      const heads = [...document.querySelectorAll('.scroller h2')];
      const hb = heads.find((h) => h.textContent === best);
      const hm = heads.find((h) => h.textContent === more);
      if (!hb || !hm) return { ok: false, why: 'headings missing' };
      const listB = document.querySelector(`[role="list"][aria-labelledby="${hb.id}"]`);
      const listM = document.querySelector(`[role="list"][aria-labelledby="${hm.id}"]`);
      if (!listB || !listM) return { ok: false, why: 'lists are not labelled by the headings' };
      const tiersB = [...listB.querySelectorAll('[data-path]')].map((e) => e.getAttribute('data-tier'));
      const tiersM = [...listM.querySelectorAll('[data-path]')].map((e) => e.getAttribute('data-tier'));
      if (tiersB.some((x) => x !== 'best') || tiersM.some((x) => x === 'best')) return { ok: false, why: `tiers in the wrong list: ${tiersB.join()} | ${tiersM.join()}` };
      const top = hm.getBoundingClientRect().top;
      const bottom = hm.getBoundingClientRect().bottom;
      const lastB = [...listB.querySelectorAll('[data-path]')].map((e) => e.getBoundingClientRect().bottom);
      const firstM = [...listM.querySelectorAll('[data-path]')].map((e) => e.getBoundingClientRect().top);
      if (lastB.some((b) => b > top + 1) || firstM.some((t) => t < bottom - 1)) return { ok: false, why: 'the separator is not between the two groups' };
      return { ok: true, why: '' };
    },
    { best, more },
  );
  assert(r.ok, `tier separator: ${r.why}`);
}

async function tilePaths(page: Page): Promise<string[]> {
  return page.locator('[data-path]').evaluateAll((els) => els.map((e) => e.getAttribute('data-path')!));
}

/** Sum of the photo counts shown on the album covers. */
async function albumTotal(page: Page): Promise<number> {
  const counts = await page.locator('button.album .a-count').allInnerTexts();
  return counts.reduce((s, c) => s + Number(c.replace(/[^0-9]/g, '')), 0);
}

/** What the engine says an automatic album holds: path → score (1 = added by hand). */
async function albumScores(page: Page, base: string, tag: string): Promise<Map<string, number>> {
  const r = await page.request.post(`${base}api/call/album:get`, { data: { tag, options: { limit: 10_000 } } });
  assert(r.ok(), `album:get ${tag} failed (${r.status()})`);
  return new Map(((await r.json()) as { path: string; score: number }[]).map((h) => [h.path, h.score]));
}

/** The match score a tile shows ("match 0.123"). */
async function tileScore(tile: Locator): Promise<string> {
  return ((await tile.locator('.score').textContent()) ?? '').replace(/^\D*/, '').trim();
}

async function expectValue(loc: Locator, value: string, timeout = 15_000): Promise<void> {
  const deadline = Date.now() + timeout;
  let last = '';
  while (Date.now() < deadline) {
    last = await loc.inputValue().catch(() => '');
    if (last === value) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`expected the value ${value}, found "${last}"`);
}

async function expectText(loc: Locator, re: RegExp, timeout = 15_000): Promise<void> {
  const deadline = Date.now() + timeout;
  let last = '';
  while (Date.now() < deadline) {
    last = (await loc.innerText().catch(() => '')).trim();
    if (re.test(last)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`expected text matching ${re}, found "${last}"`);
}

async function gotoPage(page: Page, name: 'Search' | 'Albums' | 'Duplicates' | 'Folders' | 'Settings' | '搜索' | '文件夹' | '设置'): Promise<void> {
  await page.getByRole('navigation').getByRole('link', { name, exact: true }).click();
}

async function checkAxe(page: Page, label: string, seen: Map<string, AxeViolation>): Promise<void> {
  // Fading dialogs and notices would be measured half-transparent: let running animations end first.
  await settle(page);
  const violations = await axeScan(page);
  for (const v of violations) {
    if (v.impact === 'serious' || v.impact === 'critical') seen.set(`${label}: ${v.id}`, v);
  }
}

async function main(): Promise<number> {
  const started = performance.now();
  if (!existsSync(CHROMIUM)) {
    log(`e2e: Chromium not found at ${CHROMIUM}. Install it (apt-get install -y chromium) or set SOUTU_CHROMIUM.`);
    log('0 passed, 1 failed');
    return 1;
  }
  if (!existsSync(path.join(RENDERER, 'index.html'))) {
    log('e2e: out/renderer is missing; building it (electron-vite build)…');
    const r = spawnSync('npx', ['electron-vite', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
    if (r.status !== 0) {
      log('0 passed, 1 failed');
      return 1;
    }
  }
  await rm(ARTIFACTS, { recursive: true, force: true });
  await mkdir(ARTIFACTS, { recursive: true });

  const tmp = await mkdtemp(path.join(os.tmpdir(), 'soutu-e2e-'));
  const modelDir = path.join(tmp, 'model');
  const photos = path.join(tmp, 'photos');
  const colours = path.join(photos, 'colours');
  log(`e2e: preparing model and photos in ${tmp}`);
  await makeTestModel('toy-color', modelDir);
  await writeColourImages(colours);
  await copyFixtures(path.join(photos, 'fixtures'));

  let running: RunningServe | null = null;
  let context: BrowserContext | null = null;
  try {
    running = await startServe({
      library: path.join(tmp, 'library'),
      model: modelDir,
      modelsDir: path.join(tmp, 'models'),
      port: 0,
      staticDir: RENDERER,
      allowDownload: false,
      out: () => {},
      log: (line) => log(`  [server] ${line}`),
    });
    const base = running.server.url;
    log(`e2e: serving ${base}`);

    context = await chromium.launchPersistentContext(path.join(tmp, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-dev-shm-usage'],
      locale: 'en-US',
      viewport: { width: 1280, height: 800 },
      deviceScaleFactor: 1,
      colorScheme: 'light',
    });
    context.setDefaultTimeout(15_000);
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content.Security.Policy|Refused to/i.test(m.text())) consoleProblems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleProblems.push(`pageerror: ${e.message}`));
    const searchCalls: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/call/search:')) searchCalls.push(r.url());
    });
    const axeFindings = new Map<string, AxeViolation>();
    const searchBox = page.getByRole('searchbox');

    await page.goto(base);

    await test(page, 'starts with the search field focused and says to add a folder', async () => {
      await page.getByRole('heading', { name: 'Add your first folder' }).waitFor();
      const focused = await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.type === 'search');
      assert(focused, 'the search field is not focused on start');
      await shot(page, '01-first-run');
      await checkAxe(page, 'first run', axeFindings);
    });

    await test(page, 'adds a folder; indexing pauses, resumes and reaches done', async () => {
      await gotoPage(page, 'Folders');
      await page.getByLabel('Add a folder').fill(photos);
      await page.getByRole('button', { name: 'Add', exact: true }).click();
      const progress = page.getByTestId('index-progress').first();
      await progress.waitFor();
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
        assert(phase !== 'cancelled', 'indexing was cancelled');
        assert(Date.now() < deadline, `indexing did not finish; phases seen: ${[...phases].join(', ')}`);
        await page.waitForTimeout(100);
      }
      assert(pausedOnce || !phases.has('indexing'), `indexing never showed as paused (phases: ${[...phases].join(', ')})`);
      await page.getByTestId('index-summary').waitFor();
      const bar = await page.locator('main [role="progressbar"]').getAttribute('aria-valuenow');
      assert(bar === '100', `the progress bar ends at ${bar}, not 100`);
      const row = page.locator(`li[data-root="${photos}"]`);
      await row.waitFor();
      const text = await row.innerText();
      assert(/\b\d+ photos\b/.test(text) && !/\b0 photos\b/.test(text), `the folder row shows no photos: ${text}`);
      await shot(page, '03-folders');
      await checkAxe(page, 'folders', axeFindings);
    });

    await test(page, 'lists the files that could not be read, with reasons', async () => {
      const row = page.locator('[data-testid="failures"] tr[data-failed-path$="zero_bytes.jpg"]');
      await row.waitFor();
      const reason = (await row.locator('td.reason').innerText()).trim();
      assert(reason.length > 3, 'no reason shown for zero_bytes.jpg');
      const count = await page.locator('[data-testid="failures"] tbody tr').count();
      assert(count >= 5, `only ${count} failed files listed`);
    });

    await test(page, 'nothing is searched while an IME composition is in progress', async () => {
      await gotoPage(page, 'Search');
      await searchBox.waitFor();
      const before = searchCalls.length;
      await searchBox.evaluate((el: HTMLInputElement) => {
        el.focus();
        el.dispatchEvent(new CompositionEvent('compositionstart', { bubbles: true, data: '' }));
        el.value = 'hong';
        el.dispatchEvent(new InputEvent('input', { bubbles: true, isComposing: true, data: 'hong', inputType: 'insertCompositionText' }));
        el.value = '红';
        el.dispatchEvent(new InputEvent('input', { bubbles: true, isComposing: true, data: '红', inputType: 'insertCompositionText' }));
        el.dispatchEvent(new KeyboardEvent('keydown', { bubbles: true, key: 'Enter', isComposing: true, keyCode: 229 }));
      });
      await page.waitForTimeout(700);
      assert(searchCalls.length === before, `a search ran during composition (${searchCalls.length - before} calls)`);
      await searchBox.evaluate((el: HTMLInputElement) => {
        el.value = '红色';
        el.dispatchEvent(new CompositionEvent('compositionend', { bubbles: true, data: '红色' }));
      });
      await expectFirst(page, '/red.jpg');
      assert(searchCalls.length > before, 'no search after the composition ended');
      await searchBox.fill('');
    });

    await test(page, 'typing 「红色」 shows the red image first', async () => {
      await searchBox.click();
      await page.keyboard.type('红色');
      await expectFirst(page, '/red.jpg');
      await expectThumbLoaded(page);
      await expectTierSeparator(page, 'Best matches', 'More results');
      await page.locator('[data-path]').first().hover();
      await shot(page, '04-search-red');
      await checkAxe(page, 'results', axeFindings);
    });

    await test(page, 'Enter searches English text and remembers it', async () => {
      await searchBox.fill('blue');
      await searchBox.press('Enter');
      await expectFirst(page, '/blue.jpg');
      const recent = await page.evaluate(() => localStorage.getItem('soutu.recentSearches'));
      assert(recent?.includes('blue'), `recent searches not kept: ${recent}`);
    });

    await test(page, 'sorts by date and back to best match', async () => {
      await page.getByRole('button', { name: 'Newest' }).click();
      // Date order mixes the tiers: no separator.
      await page.getByRole('heading', { name: 'More results' }).waitFor({ state: 'detached' });
      await page.getByRole('button', { name: 'Best match' }).click();
      await expectFirst(page, '/blue.jpg');
      await expectTierSeparator(page, 'Best matches', 'More results');
    });

    await test(page, '“Best matches only” drops the separator with the other results', async () => {
      await page.getByLabel('Best matches only').check();
      await page.getByRole('heading', { name: 'More results' }).waitFor({ state: 'detached' });
      const tiers = await page.locator('[data-path]').evaluateAll((els) => els.map((e) => e.getAttribute('data-tier')));
      assert(tiers.length > 0 && tiers.every((x) => x === 'best'), `best-only results hold other tiers: ${tiers.join(',')}`);
      await page.getByLabel('Best matches only').uncheck();
      await expectTierSeparator(page, 'Best matches', 'More results');
    });

    await test(page, 'lightbox opens, moves with ←/→ and closes with Esc', async () => {
      const tiles = page.locator('[data-path]');
      const names = await tiles.evaluateAll((els) => els.slice(0, 2).map((e) => e.getAttribute('data-path')!.split('/').pop()!));
      await tiles.first().locator('button.open').click();
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      const title = dialog.locator('h2');
      assert((await title.innerText()) === names[0], `lightbox shows ${await title.innerText()}, expected ${names[0]}`);
      await page.keyboard.press('ArrowRight');
      await page.waitForFunction((n) => document.querySelector('[role="dialog"] h2')?.textContent === n, names[1]);
      await page.keyboard.press('ArrowLeft');
      await page.waitForFunction((n) => document.querySelector('[role="dialog"] h2')?.textContent === n, names[0]);
      await page.waitForFunction(() => {
        const img = document.querySelector<HTMLImageElement>('[role="dialog"] img.full');
        return !!img && img.complete && img.naturalWidth > 0;
      });
      await shot(page, '05-lightbox');
      await checkAxe(page, 'lightbox', axeFindings);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      const back = await page.evaluate(() => document.activeElement?.closest('[data-path]')?.getAttribute('data-path') ?? null);
      assert(back?.endsWith(`/${names[0]}`), `focus did not return to the tile (it is on ${back})`);
    });

    await test(page, 'dropping an image file finds similar photos', async () => {
      const bytes = await readFile(path.join(colours, 'green.jpg'));
      await dropFile(page, 'green.jpg', 'image/jpeg', bytes);
      await page.getByTestId('query-chip').locator('img').waitFor();
      await expectFirst(page, '/green.jpg');
      await expectThumbLoaded(page);
      await shot(page, '06-similar');
    });

    await test(page, 'pasting an image searches by it', async () => {
      const bytes = await readFile(path.join(colours, 'yellow.jpg'));
      await pasteFile(page, 'yellow.jpg', 'image/jpeg', bytes);
      await expectFirst(page, '/yellow.jpg');
    });

    await test(page, 'picking an image file searches by it, and the chip can be removed', async () => {
      await page.locator('input[type="file"]').setInputFiles(path.join(colours, 'orange.jpg'));
      await expectFirst(page, '/orange.jpg');
      await page.getByRole('button', { name: 'Remove the image query' }).click();
      await page.getByTestId('query-chip').waitFor({ state: 'detached' });
      await page.getByRole('heading', { name: 'Search your photos' }).waitFor();
    });

    await test(page, 'an image chip refined by words runs a mixed query', async () => {
      await page.locator('input[type="file"]').setInputFiles(path.join(colours, 'red.jpg'));
      await expectFirst(page, '/red.jpg');
      const mixed = page.waitForRequest((r) => r.url().endsWith('/api/call/search:query'));
      await searchBox.fill('blue');
      const body = (await mixed).postDataJSON() as { text?: string; images?: unknown[] };
      assert(body.text === 'blue' && body.images?.length === 1, `unexpected mixed query ${JSON.stringify(body).slice(0, 200)}`);
      // Red image + the word "blue": the half red, half blue picture climbs to the top two.
      await page.waitForFunction(
        () => [...document.querySelectorAll('[data-path]')].slice(0, 2).some((e) => e.getAttribute('data-path')?.endsWith('/half_red_blue.png')),
      );
      await page.getByTestId('query-chip').waitFor();
      await searchBox.press('Escape');
      await page.getByTestId('query-chip').waitFor({ state: 'detached' });
    });

    await test(page, '“Find similar” on a result searches by that photo', async () => {
      await searchBox.fill('purple');
      await expectFirst(page, '/purple.jpg');
      const first = page.locator('[data-path]').first();
      await first.hover();
      await first.locator('button.similar').click();
      await page.getByTestId('query-chip').locator('img').waitFor();
      // The chip shows at once; the grid still holds the text results (purple first) until the similar ones come.
      await page
        .waitForFunction(() => {
          const p = document.querySelector('[data-path]')?.getAttribute('data-path');
          return p !== undefined && p !== null && !p.endsWith('/purple.jpg');
        }, undefined, { timeout: 15_000 })
        .catch(() => {});
      const p = await firstPath(page);
      assert(p !== null && !p.endsWith('/purple.jpg'), `similar results should exclude the photo itself, first is ${p}`);
    });

    await test(page, 'albums list photos by subject and open into the grid', async () => {
      await gotoPage(page, 'Albums');
      await page.getByRole('heading', { name: 'Albums', level: 1 }).waitFor();
      const album = page.locator('button.album').first();
      await album.waitFor({ timeout: 60_000 });
      await shot(page, '11-albums');
      await checkAxe(page, 'albums', axeFindings);
      await album.click();
      await page.locator('[data-path]').first().waitFor();
      await page.getByRole('button', { name: 'Albums' }).first().click();
      await page.locator('button.album').first().waitFor();
    });

    await test(page, 'the tag strictness slider updates album counts live and keeps the default', async () => {
      const slider = page.getByRole('slider', { name: 'Tag strictness' });
      await slider.waitFor();
      assert((await slider.inputValue()) === '0.05', `the slider starts at ${await slider.inputValue()}, not the default 0.05`);
      const status = page.getByTestId('tag-margin-status');
      const before = await albumTotal(page);
      const calls: number[] = [];
      const onReq = (r: { url(): string; postDataJSON(): unknown }) => {
        if (r.url().endsWith('/api/call/tags:threshold')) calls.push((r.postDataJSON() as { margin: number }).margin);
      };
      page.on('request', onReq);
      try {
        await slider.focus();
        await page.keyboard.press('End');
        await expectText(status, /strictness 0\.15/);
        const strict = await albumTotal(page);
        assert(strict < before, `album counts did not drop at 0.15 (${before} → ${strict})`);
        await page.keyboard.press('Home');
        await expectText(status, /strictness 0\.00/);
        const loose = await albumTotal(page);
        assert(loose > before, `album counts did not grow at 0.00 (${before} → ${loose})`);
        await shot(page, '14-albums-strictness');
        // Five quick steps back to the default: debounced into one call.
        const n = calls.length;
        for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
        await expectText(status, /strictness 0\.05/);
        assert(calls.length === n + 1 && calls.at(-1) === 0.05, `expected one debounced call with 0.05, got ${JSON.stringify(calls.slice(n))}`);
        assert((await albumTotal(page)) === before, 'the counts at 0.05 differ from the start');
      } finally {
        page.off('request', onReq);
      }
      await checkAxe(page, 'albums (strictness)', axeFindings);
    });

    await test(page, 'the strictness slider shows a margin set by another client', async () => {
      const setMargin = async (margin: number) => {
        const r = await page.request.post(`${base}api/call/tags:threshold`, { data: { margin } });
        assert(r.ok(), `tags:threshold ${margin} failed (${r.status()})`);
      };
      const slider = page.getByRole('slider', { name: 'Tag strictness' });
      const output = page.locator('output[for="tag-margin"]');
      const before = await albumTotal(page);
      // Changed while this window shows another page: opening Albums reads it.
      await gotoPage(page, 'Search');
      await setMargin(0.09);
      await gotoPage(page, 'Albums');
      await expectValue(slider, '0.09');
      await expectText(output, /^0\.09 /);
      await page.locator('button.album').first().waitFor();
      const at09 = await albumTotal(page);
      assert(at09 < before, `album counts at 0.09 (${at09}) are not below those at 0.05 (${before})`);
      // Changed again, then a reload: the status read on load carries it.
      await setMargin(0.12);
      await page.reload();
      await page.getByRole('heading', { name: 'Albums', level: 1 }).waitFor();
      await expectValue(slider, '0.12');
      await expectText(output, /^0\.12 /);
      // And the slider moves on from there: seven steps down is the default again.
      await slider.focus();
      for (let i = 0; i < 7; i++) await page.keyboard.press('ArrowLeft');
      await expectText(page.getByTestId('tag-margin-status'), /strictness 0\.05/);
      assert((await albumTotal(page)) === before, 'the counts back at 0.05 differ from the start');
      const st = (await (await page.request.post(`${base}api/call/library:status`, { data: {} })).json()) as { tagMargin: number };
      assert(st.tagMargin === 0.05, `the engine's margin is ${st.tagMargin}, not 0.05`);
    });

    await test(page, 'a photo is removed from an album from the grid and the lightbox, with undo', async () => {
      await page.locator('button.album', { hasText: 'colorful clouds at dusk' }).click();
      const heading = page.getByRole('heading', { name: 'colorful clouds at dusk', level: 1 });
      await heading.waitFor();
      const tiles = page.locator('[data-path]');
      await tiles.first().waitFor();
      const paths = await tilePaths(page);
      assert(paths.some((p) => p.endsWith('/red.jpg')), `red.jpg is not in the album: ${paths.join(', ')}`);
      const n = paths.length;
      const count = page.locator('.album-head .muted');
      // Delete on the focused tile removes it; focus moves to the photo that takes its place.
      const red = page.locator('[data-path$="/red.jpg"]');
      const redIndex = Number(await red.getAttribute('data-index'));
      const redPath = (await red.getAttribute('data-path'))!;
      const redScore = await tileScore(red);
      const engineBefore = await albumScores(page, base, 'afterglow');
      assert(engineBefore.get(redPath) !== 1, 'red.jpg is in the album by hand before any edit');
      await red.locator('button.open').focus();
      await page.keyboard.press('Delete');
      await red.waitFor({ state: 'detached' });
      await expectText(count, new RegExp(`^${n - 1} photo`));
      const focused = await page.evaluate(() => document.activeElement?.closest('[data-path]')?.getAttribute('data-index') ?? null);
      assert(focused === String(Math.min(redIndex, n - 2)), `focus is on tile ${focused} after the removal`);
      await page.getByRole('status').filter({ hasText: 'Removed red.jpg from “colorful clouds at dusk”' }).waitFor();
      await shot(page, '15-album-removed-undo');
      await checkAxe(page, 'album after removal', axeFindings);
      // Ctrl+Z puts it back, in its place, as the automatic tagging has it (its own score, not one added by hand).
      await page.keyboard.press('Control+z');
      await red.waitFor();
      await expectText(count, new RegExp(`^${n} photo`));
      assert(Number(await red.getAttribute('data-index')) === redIndex, 'red.jpg came back in another place');
      assert((await tileScore(red)) === redScore, `red.jpg came back with the score ${await tileScore(red)}, not ${redScore}`);
      const engineAfter = await albumScores(page, base, 'afterglow');
      assert(
        engineAfter.get(redPath) === engineBefore.get(redPath),
        `after Undo the engine scores red.jpg ${engineAfter.get(redPath)} (before: ${engineBefore.get(redPath)}; 1 = added by hand)`,
      );
      // From the lightbox: it moves on to the next photo.
      await red.locator('button.open').click();
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      await dialog.getByRole('button', { name: 'Remove from this album' }).waitFor();
      await checkAxe(page, 'album lightbox', axeFindings);
      await dialog.getByRole('button', { name: 'Remove from this album' }).click();
      await page.waitForFunction((total) => document.querySelector('[role="dialog"] .counter')?.textContent?.endsWith(`of ${total}`), n - 1);
      const shown = await dialog.locator('h2').innerText();
      assert(shown !== 'red.jpg', 'the lightbox still shows red.jpg');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      await red.waitFor({ state: 'detached' });
      // The Undo button of a notice: remove another photo, then undo it.
      const other = tiles.first();
      const otherPath = (await other.getAttribute('data-path'))!;
      const otherScore = (await albumScores(page, base, 'afterglow')).get(otherPath);
      await other.hover();
      await other.locator('button.remove').click();
      await page.locator(`[data-path="${otherPath}"]`).waitFor({ state: 'detached' });
      assert(!(await albumScores(page, base, 'afterglow')).has(otherPath), 'the engine still has the removed photo in the album');
      await page.getByRole('button', { name: 'Undo' }).last().click();
      await page.locator(`[data-path="${otherPath}"]`).waitFor();
      await expectText(count, new RegExp(`^${n - 1} photo`));
      const otherAfter = (await albumScores(page, base, 'afterglow')).get(otherPath);
      assert(otherAfter === otherScore && otherAfter !== 1, `after Undo the engine scores ${otherPath} ${otherAfter}, not ${otherScore}`);
      await page.getByRole('button', { name: 'Albums' }).first().click();
    });

    await test(page, '“Add to album…” from search results: a picker filtered in Chinese or English', async () => {
      await gotoPage(page, 'Search');
      // Drop the image chip left by “Find similar”, so this is a plain text search.
      if ((await page.getByTestId('query-chip').count()) > 0) {
        await searchBox.press('Escape');
        await page.getByTestId('query-chip').waitFor({ state: 'detached' });
      }
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
      assert(await lightbox.isVisible(), 'Esc in the picker closed the lightbox too');
      await page.keyboard.press('Escape');
      await lightbox.waitFor({ state: 'detached' });
      // From the grid, by keyboard: A on the focused tile.
      await page.locator('[data-path]').first().locator('button.open').focus();
      await page.keyboard.press('a');
      await picker.waitFor();
      const field = picker.getByRole('combobox');
      assert(await field.evaluate((el) => el === document.activeElement), 'the filter field is not focused');
      await picker.getByRole('option').first().waitFor();
      await field.fill('dusk');
      await picker.getByRole('option', { name: /colorful clouds at dusk/ }).waitFor();
      await field.fill('晚霞');
      const first = picker.getByRole('option').first();
      await expectText(first, /colorful clouds at dusk/);
      assert((await first.getAttribute('aria-selected')) === 'true', 'the first match is not the active option');
      assert((await field.getAttribute('aria-activedescendant')) === (await first.getAttribute('id')), 'aria-activedescendant does not point at the active option');
      await shot(page, '16-add-to-album');
      await checkAxe(page, 'album picker', axeFindings);
      await page.keyboard.press('Enter');
      await picker.waitFor({ state: 'detached' });
      await page.getByRole('status').filter({ hasText: 'Added blue.jpg to “colorful clouds at dusk”' }).waitFor();
      const back = await page.evaluate(() => document.activeElement?.closest('[data-path]')?.getAttribute('data-path') ?? null);
      assert(back?.endsWith('/blue.jpg'), `focus did not return to the tile (it is on ${back})`);
      const blueIn = async () => [...(await albumScores(page, base, 'afterglow')).entries()].find(([p]) => p.endsWith('/blue.jpg'))?.[1];
      assert((await blueIn()) === 1, 'blue.jpg is not in the album as added by hand');
      // Ctrl+Z hands it back to the automatic tagging, which leaves it out; then it is added again.
      const undo = page.waitForResponse((r) => r.url().endsWith('/api/call/album:edit'));
      await page.keyboard.press('Control+z');
      const undone = await undo;
      assert(undone.ok() && (undone.request().postDataJSON() as { action: string }).action === 'reset', 'Undo did not reset the decision');
      assert((await blueIn()) === undefined, 'blue.jpg is still in the album after Undo');
      await page.keyboard.press('a');
      await picker.waitFor();
      await field.fill('晚霞');
      await expectText(picker.getByRole('option').first(), /colorful clouds at dusk/);
      await page.keyboard.press('Enter');
      await picker.waitFor({ state: 'detached' });
      assert((await blueIn()) === 1, 'blue.jpg was not added again');
    });

    await test(page, 'album edits are kept by the engine and survive a rescan', async () => {
      const album = async () =>
        ((await (await page.request.post(`${base}api/call/album:get`, { data: { tag: 'afterglow' } })).json()) as { path: string }[]).map((h) => h.path);
      const expectEdits = (paths: string[], when: string) => {
        assert(!paths.some((p) => p.endsWith('/red.jpg')), `${when}: red.jpg is back in the album`);
        assert(paths.some((p) => p.endsWith('/blue.jpg')), `${when}: blue.jpg is not in the album`);
      };
      expectEdits(await album(), 'before the rescan');
      const lastBefore = JSON.stringify(await (await page.request.post(`${base}api/call/index:last`, { data: {} })).json());
      await gotoPage(page, 'Folders');
      const started = page.waitForResponse((r) => r.url().endsWith('/api/call/index:start'));
      await page.getByRole('button', { name: 'Rescan all' }).click();
      assert((await started).ok(), 'index:start failed');
      const deadline = Date.now() + 90_000;
      for (;;) {
        const last = JSON.stringify(await (await page.request.post(`${base}api/call/index:last`, { data: {} })).json());
        const phase = await page.locator('main [data-testid="index-progress"]').getAttribute('data-phase').catch(() => null);
        if (last !== 'null' && last !== lastBefore && phase === 'done') break;
        assert(Date.now() < deadline, `the rescan did not finish (phase ${phase})`);
        await page.waitForTimeout(250);
      }
      expectEdits(await album(), 'after the rescan');
      // And the page shows the same.
      await gotoPage(page, 'Albums');
      await page.locator('button.album', { hasText: 'colorful clouds at dusk' }).click();
      await page.locator('[data-path$="/blue.jpg"]').waitFor();
      assert((await page.locator('[data-path$="/red.jpg"]').count()) === 0, 'red.jpg shows in the album after the rescan');
      await page.getByRole('button', { name: 'Albums' }).first().click();
      await page.locator('button.album').first().waitFor();
    });

    await test(page, 'duplicates page loads and stays accessible', async () => {
      await gotoPage(page, 'Duplicates');
      await page.getByRole('heading', { name: 'Duplicates', level: 1 }).waitFor();
      await page.waitForFunction(() => !document.querySelector('main [role="status"]')?.textContent?.includes('Looking for duplicates'), undefined, { timeout: 60_000 });
      await shot(page, '12-duplicates');
      await checkAxe(page, 'duplicates', axeFindings);
    });

    await test(page, 'switches language to 中文 and back', async () => {
      await gotoPage(page, 'Settings');
      await page.getByText('简体中文').click();
      await page.getByRole('navigation').getByRole('link', { name: '文件夹', exact: true }).waitFor();
      assert((await page.evaluate(() => document.documentElement.lang)) === 'zh-CN', 'html lang is not zh-CN');
      await page.getByRole('heading', { name: '设置', level: 1 }).waitFor();
      await shot(page, '07-settings-zh');
      await checkAxe(page, 'settings (zh-CN)', axeFindings);
      // The choice is saved with the library: a reload keeps it.
      await page.reload();
      await page.getByRole('navigation').getByRole('link', { name: '文件夹', exact: true }).waitFor();
      await gotoPage(page, '搜索');
      await searchBox.fill('红色');
      await expectFirst(page, '/red.jpg');
      await expectTierSeparator(page, '最佳匹配', '更多结果');
      await shot(page, '08-search-zh');
      await gotoPage(page, '设置');
      await page.getByText('English', { exact: true }).click();
      await page.getByRole('navigation').getByRole('link', { name: 'Folders', exact: true }).waitFor();
      assert((await page.evaluate(() => document.documentElement.lang)) === 'en', 'html lang is not en');
    });

    await test(page, 'dark theme applies and stays accessible', async () => {
      await page.getByText('Dark', { exact: true }).click();
      await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
      await shot(page, '09-settings-dark');
      await checkAxe(page, 'settings (dark)', axeFindings);
      await gotoPage(page, 'Search');
      await searchBox.fill('red');
      await expectFirst(page, '/red.jpg');
      await shot(page, '10-search-dark');
      await checkAxe(page, 'results (dark)', axeFindings);
      await gotoPage(page, 'Folders');
      await checkAxe(page, 'folders (dark)', axeFindings);
      await gotoPage(page, 'Settings');
      await page.getByText('System', { exact: true }).click();
      await page.waitForFunction(() => document.documentElement.dataset.theme === 'light');
    });

    await test(page, 'keyboard: arrows move between tiles, Enter opens, S finds similar', async () => {
      await gotoPage(page, 'Search');
      await searchBox.fill('gray');
      await expectFirst(page, '/gray.jpg');
      await page.keyboard.press('Tab');
      // Tab from the field reaches the first tile after the field's own buttons.
      for (let i = 0; i < 6; i++) {
        const onTile = await page.evaluate(() => !!document.activeElement?.closest('[data-path]'));
        if (onTile) break;
        await page.keyboard.press('Tab');
      }
      const start = await page.evaluate(() => document.activeElement?.closest('[data-path]')?.getAttribute('data-index'));
      assert(start === '0', `Tab did not reach the first tile (data-index ${start})`);
      await page.keyboard.press('ArrowRight');
      const next = await page.evaluate(() => document.activeElement?.closest('[data-path]')?.getAttribute('data-index'));
      assert(next === '1', `ArrowRight moved to ${next}`);
      await page.keyboard.press('Enter');
      await page.getByRole('dialog').waitFor();
      await page.keyboard.press('Escape');
      await page.keyboard.press('s');
      await page.getByTestId('query-chip').locator('img').waitFor();
    });

    await test(page, '10,000 results stay virtualised and scroll to the end', async () => {
      // The library is small, so the answer is synthesised: 10k hits of mixed shapes sharing one real thumbnail.
      const real = (await page.evaluate(() => document.querySelector('[data-path]')?.getAttribute('data-index'))) !== null;
      assert(real, 'no results on screen to start from');
      const sample = await (await page.request.post(`${base}api/call/search:text`, { data: { text: 'red', options: { limit: 1 } } })).json();
      const shapes = [[1600, 1200], [1200, 1600], [1000, 1000], [1920, 1080]];
      const hits = Array.from({ length: 10_000 }, (_, i) => ({
        ...sample[0],
        path: `/virtual/photo-${String(i).padStart(5, '0')}.jpg`,
        width: shapes[i % 4][0],
        height: shapes[i % 4][1],
        score: 1 - i / 10_000,
        tier: i < 100 ? 'best' : 'more',
      }));
      await page.route('**/api/call/search:text', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(hits) }));
      try {
        await searchBox.press('Escape'); // drop the image chip left by the previous test
        await page.getByTestId('query-chip').waitFor({ state: 'detached' });
        await searchBox.fill('ten thousand');
        await page.waitForFunction(() => document.querySelector('[data-path]')?.getAttribute('data-path') === '/virtual/photo-00000.jpg');
        const inDom = await page.locator('[data-path]').count();
        assert(inDom > 10 && inDom < 400, `${inDom} tiles in the DOM for 10,000 results (not virtualised?)`);
        // The separator after the 100 best is part of the layout, not of the rendered window.
        await expectTierSeparator(page, 'Best matches', 'More results');
        const frames = await page.evaluate(async () => {
          const scroller = document.querySelector('.scroller') as HTMLElement;
          const times: number[] = [];
          let last = performance.now();
          for (let y = 0; y < scroller.scrollHeight; y += 2400) {
            scroller.scrollTop = y;
            await new Promise((r) => requestAnimationFrame(() => r(null)));
            const now = performance.now();
            times.push(now - last);
            last = now;
          }
          scroller.scrollTop = scroller.scrollHeight;
          await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(null))));
          times.sort((a, b) => a - b);
          return { count: times.length, median: times[times.length >> 1], p95: times[Math.floor(times.length * 0.95)] };
        });
        await page.waitForFunction(() => !!document.querySelector('[data-path="/virtual/photo-09999.jpg"]'));
        const after = await page.locator('[data-path]').count();
        assert(after < 400, `${after} tiles in the DOM after scrolling to the end`);
        log(`    (${frames.count} scroll steps: median ${frames.median.toFixed(1)} ms, p95 ${frames.p95.toFixed(1)} ms per frame)`);
      } finally {
        await page.unroute('**/api/call/search:text');
      }
    });

    await test(page, 'a phone-sized window keeps everything reachable without sideways scrolling', async () => {
      await page.setViewportSize({ width: 390, height: 800 });
      try {
        await searchBox.fill('红色');
        await expectFirst(page, '/red.jpg');
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
        await shot(page, '13-narrow');
        await checkAxe(page, 'narrow results', axeFindings);
        await gotoPage(page, 'Folders');
        const overflow2 = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert(overflow2 <= 0, `the folders page scrolls sideways by ${overflow2}px`);
        await gotoPage(page, 'Search');
      } finally {
        await page.setViewportSize({ width: 1280, height: 800 });
      }
    });

    await test(page, 'the page has a strict CSP and no console errors or CSP violations', async () => {
      const res = await page.request.get(base);
      const csp = res.headers()['content-security-policy'] ?? '';
      assert(csp.includes("script-src 'self'") && csp.includes("default-src 'none'"), `weak or missing CSP: ${csp}`);
      assert(res.headers()['x-content-type-options'] === 'nosniff', 'missing nosniff');
      const bad = consoleProblems.filter((m) => !/favicon/.test(m));
      assert(bad.length === 0, `console problems:\n${bad.slice(0, 8).join('\n')}`);
    });

    await test(page, 'axe: no serious or critical accessibility violations', async () => {
      const list = [...axeFindings.entries()].map(([k, v]) => `${k} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).join(' | ')}`);
      assert(list.length === 0, list.join('\n'));
    });
  } finally {
    await context?.close().catch(() => {});
    await running?.stop().catch(() => {});
    if (!KEEP) await rm(tmp, { recursive: true, force: true }).catch(() => {});
  }

  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  log(`\ne2e: ${((performance.now() - started) / 1000).toFixed(1)} s; screenshots in ${path.relative(process.cwd(), ARTIFACTS) || ARTIFACTS}`);
  log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`e2e: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    log(`${results.filter((r) => r.ok).length} passed, ${results.filter((r) => !r.ok).length + 1} failed`);
    process.exit(1);
  },
);
