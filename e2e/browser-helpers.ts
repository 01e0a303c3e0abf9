// Things a real user does that Playwright has no one-liner for (dropping or pasting a file, an axe-core scan
// under a strict CSP) and the few waits and checks the browser specs share. Typed against @playwright/test.
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Locator, type Page } from '@playwright/test';

export interface AxeViolation {
  id: string;
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  help: string;
  nodes: string[];
}

/** Named screenshots (the README's pictures are picked from here); cleared by e2e/browser/global-setup.ts. */
export const SCREENSHOTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'artifacts', 'e2e');

const require = createRequire(import.meta.url);
let axeSource: string | null = null;

/** Runs axe-core in the page. The script is evaluated over CDP, which the page's CSP does not block. */
export async function axeScan(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  const has = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe !== 'undefined');
  if (!has) await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: { id: string; impact: AxeViolation['impact']; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'], runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
}

/**
 * Scans the page with axe and records every serious or critical violation as a soft failure of the running
 * test: the test is marked failed where the problem is, and goes on to check the rest of its flow.
 */
export async function checkAxe(page: Page, label: string): Promise<void> {
  // Fading dialogs and notices would be measured half-transparent: let running animations end first.
  await settle(page);
  const found = (await axeScan(page))
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).join(' | ')}`);
  expect.soft(found, `axe, ${label}: serious or critical violations`).toEqual([]);
}

/** Drops a file on the page body: dragenter, dragover, drop, each carrying a DataTransfer with the File. */
export async function dropFile(page: Page, name: string, type: string, bytes: Buffer): Promise<void> {
  await page.evaluate(
    ({ name, type, data }) => {
      const file = new File([new Uint8Array(data)], name, { type });
      const dt = new DataTransfer();
      dt.items.add(file);
      const target = document.body;
      for (const kind of ['dragenter', 'dragover', 'drop']) {
        target.dispatchEvent(new DragEvent(kind, { bubbles: true, cancelable: true, dataTransfer: dt }));
      }
    },
    { name, type, data: [...bytes] },
  );
}

/** Pastes a file as Ctrl/Cmd+V would: a paste event whose clipboardData holds the File. */
export async function pasteFile(page: Page, name: string, type: string, bytes: Buffer): Promise<void> {
  await page.evaluate(
    ({ name, type, data }) => {
      const file = new File([new Uint8Array(data)], name, { type });
      const dt = new DataTransfer();
      dt.items.add(file);
      (document.activeElement ?? document.body).dispatchEvent(new ClipboardEvent('paste', { bubbles: true, cancelable: true, clipboardData: dt }));
    },
    { name, type, data: [...bytes] },
  );
}

/** Waits (up to 3 s) for running animations, such as a dialog or notice fading in, to end. */
export async function settle(page: Page): Promise<void> {
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'), undefined, { timeout: 3000 }).catch(() => {});
}

/** Writes artifacts/e2e/<name>.png once animations have settled, and attaches it to the test's report. */
export async function shot(page: Page, name: string): Promise<void> {
  await settle(page);
  await mkdir(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  await test.info().attach(name, { path: file, contentType: 'image/png' });
}

export type PageName = 'Search' | 'Albums' | 'Duplicates' | 'Folders' | 'Settings' | '搜索' | '相册' | '重复照片' | '文件夹' | '设置';

export async function gotoPage(page: Page, name: PageName): Promise<void> {
  await page.getByRole('navigation').getByRole('link', { name, exact: true }).click();
}

export async function firstPath(page: Page): Promise<string | null> {
  return page.evaluate(() => document.querySelector('[data-path]')?.getAttribute('data-path') ?? null);
}

export async function tilePaths(page: Page): Promise<string[]> {
  return page.locator('[data-path]').evaluateAll((els) => els.map((e) => e.getAttribute('data-path')!));
}

/** The data-index of the result tile that holds the focus, or null. */
export async function focusedTileIndex(page: Page): Promise<string | null> {
  return page.evaluate(() => document.activeElement?.closest('[data-path]')?.getAttribute('data-index') ?? null);
}

/** The data-path of the result tile that holds the focus, or null. */
export async function focusedTilePath(page: Page): Promise<string | null> {
  return page.evaluate(() => document.activeElement?.closest('[data-path]')?.getAttribute('data-path') ?? null);
}

/** Waits until the first result tile's path ends with `suffix`; fails with what was there instead. */
export async function expectFirst(page: Page, suffix: string, timeout = 15_000): Promise<void> {
  try {
    await page.waitForFunction((s) => document.querySelector('[data-path]')?.getAttribute('data-path')?.endsWith(s) === true, suffix, { timeout });
  } catch {
    const paths = await page.evaluate(() => [...document.querySelectorAll('[data-path]')].slice(0, 5).map((e) => e.getAttribute('data-path')));
    throw new Error(`expected the first result to end with ${suffix}; first results were: ${JSON.stringify(paths)}`);
  }
}

/** Waits until the first tile shows a loaded thumbnail with alt text. */
export async function expectThumbLoaded(page: Page): Promise<void> {
  try {
    await page.waitForFunction(
      () => {
        const img = document.querySelector<HTMLImageElement>('[data-path] img');
        return !!img && img.complete && img.naturalWidth > 0 && !!img.alt;
      },
      undefined,
      { timeout: 10_000 },
    );
  } catch {
    throw new Error('the first tile has no loaded thumbnail with alt text');
  }
}

/** The result grid is split: a "best" heading above the best tiles, and a "more" heading between the last best
 *  tile and the first other one (checked on screen positions; both lists are labelled by their headings). */
export async function expectTierSeparator(page: Page, best: string, more: string): Promise<void> {
  await page.getByRole('heading', { name: more, exact: true }).waitFor();
  await page.getByRole('heading', { name: best, exact: true }).waitFor();
  const why = await page.evaluate(
    ({ best, more }) => {
      const heads = [...document.querySelectorAll('.scroller h2')];
      const hb = heads.find((h) => h.textContent === best);
      const hm = heads.find((h) => h.textContent === more);
      if (!hb || !hm) return 'headings missing';
      const listB = document.querySelector(`[role="list"][aria-labelledby="${hb.id}"]`);
      const listM = document.querySelector(`[role="list"][aria-labelledby="${hm.id}"]`);
      if (!listB || !listM) return 'lists are not labelled by the headings';
      const tiersB = [...listB.querySelectorAll('[data-path]')].map((e) => e.getAttribute('data-tier'));
      const tiersM = [...listM.querySelectorAll('[data-path]')].map((e) => e.getAttribute('data-tier'));
      if (tiersB.some((x) => x !== 'best') || tiersM.some((x) => x === 'best')) return `tiers in the wrong list: ${tiersB.join()} | ${tiersM.join()}`;
      const top = hm.getBoundingClientRect().top;
      const bottom = hm.getBoundingClientRect().bottom;
      const lastB = [...listB.querySelectorAll('[data-path]')].map((e) => e.getBoundingClientRect().bottom);
      const firstM = [...listM.querySelectorAll('[data-path]')].map((e) => e.getBoundingClientRect().top);
      if (lastB.some((b) => b > top + 1) || firstM.some((t) => t < bottom - 1)) return 'the separator is not between the two groups';
      return '';
    },
    { best, more },
  );
  expect(why, `tier separator (${best} / ${more})`).toBe('');
}

/** Sum of the photo counts shown on the album covers. */
export async function albumTotal(page: Page): Promise<number> {
  const counts = await page.locator('button.album .a-count').allInnerTexts();
  return counts.reduce((s, c) => s + Number(c.replace(/[^0-9]/g, '')), 0);
}

/** The match score a tile shows ("match 0.123"). */
export async function tileScore(tile: Locator): Promise<string> {
  return ((await tile.locator('.score').textContent()) ?? '').replace(/^\D*/, '').trim();
}

/** How wide the document scrolls past the window, in CSS pixels (0 or less: no sideways scrolling). */
export async function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/**
 * Words on screen in the other language than the interface's: with `lang` 'zh-CN', a run of three or more
 * Latin words; with 'en', any Chinese character. Checked in text and in what assistive technology reads
 * (aria-label, title, placeholder, alt, aria-valuetext) and the window title. Not counted: what is marked as
 * not the interface's to translate (translate="no": paths, file names, model ids, the user's own words), code,
 * text in a language of its own (`lang` differs, e.g. "English" in the language picker), URLs, file names and
 * any path the page shows (every data-*path attribute, and its last part, is taken out first).
 * Returns each offending phrase with where it was found.
 */
export async function foreignText(page: Page, lang: 'zh-CN' | 'en', scope = 'body'): Promise<string[]> {
  return page.evaluate(
    ({ lang, scope }) => {
      const root = document.querySelector(scope) ?? document.body;
      const paths = new Set<string>();
      for (const el of document.querySelectorAll('*')) {
        for (const a of el.getAttributeNames()) {
          if (!/^data-.*path$|^data-root$/.test(a)) continue;
          const v = el.getAttribute(a) ?? '';
          if (!v) continue;
          paths.add(v);
          const base = v.split(/[\\/]/).pop();
          if (base) paths.add(base);
        }
      }
      const known = [...paths].sort((a, b) => b.length - a.length);
      // The page's own lang is what is being checked; only a part marked with a language of its own is let off.
      const exempt = (el: Element | null): boolean => {
        if (!el) return true;
        if (el.closest('[translate="no"], code, kbd, samp, pre, script, style, noscript, svg')) return true;
        const marked = el.closest('[lang]');
        return !!marked && marked !== document.documentElement && marked.getAttribute('lang') !== lang;
      };
      const offending = (raw: string): string | null => {
        let s = raw;
        for (const p of known) s = s.split(p).join(' ');
        s = s
          .replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, ' ') // URLs
          .replace(/\S*[/\\]\S*/g, ' ') // paths, model ids (owner/name), "Ctrl/⌘"
          .replace(/\S+:\S*\w/g, ' ') // identifiers such as local:model:1a2b (a colon inside a word, not "Skipped: it")
          .replace(/[\w-]+\.[A-Za-z][A-Za-z0-9]{1,4}\b/g, ' '); // file and host names: config.json, hf-mirror.com
        if (lang === 'en') return /\p{Script=Han}[\p{Script=Han}\s，。、]*/u.exec(s)?.[0] ?? null;
        return /[A-Za-z][A-Za-z'’]*(?:[\s,;:-]+[A-Za-z][A-Za-z'’]*){2,}/.exec(s)?.[0] ?? null;
      };
      const found: string[] = [];
      const check = (text: string | null, where: string) => {
        const bad = text ? offending(text) : null;
        if (bad) found.push(`${where}: “${bad}” in “${text!.trim().slice(0, 160)}”`);
      };
      const describe = (el: Element) => {
        const id = el.id ? `#${el.id}` : '';
        const cls = typeof el.className === 'string' && el.className.trim() ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
        return `${el.tagName.toLowerCase()}${id}${cls}`;
      };
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const parent = n.parentElement;
        if (!parent || exempt(parent)) continue;
        check(n.nodeValue, describe(parent));
      }
      for (const el of root.querySelectorAll('[aria-label], [title], [placeholder], [alt], [aria-valuetext]')) {
        if (exempt(el)) continue;
        for (const a of ['aria-label', 'title', 'placeholder', 'alt', 'aria-valuetext']) check(el.getAttribute(a), `${describe(el)}[${a}]`);
      }
      check(document.title, 'document.title');
      return found;
    },
    { lang, scope },
  );
}
