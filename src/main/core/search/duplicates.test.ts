import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { differenceHash } from '../decode/dhash';
import { findDuplicateGroups, isDegenerate, type DuplicateCandidate } from './duplicates';

/** A picture with structure (crossing waves), `w`×`h` RGB, darkened by `dark`. Scale-free: a resize keeps it. */
function picture(w: number, h: number, dark = 0): Buffer {
  const b = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const u = x / w;
      const v = y / h;
      const level = 128 + 60 * Math.sin(u * 17 + v * 5) + 50 * Math.cos(u * 7 - v * 13);
      const o = (y * w + x) * 3;
      b[o] = b[o + 1] = b[o + 2] = Math.max(0, Math.min(255, level - dark));
    }
  return b;
}

async function candidate(id: string, raw: Buffer, w: number, h: number, size: { w: number; h: number } = { w, h }, extra: Partial<DuplicateCandidate> = {}): Promise<DuplicateCandidate> {
  const out = size.w === w && size.h === h ? { data: raw, info: { width: w, height: h } } : await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).resize(size.w, size.h, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  return { id, phash: differenceHash(out.data, out.info.width, out.info.height, 3), width: size.w, height: size.h, bytes: out.data.length, contentHash: `c-${id}`, ...extra };
}

// The vectors agree for every pair here: what decides is the hash and the new rules, as in the worst real case.
const sameVector = () => 1;

describe('findDuplicateGroups', () => {
  it('groups a resized copy with its original', async () => {
    const a = await candidate('a', picture(400, 300), 400, 300);
    const b = await candidate('b', picture(400, 300), 400, 300, { w: 200, h: 150 });
    expect(findDuplicateGroups([a, b], sameVector)).toEqual([['a', 'b']]);
  });

  it('a 1×1 image never joins other pictures, even dark ones whose hashes are near zero', async () => {
    const tiny = await candidate('tiny', Buffer.from([10, 10, 10]), 1, 1);
    const d1 = await candidate('d1', picture(100, 100, 200), 100, 100);
    const d2 = await candidate('d2', picture(100, 100, 200), 100, 100, { w: 100, h: 100 }, { bytes: 1, contentHash: 'other' });
    expect(isDegenerate(tiny)).toBe(true);
    const groups = findDuplicateGroups([tiny, d1, d2], sameVector);
    expect(groups.flat()).not.toContain('tiny');
  });

  it('constant and near-constant pictures group only with byte-identical copies', async () => {
    const black = await candidate('black', Buffer.alloc(64 * 64 * 3, 0), 64, 64);
    const nearBlack = await candidate('near', Buffer.alloc(64 * 64 * 3, 3), 64, 64);
    const white = await candidate('white', Buffer.alloc(64 * 64 * 3, 255), 64, 64);
    const copy = { ...black, id: 'black-copy' };
    expect([black, nearBlack, white].every(isDegenerate)).toBe(true);
    expect(findDuplicateGroups([black, nearBlack, white, copy], sameVector)).toEqual([['black', 'black-copy']]);
  });

  it('pictures whose shapes differ by more than a few percent never group, even with close hashes', async () => {
    const wide = await candidate('wide', picture(400, 300), 400, 300);
    const squashed = await candidate('squashed', picture(400, 300), 400, 300, { w: 400, h: 200 });
    const nearly = await candidate('nearly', picture(400, 300), 400, 300, { w: 404, h: 300 });
    const groups = findDuplicateGroups([wide, squashed, nearly], sameVector);
    expect(groups).toEqual([['wide', 'nearly']]);
  });

  it('byte-identical copies group even when their hash says nothing', async () => {
    const tiny = await candidate('t1', Buffer.from([200, 0, 0, 0, 0, 200]), 2, 1);
    const twin = { ...tiny, id: 't2' };
    expect(findDuplicateGroups([tiny, twin], () => 0)).toEqual([['t1', 't2']]);
  });
});
