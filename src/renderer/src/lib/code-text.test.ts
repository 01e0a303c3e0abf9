import { describe, expect, it } from 'vitest';
import { codeText } from './code-text';

const fake = (template: string) => (_key: string, values: Record<string, unknown> = {}) =>
  template.replace(/\{\{(\w+)\}\}/g, (_m, k: string) => String(values[k] ?? `{{${k}}}`));

describe('codeText', () => {
  it('splits a sentence around its commands', () => {
    const parts = codeText(fake('运行 {{cmd}} 后，再运行 {{serve}}。'), 'k', { cmd: 'soutu models download <id>', serve: 'soutu serve' });
    expect(parts).toEqual([
      { text: '运行 ', code: false },
      { text: 'soutu models download <id>', code: true },
      { text: ' 后，再运行 ', code: false },
      { text: 'soutu serve', code: true },
      { text: '。', code: false },
    ]);
  });

  it('keeps other placeholders and a sentence without commands', () => {
    expect(codeText(fake('{{n}} photos'), 'k', {}, { n: 3 })).toEqual([{ text: '3 photos', code: false }]);
    expect(codeText(fake('{{cmd}}'), 'k', { cmd: 'soutu serve' })).toEqual([{ text: 'soutu serve', code: true }]);
  });
});
