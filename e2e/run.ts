// End-to-end suite: Debian's Chromium (driven by playwright-core) against `soutu serve` running in this
// process, on a library built from generated colour images plus the shared fixtures with the toy-color model.
// Prints "N passed, M failed"; screenshots go to artifacts/e2e/. Run: npm run test:e2e (tsx e2e/run.ts).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
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

async function shot(page: Page, name: string): Promise<void> {
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

async function gotoPage(page: Page, name: 'Search' | 'Albums' | 'Duplicates' | 'Folders' | 'Settings' | '搜索' | '文件夹' | '设置'): Promise<void> {
  await page.getByRole('navigation').getByRole('link', { name, exact: true }).click();
}

async function checkAxe(page: Page, label: string, seen: Map<string, AxeViolation>): Promise<void> {
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
      await page.waitForTimeout(100);
      await page.getByRole('button', { name: 'Best match' }).click();
      await expectFirst(page, '/blue.jpg');
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
      }));
      await page.route('**/api/call/search:text', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(hits) }));
      try {
        await searchBox.press('Escape'); // drop the image chip left by the previous test
        await page.getByTestId('query-chip').waitFor({ state: 'detached' });
        await searchBox.fill('ten thousand');
        await page.waitForFunction(() => document.querySelector('[data-path]')?.getAttribute('data-path') === '/virtual/photo-00000.jpg');
        const inDom = await page.locator('[data-path]').count();
        assert(inDom > 10 && inDom < 400, `${inDom} tiles in the DOM for 10,000 results (not virtualised?)`);
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
