import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { buildMenuTemplate, menuLabels, menuLanguage } from './menu.js';

function flatten(items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flatten(i.submenu) : [])]);
}

const actions = () => ({ command: vi.fn(), addFolder: vi.fn(), about: vi.fn(), openWebsite: vi.fn() });

describe('application menu', () => {
  it('every label exists in both languages and differs where it should', () => {
    const en = menuLabels('en');
    const zh = menuLabels('zh-CN');
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    for (const k of Object.keys(en) as (keyof typeof en)[]) {
      expect(zh[k].length, k).toBeGreaterThan(0);
      expect(zh[k], k).not.toBe(en[k]);
    }
  });
  it('picks the language from settings, else the system', () => {
    expect(menuLanguage(undefined, 'zh-CN')).toBe('zh-CN');
    expect(menuLanguage(undefined, 'zh-TW')).toBe('zh-CN');
    expect(menuLanguage('en', 'zh-CN')).toBe('en');
    expect(menuLanguage(undefined, 'de-DE')).toBe('en');
  });
  for (const platform of ['darwin', 'win32', 'linux'] as const) {
    for (const lang of ['en', 'zh-CN'] as const) {
      it(`${platform} ${lang}: usual shortcuts, labelled items, no duplicate accelerators`, () => {
        const a = actions();
        const items = flatten(buildMenuTemplate({ lang, platform, isDev: false, actions: a }));
        for (const i of items) if (i.type !== 'separator') expect(i.label, JSON.stringify(i.role)).toBeTruthy();
        const roles = items.map((i) => i.role).filter(Boolean);
        for (const r of ['undo', 'redo', 'cut', 'copy', 'paste', 'selectAll', 'quit', 'togglefullscreen', 'minimize', 'zoomIn', 'zoomOut', 'resetZoom']) {
          expect(roles).toContain(r);
        }
        expect(roles).not.toContain('toggleDevTools');
        const accels = items.map((i) => i.accelerator).filter(Boolean);
        expect(new Set(accels).size).toBe(accels.length);
        for (const acc of ['CmdOrCtrl+F', 'CmdOrCtrl+O', 'CmdOrCtrl+,']) expect(accels).toContain(acc);
        const click = (acc: string) => (items.find((i) => i.accelerator === acc)!.click as () => void)();
        click('CmdOrCtrl+F');
        click('CmdOrCtrl+,');
        click('CmdOrCtrl+O');
        expect(a.command).toHaveBeenCalledWith('focus-search');
        expect(a.command).toHaveBeenCalledWith('open-settings');
        expect(a.addFolder).toHaveBeenCalled();
      });
    }
  }
  it('developer items only in development', () => {
    const items = flatten(buildMenuTemplate({ lang: 'en', platform: 'linux', isDev: true, actions: actions() }));
    expect(items.map((i) => i.role)).toContain('toggleDevTools');
  });
});
