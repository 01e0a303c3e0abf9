// Resolves what /media may send: only thumbnails in the library's thumbs folder and photos inside indexed
// roots, checked after resolving symlinks (the bytes are checked by openImage in core/decode/open-image.ts).
import { realpath } from 'node:fs/promises';
import path from 'node:path';

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

