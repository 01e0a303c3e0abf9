// Near-duplicate groups: resized, re-compressed and burst copies. Candidates come from dHash band buckets
// (11 bands of 5–6 bits: any pair within Hamming distance 10 shares a band, and farther pairs up to the
// threshold almost always do), are confirmed by Hamming distance and by image-vector cosine, and joined with
// union-find. Different photos of one scene fail the hash test. Degenerate pictures (tiny, or nearly one flat tone,
// whose hash matches anything dark or bright) group only with byte-identical copies; differing shapes never group.
import { hammingHex } from '../decode/dhash.js';

export interface DuplicateCandidate {
  id: string;
  phash: string;
  /** Displayed size; absent means unknown (then only the hash and vector decide). */
  width?: number;
  height?: number;
  /** File size and content fingerprint: equal pairs are byte-identical copies. */
  bytes?: number;
  contentHash?: string;
}

/** Below this many pixels on either side a picture has too little detail for its hash to mean anything. */
export const MIN_SIDE = 32;
/** A hash with at most this many bits set (or unset) comes from a near-constant picture. */
export const MIN_HASH_BITS = 4;
/** Aspect ratios further apart than this (relative) are different pictures, whatever their hashes say. */
export const MAX_ASPECT_DIFFERENCE = 0.05;

function popcountHex(h: string): number {
  let n = 0;
  for (const ch of h) {
    let v = parseInt(ch, 16);
    while (v) {
      n += v & 1;
      v >>= 1;
    }
  }
  return n;
}

/** True when a picture's hash cannot tell it from other pictures: too small, or almost one flat tone. */
export function isDegenerate(p: DuplicateCandidate): boolean {
  if (p.width !== undefined && p.height !== undefined && Math.min(p.width, p.height) < MIN_SIDE) return true;
  const bits = popcountHex(p.phash);
  return bits <= MIN_HASH_BITS || bits >= p.phash.length * 4 - MIN_HASH_BITS;
}

function sameShape(a: DuplicateCandidate, b: DuplicateCandidate): boolean {
  if (!a.width || !a.height || !b.width || !b.height) return true;
  const ra = a.width / a.height;
  const rb = b.width / b.height;
  return Math.abs(ra - rb) / Math.max(ra, rb) <= MAX_ASPECT_DIFFERENCE;
}

function byteIdentical(a: DuplicateCandidate, b: DuplicateCandidate): boolean {
  return a.bytes !== undefined && a.bytes === b.bytes && !!a.contentHash && a.contentHash === b.contentHash;
}

export interface DuplicateOptions {
  /** Largest dHash Hamming distance (of 64 bits) that still counts as the same picture. */
  maxHamming?: number;
  /** Smallest cosine between the two photos' image vectors. */
  minCosine?: number;
}

/**
 * Chosen by measurement (scripts/measure-duplicates.ts on the 31 fixture photos, hash from the decoder's working
 * buffer): resized/re-compressed copies differ by median 0, p95 2, max 3 bits; 2%-shifted "burst" frames by max 7;
 * different photos by at least 13 (p05 23). (The earlier hash of the WebP thumbnail: copies max 11, bursts max 9,
 * different min 17.)
 */
export const DEFAULT_MAX_HAMMING = 12;
const BANDS: [number, number][] = (() => {
  const out: [number, number][] = [];
  let start = 0;
  for (let i = 0; i < 11; i++) {
    const len = i < 9 ? 6 : 5;
    out.push([start, len]);
    start += len;
  }
  return out;
})();

function bandKey(hash: string, start: number, len: number): number {
  const hi = parseInt(hash.slice(0, 8), 16) >>> 0;
  const lo = parseInt(hash.slice(8, 16), 16) >>> 0;
  let key = 0;
  for (let b = start; b < start + len; b++) {
    const bit = b < 32 ? (hi >>> (31 - b)) & 1 : (lo >>> (63 - b)) & 1;
    key = (key << 1) | bit;
  }
  return key;
}
export const DEFAULT_MIN_COSINE = 0.9;

export function findDuplicateGroups(
  photos: DuplicateCandidate[],
  cosine: (a: string, b: string) => number,
  opts: DuplicateOptions = {},
): string[][] {
  const maxH = opts.maxHamming ?? DEFAULT_MAX_HAMMING;
  const minCos = opts.minCosine ?? DEFAULT_MIN_COSINE;
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    let c = x;
    while (parent.get(c) !== r) {
      const n = parent.get(c)!;
      parent.set(c, r);
      c = n;
    }
    return r;
  };
  for (const p of photos) parent.set(p.id, p.id);
  const degenerate = new Set(photos.filter(isDegenerate).map((p) => p.id));
  const joinable = (a: DuplicateCandidate, b: DuplicateCandidate): boolean => {
    if (degenerate.has(a.id) || degenerate.has(b.id)) return byteIdentical(a, b);
    if (!sameShape(a, b)) return false;
    if (hammingHex(a.phash, b.phash) > maxH) return false;
    return cosine(a.id, b.id) >= minCos;
  };
  // Byte-identical copies group whatever they show (degenerate ones are found only this way).
  const byContent = new Map<string, DuplicateCandidate>();
  for (const p of photos) {
    if (p.bytes === undefined || !p.contentHash) continue;
    const key = `${p.bytes}:${p.contentHash}`;
    const first = byContent.get(key);
    if (first) parent.set(find(p.id), find(first.id));
    else byContent.set(key, p);
  }
  const checked = new Set<string>();
  for (const [start, len] of BANDS) {
    const buckets = new Map<number, DuplicateCandidate[]>();
    for (const p of photos) {
      const key = bandKey(p.phash, start, len);
      const list = buckets.get(key);
      if (list) list.push(p);
      else buckets.set(key, [p]);
    }
    for (const list of buckets.values()) {
      if (list.length < 2) continue;
      for (let i = 0; i < list.length; i++)
        for (let j = i + 1; j < list.length; j++) {
          const a = list[i];
          const b = list[j];
          const key = a.id < b.id ? `${a.id}${b.id}` : `${b.id}${a.id}`;
          if (checked.has(key)) continue;
          checked.add(key);
          if (find(a.id) === find(b.id)) continue;
          if (!joinable(a, b)) continue;
          parent.set(find(a.id), find(b.id));
        }
    }
  }
  const groups = new Map<string, string[]>();
  for (const p of photos) {
    const r = find(p.id);
    const g = groups.get(r);
    if (g) g.push(p.id);
    else groups.set(r, [p.id]);
  }
  return [...groups.values()].filter((g) => g.length > 1);
}
