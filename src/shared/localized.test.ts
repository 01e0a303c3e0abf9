import { describe, expect, it } from 'vitest';
import { localized } from './localized';

describe('localized', () => {
  it('passes a plain string through, whatever the language', () => {
    expect(localized('OpenAI CLIP ViT-B/32', 'zh-CN')).toBe('OpenAI CLIP ViT-B/32');
    expect(localized('OpenAI CLIP ViT-B/32', 'en')).toBe('OpenAI CLIP ViT-B/32');
  });

  it('picks the language from an { en, zh-CN } object', () => {
    const note = { en: 'Default for English; fastest.', 'zh-CN': '英文默认模型；速度最快。' };
    expect(localized(note, 'zh-CN')).toBe('英文默认模型；速度最快。');
    expect(localized(note, 'en')).toBe('Default for English; fastest.');
  });

  it('falls back to English, then Chinese, then nothing', () => {
    expect(localized({ en: 'Only English' }, 'zh-CN')).toBe('Only English');
    expect(localized({ 'zh-CN': '只有中文' }, 'en')).toBe('只有中文');
    expect(localized({ en: '', 'zh-CN': '中文' }, 'en')).toBe('中文');
    expect(localized(null, 'en')).toBe('');
    expect(localized(undefined, 'zh-CN')).toBe('');
    expect(localized({}, 'en')).toBe('');
  });
});
