// Decides whether a file may be served, opened, dragged or trashed: only files whose path as given and whose real
// location (symlinks resolved) both lie inside one of the allowed folders. The one containment check of every
// shell: `isInside` has one meaning everywhere (the folder itself or anything below it, segment by segment).
// openInsideRoots goes one step further for code that reads the file: it opens the checked path and checks the
// descriptor itself, so a swap after the check cannot make this process read something else.
import { constants } from 'node:fs';
import { open, readlink, realpath, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { hostPlatform, isInside, type PathPlatform } from '../core/index.js';

// The engine's containment rule, re-exported so every shell imports it from here.
export { isInside, type PathPlatform };

export const MAX_PATH_LENGTH = 4096;

function impl(platform: PathPlatform): typeof path.posix {
  return platform === 'win32' ? path.win32 : path.posix;
}

/**
 * Shape checks that need no file system: a string, absolute, no NUL, not absurdly long. On Windows also no
 * device namespace (\\?\, \\.\), no alternate data stream (`a.jpg:secret`) and no segment ending in a dot or
 * space (Windows strips those, so `photos.` and `photos` would be the same folder to it but not to us).
 * Nothing is decoded: `%2e%2e` is a file name here, never `..` (decoding belongs to the URL layer).
 */
export function isPlausibleAbsolutePath(p: unknown, platform: PathPlatform = hostPlatform()): p is string {
  if (typeof p !== 'string' || p.length === 0 || p.length > MAX_PATH_LENGTH) return false;
  if (p.includes('\u0000')) return false;
  const P = impl(platform);
  if (!P.isAbsolute(p)) return false;
  if (platform === 'win32') {
    if (/^[\\/]{2}[?.][\\/]/.test(p)) return false;
    const root = P.parse(p).root;
    if (!/^([a-zA-Z]:[\\/]|[\\/]{2}[^\\/]+[\\/][^\\/]+[\\/]?)$/.test(root)) return false; // C:\ or \\server\share\
    const rest = p.slice(root.length);
    if (rest.includes(':')) return false;
    if (rest.split(/[\\/]/).some((seg) => seg !== '.' && seg !== '..' && /[. ]$/.test(seg))) return false;
  }
  return true;
}

export interface GuardOptions {
  /** Refuse anything that is not a regular file (folders, devices, FIFOs). Default true. */
  requireFile?: boolean;
}

/** Why a file is refused: it lies (or its link leads) outside the allowed folders, or it is not there. */
export type Refusal = 'forbidden' | 'not-found';

export type Guarded = { ok: true; path: string } | { ok: false; why: Refusal };

/**
 * The real path of `file` when both the path as given and its real location (after symlinks) lie inside one of
 * `roots` (each compared by its own real path). 'forbidden' when either lies outside (or the path is malformed),
 * 'not-found' when it does not exist, is a dangling or looping link, or (by default) is not a regular file.
 * Serve and open the returned path, never `file`.
 */
export async function guardPath(file: unknown, roots: readonly unknown[], opts: GuardOptions = {}): Promise<Guarded> {
  const platform = hostPlatform();
  if (!isPlausibleAbsolutePath(file, platform)) return { ok: false, why: 'forbidden' };
  const okRoots = roots.filter((r): r is string => isPlausibleAbsolutePath(r, platform));
  const lexical = path.resolve(file);
  if (!okRoots.some((r) => isInside(lexical, r, platform))) return { ok: false, why: 'forbidden' };
  let real: string;
  try {
    real = await realpath(lexical);
  } catch {
    return { ok: false, why: 'not-found' };
  }
  // Any allowed folder may hold the real file (a link from one root into another is fine).
  if (!(await insideRealRoots(real, okRoots))) return { ok: false, why: 'forbidden' };
  if (opts.requireFile !== false) {
    const st = await stat(real).catch(() => null);
    if (!st?.isFile()) return { ok: false, why: 'not-found' };
  }
  return { ok: true, path: real };
}

/** True when `real` (a path with no links left) lies inside the real location of one of `roots`. */
async function insideRealRoots(real: string, roots: readonly string[]): Promise<boolean> {
  const realRoots = await Promise.all(roots.map((r) => realpath(r).catch(() => null)));
  return realRoots.some((r) => r !== null && isInside(real, r));
}

/** guardPath's real path, or null for any refusal. */
export async function resolveInsideRoots(file: unknown, roots: readonly unknown[], opts: GuardOptions = {}): Promise<string | null> {
  const r = await guardPath(file, roots, opts);
  return r.ok ? r.path : null;
}

export type Opened = { ok: true; path: string; handle: FileHandle; size: number } | { ok: false; why: Refusal };

// O_NONBLOCK: a FIFO put where a file was answers at once (and is refused below) instead of waiting for a writer.
// O_NOFOLLOW: the last segment, checked as a file, cannot have become a link since.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * guardPath's rule for code that reads the file: the real path inside one of `roots`, opened without following a
 * last link and without waiting, and a regular file on the opened descriptor (fstat). Where the system names a
 * descriptor's file (/proc/self/fd on Linux), that name must lie inside a root too, so a folder swapped for a link
 * between the check and the open is caught. The caller reads the handle (never the path again) and closes it.
 */
export async function openInsideRoots(file: unknown, roots: readonly unknown[]): Promise<Opened> {
  const guarded = await guardPath(file, roots, { requireFile: false });
  if (!guarded.ok) return guarded;
  let handle: FileHandle;
  try {
    handle = await open(guarded.path, OPEN_FLAGS);
  } catch {
    return { ok: false, why: 'not-found' };
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new Error('not a regular file');
    const opened = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => null);
    const okRoots = roots.filter((r): r is string => isPlausibleAbsolutePath(r));
    if (opened !== null && opened.startsWith('/') && !(await insideRealRoots(opened, okRoots))) throw new Error('moved outside');
    return { ok: true, path: guarded.path, handle, size: st.size };
  } catch {
    await handle.close().catch(() => {});
    return { ok: false, why: 'not-found' };
  }
}
