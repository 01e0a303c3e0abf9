// LanceDB implementation of VectorStore: embedded tables in <library>/db, one `photos` table and one
// `vectors_<modelKey>` table per model, so that vectors of two models are never mixed.
import * as lancedb from '@lancedb/lancedb';
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
import type { ModelTags, ModelVectors, PhotoRecord, TagRow, VectorRows, VectorStore } from './vector-store.js';

export const STORE_SCHEMA_VERSION = 1;
const PHOTOS = 'photos';
const VECTOR_PREFIX = 'vectors_';
const TAGS_PREFIX = 'tags_';
/** Rows per write commit when a caller hands over more at once. */
const WRITE_CHUNK = 2000;

const photoSchema = new Schema([
  new Field('id', new Utf8(), false),
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

function vectorSchema(dim: number): Schema {
  return new Schema([
    new Field('id', new Utf8(), false),
    new Field('vector', new FixedSizeList(dim, new Field('item', new Float32(), true)), false),
  ]);
}

/** SQL string literal for LanceDB filters (single quotes doubled). */
export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function idList(ids: string[]): string {
  return ids.map(sqlString).join(', ');
}

function photosToArrow(rows: PhotoRecord[]): ArrowTable {
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

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

class LanceModelVectors implements ModelVectors {
  constructor(
    readonly key: string,
    readonly dim: number,
    private table: lancedb.Table,
    private db: lancedb.Connection,
  ) {}

  async upsert(ids: string[], vectors: Float32Array[]): Promise<void> {
    for (let start = 0; start < ids.length; start += WRITE_CHUNK) {
      const end = Math.min(ids.length, start + WRITE_CHUNK);
      const n = end - start;
      const flat = new Float32Array(n * this.dim);
      for (let i = 0; i < n; i++) {
        const v = vectors[start + i];
        if (v.length !== this.dim) throw new Error(`vector of length ${v.length} for a ${this.dim}-d table`);
        flat.set(v, i * this.dim);
      }
      const type = new FixedSizeList(this.dim, new Field('item', new Float32(), true));
      const child = makeVector(flat);
      const list = makeVector({ type, length: n, nullCount: 0, child: child.data[0] } as never);
      const data = new ArrowTable({
        id: vectorFromArray(ids.slice(start, end), new Utf8()),
        vector: list,
      } as Record<string, ArrowVector>);
      await this.table.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(data);
    }
  }

  async delete(ids: string[]): Promise<void> {
    for (const part of chunks(ids, 500)) await this.table.delete(`id IN (${idList(part)})`);
  }

  async all(): Promise<VectorRows> {
    const rows = await this.table.query().select(['id', 'vector']).toArrow();
    const n = rows.numRows;
    const ids: string[] = new Array(n);
    const matrix = new Float32Array(n * this.dim);
    let offset = 0;
    for (const batch of rows.batches) {
      const idCol = batch.getChild('id')!;
      const vecCol = batch.getChild('vector')!;
      for (let i = 0; i < batch.numRows; i++) ids[offset + i] = idCol.get(i) as string;
      // The list's child holds the batch's floats contiguously; copy them in one go.
      const childData = vecCol.data[0].children[0];
      const values = childData.values as Float32Array;
      const start = (vecCol.data[0].offset + childData.offset) * 1;
      matrix.set(values.subarray(start, start + batch.numRows * this.dim), offset * this.dim);
      offset += batch.numRows;
    }
    return { ids, matrix, dim: this.dim };
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

  async drop(): Promise<void> {
    await this.db.dropTable(VECTOR_PREFIX + this.key);
  }
}

const tagSchema = new Schema([new Field('id', new Utf8(), false), new Field('tags', new Utf8(), false)]);

class LanceModelTags implements ModelTags {
  constructor(private table: lancedb.Table) {}

  async upsert(rows: TagRow[]): Promise<void> {
    for (const part of chunks(rows, WRITE_CHUNK)) {
      const data = new ArrowTable({
        id: vectorFromArray(part.map((r) => r.id), new Utf8()),
        tags: vectorFromArray(part.map((r) => JSON.stringify(r.tags)), new Utf8()),
      } as Record<string, ArrowVector>);
      await this.table.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(data);
    }
  }

  async delete(ids: string[]): Promise<void> {
    for (const part of chunks(ids, 500)) await this.table.delete(`id IN (${idList(part)})`);
  }

  async all(): Promise<TagRow[]> {
    const rows = await this.table.query().toArray();
    return rows.map((r) => ({ id: String(r.id), tags: JSON.parse(String(r.tags)) as [string, number][] }));
  }

  async clear(): Promise<void> {
    await this.table.delete('true');
  }

  close(): void {
    this.table.close();
  }
}

export class LanceVectorStore implements VectorStore {
  readonly schemaVersion = STORE_SCHEMA_VERSION;
  private vectorTables = new Map<string, LanceModelVectors>();

  private constructor(
    private db: lancedb.Connection,
    private photos: lancedb.Table,
  ) {}

  static async open(dir: string): Promise<LanceVectorStore> {
    const db = await lancedb.connect(dir);
    const names = await db.tableNames();
    const photos = names.includes(PHOTOS)
      ? await db.openTable(PHOTOS)
      : await db.createEmptyTable(PHOTOS, photoSchema, { mode: 'create', existOk: true });
    return new LanceVectorStore(db, photos);
  }

  async allPhotos(): Promise<PhotoRecord[]> {
    const rows = await this.photos.query().toArray();
    return rows.map(rowToPhoto);
  }

  async upsertPhotos(rows: PhotoRecord[]): Promise<void> {
    for (const part of chunks(rows, WRITE_CHUNK)) {
      await this.photos.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(photosToArrow(part));
    }
  }

  async deletePhotos(ids: string[]): Promise<void> {
    for (const part of chunks(ids, 500)) await this.photos.delete(`id IN (${idList(part)})`);
  }

  countPhotos(): Promise<number> {
    return this.photos.countRows();
  }

  async vectors(modelKey: string, dim: number): Promise<ModelVectors> {
    if (!/^[A-Za-z0-9_-]+$/.test(modelKey)) throw new Error(`invalid model key ${modelKey}`);
    const cached = this.vectorTables.get(modelKey);
    if (cached) return cached;
    const name = VECTOR_PREFIX + modelKey;
    const names = await this.db.tableNames();
    let table: lancedb.Table;
    if (names.includes(name)) {
      table = await this.db.openTable(name);
      // The table knows its own dimension; callers that only want to delete rows may not.
      const field = (await table.schema()).fields.find((f) => f.name === 'vector');
      const size = (field?.type as FixedSizeList | undefined)?.listSize;
      if (size) dim = size;
    } else {
      table = await this.db.createEmptyTable(name, vectorSchema(dim), { mode: 'create', existOk: true });
    }
    const mv = new LanceModelVectors(modelKey, dim, table, this.db);
    this.vectorTables.set(modelKey, mv);
    return mv;
  }

  private tagTables = new Map<string, LanceModelTags>();

  async tags(modelKey: string): Promise<ModelTags> {
    if (!/^[A-Za-z0-9_-]+$/.test(modelKey)) throw new Error(`invalid model key ${modelKey}`);
    const cached = this.tagTables.get(modelKey);
    if (cached) return cached;
    const name = TAGS_PREFIX + modelKey;
    const table = (await this.db.tableNames()).includes(name)
      ? await this.db.openTable(name)
      : await this.db.createEmptyTable(name, tagSchema, { mode: 'create', existOk: true });
    const t = new LanceModelTags(table);
    this.tagTables.set(modelKey, t);
    return t;
  }

  async listVectorTables(): Promise<string[]> {
    return (await this.db.tableNames()).filter((n) => n.startsWith(VECTOR_PREFIX)).map((n) => n.slice(VECTOR_PREFIX.length));
  }

  async optimize(): Promise<void> {
    // Keep an hour of versions so that a damaged latest version can be rolled back.
    const olderThan = new Date(Date.now() - 60 * 60 * 1000);
    await this.photos.optimize({ cleanupOlderThan: olderThan });
    for (const t of this.vectorTables.values()) await (t as unknown as { table: lancedb.Table }).table.optimize({ cleanupOlderThan: olderThan });
  }

  async close(): Promise<void> {
    this.photos.close();
    for (const t of this.vectorTables.values()) (t as unknown as { table: lancedb.Table }).table.close();
    for (const t of this.tagTables.values()) t.close();
    this.db.close();
  }
}
