// Which photos have a query keyword in their file or folder name (hybrid search), without testing a regular
// expression against every path: folder names are few and tested once each; file names live in one string that
// String#indexOf sweeps at memchr speed, and only the hits are checked for word boundaries.
//
// The rule is the Library's: a path relative to its root, lowercased; an ASCII keyword matches as a whole word
// (not preceded or followed by [a-z0-9]); any other keyword (CJK…) matches as a substring.
import path from 'node:path';

interface Folder {
  key: string;
  /** Lowercased path of the folder relative to the root ('' for the root itself). */
  rel: string;
  ids: Set<string>;
}

/** True for a non-empty all-ASCII string. */
const isAscii = (s: string) => s.length > 0 && [...s].every((c) => c.charCodeAt(0) <= 0x7f);

function isWordChar(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 48 && code <= 57);
}

/** Does `k` occur in s[from, to) under the rule (whole word for ASCII, else substring)? */
function occursIn(s: string, k: string, ascii: boolean, from = 0, to = s.length): boolean {
  let at = s.indexOf(k, from);
  while (at >= 0 && at + k.length <= to) {
    if (!ascii) return true;
    const before = at === from ? -1 : s.charCodeAt(at - 1);
    const end = at + k.length;
    const after = end === to ? -1 : s.charCodeAt(end);
    if ((before < 0 || !isWordChar(before)) && (after < 0 || !isWordChar(after))) return true;
    at = s.indexOf(k, at + 1);
  }
  return false;
}

export class KeywordIndex {
  private folders = new Map<string, Folder>();
  /** id → [folder key, lowercased file name] */
  private entries = new Map<string, [string, string]>();
  /** File names joined by '\n' (never in a name on any platform we index), rebuilt after changes. */
  private blob = '';
  private starts = new Int32Array(0);
  private order: string[] = [];
  private dirty = true;

  get size(): number {
    return this.entries.size;
  }

  set(id: string, root: string, file: string): void {
    this.delete(id);
    const relDir = path.relative(root, path.dirname(file)).toLowerCase();
    const key = `${root}\u0000${relDir}`;
    let f = this.folders.get(key);
    if (!f) this.folders.set(key, (f = { key, rel: relDir, ids: new Set() }));
    f.ids.add(id);
    // The folder's own key string, not this call's equal copy: one string per folder, not per photo.
    this.entries.set(id, [f.key, path.basename(file).toLowerCase()]);
    this.dirty = true;
  }

  delete(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    const f = this.folders.get(e[0])!;
    f.ids.delete(id);
    if (f.ids.size === 0) this.folders.delete(e[0]);
    this.entries.delete(id);
    this.dirty = true;
  }

  private build(): void {
    this.order = [...this.entries.keys()];
    this.starts = new Int32Array(this.order.length + 1);
    const parts: string[] = [];
    let at = 0;
    this.order.forEach((id, i) => {
      const name = this.entries.get(id)![1];
      this.starts[i] = at;
      parts.push(name);
      at += name.length + 1;
    });
    this.starts[this.order.length] = at;
    this.blob = parts.join('\n');
    this.dirty = false;
  }

  /**
   * `perMatch` × the number of keywords each photo matches (repeats count again), for photos matching any. One map write per matching
   * photo and keyword: a keyword naming a big folder matches tens of thousands of photos, so no per-keyword set is
   * built. Within one keyword a photo can only match twice through its folder and its own name; name hits in an
   * already matched folder are skipped.
   */
  boosts(keywords: string[], perMatch: number): Map<string, number> {
    if (this.dirty) this.build();
    const out = new Map<string, number>();
    const times = new Map<string, number>();
    for (const k of keywords) if (k.length > 0) times.set(k, (times.get(k) ?? 0) + 1);
    const add = (id: string, w: number) => {
      const had = out.get(id);
      out.set(id, had === undefined ? w : had + w);
    };
    for (const [k, weight] of times) {
      const ascii = isAscii(k);
      const w = weight * perMatch;
      if (k.includes('/') || k.includes('\\') || k.includes('\n')) {
        // Could span folder and file name: test whole relative paths (rare, so the slow way is fine).
        for (const [id, [key, name]] of this.entries) {
          const rel = this.folders.get(key)!.rel;
          if (occursIn(rel ? `${rel}${path.sep}${name}` : name, k, ascii)) add(id, w);
        }
        continue;
      }
      const matchedFolders = new Set<string>();
      for (const [key, f] of this.folders) {
        if (!f.rel || !occursIn(f.rel, k, ascii)) continue;
        matchedFolders.add(key);
        for (const id of f.ids) add(id, w);
      }
      const blob = this.blob;
      const starts = this.starts;
      let at = blob.indexOf(k);
      while (at >= 0) {
        // the name holding position `at`: last start ≤ at
        let lo = 0;
        let hi = this.order.length - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (starts[mid] <= at) lo = mid;
          else hi = mid - 1;
        }
        const end = starts[lo + 1] - 1;
        const id = this.order[lo];
        if (occursIn(blob, k, ascii, starts[lo], end) && (matchedFolders.size === 0 || !matchedFolders.has(this.entries.get(id)![0]))) add(id, w);
        // continue after this name
        at = blob.indexOf(k, end + 1);
      }
    }
    return out;
  }
}
