// LanceDB implementation of VectorStore: embedded tables in <library>/db, one `photos` table and one
// `vectors_<modelKey>` table per model, so that vectors of two models are never mixed. Damaged tables are rolled
// back to their newest readable version (broken files moved to <library>/quarantine), old schemas are migrated in
// place, and write errors (disk full, permissions) become StoreErrors with a sentence a person can act on.
import { cp, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { SoutuError } from '../errors.js';
import {
  Field,
  FixedSizeList,
  Float32,
  Float64,
  Int32,
  Schema,
  Utf8,
  type RecordBatch,
  makeVector,
  Table as ArrowTable,
  vectorFromArray,
  type Vector as ArrowVector,
} from 'apache-arrow';
import type { ModelTags, ModelVectors, PhotoRecord, TagRow, VectorRows, VectorStore } from './vector-store.js';

/**
 * Version of the table layout this code reads and writes, recorded in each table (metadata of its `id` field).
 * 1: tables written before the version was recorded (may lack `phash`). 2: version recorded; photos have `phash`.
 * A table with a higher number was written by a newer Soutu and is refused rather than misread.
 */
export const STORE_SCHEMA_VERSION = 2;
const SCHEMA_KEY = 'soutu.schema_version';
const PHOTOS = 'photos';
const VECTOR_PREFIX = 'vectors_';
const TAGS_PREFIX = 'tags_';
/** Rows per write commit when a caller hands over more at once. */
const WRITE_CHUNK = 2000;

/** The `id` field of every table carries the schema version. */
function idField(): Field {
  return new Field('id', new Utf8(), false, new Map([[SCHEMA_KEY, String(STORE_SCHEMA_VERSION)]]));
}

const photoSchema = new Schema([
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
]);

const PHOTO_COLUMNS = photoSchema.fields.map((f) => f.name);

function vectorSchema(dim: number): Schema {
  return new Schema([
    idField(),
    new Field('vector', new FixedSizeList(dim, new Field('item', new Float32(), true)), false),
  ]);
}

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

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Recognises OS conditions inside LanceDB's messages ("No space left on device (os error 28)", …). */
function osCondition(err: unknown): 'disk-full' | 'permission' | 'read-only' | 'io' | 'too-many-files' | null {
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

async function guard<T>(dir: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw explainStoreError(err, dir);
  }
}

/** Like guard, for opening and listing: a permission error there means this user may not read the library. */
async function readGuard<T>(dir: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (osCondition(err) === 'permission') throw new StoreError('permission', `Soutu is not allowed to read the library's database (${dir}): permission denied.`, messageOf(err));
    throw explainStoreError(err, dir);
  }
}

// ---- Repair: roll a damaged table back to its newest readable version -------------------------------------

/** What open() had to do to a table; the Library shows `message` as a warning. */
export interface StoreRepair {
  table: string;
  /** rolled-back: newest versions set aside; reset: nothing readable, table set aside and recreated empty; migrated: columns added. */
  kind: 'rolled-back' | 'reset' | 'migrated';
  /** Version that failed and version now in use (rolled-back). */
  fromVersion?: number;
  toVersion?: number;
  /** Where the set-aside files are (rolled-back, reset). */
  quarantine?: string;
  message: string;
  /** Why the table could not be read. */
  detail?: string;
}

export interface StoreOpenOptions {
  /** Where damaged files are moved. Default: `quarantine` next to the database folder (<library>/quarantine). */
  quarantineDir?: string;
  /** Never change anything on disk: no repair (a damaged table is an error), no migration, no version stamp. */
  readOnly?: boolean;
  /** Called for each repair or migration as it happens (also collected in `store.repairs`). */
  onRepair?: (r: StoreRepair) => void;
}

const U64_MAX = (1n << 64n) - 1n;

/** Manifests of a table, newest first. Handles both Lance naming schemes (V1 `<n>.manifest`, V2 `<u64max - n>.manifest`). */
async function listManifests(tableDir: string): Promise<{ version: number; file: string }[]> {
  const dir = path.join(tableDir, '_versions');
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: { version: number; file: string }[] = [];
  for (const name of names) {
    const m = /^(\d+)\.manifest$/.exec(name);
    if (!m) continue;
    const n = BigInt(m[1]);
    const version = m[1].length === 20 && n > 1n << 63n ? U64_MAX - n : n;
    out.push({ version: Number(version), file: path.join(dir, name) });
  }
  return out.sort((a, b) => b.version - a.version);
}

/** Reads enough of a table to know it works: schema, row count, and every fragment's id column. */
async function healthCheck(t: lancedb.Table): Promise<void> {
  await t.schema();
  await t.countRows();
  await t.query().select(['id']).toArrow();
}

/** Moves a file or folder into `destDir`, across disks if need be. */
async function moveInto(src: string, destDir: string): Promise<string> {
  await mkdir(destDir, { recursive: true });
  const dest = path.join(destDir, path.basename(src));
  try {
    await rename(src, dest);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await cp(src, dest, { recursive: true, errorOnExist: true, force: false });
    await rm(src, { recursive: true, force: true });
  }
  return dest;
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}

/** Schema version recorded in a table, 1 when none is (tables written before it was recorded). */
function recordedVersion(schema: Schema): number {
  const v = schema.fields.find((f) => f.name === 'id')?.metadata.get(SCHEMA_KEY);
  const n = v === undefined ? 1 : Number(v);
  return Number.isFinite(n) ? n : 1;
}

/** SQL type of an Arrow column type, for `addColumns` (DataFusion names). */
function sqlType(f: Field): string {
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

function idList(ids: string[]): string {
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
  } as Record<string, ArrowVector>);
}

function rowToPhoto(r: Record<string, unknown>): PhotoRecord {
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
  };
}

/**
 * Shares string storage between the records of a library held in memory (the bench's 100k library: 63 → 46 MB of heap):
 * the few distinct roots, formats, cameras and error codes become one string each, and folder and name become
 * slices of the path (V8 keeps a slice as a reference into its parent string).
 */
function compact(p: PhotoRecord, shared: Map<string, string>): PhotoRecord {
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

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

class LanceModelVectors implements ModelVectors {
  constructor(
    readonly key: string,
    readonly dim: number,
    readonly table: lancedb.Table,
    private db: lancedb.Connection,
    private dir: string,
  ) {}

  async upsert(ids: string[], vectors: Float32Array[]): Promise<void> {
    for (let start = 0; start < ids.length; start += WRITE_CHUNK) {
      const end = Math.min(ids.length, start + WRITE_CHUNK);
      const data = vectorsToArrow(ids.slice(start, end), vectors.slice(start, end), this.dim);
      await guard(this.dir, () => this.table.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(data));
    }
  }

  async delete(ids: string[]): Promise<void> {
    for (const part of chunks(ids, 500)) await guard(this.dir, () => this.table.delete(`id IN (${idList(part)})`));
  }

  async scan(onBatch: (ids: string[], matrix: Float32Array) => void): Promise<void> {
    // Batches of 1024 rows rather than LanceDB's 8192: each batch is garbage once copied, and smaller ones leave
    // less behind (idle RSS of a 100k library after a load, three runs each: 591-708 MB against 725-789).
    // execute() is the documented streaming call, typed protected in 0.37's declarations.
    const query = this.table.query().select(['id', 'vector']) as unknown as { execute(o: { maxBatchLength: number }): AsyncIterable<RecordBatch> };
    for await (const batch of query.execute({ maxBatchLength: 1024 })) {
      const n = batch.numRows;
      if (n === 0) continue;
      const idCol = batch.getChild('id')!;
      const vecCol = batch.getChild('vector')!;
      const ids: string[] = new Array(n);
      for (let i = 0; i < n; i++) ids[i] = idCol.get(i) as string;
      // Each chunk of the list column holds its floats contiguously (arrow-js narrows a sliced child's values to
      // the slice, so they start at the chunk's first row). One chunk (the usual case) is passed without a copy.
      const chunks = vecCol.data;
      let matrix: Float32Array;
      if (chunks.length === 1) matrix = (chunks[0].children[0].values as Float32Array).subarray(0, n * this.dim);
      else {
        matrix = new Float32Array(n * this.dim);
        let row = 0;
        for (const chunk of chunks) {
          matrix.set((chunk.children[0].values as Float32Array).subarray(0, chunk.length * this.dim), row * this.dim);
          row += chunk.length;
        }
      }
      onBatch(ids, matrix);
    }
  }

  async all(): Promise<VectorRows> {
    // Batch by batch into one matrix sized from the row count: collecting the whole result first (toArrow) held a
    // second copy of every vector until the next garbage collection.
    let cap = await this.table.countRows();
    let matrix = new Float32Array(cap * this.dim);
    const ids: string[] = [];
    await this.scan((batchIds, m) => {
      const offset = ids.length;
      if (offset + batchIds.length > cap) {
        // Rows added since countRows(): grow.
        cap = Math.max(offset + batchIds.length, cap * 2);
        const next = new Float32Array(cap * this.dim);
        next.set(matrix.subarray(0, offset * this.dim));
        matrix = next;
      }
      matrix.set(m, offset * this.dim);
      for (const id of batchIds) ids.push(id);
    });
    const n = ids.length;
    return { ids, matrix: n * this.dim === matrix.length ? matrix : matrix.slice(0, n * this.dim), dim: this.dim };
  }

  async ids(): Promise<string[]> {
    const out: string[] = [];
    for await (const batch of this.table.query().select(['id']) as AsyncIterable<RecordBatch>) {
      const col = batch.getChild('id')!;
      for (let i = 0; i < batch.numRows; i++) out.push(col.get(i) as string);
    }
    return out;
  }

  async get(ids: string[]): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const part of chunks(ids, 500)) {
      const rows = await this.table.query().where(`id IN (${idList(part)})`).select(['id', 'vector']).toArray();
      for (const r of rows) out.set(String(r.id), Float32Array.from(r.vector as ArrayLike<number>));
    }
    return out;
  }

  count(): Promise<number> {
    return this.table.countRows();
  }

  version(): Promise<number> {
    return this.table.version();
  }

  async drop(): Promise<void> {
    await guard(this.dir, () => this.db.dropTable(VECTOR_PREFIX + this.key));
  }
}

const tagSchema = new Schema([idField(), new Field('tags', new Utf8(), false)]);

class LanceModelTags implements ModelTags {
  constructor(
    private table: lancedb.Table,
    private dir: string,
  ) {}

  async upsert(rows: TagRow[]): Promise<void> {
    for (const part of chunks(rows, WRITE_CHUNK)) {
      const data = new ArrowTable({
        id: vectorFromArray(part.map((r) => r.id), new Utf8()),
        tags: vectorFromArray(part.map((r) => JSON.stringify(r.tags)), new Utf8()),
      } as Record<string, ArrowVector>);
      await guard(this.dir, () => this.table.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(data));
    }
  }

  async delete(ids: string[]): Promise<void> {
    for (const part of chunks(ids, 500)) await guard(this.dir, () => this.table.delete(`id IN (${idList(part)})`));
  }

  async all(): Promise<TagRow[]> {
    const rows = await this.table.query().toArray();
    return rows.map((r) => ({ id: String(r.id), tags: JSON.parse(String(r.tags)) as [string, number][] }));
  }

  async clear(): Promise<void> {
    await guard(this.dir, () => this.table.delete('true'));
  }

  close(): void {
    this.table.close();
  }
}

export class LanceVectorStore implements VectorStore {
  readonly schemaVersion = STORE_SCHEMA_VERSION;
  /** Repairs and migrations done since open, oldest first. */
  readonly repairs: StoreRepair[] = [];
  private vectorTables = new Map<string, LanceModelVectors>();
  private tagTables = new Map<string, LanceModelTags>();
  private photos!: lancedb.Table;
  private readonly quarantineDir: string;

  private constructor(
    private db: lancedb.Connection,
    readonly dir: string,
    private opts: StoreOpenOptions,
  ) {
    this.quarantineDir = opts.quarantineDir ?? path.join(path.dirname(dir), 'quarantine');
  }

  /**
   * Opens (or creates) the store in `dir`. A table that cannot be opened or read is rolled back to its newest
   * readable version, a photos table from an older Soutu gets its missing columns, and a table written by a newer
   * Soutu is refused with a StoreError('newer-schema'). Each repair is reported through `onRepair` and `repairs`.
   */
  static async open(dir: string, opts: StoreOpenOptions = {}): Promise<LanceVectorStore> {
    const abs = path.resolve(dir);
    const db = await readGuard(abs, () => lancedb.connect(abs));
    const store = new LanceVectorStore(db, abs, opts);
    try {
      store.photos = await store.openTable(PHOTOS, photoSchema);
      await store.migratePhotos();
    } catch (err) {
      db.close();
      throw err;
    }
    return store;
  }

  private report(r: StoreRepair): void {
    this.repairs.push(r);
    this.opts.onRepair?.(r);
  }

  /**
   * Opens a table, checking that it reads and that its schema is not newer than ours; creates it with `schema`
   * when missing. A table that fails to open or read is repaired (see `repair`).
   */
  private async openTable(name: string, schema: Schema): Promise<lancedb.Table> {
    // Listing is a read: LanceDB 0.39 fails here (not at openTable) on a folder this user may not read.
    const names = await readGuard(this.dir, () => this.db.tableNames());
    if (!names.includes(name)) {
      // Creating an empty table is harmless even for a read-only opener (existOk covers a concurrent writer).
      return guard(this.dir, () => this.db.createEmptyTable(name, schema, { mode: 'create', existOk: true }));
    }
    let table: lancedb.Table | null = null;
    try {
      table = await this.db.openTable(name);
      await healthCheck(table);
    } catch (err) {
      table?.close();
      const cond = osCondition(err);
      // Conditions of the disk or the process are not damage: setting files aside would not help.
      if (cond === 'permission') throw new StoreError('permission', `Soutu is not allowed to read the library's database (${this.dir}): permission denied.`, messageOf(err));
      if (cond === 'too-many-files') throw new StoreError('io', 'Too many files are open to read the library; close some programs and try again.', messageOf(err));
      // A table from a newer LanceDB is not damaged either: setting it aside would lose a newer Soutu's library.
      if (/upgrade|unsupported .*version|not supported by this version|newer version/i.test(messageOf(err))) {
        throw new StoreError('newer-schema', `The library's database was written by a newer version of Soutu; update Soutu to open it.`, messageOf(err));
      }
      if (this.opts.readOnly) {
        throw new StoreError('damaged', `The "${name}" table of the library's database cannot be read. Open the library without read-only to repair it.`, messageOf(err));
      }
      table = await this.repair(name, schema, err);
    }
    const version = recordedVersion(await table.schema());
    if (version > STORE_SCHEMA_VERSION) {
      table.close();
      throw new StoreError(
        'newer-schema',
        `This library was written by a newer version of Soutu (database schema ${version}; this version understands up to ${STORE_SCHEMA_VERSION}). Update Soutu to open it.`,
      );
    }
    return table;
  }

  /**
   * Rolls `name` back to its newest readable version by moving newer manifests, one at a time, into the
   * quarantine folder (never deleting them). With no readable version left, the whole table folder is moved
   * there and an empty table takes its place; the index run then redoes what was lost.
   */
  private async repair(name: string, schema: Schema, cause: unknown): Promise<lancedb.Table> {
    const tableDir = path.join(this.dir, `${name}.lance`);
    const manifests = await listManifests(tableDir);
    const failedVersion = manifests[0]?.version;
    const dest = path.join(this.quarantineDir, `${stamp()}-${name}`);
    const moved: string[] = [];
    let lastErr: unknown = cause;
    const note = async (text: string) => {
      await mkdir(dest, { recursive: true });
      await writeFile(path.join(dest, 'REPAIR.txt'), `${new Date().toISOString()}\n${text}\n\nFirst error: ${messageOf(cause)}\nLast error: ${messageOf(lastErr)}\nMoved here:\n${moved.map((m) => `  ${m}`).join('\n')}\n`);
    };
    for (let i = 0; i < manifests.length - 1; i++) {
      moved.push(manifests[i].file);
      await guard(this.dir, () => moveInto(manifests[i].file, path.join(dest, '_versions')));
      // The hint names the version just set aside; Lance falls back to listing without it.
      const hint = path.join(tableDir, '_versions', 'latest_version_hint.json');
      if (await stat(hint).then(() => true, () => false)) {
        moved.push(hint);
        await guard(this.dir, () => moveInto(hint, path.join(dest, '_versions')));
      }
      let t: lancedb.Table | null = null;
      try {
        t = await this.db.openTable(name);
        await healthCheck(t);
        const toVersion = await t.version();
        const message =
          `The "${name}" table of the library's database was damaged (version ${failedVersion} could not be read); ` +
          `it was restored to version ${toVersion}. Changes after that will be redone by the next index run. The damaged files are in ${dest}.`;
        await note(message);
        this.report({ table: name, kind: 'rolled-back', fromVersion: failedVersion, toVersion, quarantine: dest, message, detail: messageOf(cause) });
        return t;
      } catch (err) {
        t?.close();
        lastErr = err;
      }
    }
    // Nothing readable: set the whole table aside and start it again empty.
    if (await stat(tableDir).then(() => true, () => false)) {
      moved.push(tableDir);
      await guard(this.dir, () => moveInto(tableDir, dest));
    }
    const message =
      `The "${name}" table of the library's database could not be read at any version; it was set aside in ${dest} and started again empty. ` +
      `The next index run rebuilds it from your photos.`;
    await note(message);
    const t = await guard(this.dir, () => this.db.createEmptyTable(name, schema, { mode: 'create', existOk: true }));
    this.report({ table: name, kind: 'reset', fromVersion: failedVersion, quarantine: dest, message, detail: messageOf(cause) });
    return t;
  }

  /** Adds columns that a photos table from an older Soutu lacks (as NULL), then records the schema version. */
  private async migratePhotos(): Promise<void> {
    const current = await this.photos.schema();
    const have = new Set(current.fields.map((f) => f.name));
    const missing = photoSchema.fields.filter((f) => !have.has(f.name));
    const version = recordedVersion(current);
    if (this.opts.readOnly || (missing.length === 0 && version === STORE_SCHEMA_VERSION)) return;
    const required = missing.filter((f) => !f.nullable);
    if (required.length > 0) {
      throw new StoreError('damaged', `The library's photos table lacks required columns (${required.map((f) => f.name).join(', ')}); it cannot be upgraded in place.`);
    }
    if (missing.length > 0) {
      await guard(this.dir, () => this.photos.addColumns(missing.map((f) => ({ name: f.name, valueSql: `CAST(NULL AS ${sqlType(f)})` }))));
      this.report({
        table: PHOTOS,
        kind: 'migrated',
        message: `The library's photos table was upgraded from an older Soutu (added: ${missing.map((f) => f.name).join(', ')}).`,
      });
    }
    await this.stampVersion(this.photos);
  }

  private async stampVersion(table: lancedb.Table): Promise<void> {
    if (this.opts.readOnly || recordedVersion(await table.schema()) === STORE_SCHEMA_VERSION) return;
    await guard(this.dir, () => table.updateFieldMetadata([{ path: 'id', metadata: { [SCHEMA_KEY]: String(STORE_SCHEMA_VERSION) } }]));
  }

  async allPhotos(): Promise<PhotoRecord[]> {
    // Column by column: toArray() builds a proxy row per photo, ~50 µs each (5 s for 100k photos at open).
    const table = await this.photos.query().toArrow();
    const out: PhotoRecord[] = new Array(table.numRows);
    const shared = new Map<string, string>();
    let offset = 0;
    for (const batch of table.batches) {
      // Typed arrays from toArray() have no nulls, so null slots are read through isValid.
      const getters = PHOTO_COLUMNS.map((name) => {
        const v = batch.getChild(name);
        if (!v) return () => null; // a column this table does not have (read-only open of an old table)
        const values = v.toArray() as ArrayLike<unknown>;
        if (v.nullCount === 0) return (i: number) => values[i];
        if (v.data.length !== 1) return (i: number) => (v.isValid(i) ? values[i] : null);
        // One chunk: read its validity bitmap directly (Vector.isValid walks the chunk list per call).
        const { nullBitmap, offset } = v.data[0];
        return (i: number) => ((nullBitmap![(offset + i) >> 3] >> ((offset + i) & 7)) & 1 ? values[i] : null);
      });
      for (let i = 0; i < batch.numRows; i++) {
        const r: Record<string, unknown> = {};
        for (let c = 0; c < PHOTO_COLUMNS.length; c++) r[PHOTO_COLUMNS[c]] = getters[c](i);
        out[offset + i] = compact(rowToPhoto(r), shared);
      }
      offset += batch.numRows;
    }
    return out;
  }

  async upsertPhotos(rows: PhotoRecord[]): Promise<void> {
    for (const part of chunks(rows, WRITE_CHUNK)) {
      await guard(this.dir, () => this.photos.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(photosToArrow(part)));
    }
  }

  async deletePhotos(ids: string[]): Promise<void> {
    for (const part of chunks(ids, 500)) await guard(this.dir, () => this.photos.delete(`id IN (${idList(part)})`));
  }

  countPhotos(): Promise<number> {
    return this.photos.countRows();
  }

  async vectors(modelKey: string, dim: number): Promise<ModelVectors> {
    if (!/^[A-Za-z0-9_-]+$/.test(modelKey)) throw new Error(`invalid model key ${modelKey}`);
    const cached = this.vectorTables.get(modelKey);
    if (cached) return cached;
    const table = await this.openTable(VECTOR_PREFIX + modelKey, vectorSchema(dim));
    await this.stampVersion(table);
    // The table knows its own dimension; callers that only want to delete rows may not.
    const field = (await table.schema()).fields.find((f) => f.name === 'vector');
    const size = (field?.type as FixedSizeList | undefined)?.listSize;
    if (size) dim = size;
    const mv = new LanceModelVectors(modelKey, dim, table, this.db, this.dir);
    this.vectorTables.set(modelKey, mv);
    return mv;
  }

  async tags(modelKey: string): Promise<ModelTags> {
    if (!/^[A-Za-z0-9_-]+$/.test(modelKey)) throw new Error(`invalid model key ${modelKey}`);
    const cached = this.tagTables.get(modelKey);
    if (cached) return cached;
    const table = await this.openTable(TAGS_PREFIX + modelKey, tagSchema);
    await this.stampVersion(table);
    const t = new LanceModelTags(table, this.dir);
    this.tagTables.set(modelKey, t);
    return t;
  }

  async listVectorTables(): Promise<string[]> {
    return (await this.db.tableNames()).filter((n) => n.startsWith(VECTOR_PREFIX)).map((n) => n.slice(VECTOR_PREFIX.length));
  }

  async optimize(): Promise<void> {
    // Keep an hour of versions so that a damaged latest version can be rolled back.
    const olderThan = new Date(Date.now() - 60 * 60 * 1000);
    await guard(this.dir, () => this.photos.optimize({ cleanupOlderThan: olderThan }));
    for (const t of this.vectorTables.values()) await guard(this.dir, () => t.table.optimize({ cleanupOlderThan: olderThan }));
  }

  async close(): Promise<void> {
    this.photos.close();
    for (const t of this.vectorTables.values()) t.table.close();
    for (const t of this.tagTables.values()) t.close();
    this.db.close();
  }
}
