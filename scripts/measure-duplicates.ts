// Measures dHash distances that decide the near-duplicate threshold: resized / re-compressed copies of each
// fixture photo against their originals, and every pair of different photos. Prints JSON.
// Run: npx tsx scripts/measure-duplicates.ts [fixtures-dir]
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { differenceHash, hammingHex } from '../src/main/core/decode/dhash.js';
import { SHARED_FIXTURES } from '../src/main/core/testing/fixtures.js';

const dir = process.argv[2] ?? path.join(SHARED_FIXTURES, 'photos');
// The decoder's working buffer: shortest edge 320 (the thumbnail size), RGB.
const working = async (input: string | Buffer) => {
  const { data, info } = await sharp(input).rotate().resize(320, 320, { fit: 'outside', withoutEnlargement: true }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
};
const hash = async (input: string | Buffer) => {
  const w = await working(input);
  return differenceHash(w.data, w.width, w.height);
};

const files = (await readdir(dir)).filter((f) => /\.(jpe?g|png|tiff?)$/i.test(f)).map((f) => path.join(dir, f));
const originals: string[] = [];
const copies: number[] = [];
const bursts: number[] = [];
for (const f of files) {
  const h = await hash(f);
  originals.push(h);
  for (const [w, q] of [[1024, 85], [640, 60], [400, 40], [256, 30]] as const) {
    const copy = await sharp(f).rotate().resize({ width: w, withoutEnlargement: false }).jpeg({ quality: q }).toBuffer();
    copies.push(hammingHex(h, await hash(copy)));
  }
  // A slightly shifted crop, like the next frame of a burst.
  const meta = await sharp(f).metadata();
  const dx = Math.round((meta.width ?? 100) * 0.02);
  const burst = await sharp(f).extract({ left: dx, top: 0, width: (meta.width ?? 100) - dx, height: meta.height ?? 100 }).jpeg({ quality: 90 }).toBuffer();
  bursts.push(hammingHex(h, await hash(burst)));
}
const different: number[] = [];
for (let i = 0; i < originals.length; i++) for (let j = i + 1; j < originals.length; j++) different.push(hammingHex(originals[i], originals[j]));
const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
console.log(JSON.stringify({ photos: files.length, copies: { max: Math.max(...copies), p95: q(copies, 0.95), median: q(copies, 0.5) }, bursts: { max: Math.max(...bursts), p95: q(bursts, 0.95), median: q(bursts, 0.5) }, different: { min: Math.min(...different), p05: q(different, 0.05), median: q(different, 0.5) } }));
