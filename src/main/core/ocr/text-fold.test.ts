import { describe, expect, it } from 'vitest';
import { foldText, foldWithOffsets } from './text-fold';

describe('foldText', () => {
  it('folds full-width to half-width and case', () => {
    expect(foldText('ＨＥＬＬＯ Ｗｏｒｌｄ１２３')).toBe('helloworld123');
  });

  it('folds traditional characters (and Taiwan/Hong Kong variants) to simplified', () => {
    expect(foldText('觀自在菩薩')).toBe('观自在菩萨');
    expect(foldText('臺灣')).toBe(foldText('台湾'));
    expect(foldText('般若波羅蜜多')).toBe('般若波罗蜜多');
    // Simplified text is left as it is.
    expect(foldText('中国农业银行')).toBe('中国农业银行');
  });

  it('drops whitespace and punctuation, keeps symbols', () => {
    expect(foldText('Hello, world! 你好，世界。')).toBe('helloworld你好世界');
    expect(foldText('¥53.0元 — 100%')).toBe('¥530元100');
    expect(foldText('YM-X-3011')).toBe('ymx3011');
  });

  it('expands compatibility characters', () => {
    expect(foldText('㎏ ① ﬁ')).toBe('kg1fi');
  });

  it('passes astral characters through whole', () => {
    expect(foldText('𠀀a')).toBe('𠀀a');
  });
});

describe('foldWithOffsets', () => {
  it('maps each folded character back to its source', () => {
    const { folded, from } = foldWithOffsets('A, 觀B ㎏');
    expect(folded).toBe('a观bkg');
    expect(from).toEqual([0, 3, 4, 6, 6]);
  });

  it('agrees with foldText', () => {
    for (const s of ['Ｔｅｓｔ 測試 test', '营业时间 9:00-22:00', 'Straße İstanbul']) expect(foldWithOffsets(s).folded).toBe(foldText(s));
  });
});
