// Generated photo sets for the index benches: 12 MP JPEGs with varied, photo-like entropy (smooth random colour
// fields, mid-frequency detail and sensor-like noise, ~3 MB each at quality 90, so libjpeg's entropy decoding
// costs what a camera file costs), and tiny JPEGs by the hundred thousand for rescans.
import { existsSync } from 'node:fs';
import { copyFile, link, mkdir, readdir, rename, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { prng } from './clip-like.js';

export const PHOTO_WIDTH = 4000;
export const PHOTO_HEIGHT = 3000;

async function bigPhoto(seed: number, noise: Buffer): Promise<Buffer> {
  const w = PHOTO_WIDTH;
  const h = PHOTO_HEIGHT;
  const r = prng(seed * 7919 + 1);
  const byte = () => r() & 0xff;
  const lw = 12 + (r() % 40);
  const lh = Math.round(lw * 0.75);
  const low = Buffer.alloc(lw * lh * 3);
  for (let i = 0; i < low.length; i++) low[i] = byte();
  const mw = 200 + (r() % 200);
  const mh = Math.round(mw * 0.75);
  const mid = Buffer.alloc(mw * mh * 3);
  for (let i = 0; i < mid.length; i++) mid[i] = byte();
  const detail = await sharp(mid, { raw: { width: mw, height: mh, channels: 3 } }).resize(w, h, { kernel: 'cubic' }).png({ compressionLevel: 0 }).toBuffer();
  return sharp(low, { raw: { width: lw, height: lh, channels: 3 } })
    .resize(w, h, { kernel: 'cubic' })
    .composite([
      { input: detail, blend: 'soft-light' },
      { input: noise, raw: { width: w, height: h, channels: 3 }, blend: 'overlay' },
    ])
    .jpeg({ quality: 90 })
    .withExif({ IFD0: { Make: 'Soutu', Model: 'Bench Camera' }, IFD2: { DateTimeOriginal: `2021:0${1 + (seed % 9)}:1${seed % 10} 10:00:00` } })
    .toBuffer();
}

/** `distinct` different 12 MP JPEGs in dir/src (made once, kept). */
export async function ensureBigPhotos(dir: string, distinct: number, log: (s: string) => void): Promise<string[]> {
  const src = path.join(dir, 'src');
  await mkdir(src, { recursive: true });
  const files = Array.from({ length: distinct }, (_, i) => path.join(src, `photo-${String(i).padStart(3, '0')}.jpg`));
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length > 0) {
    log(`generating ${missing.length} 12 MP JPEGs`);
    const noise = await sharp({
      create: { width: PHOTO_WIDTH, height: PHOTO_HEIGHT, channels: 3, background: { r: 128, g: 128, b: 128 }, noise: { type: 'gaussian', mean: 128, sigma: 10 } },
    })
      .raw()
      .toBuffer();
    let next = 0;
    await Promise.all(
      Array.from({ length: 2 }, async () => {
        while (next < missing.length) {
          const f = missing[next++];
          const seed = Number(path.basename(f).slice(6, 9));
          await writeFile(f + '.tmp', await bigPhoto(seed, noise));
          await rename(f + '.tmp', f);
        }
      }),
    );
  }
  return files;
}

/**
 * A folder of `count` photos (hard links to the distinct ones, so decode cost is real but disk use is not):
 * `count` different paths, hence `count` different photo ids.
 */
export async function photoFolder(dir: string, sources: string[], count: number): Promise<string> {
  await mkdir(dir, { recursive: true });
  const have = new Set(await readdir(dir));
  for (let i = 0; i < count; i++) {
    const name = `IMG_${String(1000 + i)}.jpg`;
    if (have.has(name)) continue;
    const from = sources[i % sources.length];
    await link(from, path.join(dir, name)).catch(() => copyFile(from, path.join(dir, name)));
  }
  return dir;
}

const PLACES = ['Hangzhou', 'Kyoto', 'Lisbon', 'Yunnan', 'Beach house', 'Grandma', 'Office party', 'Harbin ice festival', 'Hiking', 'Birthday', '西湖', '北京', '婚礼', '毕业典礼'];

/** Folder layout of a personal library: year / date + event / IMG_nnnn.jpg, about 200 photos per event. */
export function libraryPath(root: string, i: number): string {
  const event = Math.floor(i / 200);
  const year = 2008 + (event % 17);
  const month = 1 + (event % 12);
  const day = 1 + (event % 28);
  const place = PLACES[event % PLACES.length];
  const folder = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')} ${place}`;
  return path.join(root, String(year), folder, `IMG_${String(i % 10000).padStart(4, '0')}_${i}.jpg`);
}

/** `count` small distinct-inode JPEG files in the library layout (for rescans); returns their paths. */
export async function ensureSmallFiles(root: string, count: number, log: (s: string) => void): Promise<string[]> {
  const paths = Array.from({ length: count }, (_, i) => libraryPath(root, i));
  const marker = path.join(root, `.complete-${count}`);
  if (existsSync(marker)) return paths;
  log(`writing ${count} small files`);
  const tiny: Buffer[] = [];
  for (let s = 0; s < 64; s++) {
    const r = prng(s + 1000);
    const px = Buffer.alloc(32 * 24 * 3);
    for (let i = 0; i < px.length; i++) px[i] = r() & 0xff;
    tiny.push(await sharp(px, { raw: { width: 32, height: 24, channels: 3 } }).jpeg({ quality: 80 }).toBuffer());
  }
  const dirs = new Set(paths.map((p) => path.dirname(p)));
  for (const d of dirs) await mkdir(d, { recursive: true });
  const when = new Date('2023-05-01T12:00:00Z');
  for (let i = 0; i < count; i += 256) {
    await Promise.all(
      paths.slice(i, i + 256).map(async (p, k) => {
        await writeFile(p, tiny[(i + k) % tiny.length]);
        await utimes(p, when, when);
      }),
    );
  }
  await writeFile(marker, '');
  return paths;
}

export async function fileFacts(p: string): Promise<{ size: number; mtime: number }> {
  const st = await stat(p);
  return { size: st.size, mtime: Math.floor(st.mtimeMs) };
}
