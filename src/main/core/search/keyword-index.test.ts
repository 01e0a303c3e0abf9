import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeywordIndex } from './keyword-index.js';

/** The Library's original rule, applied path by path. */
function reference(files: Map<string, { root: string; file: string }>, keywords: string[]): Map<string, number> {
  const matchers = keywords.map((k) => ([...k].every((c) => c.charCodeAt(0) <= 0x7f) ? new RegExp(`(^|[^a-z0-9])${k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^a-z0-9])`) : k));
  const out = new Map<string, number>();
  for (const [id, { root, file }] of files) {
    const rel = path.relative(root, file).toLowerCase();
    let n = 0;
    for (const m of matchers) if (typeof m === 'string' ? rel.includes(m) : m.test(rel)) n++;
    if (n > 0) out.set(id, n);
  }
  return out;
}

const sorted = (m: Map<string, number>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1));

describe('KeywordIndex', () => {
  const root = path.resolve('/photos');
  const words = ['beach', 'Beach', 'sunset', 'img', '2019', 'dog', 'dogs', 't-shirt', 'hot_dog', '西湖', '海边日落', 'café', 'ab', 'a.b'];
  const names = () => {
    const files = new Map<string, { root: string; file: string }>();
    let seed = 5;
    const pick = <T>(xs: T[]) => xs[(seed = (seed * 1103515245 + 12345) >>> 0) % xs.length];
    for (let i = 0; i < 3000; i++) {
      const dir = [pick(['2019', '2020']), `${pick(words)} ${pick(['trip', 'party', ''])}`.trim()];
      const name = `${pick(['IMG', 'DSC', pick(words)])}_${i}${pick(['', '-' + pick(words), ' ' + pick(words)])}.${pick(['jpg', 'JPG', 'heic'])}`;
      files.set(`p${i}`, { root: i % 7 === 0 ? path.join(root, 'other') : root, file: path.join(i % 7 === 0 ? path.join(root, 'other') : root, ...dir, name) });
    }
    return files;
  };

  it('matches exactly what the per-path rule matches', () => {
    const files = names();
    const idx = new KeywordIndex();
    for (const [id, f] of files) idx.set(id, f.root, f.file);
    for (const kws of [['beach'], ['dog'], ['dogs', 'sunset'], ['t-shirt'], ['hot_dog'], ['西湖'], ['海边'], ['img'], ['2019'], ['jpg'], ['café'], ['a.b'], ['ab'], [`2019${path.sep}beach`], ['nothing'], ['beach', 'beach']]) {
      expect(sorted(idx.boosts(kws, 1)), kws.join(',')).toEqual(sorted(reference(files, kws)));
    }
  });

  it('scales each match by perMatch in boosts()', () => {
    const files = names();
    const idx = new KeywordIndex();
    for (const [id, f] of files) idx.set(id, f.root, f.file);
    for (const kws of [['beach'], ['dogs', 'sunset'], ['beach', 'beach', 'dog']]) {
      const want = [...reference(files, kws)].map(([id, n]) => [id, n * 0.05] as [string, number]);
      const got = sorted(idx.boosts(kws, 0.05));
      expect(got.map(([id]) => id)).toEqual(want.sort(([a], [b]) => (a < b ? -1 : 1)).map(([id]) => id));
      for (const [i, [, b]] of got.entries()) expect(b).toBeCloseTo(want[i][1], 12);
    }
  });

  it('follows renames and deletions', () => {
    const files = names();
    const idx = new KeywordIndex();
    for (const [id, f] of files) idx.set(id, f.root, f.file);
    for (let i = 0; i < 3000; i += 3) {
      idx.delete(`p${i}`);
      files.delete(`p${i}`);
    }
    for (let i = 1; i < 3000; i += 9) {
      const f = { root, file: path.join(root, 'renamed', `sunset dog ${i}.jpg`) };
      idx.set(`p${i}`, f.root, f.file);
      files.set(`p${i}`, f);
    }
    idx.set('photo-at-root', root, path.join(root, 'beach.jpg'));
    files.set('photo-at-root', { root, file: path.join(root, 'beach.jpg') });
    for (const kws of [['sunset'], ['dog'], ['renamed'], ['beach'], ['西湖', 'dog']]) {
      expect(sorted(idx.boosts(kws, 1)), kws.join(',')).toEqual(sorted(reference(files, kws)));
    }
    expect(idx.size).toBe(files.size);
  });
});
