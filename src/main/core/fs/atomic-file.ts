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

/**
 * Replaces `file` with `data` so that readers see the old or the new contents, never a mix or a truncated file.
 * Concurrent writes to one path run one after another, in call order; the last one wins.
 */
export async function writeFileAtomically(file: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
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
