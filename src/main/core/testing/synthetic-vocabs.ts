// The synthetic models' vocabularies: a 49408-entry CLIP-sized WordPiece one and a 21128-entry one in the order of
// Chinese-CLIP's (bert-base-chinese), so token ids, embedding tables and tokenizer files have the real sizes.
import { SPECIAL_TOKENS } from './test-tokenizers.js';
import { TOY_VOCAB } from './toy-color-model.js';

export const SYNTHETIC_VOCAB_SIZE = 49408;
export const CHINESE_CLIP_VOCAB_SIZE = 21128;

/**
 * 49408 WordPiece entries: specials, the toy words, letters, digits, punctuation, every CJK unified
 * ideograph (so Chinese splits into known characters), then 2- and 3-letter pieces. [CLS]/[SEP] take the two
 * highest ids, as <|startoftext|>/<|endoftext|> do in CLIP, so argmax(input_ids) finds the end token.
 */
export function syntheticVocab(): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const add = (t: string): void => {
    if (out.length < SYNTHETIC_VOCAB_SIZE - 2 && !seen.has(t)) {
      seen.add(t);
      out.push(t);
    }
  };
  ['[PAD]', '[UNK]', '[MASK]'].forEach(add);
  TOY_VOCAB.filter((t) => !SPECIAL_TOKENS.includes(t)).forEach(add);
  const letters = 'abcdefghijklmnopqrstuvwxyz'.split('');
  for (const c of [...letters, ...'0123456789'.split('')]) {
    add(c);
    add(`##${c}`);
  }
  for (const c of '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'.split('')) add(c);
  for (let cp = 0x4e00; cp <= 0x9fff; cp++) add(String.fromCodePoint(cp));
  for (const a of letters) for (const b of letters) add(a + b);
  for (const a of letters) for (const b of letters) add(`##${a}${b}`);
  for (const a of letters) for (const b of letters) for (const c of letters) add(a + b + c);
  for (const a of letters) for (const b of letters) for (const c of letters) add(`##${a}${b}${c}`);
  out.push('[CLS]', '[SEP]');
  if (out.length !== SYNTHETIC_VOCAB_SIZE) throw new Error(`synthetic vocab has ${out.length} entries`);
  return out;
}

/** BERT's BasicTokenizer treats these code points as Chinese characters (each one becomes its own word). */
export function isCjkCodePoint(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** Characters of a legacy double-byte charset, in code order, decoded with the WHATWG decoder for `label`. */
function charsetHanzi(label: string, leads: [number, number], trails: [number, number][]): string[] {
  const dec = new TextDecoder(label);
  const out: string[] = [];
  for (let lead = leads[0]; lead <= leads[1]; lead++) {
    for (const [t0, t1] of trails) {
      for (let trail = t0; trail <= t1; trail++) {
        const ch = dec.decode(Uint8Array.of(lead, trail));
        const cp = ch.codePointAt(0) ?? 0;
        if ([...ch].length === 1 && isCjkCodePoint(cp)) out.push(ch);
      }
    }
  }
  return out;
}

/** Everyday English words of photo searches, kept whole (bert-base-chinese's vocabulary has such words too). */
const LATIN_WORDS = (
  'the and of in on at with for from by to is it my our your this that photo photos picture image pictures ' +
  'sun sunset sunrise sky sea beach ocean lake river mountain mountains snow rain cloud clouds night city street ' +
  'road car cars bus train bike bicycle boat plane dog dogs cat cats bird birds horse fish flower flowers tree trees ' +
  'forest garden park grass leaf leaves food cake coffee tea wine beer pizza dinner lunch breakfast party birthday ' +
  'wedding baby kid kids child children family friend friends mom dad man woman people girl boy face smile portrait ' +
  'selfie house home room kitchen window door wall bridge tower temple church castle museum shop market red green ' +
  'blue yellow white black orange pink purple gray grey brown gold silver light dark old new big small day morning ' +
  'evening autumn winter spring summer holiday travel trip vacation hiking camping ski swim run walk game sport ' +
  'football soccer basketball music concert book books phone computer screen paper art painting drawing'
).split(' ');

/**
 * 21128 WordPiece entries, the size of Chinese-CLIP's (bert-base-chinese) vocabulary and in its order of kinds:
 * [PAD], [unused1–99], [UNK] 100, [CLS] 101, [SEP] 102, [MASK] 103, punctuation, digits, letters, CJK punctuation,
 * whole English words and numbers, the 6763 GB2312 hanzi, then Big5's frequent (mostly traditional) hanzi, then
 * ## continuation pieces and 2–3 letter pieces until the size is reached.
 */
export function chineseClipVocab(): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const add = (t: string): void => {
    if (out.length < CHINESE_CLIP_VOCAB_SIZE && !seen.has(t)) {
      seen.add(t);
      out.push(t);
    }
  };
  add('[PAD]');
  for (let i = 1; i < 100; i++) add(`[unused${i}]`);
  ['[UNK]', '[CLS]', '[SEP]', '[MASK]', '<S>', '<T>'].forEach(add);
  for (const c of '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'.split('')) add(c);
  const digits = '0123456789'.split('');
  const letters = 'abcdefghijklmnopqrstuvwxyz'.split('');
  [...digits, ...letters].forEach(add);
  for (const c of '，。、；：？！「」『』（）【】《》〈〉“”‘’…—～·'.split('')) add(c);
  LATIN_WORDS.forEach(add);
  for (let y = 1900; y < 2040; y++) add(String(y));
  for (let n = 10; n < 100; n++) add(String(n));
  // GB2312 hanzi: rows 0xB0–0xF7, columns 0xA1–0xFE. Big5's frequent hanzi: 0xA440–0xC67E.
  charsetHanzi('gbk', [0xb0, 0xf7], [[0xa1, 0xfe]]).forEach(add);
  charsetHanzi('big5', [0xa4, 0xc6], [[0x40, 0x7e], [0xa1, 0xfe]]).forEach(add);
  for (const c of [...digits, ...letters]) add(`##${c}`);
  for (const a of digits) for (const b of digits) add(`##${a}${b}`);
  for (const a of letters) for (const b of letters) add(a + b);
  for (const a of letters) for (const b of letters) add(`##${a}${b}`);
  for (const a of letters) for (const b of letters) for (const c of letters) {
    add(`##${a}${b}${c}`);
    add(a + b + c);
  }
  if (out.length !== CHINESE_CLIP_VOCAB_SIZE) throw new Error(`Chinese-CLIP vocab has ${out.length} entries`);
  return out;
}
