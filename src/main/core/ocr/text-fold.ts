// Folds recognised text and queries to one searchable form: NFKC (full-width → half-width), lower case,
// traditional → simplified characters, whitespace and punctuation dropped. Character by character through one
// lookup table, so a position in the folded text maps straight back to the original for snippets.
//
// Traditional → simplified is OpenCC's character table (TSCharacters, after the Taiwan and Hong Kong variant
// tables), not its phrase converter: folding only has to make both sides agree, and a per-character map keeps
// offsets. opencc-js 1.4.2 measured here: its full tw→cn Converter loads in ~17 ms and holds ~4.5 MB of heap;
// the three character tables read here load in ~6 ms and hold ~0.5 MB; the fold table below takes ~30 ms once.
import hkVariantsRev from 'opencc-js/dict/HKVariantsRev';
import tsCharacters from 'opencc-js/dict/TSCharacters';
import twVariantsRev from 'opencc-js/dict/TWVariantsRev';

/** Table value for a character that folds to nothing. */
const DROP = 0;
/** Table value for a character that folds to more than one (looked up in `multi`). */
const MULTI = 0xffff;

interface FoldTable {
  single: Uint16Array;
  multi: Map<number, string>;
}

let table: FoldTable | null = null;

function parseDict(dict: string, into: Map<string, string>): void {
  for (const entry of dict.split('|')) {
    const [from, to] = entry.split(' ');
    // Only one-character entries: the table maps characters, and the first candidate is OpenCC's default.
    if (from && to && from.length === 1 && to.length === 1 && !into.has(from)) into.set(from, to);
  }
}

function t2sMap(): Map<string, string> {
  const variants = new Map<string, string>();
  parseDict(twVariantsRev, variants);
  parseDict(hkVariantsRev, variants);
  const ts = new Map<string, string>();
  parseDict(tsCharacters, ts);
  const out = new Map<string, string>(ts);
  // A regional variant first becomes OpenCC's standard traditional form, then simplified.
  for (const [from, std] of variants) out.set(from, ts.get(std) ?? std);
  return out;
}

// Combining marks go too: OCR output is precomposed, and a stray one (from lower-casing İ) must not split a word.
const DROPPED = /[\p{P}\p{Z}\p{Cc}\p{Cf}\p{Mn}\s]/u;

function buildTable(): FoldTable {
  const t2s = t2sMap();
  const single = new Uint16Array(0x10000);
  const multi = new Map<number, string>();
  for (let c = 0; c < 0x10000; c++) {
    if (c >= 0xd800 && c <= 0xdfff) {
      // Halves of astral characters (rare CJK extensions, emoji) pass through unchanged.
      single[c] = c;
      continue;
    }
    let out = '';
    for (const ch of String.fromCharCode(c).normalize('NFKC').toLowerCase()) {
      if (DROPPED.test(ch)) continue;
      out += t2s.get(ch) ?? ch;
    }
    if (out.length === 0) single[c] = DROP;
    else if (out.length === 1 && out.charCodeAt(0) !== MULTI && out.charCodeAt(0) !== DROP) single[c] = out.charCodeAt(0);
    else {
      single[c] = MULTI;
      multi.set(c, out);
    }
  }
  return { single, multi };
}

function foldTable(): FoldTable {
  return (table ??= buildTable());
}

/** The searchable form of `s` (see the module header). */
export function foldText(s: string): string {
  const { single, multi } = foldTable();
  let out = '';
  let runStart = -1;
  // Characters that fold to themselves are copied as runs, which keeps the common (ASCII lowercase, simplified
  // Chinese) case to a few slices per line.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const v = single[c];
    if (v === c && v !== DROP) {
      if (runStart < 0) runStart = i;
      continue;
    }
    if (runStart >= 0) {
      out += s.slice(runStart, i);
      runStart = -1;
    }
    if (v === DROP) continue;
    out += v === MULTI ? multi.get(c)! : String.fromCharCode(v);
  }
  if (runStart >= 0) out += runStart === 0 ? s : s.slice(runStart);
  return out;
}

/** Folds `s` and says, for each folded code unit, which code unit of `s` it came from. */
export function foldWithOffsets(s: string): { folded: string; from: number[] } {
  const { single, multi } = foldTable();
  let folded = '';
  const from: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const v = single[c];
    if (v === DROP) continue;
    const piece = v === MULTI ? multi.get(c)! : String.fromCharCode(v);
    folded += piece;
    for (let k = 0; k < piece.length; k++) from.push(i);
  }
  return { folded, from };
}
