// Test helpers shared by integration tests and benches: generated photo sets and the shared fixture corpus.
import { readFileSync } from 'node:fs';
import { cp, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

/**
 * The checkout's root: the nearest folder above this module whose package.json is Soutu's. Found by walking up,
 * not by a fixed depth, because the bench runs this code bundled from `.cache/bench/tasks/`.
 */
function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      if ((JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'soutu') return dir;
    } catch {
      // no package.json here, or not JSON: keep walking
    }
    if (path.dirname(dir) === dir) return process.cwd();
  }
}

export const REPO_ROOT = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));
export const SHARED_FIXTURES = path.resolve(REPO_ROOT, '..', 'shared', 'fixtures', 'images');

export interface ManifestRow {
  path: string;
  what: string;
  expected: string;
  /** What the manifest asks for: decode, skip with an error, or either (e.g. JPEG 2000 without a JP2 loader). */
  expect: 'decode' | 'skip' | 'either';
}

export async function readManifest(dir = SHARED_FIXTURES): Promise<ManifestRow[]> {
  const text = await readFile(path.join(dir, 'MANIFEST.tsv'), 'utf8');
  const [header, ...lines] = text.split('\n').filter((l) => l.trim());
  const cols = header.split('\t');
  const at = (name: string) => cols.indexOf(name);
  return lines.map((l) => {
    const c = l.split('\t');
    const expected = c[at('expected')] ?? '';
    const skip = /should be skipped/i.test(expected);
    // "should decode where an HEVC decoder is available, else should be skipped" and "skipped (or decode if …)"
    // accept both outcomes; tests that know the capability (our HEIC fallback) assert it on their own.
    const either = skip && (/or decode/i.test(expected) || /should decode/i.test(expected));
    const expect = skip ? (either ? 'either' : 'skip') : 'decode';
    return { path: c[at('path')], what: c[at('what')] ?? '', expected, expect };
  });
}

export const SOLID_COLOURS: Record<string, [number, number, number]> = {
  red: [230, 20, 20],
  green: [20, 160, 30],
  blue: [20, 40, 220],
  yellow: [240, 230, 30],
  orange: [250, 130, 10],
  purple: [130, 20, 140],
  gray: [128, 128, 128],
};

/** Writes solid-colour JPEGs and a half red / half blue PNG. (sharp ignores `background` when `noise` is set, so no noise.) */
export async function writeColourImages(dir: string, opts: { size?: number; withHalf?: boolean } = {}): Promise<Record<string, string>> {
  await mkdir(dir, { recursive: true });
  const size = opts.size ?? 256;
  const out: Record<string, string> = {};
  for (const [name, [r, g, b]] of Object.entries(SOLID_COLOURS)) {
    const file = path.join(dir, `${name}.jpg`);
    await sharp({ create: { width: size, height: size, channels: 3, background: { r, g, b } } })
      .jpeg({ quality: 90 })
      .toFile(file);
    out[name] = file;
  }
  if (opts.withHalf !== false) {
    const [r1, g1, b1] = SOLID_COLOURS.red;
    const [r2, g2, b2] = SOLID_COLOURS.blue;
    const half = Buffer.alloc(size * size * 3);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const o = (y * size + x) * 3;
        const left = x < size / 2;
        half[o] = left ? r1 : r2;
        half[o + 1] = left ? g1 : g2;
        half[o + 2] = left ? b1 : b2;
      }
    const file = path.join(dir, 'half_red_blue.png');
    await sharp(half, { raw: { width: size, height: size, channels: 3 } }).png().toFile(file);
    out.half_red_blue = file;
  }
  return out;
}

/** Copies the shared fixture corpus into a writable folder (the shared copy is read-only). */
export async function copyFixtures(dest: string): Promise<string> {
  await cp(SHARED_FIXTURES, dest, { recursive: true, filter: (p) => !p.endsWith('MANIFEST.tsv') });
  return dest;
}

/** Writes `count` small, distinct JPEGs (random colour blocks, seeded) for pipeline and crash tests. */
export async function writeRandomPhotos(dir: string, count: number, opts: { size?: number; seed?: number } = {}): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const size = opts.size ?? 160;
  let s = (opts.seed ?? 1) >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const px = Buffer.alloc(size * size * 3);
    const blocks = 4;
    const colours = Array.from({ length: blocks * blocks }, () => [rnd() * 255, rnd() * 255, rnd() * 255]);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const c = colours[Math.floor((y * blocks) / size) * blocks + Math.floor((x * blocks) / size)];
        const o = (y * size + x) * 3;
        px[o] = c[0];
        px[o + 1] = c[1];
        px[o + 2] = c[2];
      }
    const file = path.join(dir, `p${String(i).padStart(5, '0')}.jpg`);
    await sharp(px, { raw: { width: size, height: size, channels: 3 } }).jpeg({ quality: 80 }).toFile(file);
    files.push(file);
  }
  return files;
}
