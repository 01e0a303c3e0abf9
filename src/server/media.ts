// Resolves what /media may send: only thumbnails in the library's thumbs folder and photos inside indexed
// roots, checked after resolving symlinks, and only files whose bytes really are an image.
import { constants } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { sniffImageFormat, type SniffedFormat } from '../main/core/decode/index.js';

/** True when `child` is `parent` or lies below it. Both must be absolute and normalised. */
export function isPathInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  if (rel === '') return true;
  return rel !== '..' && !rel.startsWith('..' + path.sep) && !path.isAbsolute(rel);
}

export type MediaRefusal = 'not-found' | 'forbidden';

/**
 * The real path of `file` when it lies inside one of `dirs`, both lexically and after resolving symlinks
 * (a link inside a root that points outside it is refused). NUL bytes and relative paths are refused.
 */
export async function containedRealPath(file: string, dirs: string[]): Promise<{ ok: true; path: string } | { ok: false; why: MediaRefusal }> {
  if (!file || file.includes('\u0000') || !path.isAbsolute(file)) return { ok: false, why: 'forbidden' };
  const abs = path.resolve(file);
  const lexical = dirs.filter((d) => isPathInside(abs, path.resolve(d)));
  if (lexical.length === 0) return { ok: false, why: 'forbidden' };
  let real: string;
  try {
    real = await realpath(abs);
  } catch {
    return { ok: false, why: 'not-found' };
  }
  for (const d of lexical) {
    const realDir = await realpath(d).catch(() => null);
    if (realDir && isPathInside(real, realDir)) return { ok: true, path: real };
  }
  return { ok: false, why: 'forbidden' };
}

export const IMAGE_MIME: Record<SniffedFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  heif: 'image/heif',
  tiff: 'image/tiff',
  bmp: 'image/bmp',
  jp2: 'image/jp2',
};

/** Formats every current browser shows in an <img>; the rest are converted to JPEG for the lightbox. */
export const BROWSER_FORMATS: ReadonlySet<SniffedFormat> = new Set(['jpeg', 'png', 'gif', 'webp', 'avif', 'bmp']);

export interface OpenedImage {
  handle: FileHandle;
  format: SniffedFormat;
  size: number;
  mtimeMs: number;
}

/** Opens a resolved file without following a final symlink, and checks it is a regular file holding an image. */
export async function openImage(realPath: string): Promise<OpenedImage | null> {
  let handle: FileHandle;
  try {
    handle = await open(realPath, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch {
    return null;
  }
  try {
    const st = await handle.stat();
    if (!st.isFile() || st.size === 0) throw new Error('not a file');
    const head = Buffer.alloc(64);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const format = sniffImageFormat(head.subarray(0, bytesRead));
    if (!format) throw new Error('not an image');
    return { handle, format, size: st.size, mtimeMs: st.mtimeMs };
  } catch {
    await handle.close();
    return null;
  }
}
