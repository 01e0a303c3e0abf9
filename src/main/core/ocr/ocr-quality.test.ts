import { describe, expect, it } from 'vitest';
import { accuracy, countFull, countRecall, editDistance, normalizeForAccuracy, substringEditDistance } from './ocr-quality';

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions by code point', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('中国银行', '中国农业银行')).toBe(2);
    expect(editDistance('𠀀x', 'x')).toBe(1);
  });

  it('finds a needle inside a longer text at its own cost only', () => {
    expect(substringEditDistance('THE POND', 'nesLocal THE POND English')).toBe(0);
    expect(substringEditDistance('Octavia Hill', 'xx Octavla Hill yy')).toBe(1);
    expect(substringEditDistance('abc', '')).toBe(3);
  });
});

describe('accuracy', () => {
  it('normalises width, dashes, whitespace and punctuation as the fixture README asks', () => {
    expect(normalizeForAccuracy('（45元/每公斤， 100公斤起订）')).toBe(normalizeForAccuracy('(45元/每公斤,100公斤起订)'));
    expect(normalizeForAccuracy('账户--这个')).toBe(normalizeForAccuracy('账户——这个'));
  });

  it('scores whole texts and recall of salient lines', () => {
    const full = countFull(['Hello world', '你好'], ['Helo world 你好']);
    expect(full).toEqual({ edits: 1, chars: 12 });
    expect(accuracy(full)).toBeCloseTo(11 / 12, 9);
    const recall = countRecall(['THE POND'], ['nesLocal', 'THE POND', 'English Lunches']);
    expect(accuracy(recall)).toBe(1);
  });
});
