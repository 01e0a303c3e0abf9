// The one way Soutu replaces a file on disk: write-file-atomic (npm's own) writes a uniquely named temporary
// file beside it, fsyncs it and renames it over the old one, queuing writes to the same path in this process.
import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';

export interface AtomicWriteOptions {
  /** fsync before the rename (default true): what must survive a power cut. Caches may pass false. */
  durable?: boolean;
  /** File mode for a new file, e.g. 0o600 for secrets. */
  mode?: number;
}

/** Writes in flight per path: the folder is made first, so write-file-atomic's own queue would see them late. */
const pending = new Map<string, Promise<void>>();

/**
 * Replaces `file` with `data` so that readers see the old or the new contents, never a mix or a truncated file.
 * Concurrent writes to one path run one after another, in call order; the last one wins.
 */
export function writeFileAtomically(file: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  const key = path.resolve(file);
  // Each write waits for the one before it (whatever became of it): two creating the folder at once would
  // otherwise reach the rename in whichever order their mkdir calls came back.
  const write = (pending.get(key) ?? Promise.resolve()).catch(() => {}).then(() => writeNow(file, data, opts));
  pending.set(key, write);
  const forget = () => {
    if (pending.get(key) === write) pending.delete(key);
  };
  write.then(forget, forget);
  return write;
}

async function writeNow(file: string, data: string | Uint8Array, opts: AtomicWriteOptions): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
    fsync: opts.durable !== false,
    // A replaced file keeps its owner and mode (write-file-atomic reads them from the old file).
    mode: opts.mode,
  });
}

/** JSON with a trailing newline, written as above. */
export function writeJsonAtomically(file: string, value: unknown, opts: AtomicWriteOptions = {}): Promise<void> {
  return writeFileAtomically(file, JSON.stringify(value, null, 2) + '\n', opts);
}
