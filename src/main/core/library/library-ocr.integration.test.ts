// Text inside photos through the whole library: real PaddleOCR weights read real text photos from the shared
// fixtures after the toy CLIP model has embedded them; plain queries and text:"…" find them by the words in them,
// with the snippet; negatives are never returned; a cancelled text stage resumes without reading anything twice.
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PaddleOcrEngine } from '../ocr/index.js';
import type { OcrEngine } from '../ocr/ocr-engine.js';
import { REPO_ROOT } from '../testing/fixtures.js';
import { tempDir } from '../testing/temp.js';
import { makeTestModel } from '../testing/test-models.js';
import { Library } from './library.js';

const OCR_FIXTURES = path.resolve(REPO_ROOT, '..', 'shared', 'fixtures', 'ocr');
const TEXT = ['zh_paragraph_screenshot.png', 'zh_chat_bubble_screenshot.png', 'en_receipt_photo.jpg', 'zh_train_ticket_photo.jpeg', 'en_shop_sign_crop.png'];
const NEGATIVE = ['neg_bee_flower.jpg', 'neg_chessboard_rocks.jpg'];

/** The real engine, counting what reaches it (to prove that nothing is read twice). */
function countingEngine(counts: { recognize: number; gate: number }): () => OcrEngine {
  const engine = new PaddleOcrEngine();
  return () =>
    new Proxy(engine, {
      get(target, prop, recv) {
        if (prop === 'recognize') return (...a: Parameters<OcrEngine['recognize']>) => (counts.recognize++, target.recognize(...a));
        if (prop === 'textLikelihood') return (...a: Parameters<OcrEngine['textLikelihood']>) => (counts.gate++, target.textLikelihood(...a));
        const v = Reflect.get(target, prop, recv);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
}

describe('text inside photos', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let model: string;
  let photos: string;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('soutu-ocr-lib-'));
    model = path.join(dir, 'toy');
    await makeTestModel('toy-color', model);
    photos = path.join(dir, 'photos');
    await mkdir(photos);
    for (const f of [...TEXT, ...NEGATIVE]) await copyFile(path.join(OCR_FIXTURES, f), path.join(photos, f));
  }, 120_000);

  afterAll(async () => cleanup?.());

  it('reads the text after embedding, finds photos by words in them, and resumes a cancelled stage without rereading', async () => {
    const counts = { recognize: 0, gate: 0 };
    const lib = await Library.open(path.join(dir, 'lib'), { model, device: 'cpu', ocrEngine: countingEngine(counts) });
    try {
      // A run cancelled as soon as the text stage has read two photos.
      const ac = new AbortController();
      const first = await lib.index({
        roots: [photos],
        signal: ac.signal,
        onProgress: (p) => {
          if (p.phase === 'reading-text' && (p.ocrDone ?? 0) >= 2) ac.abort();
        },
      });
      expect(first.indexed).toBe(TEXT.length + NEGATIVE.length);
      expect(first.cancelled).toBe(true);
      const mid = (await lib.status()).ocr!;
      expect(mid.done).toBeGreaterThanOrEqual(2);
      expect(mid.pending).toBeGreaterThan(0);
      const readBefore = counts.recognize;

      const second = await lib.index();
      expect(second.cancelled).toBe(false);
      expect(second.ocr).toBeDefined();
      expect((await lib.status()).ocr).toEqual({ done: TEXT.length + NEGATIVE.length, pending: 0, enabled: true });
      // Nothing read twice: the second run read only what the first had not.
      expect(counts.recognize).toBe(readBefore + second.ocr!.read);
      expect(readBefore + second.ocr!.read).toBeLessThanOrEqual(TEXT.length + NEGATIVE.length);
      console.log(`OCR stage: first run read ${readBefore}, second ${second.ocr!.read} (${second.ocr!.skippedByGate} skipped by the gate); gate calls ${counts.gate}`);

      // A third run has nothing to read.
      const third = await lib.index();
      expect(third.ocr!.read).toBe(0);

      // Plain words: the photo that says them comes first, with the snippet.
      const wanted: [string, string][] = [
        ['手机号码', 'zh_paragraph_screenshot.png'],
        ['消费者更加互动', 'zh_chat_bubble_screenshot.png'],
        ['南昌站', 'zh_train_ticket_photo.jpeg'],
      ];
      for (const [q, file] of wanted) {
        const hits = await lib.search(q);
        expect(path.basename(hits[0].path), q).toBe(file);
        expect(hits[0].text, q).toBeTruthy();
        const text = await lib.search(`text:"${q}"`);
        expect(text.map((h) => path.basename(h.path))).toEqual([file]);
      }
      // Traditional in the query, simplified in the photo (and a one-character slip) still match.
      expect(path.basename((await lib.search('text:手機號碼'))[0].path)).toBe('zh_paragraph_screenshot.png');
      // No negative photo is ever returned for a text-only query.
      for (const q of ['手机号码', '南昌站', 'receipt', 'TOTAL']) {
        for (const h of await lib.search(`text:"${q}"`)) expect(NEGATIVE).not.toContain(path.basename(h.path));
      }
      // The lines with their boxes, for the lightbox.
      const paragraph = (await lib.search('text:手机号码'))[0];
      const lines = await lib.photoText(paragraph.id);
      expect(lines!.length).toBeGreaterThanOrEqual(5);
      for (const l of lines!) for (const [x, y] of l.box) expect(x >= -2 && y >= -2 && x <= paragraph.width + 2 && y <= paragraph.height + 2).toBe(true);
    } finally {
      await lib.close();
    }
  }, 600_000);

  it('--no-ocr skips the stage, the setting turns it off, and turning it back on fills the gap', async () => {
    const counts = { recognize: 0, gate: 0 };
    const lib = await Library.open(path.join(dir, 'lib2'), { model, device: 'cpu', ocrEngine: countingEngine(counts) });
    try {
      const r = await lib.index({ roots: [photos], ocr: false });
      expect(r.ocr).toBeUndefined();
      expect(counts.recognize + counts.gate).toBe(0);
      await lib.setOcrEnabled(false);
      expect((await lib.index()).ocr).toBeUndefined();
      expect((await lib.status()).ocr).toMatchObject({ done: 0, enabled: false });
      await lib.setOcrEnabled(true);
      // Turned off while the stage reads: it stops there, keeping what it read.
      let turnedOff: Promise<void> | null = null;
      const stopped = await lib.index({
        onProgress: (p) => {
          if (p.phase === 'reading-text' && (p.ocrDone ?? 0) >= 1) turnedOff ??= lib.setOcrEnabled(false);
        },
      });
      await turnedOff;
      const mid = (await lib.status()).ocr!;
      expect(stopped.ocr!.read + stopped.ocr!.skippedByGate, 'stopped before the last photo').toBeLessThan(TEXT.length + NEGATIVE.length);
      expect(mid).toMatchObject({ enabled: false });
      expect(mid.done).toBeGreaterThanOrEqual(1);
      expect(mid.pending).toBeGreaterThan(0);
      await lib.setOcrEnabled(true);
      const filled = await lib.index();
      expect(filled.ocr!.read).toBeGreaterThan(0);
      expect((await lib.status()).ocr).toMatchObject({ pending: 0, enabled: true });
    } finally {
      await lib.close();
    }
  }, 600_000);
});
