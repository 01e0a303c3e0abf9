// Store errors a person can act on: disk full, permissions, a read-only disk, a newer Soutu's tables, damage;
// each a StoreError with one sentence, recognised from the OS condition under LanceDB's own message.
import { SoutuError } from '../errors.js';

// ---- Errors a person can act on -------------------------------------------------------------------------

export type StoreErrorReason = 'disk-full' | 'permission' | 'read-only' | 'newer-schema' | 'damaged' | 'io';

/**
 * A store failure with one plain sentence in `message`; the LanceDB/OS message stays in `detail`. A SoutuError,
 * so shells map it like any engine error ('unsupported' for a newer schema, 'io' otherwise); `reason` says which.
 */
export class StoreError extends SoutuError {
  constructor(
    readonly reason: StoreErrorReason,
    message: string,
    readonly detail?: string,
  ) {
    super(reason === 'newer-schema' ? 'unsupported' : 'io', message);
    this.name = 'StoreError';
  }
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Recognises OS conditions inside LanceDB's messages ("No space left on device (os error 28)", …). */
export function osCondition(err: unknown): 'disk-full' | 'permission' | 'read-only' | 'io' | 'too-many-files' | null {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const m = messageOf(err);
  if (code === 'ENOSPC' || code === 'EDQUOT' || /No space left on device|os error 28\b|Disk quota exceeded|os error 122\b/i.test(m)) return 'disk-full';
  if (code === 'EACCES' || code === 'EPERM' || /Permission denied|os error 13\b|Operation not permitted|os error 1\)/i.test(m)) return 'permission';
  if (code === 'EROFS' || /Read-only file system|os error 30\b/i.test(m)) return 'read-only';
  if (code === 'EMFILE' || code === 'ENFILE' || /Too many open files|os error 24\b|os error 23\b/i.test(m)) return 'too-many-files';
  if (code === 'EIO' || /Input\/output error|os error 5\b/i.test(m)) return 'io';
  return null;
}

/** Turns a write failure into a StoreError that says what to do; other errors pass through unchanged. */
export function explainStoreError(err: unknown, dir: string): unknown {
  if (err instanceof StoreError) return err;
  const detail = messageOf(err);
  switch (osCondition(err)) {
    case 'disk-full':
      return new StoreError('disk-full', `The disk holding the library (${dir}) is full. Free some space and run the index again; nothing already indexed was lost.`, detail);
    case 'permission':
      return new StoreError('permission', `Soutu is not allowed to write to the library folder (${dir}): permission denied. Check the folder's owner and permissions.`, detail);
    case 'read-only':
      return new StoreError('read-only', `The library folder (${dir}) is on a read-only disk. Move the library to a writable disk, or open it read-only.`, detail);
    case 'io':
      return new StoreError('io', `The disk holding the library (${dir}) reported an input/output error; it may be failing or was unplugged.`, detail);
    default:
      return err;
  }
}

export async function guard<T>(dir: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw explainStoreError(err, dir);
  }
}

/** Like guard, for opening and listing: a permission error there means this user may not read the library. */
export async function readGuard<T>(dir: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (osCondition(err) === 'permission') throw new StoreError('permission', `Soutu is not allowed to read the library's database (${dir}): permission denied.`, messageOf(err));
    throw explainStoreError(err, dir);
  }
}

