// Opening a file that a folder (or a request) names, without ever hanging on it: a FIFO, socket or device put
// where a photo was expected is opened non-blocking, recognised on the descriptor itself (fstat, not the name,
// so a swap after a check cannot fool it) and refused; a read that never finishes is abandoned after a bound.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { FailureDetails } from '../../../shared/types.js';
import { SoutuError } from '../errors.js';

export type FileKind = 'file' | 'directory' | 'fifo' | 'socket' | 'device' | 'symlink' | 'other';

/** Thrown when a path names something other than a regular file; `kind` says what it is. */
export class NotAFileError extends SoutuError {
  constructor(
    readonly file: string,
    readonly kind: FileKind,
  ) {
    super('bad-request', `${file} is not a regular file (${describeKind(kind)}).`);
    this.name = 'NotAFileError';
  }
}

export function describeKind(kind: FileKind): string {
  switch (kind) {
    case 'fifo':
      return 'a named pipe';
    case 'socket':
      return 'a socket';
    case 'device':
      return 'a device';
    case 'directory':
      return 'a folder';
    case 'symlink':
      return 'a link';
    default:
      return kind === 'file' ? 'a file' : 'not a file';
  }
}

export function kindOf(st: { isFile(): boolean; isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSymbolicLink(): boolean }): FileKind {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'device';
  if (st.isSymbolicLink()) return 'symlink';
  return 'other';
}

/** What stands where a file was expected, as failure details name it ('file' cannot happen there). */
export function fileKindDetail(kind: FileKind): NonNullable<FailureDetails['fileKind']> {
  return kind === 'file' ? 'other' : kind;
}

/** The system error code of a file-system error ('EACCES'…), when it has one. */
export function errnoOf(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

// O_NONBLOCK makes open() of a FIFO return at once instead of waiting for a writer; Windows has no such flag (and
// no FIFOs in the file system).
const READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** Opens `file` for reading when it is a regular file; otherwise closes it again and throws NotAFileError. */
export async function openRegularFile(file: string): Promise<{ handle: FileHandle; size: number; mtimeMs: number }> {
  const handle = await open(file, READ_FLAGS);
  try {
    const st = await handle.stat();
    const kind = kindOf(st);
    if (kind !== 'file') throw new NotAFileError(file, kind);
    return { handle, size: st.size, mtimeMs: st.mtimeMs };
  } catch (err) {
    await handle.close().catch(() => {});
    throw err;
  }
}

/** Thrown when a read or decode did not finish within its bound; the work is abandoned, not awaited. */
export class TimeoutError extends SoutuError {
  constructor(
    what: string,
    /** The bound that was hit, in milliseconds. */
    readonly ms: number,
  ) {
    super('io', `${what} did not finish within ${Math.round(ms / 1000)} s and was abandoned.`);
    this.name = 'TimeoutError';
  }
}

/**
 * Resolves with `work`, or rejects with TimeoutError after `ms` (or at once when `signal` aborts). The work
 * itself may go on in the background (a libuv read cannot be interrupted); its result is then ignored.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => finish(() => reject(new TimeoutError(what, ms))), ms);
    const onAbort = () => finish(() => reject(signal!.reason ?? new Error('aborted')));
    let done = false;
    function finish(f: () => void) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      f();
    }
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => finish(() => resolve(v)),
      (e: unknown) => finish(() => reject(e)),
    );
  });
}
