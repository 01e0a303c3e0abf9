// What the precision and text-reading specs share: the library's status and settings as a script reads them, the
// wait for a background re-embed to complete, and switching the UI's language on the Settings page.
import { expect, type Page } from '@playwright/test';
import { gotoPage } from '../browser-helpers.js';
import type { Served } from './serve-fixture.js';

export interface Status {
  photos: number;
  model: { id: string; vision?: 'q8' | 'full' } | null;
  pendingModel: string | null;
  ocr?: { done: number; pending: number; enabled: boolean };
}

export const status = (served: Served) => served.call<Status>('library:status');
export const settings = (served: Served) => served.call<{ ocr?: boolean; precision?: string }>('settings:get');

/** Waits for the background re-embed to complete at `vision`. */
export async function switched(served: Served, vision: 'q8' | 'full'): Promise<void> {
  await expect
    .poll(async () => {
      const s = await status(served);
      return `${s.model?.vision}/${s.pendingModel}`;
    }, { timeout: 120_000, message: `the library re-embeds at ${vision}` })
    .toBe(`${vision}/null`);
}

/** Switches the UI's language on the Settings page (saved with the library, which later tests share). */
export async function speak(page: Page, lang: 'zh-CN' | 'en'): Promise<void> {
  await gotoPage(page, lang === 'zh-CN' ? 'Settings' : '设置');
  await page.getByText(lang === 'zh-CN' ? '简体中文' : 'English', { exact: true }).click();
  await page.getByRole('heading', { name: lang === 'zh-CN' ? '设置' : 'Settings', level: 1 }).waitFor();
}
