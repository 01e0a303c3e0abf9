import { describe, expect, it } from 'vitest';
import { isArithmetic, keywordTokens, parseQuery } from './query-parser.js';

describe('parseQuery', () => {
  it('parses rclip-style arithmetic in Chinese and English', () => {
    expect(parseQuery('海边 + 日落 - 人')).toEqual([
      { text: '海边', weight: 1 },
      { text: '日落', weight: 1 },
      { text: '人', weight: -1 },
    ]);
    expect(parseQuery('2:cat + dog')).toEqual([
      { text: 'cat', weight: 2 },
      { text: 'dog', weight: 1 },
    ]);
    expect(parseQuery('红+蓝')).toEqual([
      { text: '红', weight: 1 },
      { text: '蓝', weight: 1 },
    ]);
    expect(parseQuery('红-黄')).toEqual([
      { text: '红', weight: 1 },
      { text: '黄', weight: -1 },
    ]);
    expect(parseQuery('red - 0.5:yellow')).toEqual([
      { text: 'red', weight: 1 },
      { text: 'yellow', weight: -0.5 },
    ]);
  });

  it('keeps hyphenated words and plain queries whole', () => {
    expect(parseQuery('a man in a t-shirt')).toEqual([{ text: 'a man in a t-shirt', weight: 1 }]);
    expect(isArithmetic(parseQuery('cat on a sofa'))).toBe(false);
    expect(isArithmetic(parseQuery('cat + sofa'))).toBe(true);
    expect(parseQuery('  ')).toEqual([]);
  });

  it('extracts keyword tokens', () => {
    expect(keywordTokens('发票 2023')).toEqual(['发票', '2023']);
    expect(keywordTokens('Trip to Paris, 2019!')).toEqual(['trip', 'to', 'paris', '2019']);
  });
});

describe('extractTextFilters', () => {
  it('takes text:"…", text:word, 文字: and full-width forms out of the query and keeps the rest', async () => {
    const { extractTextFilters } = await import('./query-parser');
    expect(extractTextFilters('text:"boarding pass"')).toEqual({ rest: '', text: ['boarding pass'] });
    expect(extractTextFilters('海边 text:发票 2023')).toEqual({ rest: '海边 2023', text: ['发票'] });
    expect(extractTextFilters('文字：「西湖 咖啡」 sunset')).toEqual({ rest: 'sunset', text: ['西湖 咖啡'] });
    expect(extractTextFilters('context: not a filter')).toEqual({ rest: 'context: not a filter', text: [] });
    expect(extractTextFilters('cat on a sofa')).toEqual({ rest: 'cat on a sofa', text: [] });
  });
});
