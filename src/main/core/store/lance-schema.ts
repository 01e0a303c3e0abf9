// The LanceDB tables' layout (Arrow schemas, the schema version stamp) and the conversions between the store's
// records and Arrow rows, shared by the store and the bench fixture that writes libraries in bulk.
import {
  Field,
  FixedSizeList,
  Float32,
  Float64,
  Int32,
  Schema,
  Utf8,
  makeVector,
  Table as ArrowTable,
  vectorFromArray,
  type Vector as ArrowVector,
} from 'apache-arrow';
import { failureDetailsOf } from '../../../shared/failure-messages.js';
import type { FailureDetails } from '../../../shared/types.js';
import type { PhotoRecord } from './vector-store.js';


/**
 * Version of the table layout this code reads and writes, recorded in each table (metadata of its `id` field).
 * 1: tables written before the version was recorded (may lack `phash`). 2: version recorded; photos have `phash`.
 * 3: photos have `kind`, `duration`, `codec`, `motion` (videos); the `ocr` and `frames` tables. Later in 3, photos
 *    gain `error_details` without a new number: an additive nullable column that a schema-3 Soutu from before it
 *    reads past and writes around (LanceDB keeps a column that a merge does not name), so bumping the number would
 *    have locked those versions out of the library for nothing. The JSON names the code it explains, so details
 *    left behind by such a writer under a different code are ignored (`errorDetailsOf`).
 * A table with a higher number was written by a newer Soutu and is refused rather than misread.
 */
export const STORE_SCHEMA_VERSION = 3;
export const SCHEMA_KEY = 'soutu.schema_version';
export const PHOTOS = 'photos';
export const VECTOR_PREFIX = 'vectors_';
export const TAGS_PREFIX = 'tags_';
/** Rows per write commit when a caller hands over more at once. */
export const WRITE_CHUNK = 2000;

/** The `id` field of every table carries the schema version. */
export function idField(): Field {
  return new Field('id', new Utf8(), false, new Map([[SCHEMA_KEY, String(STORE_SCHEMA_VERSION)]]));
}

export const photoSchema = new Schema([
  idField(),
  new Field('path', new Utf8(), false),
  new Field('root', new Utf8(), false),
  new Field('folder', new Utf8(), false),
  new Field('name', new Utf8(), false),
  new Field('size', new Float64(), false),
  new Field('mtime', new Float64(), false),
  new Field('hash', new Utf8(), false),
  new Field('width', new Int32(), false),
  new Field('height', new Int32(), false),
  new Field('format', new Utf8(), false),
  new Field('taken_at', new Float64(), true),
  new Field('camera', new Utf8(), true),
  new Field('lat', new Float64(), true),
  new Field('lon', new Float64(), true),
  new Field('thumb', new Utf8(), true),
  new Field('phash', new Utf8(), true),
  new Field('status', new Utf8(), false),
  new Field('error_code', new Utf8(), true),
  new Field('error', new Utf8(), true),
  new Field('indexed_at', new Float64(), false),
  // Schema 3 (videos): nullable, so tables written before them gain them empty (read as photos).
  new Field('kind', new Utf8(), true),
  new Field('duration', new Float64(), true),
  new Field('codec', new Utf8(), true),
  new Field('motion', new Utf8(), true),
  // Why a failed file failed, as facts (FailureDetails JSON with its code): nullable, added in place to older tables.
  new Field('error_details', new Utf8(), true),
]);

export const PHOTO_COLUMNS = photoSchema.fields.map((f) => f.name);

export function vectorSchema(dim: number): Schema {
  return new Schema([
    idField(),
    new Field('vector', new FixedSizeList(dim, new Field('item', new Float32(), true)), false),
  ]);
}


/** Schema version recorded in a table, 1 when none is (tables written before it was recorded). */
export function recordedVersion(schema: Schema): number {
  const v = schema.fields.find((f) => f.name === 'id')?.metadata.get(SCHEMA_KEY);
  const n = v === undefined ? 1 : Number(v);
  return Number.isFinite(n) ? n : 1;
}

/** SQL type of an Arrow column type, for `addColumns` (DataFusion names). */
export function sqlType(f: Field): string {
  // By name rather than instanceof: LanceDB may hand back Arrow types from its own copy of apache-arrow.
  const types: Record<string, string> = { Utf8: 'STRING', Float64: 'DOUBLE', Float32: 'FLOAT', Int32: 'INT' };
  const t = types[String(f.type)];
  if (!t) throw new Error(`no SQL type for column ${f.name} (${String(f.type)})`);
  return t;
}

/** SQL string literal for LanceDB filters (single quotes doubled). */
export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export function idList(ids: string[]): string {
  return ids.map(sqlString).join(', ');
}

/** Rows of a vector table: ids and vectors (each `dim` long) as a FixedSizeList column. */
export function vectorsToArrow(ids: string[], vectors: Float32Array[], dim: number): ArrowTable {
  const flat = new Float32Array(ids.length * dim);
  vectors.forEach((v, i) => {
    if (v.length !== dim) throw new Error(`vector of length ${v.length} for a ${dim}-d table`);
    flat.set(v, i * dim);
  });
  const type = new FixedSizeList(dim, new Field('item', new Float32(), true));
  const list = makeVector({ type, length: ids.length, nullCount: 0, child: makeVector(flat).data[0] } as never);
  return new ArrowTable({ id: vectorFromArray(ids, new Utf8()), vector: list } as Record<string, ArrowVector>);
}

/** Rows of the photos table (the store's schema, snake_case columns). */
export function photosToArrow(rows: PhotoRecord[]): ArrowTable {
  const col = <K extends keyof PhotoRecord>(k: K) => rows.map((r) => r[k]);
  return new ArrowTable({
    id: vectorFromArray(col('id'), new Utf8()),
    path: vectorFromArray(col('path'), new Utf8()),
    root: vectorFromArray(col('root'), new Utf8()),
    folder: vectorFromArray(col('folder'), new Utf8()),
    name: vectorFromArray(col('name'), new Utf8()),
    size: vectorFromArray(col('size'), new Float64()),
    mtime: vectorFromArray(col('mtime'), new Float64()),
    hash: vectorFromArray(col('hash'), new Utf8()),
    width: vectorFromArray(col('width'), new Int32()),
    height: vectorFromArray(col('height'), new Int32()),
    format: vectorFromArray(col('format'), new Utf8()),
    taken_at: vectorFromArray(col('takenAt'), new Float64()),
    camera: vectorFromArray(col('camera'), new Utf8()),
    lat: vectorFromArray(col('lat'), new Float64()),
    lon: vectorFromArray(col('lon'), new Float64()),
    thumb: vectorFromArray(col('thumb'), new Utf8()),
    phash: vectorFromArray(col('phash'), new Utf8()),
    status: vectorFromArray(col('status'), new Utf8()),
    error_code: vectorFromArray(col('errorCode'), new Utf8()),
    error: vectorFromArray(col('error'), new Utf8()),
    indexed_at: vectorFromArray(col('indexedAt'), new Float64()),
    kind: vectorFromArray(col('kind'), new Utf8()),
    duration: vectorFromArray(col('duration'), new Float64()),
    codec: vectorFromArray(col('codec'), new Utf8()),
    motion: vectorFromArray(col('motion'), new Utf8()),
    error_details: vectorFromArray(rows.map(errorDetailsJson), new Utf8()),
  } as Record<string, ArrowVector>);
}

export function rowToPhoto(r: Record<string, unknown>): PhotoRecord {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    id: String(r.id),
    path: String(r.path),
    root: String(r.root),
    folder: String(r.folder),
    name: String(r.name),
    size: Number(r.size),
    mtime: Number(r.mtime),
    hash: String(r.hash),
    width: Number(r.width),
    height: Number(r.height),
    format: String(r.format),
    takenAt: num(r.taken_at),
    camera: (r.camera as string | null) ?? null,
    lat: num(r.lat),
    lon: num(r.lon),
    thumb: (r.thumb as string | null) ?? null,
    phash: (r.phash as string | null) ?? null,
    status: r.status === 'failed' ? 'failed' : 'ok',
    errorCode: (r.error_code as string | null) ?? null,
    error: (r.error as string | null) ?? null,
    indexedAt: Number(r.indexed_at),
    kind: r.kind === 'video' ? 'video' : 'photo',
    duration: num(r.duration),
    codec: (r.codec as string | null) ?? null,
    motion: (r.motion as string | null) ?? null,
    errorDetails: errorDetailsOf(r.error_details, r.error_code),
  };
}

/** The error_details cell of a row: its details with the code they explain, or null. */
function errorDetailsJson(r: PhotoRecord): string | null {
  if (r.status !== 'failed' || !r.errorDetails || r.errorCode === null) return null;
  return JSON.stringify({ code: r.errorCode, ...r.errorDetails });
}

/** Details read back, kept only when they explain the row's present code and have the expected shape. */
function errorDetailsOf(cell: unknown, code: unknown): FailureDetails | null {
  if (typeof cell !== 'string' || cell === '' || typeof code !== 'string') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(cell);
  } catch {
    return null;
  }
  if ((parsed as { code?: unknown } | null)?.code !== code) return null;
  return failureDetailsOf(parsed) ?? null;
}

/**
 * Shares string storage between the records of a library held in memory (the bench's 100k library: 63 → 46 MB of heap):
 * the few distinct roots, formats, cameras and error codes become one string each, and folder and name become
 * slices of the path (V8 keeps a slice as a reference into its parent string).
 */
export function compact(p: PhotoRecord, shared: Map<string, string>): PhotoRecord {
  const one = (s: string): string => {
    const had = shared.get(s);
    if (had !== undefined) return had;
    if (shared.size < 4096) shared.set(s, s);
    return s;
  };
  p.root = one(p.root);
  p.format = one(p.format);
  if (p.camera !== null) p.camera = one(p.camera);
  if (p.errorCode !== null) p.errorCode = one(p.errorCode);
  const cut = p.path.length - p.name.length;
  if (cut > 0 && p.path.endsWith(p.name) && p.path.slice(0, cut - 1) === p.folder) {
    p.folder = p.path.slice(0, cut - 1);
    p.name = p.path.slice(cut);
  }
  return p;
}

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

