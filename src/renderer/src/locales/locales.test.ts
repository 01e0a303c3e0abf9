import { describe, expect, it } from 'vitest';
import en from './en';
import zhCN from './zh-CN';

function keys(o: object, prefix = ''): string[] {
  return Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' && v !== null ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

function placeholders(s: string): string[] {
  return [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
}

describe('locales', () => {
  it('zh-CN and en have the same keys', () => {
    expect(keys(zhCN).sort()).toEqual(keys(en).sort());
  });

  it('every translation uses the same {{placeholders}} as English and none is empty', () => {
    const get = (o: object, path: string) => path.split('.').reduce<unknown>((acc, k) => (acc as Record<string, unknown>)[k], o) as string;
    for (const k of keys(en)) {
      expect(get(zhCN, k).trim(), k).not.toBe('');
      expect(placeholders(get(zhCN, k)), k).toEqual(placeholders(get(en, k)));
    }
  });
});
