// A snapshot of the search index on disk: the ids and float16 rows exactly as VectorIndex holds them, and its int8
// copy when it has one, tagged with the vector table's version. Opening a library reads it straight into the
// index's own arrays when the table is still at that version, instead of scanning the table through LanceDB
// (100k photos: one 150 MB read against a scan of 200 MB of float32 batches, whose garbage stayed resident, and
// quantising again; a million: ~1.5 GB against ~2 GB and 10+ s).
// It is a cache: any mismatch, damage (each part carries a checksum) or I/O error means "no snapshot" (or, for the
// int8 part alone, "quantise again"), and the table is scanned as before.
//
// Layout (little-endian, as every platform Soutu ships for): SNAPSHOT_MAGIC ("SOUTUIX2"), u32 header length, header JSON, ids as a
// JSON array of strings, zero padding to a multiple of 8, n × dim uint16 rows; then, when the header has `int8`,
// padding to 8, the centre (dim float32), the row scales (n float32) and the codes (n × stride int8).
import { open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/** The format's first 8 bytes; a file with other ones (an older format) counts as no snapshot. */
export const SNAPSHOT_MAGIC = 'SOUTUIX2';
const MAGIC = SNAPSHOT_MAGIC;

export interface SnapshotKey {
  modelKey: string;
  dim: number;
  /** Version of the vector table the rows were read from. */
  version: number;
}

/** The int8 copy as Int8Rows holds it. */
export interface SnapshotInt8 {
  stride: number;
  /** Rows when its centre was computed (it is recentred when the index has doubled). */
  builtFor: number;
  centre: Float32Array;
  /** n row scales. */
  scale: Float32Array;
  /** n × stride codes. */
  codes: Int8Array;
}

interface Header extends SnapshotKey {
  n: number;
  idsBytes: number;
  /** checksum() of the rows. */
  sum: number;
  int8?: { stride: number; builtFor: number; sum: number };
}

/** Rounds up to a multiple of 8 (in float arithmetic: offsets pass 2 GiB at ~2M photos). */
export const pad8 = (x: number): number => Math.ceil(x / 8) * 8;
let tmpSeq = 0;

/** Folds bytes into a 32-bit multiplicative hash (~1 ns a word): damaged data must not be served as vectors. */
function mix(h: number, bytes: Uint8Array): number {
  h ^= bytes.length;
  // Words need a 4-byte aligned view; any other view is copied first, so the same bytes give the same sum.
  const b = (bytes.byteOffset & 3) === 0 ? bytes : bytes.slice();
  const words = new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2);
  for (let i = 0; i < words.length; i++) {
    h = Math.imul(h ^ words[i], 0x9e3779b1);
    h ^= h >>> 15;
  }
  for (let i = words.length * 4; i < b.length; i++) h = Math.imul(h ^ b[i], 0x9e3779b1);
  return h;
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Checksum of one or more arrays' bytes, in order. */
export function checksum(...parts: ArrayBufferView[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) h = mix(h, bytesOf(p));
  return h >>> 0;
}

async function writeAll(fh: FileHandle, data: Uint8Array, at: number): Promise<void> {
  // In pieces: a single write() is limited to 2 GB.
  const CHUNK = 64 << 20;
  for (let o = 0; o < data.length; o += CHUNK) {
    const part = data.subarray(o, Math.min(data.length, o + CHUNK));
    await fh.write(part, 0, part.length, at + o);
  }
}

async function readAll(fh: FileHandle, into: Uint8Array, at: number): Promise<boolean> {
  const CHUNK = 64 << 20;
  for (let o = 0; o < into.length; ) {
    const { bytesRead } = await fh.read(into, o, Math.min(CHUNK, into.length - o), at + o);
    if (bytesRead === 0) return false;
    o += bytesRead;
  }
  return true;
}

/** Writes atomically (temp file, then rename): a crash leaves the old snapshot or none, never half of one. */
export async function writeIndexSnapshot(file: string, key: SnapshotKey, ids: readonly string[], rows: Uint16Array, int8?: SnapshotInt8 | null): Promise<void> {
  const n = ids.length;
  if (rows.length !== n * key.dim) throw new Error(`snapshot of ${n} ids with ${rows.length} values at dim ${key.dim}`);
  if (int8 && (int8.centre.length !== key.dim || int8.scale.length !== n || int8.codes.length !== n * int8.stride)) throw new Error('snapshot int8 part does not match its rows');
  const idsBuf = Buffer.from(JSON.stringify(ids), 'utf8');
  const header: Header = { ...key, n, idsBytes: idsBuf.length, sum: checksum(rows) };
  if (int8) header.int8 = { stride: int8.stride, builtFor: int8.builtFor, sum: checksum(int8.centre, int8.scale, int8.codes) };
  const headerBuf = Buffer.from(JSON.stringify(header), 'utf8');
  const head = Buffer.alloc(pad8(12 + headerBuf.length + idsBuf.length));
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(headerBuf.length, 8);
  headerBuf.copy(head, 12);
  idsBuf.copy(head, 12 + headerBuf.length);

  // Temporary files of a write that never finished (the process was killed) would otherwise stay forever, as
  // large as the snapshot. One library has one writer (the library lock), which writes one snapshot at a time.
  const base = path.basename(file);
  for (const f of await readdir(path.dirname(file)).catch(() => [] as string[])) {
    if (f.startsWith(`${base}.`) && f.endsWith('.tmp')) await rm(path.join(path.dirname(file), f), { force: true });
  }
  const tmp = `${file}.${process.pid}.${++tmpSeq}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.write(head, 0, head.length, 0);
    let at = head.length;
    await writeAll(fh, bytesOf(rows), at);
    at += rows.byteLength;
    if (int8) {
      at = pad8(at);
      for (const part of [int8.centre, int8.scale, int8.codes]) {
        await writeAll(fh, bytesOf(part), at);
        at += part.byteLength;
      }
    }
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  await rename(tmp, file);
}

export interface SnapshotRead {
  ids: string[];
  rows: Uint16Array;
  /** Present when the file has an int8 part, `int8Into` gave it a place, and it checked out. */
  int8?: SnapshotInt8;
}

/**
 * The snapshot's ids and rows, or null when there is none or it does not match `want` exactly. An int8 part is
 * read into the array `int8Into(n, stride, centre)` returns (the index's own memory, so no copy is made); it
 * returns null to skip it.
 */
export async function readIndexSnapshot(
  file: string,
  want: SnapshotKey,
  int8Into?: (n: number, stride: number, centre: Float32Array) => Int8Array | null,
): Promise<SnapshotRead | null> {
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch {
    return null;
  }
  try {
    const size = (await fh.stat()).size;
    const fixed = Buffer.alloc(12);
    if (size < 12 || (await fh.read(fixed, 0, 12, 0)).bytesRead !== 12 || fixed.toString('latin1', 0, 8) !== MAGIC) return null;
    const headerLen = fixed.readUInt32LE(8);
    if (headerLen > 4096 || 12 + headerLen > size) return null;
    const headerBuf = Buffer.alloc(headerLen);
    await fh.read(headerBuf, 0, headerLen, 12);
    const h = JSON.parse(headerBuf.toString('utf8')) as Header;
    if (h.modelKey !== want.modelKey || h.dim !== want.dim || h.version !== want.version) return null;
    if (!Number.isInteger(h.n) || h.n < 0 || !Number.isInteger(h.idsBytes) || h.idsBytes < 2) return null;
    const rowsAt = pad8(12 + headerLen + h.idsBytes);
    const rowsEnd = rowsAt + h.n * h.dim * 2;
    const q = h.int8;
    const int8At = pad8(rowsEnd);
    if (q && !(Number.isInteger(q.stride) && q.stride >= h.dim && Number.isInteger(q.builtFor))) return null;
    const expectedSize = q ? int8At + 4 * h.dim + 4 * h.n + h.n * q.stride : rowsEnd;
    if (size !== expectedSize) return null;
    const idsBuf = Buffer.alloc(h.idsBytes);
    await fh.read(idsBuf, 0, h.idsBytes, 12 + headerLen);
    const ids = JSON.parse(idsBuf.toString('utf8')) as unknown;
    if (!Array.isArray(ids) || ids.length !== h.n || !ids.every((x) => typeof x === 'string')) return null;
    const rows = new Uint16Array(h.n * h.dim);
    if (!(await readAll(fh, bytesOf(rows), rowsAt)) || checksum(rows) !== h.sum) return null;
    const out: SnapshotRead = { ids: ids as string[], rows };
    if (q && int8Into) {
      const centre = new Float32Array(h.dim);
      const scale = new Float32Array(h.n);
      if ((await readAll(fh, bytesOf(centre), int8At)) && (await readAll(fh, bytesOf(scale), int8At + 4 * h.dim))) {
        const into = int8Into(h.n, q.stride, centre);
        if (into && into.length >= h.n * q.stride) {
          const codes = into.subarray(0, h.n * q.stride);
          if ((await readAll(fh, bytesOf(codes), int8At + 4 * h.dim + 4 * h.n)) && checksum(centre, scale, codes) === q.sum) {
            out.int8 = { stride: q.stride, builtFor: q.builtFor, centre, scale, codes };
          }
        }
      }
    }
    return out;
  } catch {
    return null;
  } finally {
    await fh.close().catch(() => {});
  }
}
