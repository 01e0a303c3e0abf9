// Request bodies of serve mode, always bounded: JSON read into one buffer of the declared size (never a list of
// chunks copied again at the end), raw uploads streamed into a private temporary file instead of memory.
import { isAscii } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export type BodyErrorCode = 'too-large' | 'bad-request';

export class BodyError extends Error {
  constructor(
    readonly status: number,
    readonly code: BodyErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function sizeText(limit: number): string {
  return limit >= 2 ** 20 ? `${Math.round(limit / 2 ** 20)} MB` : `${Math.round(limit / 1024)} KiB`;
}

function tooLarge(limit: number): BodyError {
  return new BodyError(413, 'too-large', `The request body is larger than ${sizeText(limit)}.`);
}

/** The declared Content-Length, or null when the body is chunked (or the header is not a number). */
export function declaredLength(req: IncomingMessage): number | null {
  const n = Number(req.headers['content-length'] ?? NaN);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

/** Reads the whole body (at most `limit` bytes) into one buffer. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = declaredLength(req);
    if (declared !== null && declared > limit) {
      reject(tooLarge(limit));
      req.resume();
      return;
    }
    // Node's parser never delivers more than the declared length, so one buffer of that size is enough.
    let buf = declared !== null ? Buffer.allocUnsafe(declared) : Buffer.allocUnsafe(Math.min(limit, 64 * 1024));
    let size = 0;
    req.on('data', (c: Buffer) => {
      if (size + c.length > limit) {
        reject(tooLarge(limit));
        req.destroy();
        return;
      }
      if (size + c.length > buf.length) {
        const bigger = Buffer.allocUnsafe(Math.min(limit, Math.max(buf.length * 2, size + c.length)));
        buf.copy(bigger, 0, 0, size);
        buf = bigger;
      }
      c.copy(buf, size);
      size += c.length;
    });
    req.on('end', () => resolve(buf.subarray(0, size)));
    req.on('error', reject);
  });
}

/**
 * Parses a JSON body. A large one (an image query's base64) is read as Latin-1 when it is plain ASCII, the same
 * text, which Node keeps outside V8's heap; its buffer is then freed at once, not at the next collection.
 */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return {};
  if (body.length < 1024 * 1024) return JSON.parse(body.toString('utf8'));
  const text = body.toString(isAscii(body) ? 'latin1' : 'utf8');
  // A body this large has an ArrayBuffer of its own (only small ones share Node's pool): transferring it to a
  // zero-length one frees its memory now.
  if (body.byteOffset === 0) (body.buffer as ArrayBuffer & { transfer?(length: number): ArrayBuffer }).transfer?.(0);
  return JSON.parse(text);
}

/** A private folder for uploads in transit (created 0700, emptied of what a killed process left). */
export async function prepareUploadDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const f of await readdir(dir).catch(() => [] as string[])) {
    if (f.endsWith('.upload')) await rm(path.join(dir, f), { force: true });
  }
  return dir;
}

/**
 * Streams the body into a new file of `dir` (0600, a name nobody can guess) and returns its path; at most
 * `limit` bytes. The caller removes the file. On any failure the file is removed here.
 */
export async function spoolBody(req: IncomingMessage, dir: string, limit: number): Promise<string> {
  const declared = declaredLength(req);
  if (declared !== null && declared > limit) {
    req.resume();
    throw tooLarge(limit);
  }
  const file = path.join(dir, `${randomUUID()}.upload`);
  let size = 0;
  const bound = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      cb(size > limit ? tooLarge(limit) : null, chunk);
    },
  });
  try {
    await pipeline(req, bound, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
  } catch (err) {
    await rm(file, { force: true });
    throw err;
  }
  if (size === 0) {
    await rm(file, { force: true });
    throw new BodyError(400, 'bad-request', 'The upload is empty: send the image bytes as the request body.');
  }
  return file;
}
