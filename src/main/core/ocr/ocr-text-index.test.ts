import { describe, expect, it } from 'vitest';
import { OcrTextIndex, trimAround } from './ocr-text-index';

function index(photos: Record<string, string[]>): OcrTextIndex {
  const ix = new OcrTextIndex();
  for (const [id, lines] of Object.entries(photos)) ix.set(id, lines);
  return ix;
}

const ids = (ix: OcrTextIndex, q: string) => ix.search(q).map((h) => h.id);

describe('OcrTextIndex matching', () => {
  const ix = index({
    bank: ['中国农业银行', 'AGRICULTURAL BANK OF CHINA'],
    sutra: ['觀自在菩薩 行深般若波羅蜜多時'],
    receipt: ['PHO CAPITAL', '107 State Street', 'TOTAL $23.32'],
    menu: ['ＣＯＦＦＥＥ　ＨＯＵＳＥ', '拿铁 ¥28'],
    noise: ['今天天气很好', 'nothing to see'],
  });

  it('finds CJK and Latin substrings, whole words or not', () => {
    expect(ids(ix, '农业银行')).toEqual(['bank']);
    expect(ids(ix, '业银')).toEqual(['bank']);
    expect(ids(ix, 'capital')).toEqual(['receipt']);
    expect(ids(ix, 'apita')).toEqual(['receipt']);
  });

  it('ignores case, width, spacing and punctuation', () => {
    expect(ids(ix, 'Agricultural Bank')).toEqual(['bank']);
    expect(ids(ix, 'coffee house')).toEqual(['menu']);
    expect(ids(ix, 'ＰＨＯ　ＣＡＰＩＴＡＬ')).toEqual(['receipt']);
    expect(ids(ix, '$23.32')).toEqual(['receipt']);
    expect(ids(ix, '2332')).toEqual(['receipt']);
  });

  it('matches simplified queries to traditional text and the other way round', () => {
    expect(ids(ix, '观自在菩萨')).toEqual(['sutra']);
    expect(ids(ix, '般若波罗蜜多')).toEqual(['sutra']);
    expect(ids(ix, '農業銀行')).toEqual(['bank']);
  });

  it('never matches across two lines of a photo', () => {
    // "银行" ends line 1 and "AGRI" starts line 2.
    expect(ids(ix, '银行agri')).toEqual([]);
    expect(ids(ix, 'capital107')).toEqual([]);
  });

  it('finds nothing for absent text, empty queries and a lone Latin letter', () => {
    expect(ids(ix, '火锅')).toEqual([]);
    expect(ids(ix, '  ，。 ')).toEqual([]);
    expect(ids(ix, 'a')).toEqual([]);
    // A lone CJK character is a real query.
    expect(ids(ix, '菩')).toEqual(['sutra']);
  });
});

describe('OcrTextIndex tolerance', () => {
  const ix = index({
    bank: ['中国农业银行'],
    plaque: ['Octavia Hill', 'Social Reformer'],
    short: ['中国工商'],
    food: ['1 F00D T1 $7.95'],
  });

  it('forgives one wrong character in a CJK query of four or more, ranked below exact matches', () => {
    const hits = ix.search('中国农商银行');
    expect(hits.map((h) => h.id)).toEqual(['bank']);
    expect(hits[0].exact).toBe(false);
    const exact = ix.search('中国农业银行')[0];
    expect(exact.exact).toBe(true);
    expect(exact.score).toBeGreaterThan(hits[0].score);
  });

  it('does not stretch short queries', () => {
    // Three characters: exact only.
    expect(ids(ix, '中国农')).toEqual(['bank']);
    expect(ids(ix, '中国x')).toEqual([]);
    // Four: one may differ.
    expect(ids(ix, '中国农x')).toEqual(['bank']);
    // Four Latin letters: exact only (one changed letter is usually another word).
    expect(ids(ix, 'Hull')).toEqual([]);
  });

  it('forgives one wrong letter in a Latin word of five or more', () => {
    expect(ids(ix, 'Octavla')).toEqual(['plaque']);
    expect(ids(ix, 'Reformar')).toEqual(['plaque']);
  });

  it('forgives one missing or extra character in long queries', () => {
    expect(ids(ix, 'Octavia Hil')).toEqual(['plaque']);
    expect(ids(ix, 'Soocial Reformer')).toEqual(['plaque']);
    expect(ids(ix, '中国农业银行行长')).toEqual([]);
  });

  it('allows one edit, not two', () => {
    expect(ids(ix, 'Oxtavla Hill')).toEqual([]);
  });
});

describe('OcrTextIndex ranking and snippets', () => {
  it('ranks a query that is the whole line above one inside a long line', () => {
    const ix = index({ long: ['营业时间每天早上九点到晚上十点欢迎光临'], exact: ['欢迎光临'] });
    expect(ids(ix, '欢迎光临')).toEqual(['exact', 'long']);
  });

  it('finds photos holding every word of a multi-word query, below an exact phrase', () => {
    const ix = index({ phrase: ['Octavia Hill garden'], split: ['Hill House', 'Octavia Street'], one: ['Octavia'] });
    const hits = ids(ix, 'Octavia Hill');
    expect(hits).toEqual(['phrase', 'split']);
  });

  it('trims the snippet around the match and says where the match is', () => {
    const long = '第一部分的内容很长很长很长很长很长，这里是关键词出现的地方，后面还有很多很多很多很多很多的文字';
    const ix = index({ p: ['short line', long] });
    const [hit] = ix.search('关键词');
    expect(hit.line).toBe(1);
    expect(hit.snippet.length).toBeLessThanOrEqual(42);
    expect(hit.snippet.startsWith('…')).toBe(true);
    expect(hit.snippet.endsWith('…')).toBe(true);
    expect(hit.snippet.slice(hit.highlight[0], hit.highlight[1])).toBe('关键词');
  });

  it('highlights the original characters of a folded match', () => {
    const ix = index({ p: ['Total: ＵＳＤ ２３.３２ paid'] });
    const [hit] = ix.search('usd 23.32');
    expect(hit.snippet).toBe('Total: ＵＳＤ ２３.３２ paid');
    expect(hit.snippet.slice(hit.highlight[0], hit.highlight[1])).toBe('ＵＳＤ ２３.３２');
  });

  it('applies the prefilter and the limit', () => {
    const ix = index({ a: ['咖啡'], b: ['咖啡'], c: ['咖啡'] });
    expect(ix.search('咖啡', { accept: (id) => id !== 'b' }).map((h) => h.id).sort()).toEqual(['a', 'c']);
    expect(ix.search('咖啡', { limit: 2 })).toHaveLength(2);
  });
});

describe('OcrTextIndex updates', () => {
  it('replaces and deletes photos, between and after queries', () => {
    const ix = index({ a: ['old text'], b: ['other'] });
    expect(ids(ix, 'old')).toEqual(['a']);
    ix.set('a', ['new text']);
    expect(ids(ix, 'old')).toEqual([]);
    expect(ids(ix, 'new')).toEqual(['a']);
    expect(ix.delete('b')).toBe(true);
    expect(ix.delete('b')).toBe(false);
    expect(ids(ix, 'other')).toEqual([]);
    expect(ix.size).toBe(1);
    expect(ix.stats()).toMatchObject({ photos: 1, lines: 1 });
  });

  it('does not keep photos whose lines fold to nothing', () => {
    const ix = index({ a: ['   ', '。，'] });
    expect(ix.has('a')).toBe(false);
    expect(ix.size).toBe(0);
  });

  it('stays correct across many segments and churn', () => {
    const ix = new OcrTextIndex();
    for (let i = 0; i < 5000; i++) ix.set(`p${i}`, [`照片${i}号`, `photo number ${i}`]);
    for (let i = 0; i < 5000; i += 2) ix.delete(`p${i}`);
    ix.set('p4999', ['replaced']);
    // The deleted photo is gone; what remains are its one-character neighbours, found as near misses.
    const near = ix.search('照片1234号');
    expect(near.map((h) => h.id)).not.toContain('p1234');
    expect(near.length).toBeGreaterThan(0);
    expect(near.every((h) => !h.exact)).toBe(true);
    expect(ix.search('照片1235号')[0]).toMatchObject({ id: 'p1235', exact: true });
    expect(ix.search('photo number 4999').map((h) => h.id)).not.toContain('p4999');
    expect(ids(ix, 'replaced')).toEqual(['p4999']);
    expect(ix.size).toBe(2500);
    expect(ix.stats().segments).toBeGreaterThan(1);
  });
});

describe('trimAround', () => {
  it('never cuts a surrogate pair', () => {
    const line = '𠀀'.repeat(30);
    const { text } = trimAround(line, 20, 22, 10);
    expect(text.replace(/…/g, '')).toMatch(/^(?:𠀀)+$/u);
  });
});
