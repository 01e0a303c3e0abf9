// A snapshot of the search index on disk: the ids and float16 rows exactly as VectorIndex holds them, tagged with
// the vector table's version. Opening a library reads it straight into the index's own array when the table is
// still at that version, instead of scanning the table through LanceDB (100k photos: one 100 MB read against a
// scan of 200 MB of float32 batches, whose garbage stayed resident; a million: ~1 GB against ~2 GB and 10+ s).
// It is a cache: any mismatch, damage (the rows carry a checksum) or I/O error means "no snapshot", and the table
// is scanned as before.
//
// Layout (little-endian, as every platform Soutu ships for): "SOUTUIX1", u32 header length, header JSON, ids as a JSON array of strings, zero padding
// to a multiple of 8, then n × dim uint16 rows.
import { open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

const MAGIC = 'SOUTUIX1';

export interface SnapshotKey {
  modelKey: string;
  dim: number;
  /** Version of the vector table the rows were read from. */
  version: number;
}

interface Header extends SnapshotKey {
  n: number;
  idsBytes: number;
  /** rowsChecksum() of the rows. */
  sum: number;
}

/** A 32-bit multiplicative hash of the rows' bytes (~1 ns a word; damaged rows must not be served as vectors). */
export function rowsChecksum(rows: Uint16Array): number {
  const words = new Uint32Array(rows.buffer, rows.byteOffset, rows.length >>> 1);
  let h = 0x811c9dc5 ^ rows.length;
  for (let i = 0; i < words.length; i++) {
    h = Math.imul(h ^ words[i], 0x9e3779b1);
    h ^= h >>> 15;
  }
  if (rows.length & 1) h = Math.imul(h ^ rows[rows.length - 1], 0x9e3779b1);
  return h >>> 0;
}

const pad8 = (x: number) => (x + 7) & ~7;
let tmpSeq = 0;

/** Writes atomically (temp file, then rename): a crash leaves the old snapshot or none, never half of one. */
export async function writeIndexSnapshot(file: string, key: SnapshotKey, ids: readonly string[], rows: Uint16Array): Promise<void> {
  if (rows.length !== ids.length * key.dim) throw new Error(`snapshot of ${ids.length} ids with ${rows.length} values at dim ${key.dim}`);
  const idsBuf = Buffer.from(JSON.stringify(ids), 'utf8');
  const header = Buffer.from(JSON.stringify({ ...key, n: ids.length, idsBytes: idsBuf.length, sum: rowsChecksum(rows) } satisfies Header), 'utf8');
  const head = Buffer.alloc(pad8(12 + header.length + idsBuf.length));
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(header.length, 8);
  header.copy(head, 12);
  idsBuf.copy(head, 12 + header.length);
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
    const body = new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength);
    // Large writes in pieces: a single write() is limited to 2 GB.
    const CHUNK = 64 << 20;
    for (let at = 0; at < body.length; at += CHUNK) {
      const part = body.subarray(at, Math.min(body.length, at + CHUNK));
      await fh.write(part, 0, part.length, head.length + at);
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

/** The snapshot's ids and rows, or null when there is none or it does not match `want` exactly. */
export async function readIndexSnapshot(file: string, want: SnapshotKey): Promise<{ ids: string[]; rows: Uint16Array } | null> {
  let fh;
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
    if (size !== rowsAt + h.n * h.dim * 2) return null;
    const idsBuf = Buffer.alloc(h.idsBytes);
    await fh.read(idsBuf, 0, h.idsBytes, 12 + headerLen);
    const ids = JSON.parse(idsBuf.toString('utf8')) as unknown;
    if (!Array.isArray(ids) || ids.length !== h.n || !ids.every((x) => typeof x === 'string')) return null;
    const rows = new Uint16Array(h.n * h.dim);
    const body = new Uint8Array(rows.buffer);
    const CHUNK = 64 << 20;
    for (let at = 0; at < body.length; ) {
      const { bytesRead } = await fh.read(body, at, Math.min(CHUNK, body.length - at), rowsAt + at);
      if (bytesRead === 0) return null;
      at += bytesRead;
    }
    if (rowsChecksum(rows) !== h.sum) return null;
    return { ids: ids as string[], rows };
  } catch {
    return null;
  } finally {
    await fh.close().catch(() => {});
  }
}
