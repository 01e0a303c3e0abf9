// Query images from the wire, made safe for the engine: bytes decoded and bounded, photo ids checked, and a path
// (which makes this process read a file) only when it leads to a regular file inside the indexed folders. Such a
// file is read here, from the descriptor that was checked, and handed to the engine as bytes: the engine never
// opens a path a caller named, so a link or a swap cannot make it read anything else.
import os from 'node:os';
import path from 'node:path';
import { ApiError } from '../../shared/contract.js';
import type { ImageQuery } from '../../shared/types.js';
import { SoutuError, type Library } from '../core/index.js';
import { openInsideRoots } from './path-guard.js';

/** The largest image a query may carry or name: fits real photos (a 100 MP JPEG is about 40 MB). */
export const MAX_QUERY_IMAGE_BYTES = 40 * 1024 * 1024;
/** What a query of several images may carry in all. */
export const MAX_QUERY_TOTAL_BYTES = 64 * 1024 * 1024;
/** How long reading a query image by path may take before it is abandoned (a stalled disk or share). */
export const QUERY_READ_DEADLINE_MS = 30_000;
/** Reads that may be in flight at once, those abandoned but still stuck in the OS included (see ReadBudget). */
export const MAX_PENDING_READS = 2;

/**
 * One answer for a path outside the folders, missing, unreadable, or not a regular file (a folder, a FIFO, a
 * device): which of these it is would tell a caller what exists outside the folders.
 */
export const PATH_REFUSED = 'Only image files inside the indexed folders can be used by path; upload the image instead.';

export type ImageArg = { kind: 'path'; path: string } | { kind: 'bytes'; base64: string } | { kind: 'photo'; id: string };

function tooLarge(bytes: number): SoutuError {
  return new SoutuError('bad-request', `The image is larger than ${Math.round(bytes / 2 ** 20)} MB; use a smaller copy.`);
}

export function decodeBase64(b64: string): Buffer {
  const clean = b64.replace(/^data:[^,]*,/, '');
  if (Math.floor((clean.length * 3) / 4) > MAX_QUERY_IMAGE_BYTES + 2) throw tooLarge(MAX_QUERY_IMAGE_BYTES);
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(clean)) throw new SoutuError('bad-request', 'The image is not valid base64.');
  const bytes = Buffer.from(clean, 'base64');
  if (bytes.length === 0) throw new SoutuError('bad-request', 'The image is empty.');
  if (bytes.length > MAX_QUERY_IMAGE_BYTES) throw tooLarge(MAX_QUERY_IMAGE_BYTES);
  return bytes;
}

/**
 * Counts reads of query images until they really end. A read from a disk or network share that stopped
 * answering cannot be interrupted: it holds one of libuv's four threads until the OS gives up. The caller is
 * answered at the deadline, but the read still counts, so stalled reads can never take every thread (media,
 * static files and settings need them too): past MAX_PENDING_READS, reads by path are refused as busy.
 */
export class ReadBudget {
  private pending = 0;

  constructor(
    private readonly max = MAX_PENDING_READS,
    private readonly deadlineMs = QUERY_READ_DEADLINE_MS,
  ) {}

  get inFlight(): number {
    return this.pending;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.pending >= this.max) throw new ApiError('busy', 'The disk holding the indexed folders is not answering; try again later.');
    this.pending++;
    const p = work();
    void p.then(
      () => this.pending--,
      () => this.pending--,
    );
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ApiError('busy', 'Reading the image took too long (its disk or share is not answering).')), this.deadlineMs);
    });
    try {
      return await Promise.race([p, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}

const defaultBudget = new ReadBudget();

/** A path typed by a person: `~` expanded, must be absolute (a server's working folder means nothing to them). */
function absoluteFile(p: string): string {
  const t = p.trim();
  const expanded = t === '~' ? os.homedir() : t.startsWith('~/') ? path.join(os.homedir(), t.slice(2)) : t;
  if (!path.isAbsolute(expanded)) throw new SoutuError('bad-request', 'Give the full path of the image.');
  return path.resolve(expanded);
}

/** The bytes of the image at `p`, when it is a regular file inside `roots` (read from the checked descriptor). */
export async function readImageInsideRoots(p: string, roots: readonly string[], budget = defaultBudget): Promise<Buffer> {
  const file = absoluteFile(p);
  const bytes = await budget.run(async () => {
    const opened = await openInsideRoots(file, roots);
    if (!opened.ok) return null;
    const { handle, size } = opened;
    try {
      if (size > MAX_QUERY_IMAGE_BYTES) throw tooLarge(MAX_QUERY_IMAGE_BYTES);
      // Exactly the size fstat gave: a file that grows meanwhile cannot make this read more than the bound.
      const buf = Buffer.allocUnsafe(size);
      let at = 0;
      while (at < size) {
        const { bytesRead } = await handle.read(buf, at, size - at, at);
        if (bytesRead === 0) break;
        at += bytesRead;
      }
      return buf.subarray(0, at);
    } finally {
      await handle.close().catch(() => {});
    }
  });
  if (bytes === null) throw new ApiError('forbidden', PATH_REFUSED);
  if (bytes.length === 0) throw new SoutuError('bad-request', 'Cannot use this image: the file is empty (0 bytes).');
  return bytes;
}

/** A query image for the engine: bytes decoded, photo ids checked, paths read here (see above). */
export async function toImageQuery(lib: Library, image: ImageArg, budget = defaultBudget): Promise<ImageQuery> {
  if (image.kind === 'bytes') return { kind: 'bytes', bytes: decodeBase64(image.base64) };
  if (image.kind === 'photo') {
    if (!lib.photo(image.id)) throw new SoutuError('not-found', 'No indexed photo has this id.');
    return image;
  }
  return { kind: 'bytes', bytes: await readImageInsideRoots(image.path, lib.roots(), budget) };
}

/** The images of a mixed query, one after another, within MAX_QUERY_TOTAL_BYTES in all. */
export async function toImageQueries<W extends { image: ImageArg }>(lib: Library, images: readonly W[], budget = defaultBudget): Promise<(Omit<W, 'image'> & { image: ImageQuery })[]> {
  const out: (Omit<W, 'image'> & { image: ImageQuery })[] = [];
  let total = 0;
  for (const w of images) {
    const image = await toImageQuery(lib, w.image, budget);
    if (image.kind === 'bytes') total += image.bytes.length;
    if (total > MAX_QUERY_TOTAL_BYTES) throw tooLarge(MAX_QUERY_TOTAL_BYTES);
    out.push({ ...w, image });
  }
  return out;
}
