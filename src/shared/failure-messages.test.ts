import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  FILE_FAILURE_CODES,
  SCAN_PROBLEM_KINDS,
  failureLabel,
  failureMessage,
  scanProblemLabel,
  scanProblemMessage,
  type FailureDetails,
  type FailureLang,
} from './failure-messages';

const LANGS: FailureLang[] = ['en', 'zh-CN'];
const src = (rel: string) => fileURLToPath(new URL(`../${rel}`, import.meta.url));

/** The string literals of `export type <name> = 'a' | 'b' …` (or of a `kind:` field) in an engine source file. */
function unionMembers(file: string, pattern: RegExp): string[] {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  const m = pattern.exec(text);
  if (!m) throw new Error(`${pattern} not found in ${file}`);
  return [...m[1].matchAll(/'([a-z0-9-]+)'/g)].map((x) => x[1]);
}

/** The variants each sentence has: the details that change its wording. */
const VARIANTS: FailureDetails[] = [
  {},
  { media: 'video' },
  { format: 'png' },
  { format: 'mp4', media: 'video' },
  { width: 30000, height: 30000, limit: 268_402_689 },
  { width: 40000, height: 40000 },
  { bytes: 512 * 2 ** 20, media: 'video' },
  { ms: 30_000 },
  { ms: 500 },
  { target: '/mnt/elsewhere/photos' },
  ...(['directory', 'fifo', 'socket', 'device', 'symlink', 'other'] as const).map((fileKind) => ({ fileKind })),
  ...['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'EBUSY', 'EIO', 'EWHATEVER'].map((errno) => ({ errno })),
];

const HAN = /\p{Script=Han}/u;
/** Three Latin words in a row, once paths and format names are taken out. */
function englishRun(s: string): string | null {
  const stripped = s.replace(/\S*[/\\]\S*/g, ' ').replace(/\b(JPEG|PNG|MP4|ffmpeg|MB)\b/g, ' ');
  return /[A-Za-z]{2,}(?:[\s,;:]+[A-Za-z]{2,}){2,}/.exec(stripped)?.[0] ?? null;
}

describe('failure messages', () => {
  it('every file failure code has a label and sentences in both languages, whatever the details', () => {
    for (const code of FILE_FAILURE_CODES) {
      for (const lang of LANGS) {
        const seen = new Set<string>();
        for (const d of VARIANTS) {
          const label = failureLabel(code, lang, d);
          const sentence = failureMessage(code, d, lang);
          expect(label?.trim(), `${code} label (${lang})`).toBeTruthy();
          expect(sentence.trim(), `${code} sentence (${lang}, ${JSON.stringify(d)})`).toBeTruthy();
          seen.add(sentence);
          if (lang === 'zh-CN') {
            expect(HAN.test(sentence), `${code} (${lang}) is Chinese: ${sentence}`).toBe(true);
            expect(HAN.test(label!), `${code} label (${lang}) is Chinese: ${label}`).toBe(true);
            expect(englishRun(sentence), `${code} (${lang}) has no English phrase: ${sentence}`).toBeNull();
          } else {
            expect(HAN.test(sentence) || HAN.test(label!), `${code} (en) has no Chinese: ${sentence}`).toBe(false);
          }
        }
        expect(seen.size, `${code} (${lang}) has sentences`).toBeGreaterThan(0);
      }
    }
  });

  it('every scan problem kind has a label and sentences in both languages', () => {
    for (const kind of SCAN_PROBLEM_KINDS) {
      for (const lang of LANGS) {
        expect(scanProblemLabel(kind, lang)?.trim(), `${kind} label (${lang})`).toBeTruthy();
        for (const d of VARIANTS) {
          const sentence = scanProblemMessage(kind, d, lang);
          expect(sentence.trim()).toBeTruthy();
          if (lang === 'zh-CN') {
            expect(HAN.test(sentence), `${kind} (${lang}) is Chinese: ${sentence}`).toBe(true);
            expect(englishRun(sentence), `${kind} (${lang}) has no English phrase: ${sentence}`).toBeNull();
          } else expect(HAN.test(sentence), `${kind} (en): ${sentence}`).toBe(false);
        }
      }
    }
  });

  it('the details make the sentence precise', () => {
    expect(failureMessage('corrupt', { format: 'png' }, 'zh-CN')).toBe('它的 PNG 数据有误，无法解码。可以换个程序打开试试，或换成完好的副本。');
    expect(failureMessage('corrupt', { format: 'png' }, 'en')).toBe('Its PNG data is damaged, so it cannot be decoded. Try opening it in another program, or replace it with a good copy.');
    expect(failureMessage('unreadable', { errno: 'ENOENT' }, 'zh-CN')).toBe('文件已不存在。');
    expect(failureMessage('too-large', { width: 20000, height: 20000, limit: 268_402_689 }, 'en')).toBe(
      'Refused: the image declares 20,000×20,000 pixels (400 megapixels), more than the 268 megapixels allowed.',
    );
    expect(failureMessage('too-large', { width: 20000, height: 20000, limit: 268_402_689 }, 'zh-CN')).toBe(
      '已拒绝：图片声明的尺寸为 20,000×20,000 像素（4 亿像素），超过允许的 2.7 亿像素。',
    );
    expect(failureMessage('timeout', { ms: 30_000 }, 'zh-CN')).toContain('30 秒');
    expect(failureMessage('truncated', { media: 'video' }, 'en')).toContain('video');
    expect(failureLabel('corrupt', 'zh-CN', { media: 'video' })).toBe('视频已损坏');
  });

  it('an unknown code still gets a sentence, and no label', () => {
    for (const lang of LANGS) {
      expect(failureMessage('something-new', {}, lang).trim()).toBeTruthy();
      expect(scanProblemMessage('something-new', null, lang).trim()).toBeTruthy();
      expect(failureLabel('something-new', lang)).toBeNull();
      expect(scanProblemLabel('something-new', lang)).toBeNull();
    }
  });

  // The engine's own lists: a code added there without a translation here fails this test.
  it('covers every photo decode error code of the engine', () => {
    const codes = unionMembers(src('main/core/decode/errors.ts'), /export type DecodeErrorCode\s*=([^;]+);/);
    expect(codes.length).toBeGreaterThan(3);
    expect(codes.filter((c) => !(FILE_FAILURE_CODES as readonly string[]).includes(c))).toEqual([]);
  });

  const video = src('main/core/video/video-errors.ts');
  it.skipIf(!existsSync(video))('covers every video error code of the engine', () => {
    const codes = unionMembers(video, /export type VideoErrorCode\s*=([^;]+);/);
    expect(codes.length).toBeGreaterThan(3);
    expect(codes.filter((c) => !(FILE_FAILURE_CODES as readonly string[]).includes(c))).toEqual([]);
  });

  it('covers every scan problem kind of the contract', () => {
    const kinds = unionMembers(src('shared/types.ts'), /export interface ScanProblem\s*\{[^}]*?kind:([^;]+);/);
    expect(kinds.length).toBeGreaterThan(1);
    expect(kinds.filter((k) => !(SCAN_PROBLEM_KINDS as readonly string[]).includes(k))).toEqual([]);
  });
});
