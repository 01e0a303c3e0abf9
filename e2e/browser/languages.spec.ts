// The Chinese UI speaks Chinese everywhere, and the English UI English: every page checked for phrases in the
// other language (foreignText in browser-helpers.ts), with the failed files listed and explained in Chinese
// from their codes, never with the engine's English sentence.
import { foreignText, gotoPage, shot } from '../browser-helpers.js';
import { expect, test } from './app-fixture.js';
import type { Page } from '@playwright/test';
import type { FailedFile } from '../../src/shared/types.js';

const HAN = /\p{Script=Han}/u;

async function expectSpeaks(page: Page, lang: 'zh-CN' | 'en', where: string): Promise<void> {
  expect(await foreignText(page, lang), `${where}: phrases not in ${lang}`).toEqual([]);
}

test('the check finds a phrase in the other language and is not fooled by paths, names or code', async ({ page }) => {
  await page.evaluate(() => {
    const box = document.createElement('div');
    box.id = 'probe';
    box.innerHTML = [
      '<p translate="no">/home/me/My Holiday Photos/at the beach.jpg</p>',
      '<p>已跳过 /home/me/Old Photos/best of summer.png 中的文件，模型 Xenova/chinese-clip-vit-base-patch16、local:model:de01252a 与 config.json、https://hf-mirror.com/some/long path</p>',
      '<p><code>soutu models import a folder</code> 之后重试</p>',
      '<span lang="en">English words stay English</span>',
    ].join('');
    document.querySelector('main')!.append(box);
  });
  const clean = (await foreignText(page, 'zh-CN', '#probe')).join('\n');
  expect(clean, 'paths, file names, model ids, URLs, code and text marked in English are not counted').toBe('');
  await page.evaluate(() => {
    const p = document.createElement('p');
    p.textContent = '图片已损坏 The PNG file is damaged: its header is incomplete.';
    document.getElementById('probe')!.append(p);
    const b = document.createElement('button');
    b.setAttribute('aria-label', 'Show in folder');
    document.getElementById('probe')!.append(b);
  });
  const found = (await foreignText(page, 'zh-CN', '#probe')).join('\n');
  expect(found, 'an English sentence in Chinese text is found').toContain('The PNG file is damaged');
  expect(found, 'an English accessible name is found').toContain('Show in folder');
  expect((await foreignText(page, 'en', '#probe')).join('\n'), 'Chinese in the English UI is found').toContain('图片已损坏');
});

test('the Chinese UI speaks Chinese on every page, failures included; the English UI has no Chinese', async ({ page, served }) => {
  test.setTimeout(120_000);
  try {
    await gotoPage(page, 'Settings');
    await page.getByText('简体中文').click();
    await page.getByRole('heading', { name: '设置', level: 1 }).waitFor();
    await expectSpeaks(page, 'zh-CN', 'settings');

    // The library holds broken files: each is listed with a Chinese label and sentence, made from its code.
    await gotoPage(page, '文件夹');
    const rows = page.locator('[data-testid="failures"] tbody tr');
    await rows.first().waitFor();
    const failures = await served.call<FailedFile[]>('failures:list');
    expect(failures.length, 'failed files in the library').toBeGreaterThanOrEqual(5);
    expect(await rows.count(), 'every failed file is listed').toBe(Math.min(failures.length, 100));
    for (const f of failures.slice(0, 100)) {
      const reason = (await page.locator(`[data-testid="failures"] tr[data-failed-path="${f.path}"] td.reason`).innerText()).trim();
      expect(HAN.test(reason), `${f.path} (${f.code}) is explained in Chinese: “${reason}”`).toBe(true);
      expect(reason, `${f.path}: not the engine's English sentence`).not.toContain(f.error);
    }
    // Made from the code and the details the engine kept: the format and the declared size are named, in Chinese.
    const bomb = failures.find((f) => f.path.endsWith('declared_65536x65536.png'));
    expect(bomb?.details, 'the contract carries the details').toMatchObject({ format: 'png', width: 65536, height: 65536 });
    const reasonOf = (name: string) => page.locator(`[data-testid="failures"] tr[data-failed-path$="/${name}"] td.reason`);
    await expect(reasonOf('png_broken_data_stream.png')).toContainText('它的 PNG 数据有误，无法解码。');
    await expect(reasonOf('declared_65536x65536.png')).toContainText('图片声明的尺寸为 65,536×65,536 像素（42.9 亿像素），超过允许的 2.7 亿像素。');
    await expect(reasonOf('truncated_10000_bytes.png')).toContainText('这个 PNG 文件的图片数据还没结束');
    await shot(page, '17-folders-failures-zh');
    await expectSpeaks(page, 'zh-CN', 'folders');

    await gotoPage(page, '相册');
    await page.getByRole('heading', { name: '相册', level: 1 }).waitFor();
    await page.locator('button.album').first().waitFor({ timeout: 60_000 });
    await expectSpeaks(page, 'zh-CN', 'albums');
    await page.locator('button.album').first().click();
    await page.locator('[data-path]').first().waitFor();
    await expectSpeaks(page, 'zh-CN', 'an album');
    await page.locator('[data-path]').first().locator('button.open').click();
    await page.getByRole('dialog').waitFor();
    await expectSpeaks(page, 'zh-CN', 'the lightbox');
    await page.keyboard.press('Escape');

    await gotoPage(page, '重复照片');
    await page.getByRole('heading', { name: '重复照片', level: 1 }).waitFor();
    await page.waitForFunction(() => !document.querySelector('main [role="status"]')?.textContent?.includes('正在查找'), undefined, { timeout: 60_000 });
    await expectSpeaks(page, 'zh-CN', 'duplicates');

    await gotoPage(page, '搜索');
    await page.getByRole('searchbox').fill('红色');
    await page.locator('[data-path]').first().waitFor();
    await expectSpeaks(page, 'zh-CN', 'search results');

    // And back: the English UI shows no Chinese on Folders and Settings (the language picker names 简体中文 in its own language).
    await gotoPage(page, '设置');
    await page.getByText('English', { exact: true }).click();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    await expectSpeaks(page, 'en', 'settings (en)');
    await gotoPage(page, 'Folders');
    await page.locator('[data-testid="failures"] tbody tr').first().waitFor();
    await expectSpeaks(page, 'en', 'folders (en)');
    // English shows the sentence from the details too, with the engine's own a hover away.
    const broken = failures.find((f) => f.path.endsWith('png_broken_data_stream.png'))!;
    const sentence = reasonOf('png_broken_data_stream.png').locator('span[title]');
    await expect(sentence).toHaveText(/^Its PNG data is damaged, so it cannot be decoded\./);
    await expect(sentence).toHaveAttribute('title', broken.error);
  } finally {
    // The language is saved with the library, which the next specs share.
    await served.call('settings:set', { language: 'en' });
  }
});
