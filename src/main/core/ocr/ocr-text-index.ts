// In-memory search over the text recognised in photos: substring matching in the folded form (text-fold.ts),
// so CJK needs no word segmentation, with one wrong character forgiven in longer queries, ranked per photo,
// each hit with a snippet of the original line.
//
// Why not LanceDB's full-text index: its tokenizers split on whitespace/punctuation (Chinese text would need
// the optional jieba/lindera tokenizers and their dictionaries, and then finds words, not arbitrary substrings
// such as 般若波羅蜜多 across word boundaries); an n-gram tokenizer would blow the index up, and it offers
// no per-character fuzzy match for CJK. Text for 100k photos is a few MB, so a scan is fast enough.
//
// Layout: photos are grouped in segments of SEGMENT_PHOTOS; each segment keeps its folded text as one string
// (photos end with '\n', lines inside a photo are separated by '\n') that String#indexOf sweeps, plus the start
// offset of each photo. A change only marks its segment for a rebuild at the next query, so indexing while the
// user searches costs one segment's join. The originals are kept per photo for snippets.
// Fuzzy matching is the pigeonhole filter: with one edit, one half of the query occurs exactly; each exact
// occurrence of a half is verified in place. Searches start from the query's rarest character (String#indexOf
// stops at every occurrence of a pattern's first character), which took the p95 from ~18 to ~8 ms.
// Measured (bench-text-index.ts): 100k photos, 20% with ~10 mixed CJK/Latin lines (200k lines, 3.2M folded
// characters): build 0.36 s, 16 MB of heap, query p50 1.9 ms / p95 7.4 ms on a shared 2-core machine.
import { foldText, foldWithOffsets } from './text-fold.js';

export interface OcrTextHit {
  id: string;
  /** 1 for an exact match covering a whole line, lower for partial coverage and fuzzy matches (0..1]. */
  score: number;
  /** The matched line, trimmed around the match. */
  snippet: string;
  /** Where the match is in `snippet` ([start, end) in UTF-16 units), for highlighting. */
  highlight: [number, number];
  /** Index of the matched line among the photo's lines. */
  line: number;
  /** False when the match needed the one-edit tolerance. */
  exact: boolean;
}

export interface OcrTextSearchOptions {
  /** At most this many photos (default 100). */
  limit?: number;
  /** A prefilter (folders, dates…): rejected photos are never ranked. */
  accept?: (id: string) => boolean;
  /** Longest snippet in characters, ellipses excluded (default 40). */
  snippetChars?: number;
}

export interface OcrTextIndexStats {
  photos: number;
  lines: number;
  /** UTF-16 units of folded text. */
  foldedChars: number;
  segments: number;
}

const SEGMENT_PHOTOS = 2048;
/**
 * Queries of this many folded characters or more forgive one substituted character, and from INDEL_MIN one
 * missing or extra character too. Latin letters carry less each than Chinese characters (a 4-letter English
 * word with one letter changed is usually another word: rain → main, gain, rail), so Latin-only queries need one
 * character more.
 */
const FUZZY_MIN = 4;
const INDEL_MIN = 6;
const LATIN_EXTRA = 1;
/** Score of a fuzzy match relative to an exact one. */
const FUZZY_WEIGHT = 0.7;
/** A photo that matches every word of a multi-word query, but not the phrase. */
const ALL_TERMS_WEIGHT = 0.85;
const NL = 10;

class Segment {
  /** Folded text of the members, each followed by '\n'. */
  blob = '';
  /** starts[i] = offset of member i in blob; one extra entry at the end. */
  starts = new Int32Array(1);
  members: string[] = [];
  pendingIds: string[] = [];
  pendingTexts: string[] = [];
  removed = new Set<string>();

  get count(): number {
    return this.members.length - this.removed.size + this.pendingIds.length;
  }

  remove(id: string): void {
    const i = this.pendingIds.indexOf(id);
    if (i >= 0) {
      this.pendingIds.splice(i, 1);
      this.pendingTexts.splice(i, 1);
    } else {
      this.removed.add(id);
    }
  }

  build(): void {
    if (this.pendingIds.length === 0 && this.removed.size === 0) return;
    const parts: string[] = [];
    const members: string[] = [];
    for (let i = 0; i < this.members.length; i++) {
      const id = this.members[i];
      if (this.removed.has(id)) continue;
      parts.push(this.blob.slice(this.starts[i], this.starts[i + 1]));
      members.push(id);
    }
    for (let i = 0; i < this.pendingIds.length; i++) {
      parts.push(this.pendingTexts[i] + '\n');
      members.push(this.pendingIds[i]);
    }
    const starts = new Int32Array(members.length + 1);
    let at = 0;
    for (let i = 0; i < parts.length; i++) {
      starts[i] = at;
      at += parts[i].length;
    }
    starts[parts.length] = at;
    this.blob = parts.join('');
    this.starts = starts;
    this.members = members;
    this.pendingIds = [];
    this.pendingTexts = [];
    this.removed.clear();
  }

  /** Index of the member holding blob offset `pos`. */
  memberAt(pos: number): number {
    let lo = 0, hi = this.members.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

interface Best {
  score: number;
  exact: boolean;
  seg: Segment;
  member: number;
  pos: number;
  len: number;
}

type HitSink = (seg: Segment, member: number, pos: number, len: number, exact: boolean) => void;

export class OcrTextIndex {
  private segments: Segment[] = [];
  private segmentOf = new Map<string, Segment>();
  /** Original lines per photo, joined by '\n'. */
  private originals = new Map<string, string>();
  private lineCount = 0;
  /** How often each folded code unit occurs in the index (picks the search anchor of a query). */
  private charCount = new Map<number, number>();

  get size(): number {
    return this.originals.size;
  }

  has(id: string): boolean {
    return this.originals.has(id);
  }

  /** Replaces the photo's lines. A photo whose lines fold to nothing is not kept. */
  set(id: string, lines: readonly string[]): void {
    this.delete(id);
    const clean: string[] = [];
    const folded: string[] = [];
    for (const raw of lines) {
      const line = raw.replace(/[\r\n]+/g, ' ');
      const f = foldText(line);
      if (!f) continue;
      clean.push(line);
      folded.push(f);
    }
    if (clean.length === 0) return;
    let seg = this.segments[this.segments.length - 1];
    if (!seg || seg.count >= SEGMENT_PHOTOS) this.segments.push((seg = new Segment()));
    seg.pendingIds.push(id);
    const text = folded.join('\n');
    seg.pendingTexts.push(text);
    this.count(text, 1);
    this.segmentOf.set(id, seg);
    this.originals.set(id, clean.join('\n'));
    this.lineCount += clean.length;
  }

  delete(id: string): boolean {
    const seg = this.segmentOf.get(id);
    if (!seg) return false;
    seg.remove(id);
    this.segmentOf.delete(id);
    const lines = this.originals.get(id)!.split('\n');
    this.lineCount -= lines.length;
    this.count(lines.map(foldText).join('\n'), -1);
    this.originals.delete(id);
    return true;
  }

  clear(): void {
    this.segments = [];
    this.segmentOf.clear();
    this.originals.clear();
    this.charCount.clear();
    this.lineCount = 0;
  }

  stats(): OcrTextIndexStats {
    this.flush();
    return {
      photos: this.originals.size,
      lines: this.lineCount,
      foldedChars: this.segments.reduce((s, g) => s + g.blob.length, 0),
      segments: this.segments.length,
    };
  }

  /** Applies pending changes now (queries do it themselves; benches call it to time the build). */
  flush(): void {
    for (const s of this.segments) s.build();
    this.segments = this.segments.filter((s) => s.members.length > 0 || s.pendingIds.length > 0);
  }

  search(query: string, opts: OcrTextSearchOptions = {}): OcrTextHit[] {
    const limit = Math.max(0, Math.floor(opts.limit ?? 100));
    const whole = foldText(query);
    // One Latin letter or digit is in most lines: too unspecific to rank, and the costliest scan there is.
    if (!whole || limit === 0 || (whole.length === 1 && whole.charCodeAt(0) < 0x80)) return [];
    this.flush();
    const accept = opts.accept;
    const best = new Map<string, Best>();
    this.match(whole, (seg, member, pos, len, exact) => {
      const id = seg.members[member];
      const score = (exact ? 1 : FUZZY_WEIGHT) * coverageFactor(seg.blob, pos, len);
      const b = best.get(id);
      if (!b || score > b.score) best.set(id, { score, exact, seg, member, pos, len });
    });

    // A multi-word query also matches photos that hold every word, in any order or line.
    // Words shorter than 2 CJK or 3 Latin characters are left out of this: they are in nearly every photo
    // ("of", "in"), so they neither narrow the result nor are cheap to look for.
    const terms = query.trim().split(/\s+/).map(foldText).filter((t) => t.length >= (isAsciiText(t) ? 3 : 2));
    if (terms.length > 1) {
      // The rarest word is looked for everywhere, the others only inside the photos that have it.
      const order = [...terms].sort((a, b) => this.rarity(a) - this.rarity(b));
      let cand = new Map<string, { first: Best; sum: number; exact: boolean }>();
      this.match(order[0], (seg, member, pos, len, exact) => {
        const id = seg.members[member];
        const score = (exact ? 1 : FUZZY_WEIGHT) * coverageFactor(seg.blob, pos, len);
        const c = cand.get(id);
        if (!c || score > c.sum) cand.set(id, { first: { score, exact, seg, member, pos, len }, sum: score, exact });
      });
      for (const term of order.slice(1)) {
        const next = new Map<string, { first: Best; sum: number; exact: boolean }>();
        for (const [id, c] of cand) {
          let termBest = -1, termExact = false;
          this.match(term, (seg, member, pos, len, exact) => {
            const score = (exact ? 1 : FUZZY_WEIGHT) * coverageFactor(seg.blob, pos, len);
            if (score > termBest) {
              termBest = score;
              termExact = exact;
            }
          }, c.first);
          if (termBest >= 0) next.set(id, { first: c.first, sum: c.sum + termBest, exact: c.exact && termExact });
        }
        cand = next;
      }
      for (const [id, c] of cand) {
        const score = (ALL_TERMS_WEIGHT * c.sum) / terms.length;
        const b = best.get(id);
        if (!b || score > b.score) best.set(id, { ...c.first, score, exact: c.exact });
      }
    }

    const ranked: [string, Best][] = [];
    for (const e of best) if (!accept || accept(e[0])) ranked.push(e);
    ranked.sort((a, b) => b[1].score - a[1].score || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return ranked.slice(0, limit).map(([id, b]) => this.hit(id, b, opts.snippetChars ?? 40));
  }

  /**
   * Calls `sink` for every occurrence of `pattern` (with the one-edit tolerance when it is long enough),
   * everywhere or only inside the photo of `within`.
   */
  private match(pattern: string, sink: HitSink, within?: { seg: Segment; member: number }): void {
    const m = pattern.length;
    const extra = isAsciiText(pattern) ? LATIN_EXTRA : 0;
    const fuzzyMin = FUZZY_MIN + extra, indelMin = INDEL_MIN + extra;
    const rare = (a: number, b: number) => this.rarest(pattern, a, b);
    for (const seg of within ? [within.seg] : this.segments) {
      const blob = seg.blob;
      if (blob.length === 0) continue;
      const at = memberCursor(seg);
      const from = within ? seg.starts[within.member] : 0;
      const to = within ? seg.starts[within.member + 1] : blob.length;
      if (m < fuzzyMin) {
        occurrences(blob, from, to, pattern, 0, m, rare(0, m), (s) => sink(seg, at(s), s, m, true));
        continue;
      }
      const h = m >> 1;
      // Windows verified around an exact left half (the edit, if any, is in the right half)…
      occurrences(blob, from, to, pattern, 0, h, rare(0, h), (s) => {
        const d = hamming(blob, s, pattern);
        if (d <= 1) sink(seg, at(s), s, m, d === 0);
        if (m >= indelMin) {
          if (oneIndel(blob, s, m + 1, pattern)) sink(seg, at(s), s, m + 1, false);
          if (oneIndel(blob, s, m - 1, pattern)) sink(seg, at(s), s, m - 1, false);
        }
      });
      // …or around an exact right half (the edit is in the left half; exact matches were found above).
      occurrences(blob, from, to, pattern, h, m, rare(h, m), (s) => {
        const end = s + (m - h);
        if (end - m >= 0 && hamming(blob, end - m, pattern) === 1) sink(seg, at(end - m), end - m, m, false);
        if (m >= indelMin) {
          if (end - m - 1 >= 0 && oneIndel(blob, end - m - 1, m + 1, pattern)) sink(seg, at(end - m - 1), end - m - 1, m + 1, false);
          if (end - m + 1 >= 0 && oneIndel(blob, end - m + 1, m - 1, pattern)) sink(seg, at(end - m + 1), end - m + 1, m - 1, false);
        }
      });
    }
  }

  /**
   * The offset in pattern[a, b) of its least frequent character. String#indexOf stops at every occurrence of a
   * pattern's first character, so searching from a rare one (and checking the characters before it) costs a
   * fraction of a search that starts on a common letter.
   */
  private rarest(pattern: string, a: number, b: number): number {
    let best = a, bestN = Infinity;
    for (let i = a; i < b; i++) {
      const n = this.charCount.get(pattern.charCodeAt(i)) ?? 0;
      if (n < bestN) {
        bestN = n;
        best = i;
      }
    }
    return best;
  }

  /** How common the rarest character of a word is (lower: fewer photos to look at). */
  private rarity(term: string): number {
    return this.charCount.get(term.charCodeAt(this.rarest(term, 0, term.length))) ?? 0;
  }

  private count(folded: string, sign: 1 | -1): void {
    for (let i = 0; i < folded.length; i++) {
      const c = folded.charCodeAt(i);
      const n = (this.charCount.get(c) ?? 0) + sign;
      if (n > 0) this.charCount.set(c, n);
      else this.charCount.delete(c);
    }
  }

  private hit(id: string, b: Best, snippetChars: number): OcrTextHit {
    const blob = b.seg.blob;
    const memberStart = b.seg.starts[b.member];
    const lineStart = blob.lastIndexOf('\n', b.pos - 1) + 1;
    const start = Math.max(lineStart, memberStart);
    let line = 0;
    for (let i = memberStart; i < start; i++) if (blob.charCodeAt(i) === NL) line++;
    const original = (this.originals.get(id) ?? '').split('\n')[line] ?? '';
    const { from } = foldWithOffsets(original);
    const off = b.pos - start;
    const lastFolded = Math.min(from.length - 1, off + b.len - 1);
    const mStart = from[Math.min(off, from.length - 1)] ?? 0;
    const mEnd = lastFolded >= 0 ? from[lastFolded] + 1 : original.length;
    const { text, shift } = trimAround(original, mStart, mEnd, snippetChars);
    return {
      id,
      score: Math.round(b.score * 1e4) / 1e4,
      snippet: text,
      highlight: [mStart + shift, mEnd + shift],
      line,
      exact: b.exact,
    };
  }
}

/**
 * Calls `visit(s)` for every s in [from, to) where blob[s, s + b − a) equals pattern[a, b), searching for the
 * part from offset k (the rare character) and checking the part before it in place.
 */
function occurrences(
  blob: string,
  from: number,
  to: number,
  pattern: string,
  a: number,
  b: number,
  k: number,
  visit: (s: number) => void,
): void {
  const anchor = pattern.slice(k, b);
  const before = k - a;
  let at = blob.indexOf(anchor, from + before);
  while (at >= 0 && at < to) {
    const s = at - before;
    let ok = true;
    for (let i = 0; i < before; i++) {
      if (blob.charCodeAt(s + i) !== pattern.charCodeAt(a + i)) {
        ok = false;
        break;
      }
    }
    if (ok) visit(s);
    at = blob.indexOf(anchor, at + 1);
  }
}

/** Member index for a blob offset; remembers the last member, since hits come in increasing offsets. */
function memberCursor(seg: Segment): (pos: number) => number {
  let member = -1, from = 0, to = -1;
  return (pos) => {
    if (pos < from || pos >= to) {
      member = seg.memberAt(pos);
      from = seg.starts[member];
      to = seg.starts[member + 1];
    }
    return member;
  };
}

/** Mismatches between `pattern` and the blob from `s`, 2 meaning "more than one" or "crosses a line". */
function hamming(blob: string, s: number, pattern: string): number {
  const m = pattern.length;
  if (s < 0 || s + m > blob.length) return 2;
  let d = 0;
  for (let k = 0; k < m; k++) {
    const c = blob.charCodeAt(s + k);
    if (c !== pattern.charCodeAt(k)) {
      if (c === NL || ++d > 1) return 2;
    }
  }
  return d;
}

/** True when blob[s, s+len) is `pattern` with exactly one character inserted or deleted (len = m ± 1). */
function oneIndel(blob: string, s: number, len: number, pattern: string): boolean {
  const m = pattern.length;
  if (s < 0 || s + len > blob.length || Math.abs(len - m) !== 1 || len < 1) return false;
  for (let k = 0; k < len; k++) if (blob.charCodeAt(s + k) === NL) return false;
  const longer = len > m;
  let i = 0, j = 0, skipped = false;
  while (i < len && j < m) {
    if (blob.charCodeAt(s + i) === pattern.charCodeAt(j)) {
      i++;
      j++;
    } else if (skipped) {
      return false;
    } else {
      skipped = true;
      if (longer) i++;
      else j++;
    }
  }
  return true;
}

/** How much of its line a match covers: a query that is the whole line ranks above one inside a paragraph. */
function coverageFactor(blob: string, pos: number, len: number): number {
  const lineStart = blob.lastIndexOf('\n', pos - 1) + 1;
  let lineEnd = blob.indexOf('\n', pos);
  if (lineEnd < 0) lineEnd = blob.length;
  const lineLen = Math.max(1, lineEnd - lineStart);
  return 0.8 + 0.2 * Math.min(1, len / lineLen);
}

/** At most `max` characters of `line` around [start, end), with ellipses where cut; `shift` maps offsets. */
export function trimAround(line: string, start: number, end: number, max: number): { text: string; shift: number } {
  if (line.length <= max) return { text: line, shift: 0 };
  const matchLen = Math.max(0, end - start);
  let from = Math.max(0, start - Math.max(0, Math.floor((max - matchLen) / 2)));
  let to = Math.min(line.length, from + Math.max(max, matchLen));
  from = Math.max(0, to - Math.max(max, matchLen));
  // Never cut a surrogate pair in half.
  if (from > 0 && isLowSurrogate(line.charCodeAt(from))) from--;
  if (to < line.length && isLowSurrogate(line.charCodeAt(to))) to++;
  const head = from > 0 ? '…' : '';
  const tail = to < line.length ? '…' : '';
  return { text: head + line.slice(from, to) + tail, shift: head.length - from };
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** True when every character is ASCII (an empty string too). */
function isAsciiText(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}
