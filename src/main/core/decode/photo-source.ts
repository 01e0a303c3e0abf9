// Reads a photo safely (regular files only, never waiting on a FIFO or device) and gathers what its bytes say,
// holding the whole file when it is small enough and leaving larger ones for libvips to read from disk.
import { failure, fileSystemFailure, type ByteClues, type DecodeFailure } from './errors';
import { SNIFF_BYTES, sniffImageFormat } from './sniff';
import { describeKind, fileKindDetail, NotAFileError, openRegularFile } from '../fs/safe-open.js';

/** Larger files are left for libvips to read from disk instead of being held in memory. */
const BUFFER_LIMIT = 64 << 20;

export interface Source {
  /** Whole file, or its path when it is too big to hold. */
  input: Buffer | string;
  clues: ByteClues;
}

export async function readWhole(path: string): Promise<Buffer> {
  const { handle: fh } = await openRegularFile(path);
  try {
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}

export async function readHead(path: string, bytes: number): Promise<{ head: Buffer; size: number }> {
  const { handle: fh, size } = await openRegularFile(path);
  try {
    const head = Buffer.alloc(Math.min(bytes, size));
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    return { head: head.subarray(0, bytesRead), size };
  } finally {
    await fh.close();
  }
}

/** Reads the file (or the head and tail of a very large one) and what its bytes say, or a failure. */
export async function readSource(input: string | Buffer): Promise<Source | DecodeFailure> {
  if (typeof input !== 'string') {
    if (input.length === 0) return failure('empty', 'The file is empty (0 bytes).');
    return { input, clues: cluesOf(input) };
  }
  let fh;
  let size: number;
  try {
    // Non-blocking and checked on the descriptor: a FIFO or device in a photo's place is refused, never waited on.
    ({ handle: fh, size } = await openRegularFile(input));
  } catch (e) {
    if (e instanceof NotAFileError) return failure('not-a-file', `This is ${describeKind(e.kind)}, not a photo file.`, undefined, { fileKind: fileKindDetail(e.kind) });
    return fileSystemFailure(e);
  }
  try {
    const st = { size };
    if (st.size === 0) return failure('empty', 'The file is empty (0 bytes).');
    if (st.size <= BUFFER_LIMIT) {
      const data = await fh.readFile();
      if (data.length === 0) return failure('empty', 'The file is empty (0 bytes).');
      return { input: data, clues: cluesOf(data) };
    }
    const head = Buffer.alloc(SNIFF_BYTES);
    const tail = Buffer.alloc(64);
    await fh.read(head, 0, head.length, 0);
    await fh.read(tail, 0, tail.length, st.size - tail.length);
    return { input, clues: { sniffed: sniffImageFormat(head), head, tail } };
  } catch (e) {
    return fileSystemFailure(e);
  } finally {
    await fh.close().catch(() => undefined);
  }
}

function cluesOf(whole: Uint8Array): ByteClues {
  return {
    sniffed: sniffImageFormat(whole.subarray(0, SNIFF_BYTES)),
    // Text detection looks further than the magic bytes: a text file can start like anything.
    head: whole.subarray(0, 512),
    tail: whole.subarray(Math.max(0, whole.length - 64)),
    whole,
  };
}
