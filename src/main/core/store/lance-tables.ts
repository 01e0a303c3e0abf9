// The per-model tables of the LanceDB store: one vector table and one tag table per model, each read in batches
// and written in chunks through the store's error guard.
import type * as lancedb from '@lancedb/lancedb';
import { Field, Float64, Int32, Schema, Utf8, type RecordBatch, Table as ArrowTable, vectorFromArray, type Vector as ArrowVector } from 'apache-arrow';
import { chunks, idField, idList, VECTOR_PREFIX, vectorsToArrow, WRITE_CHUNK } from './lance-schema.js';
import { guard } from './store-errors.js';
import type { FrameRecord, FrameStore, ModelTags, ModelVectors, OcrRow, OcrStore, TagRow, VectorRows } from './vector-store.js';

export class LanceModelVectors implements ModelVectors {
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

export const tagSchema = new Schema([idField(), new Field('tags', new Utf8(), false)]);

export class LanceModelTags implements ModelTags {
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


export const ocrSchema = new Schema([
  idField(),
  new Field('engine', new Utf8(), false),
  new Field('orientation', new Int32(), false),
  new Field('size', new Float64(), false),
  new Field('mtime', new Float64(), false),
  new Field('status', new Utf8(), false),
  new Field('lines', new Utf8(), false),
  new Field('read_at', new Float64(), false),
]);

export class LanceOcrTable implements OcrStore {
  constructor(
    readonly table: lancedb.Table,
    private readonly dir: string,
  ) {}

  async upsert(rows: OcrRow[]): Promise<void> {
    for (const part of chunks(rows, WRITE_CHUNK)) {
      const col = <K extends keyof OcrRow>(k: K) => part.map((r) => r[k]);
      const data = new ArrowTable({
        id: vectorFromArray(col('id'), new Utf8()),
        engine: vectorFromArray(col('engine'), new Utf8()),
        orientation: vectorFromArray(col('orientation'), new Int32()),
        size: vectorFromArray(col('size'), new Float64()),
        mtime: vectorFromArray(col('mtime'), new Float64()),
        status: vectorFromArray(col('status'), new Utf8()),
        lines: vectorFromArray(col('lines'), new Utf8()),
        read_at: vectorFromArray(col('readAt'), new Float64()),
      } as Record<string, ArrowVector>);
      await guard(this.dir, () => this.table.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(data));
    }
  }

  async delete(ids: string[]): Promise<void> {
    for (const part of chunks(ids, 500)) await guard(this.dir, () => this.table.delete(`id IN (${idList(part)})`));
  }

  /** Every row, read column by column (toArray() builds a proxy object per row: seconds at 100k rows). */
  async all(): Promise<OcrRow[]> {
    const table = await this.table.query().toArrow();
    const out: OcrRow[] = [];
    for (const batch of table.batches) {
      const col = (name: string) => batch.getChild(name)!;
      const [id, engine, orientation, size, mtime, status, lines, readAt] = ['id', 'engine', 'orientation', 'size', 'mtime', 'status', 'lines', 'read_at'].map(col);
      const o = orientation.toArray() as Int32Array;
      const sz = size.toArray() as Float64Array;
      const mt = mtime.toArray() as Float64Array;
      const ra = readAt.toArray() as Float64Array;
      for (let i = 0; i < batch.numRows; i++) {
        out.push(toOcrRow({ id: id.get(i), engine: engine.get(i), orientation: o[i], size: sz[i], mtime: mt[i], status: status.get(i), lines: lines.get(i), read_at: ra[i] }));
      }
    }
    return out;
  }

  async get(id: string): Promise<OcrRow | null> {
    const rows = await this.table.query().where(`id = ${idList([id])}`).limit(1).toArray();
    return rows.length > 0 ? toOcrRow(rows[0]) : null;
  }

  count(): Promise<number> {
    return this.table.countRows();
  }
}

function toOcrRow(r: Record<string, unknown>): OcrRow {
  return {
    id: String(r.id),
    engine: String(r.engine),
    orientation: Number(r.orientation),
    size: Number(r.size),
    mtime: Number(r.mtime),
    status: r.status === 'text' ? 'text' : r.status === 'failed' ? 'failed' : 'none',
    lines: String(r.lines),
    readAt: Number(r.read_at),
  };
}

export const frameSchema = new Schema([
  idField(),
  new Field('video_id', new Utf8(), false),
  new Field('t', new Float64(), false),
  new Field('thumb', new Utf8(), true),
  new Field('dhash', new Utf8(), true),
]);

export class LanceFrameTable implements FrameStore {
  constructor(
    readonly table: lancedb.Table,
    private readonly dir: string,
  ) {}

  async upsert(rows: FrameRecord[]): Promise<void> {
    for (const part of chunks(rows, WRITE_CHUNK)) {
      const data = new ArrowTable({
        id: vectorFromArray(part.map((r) => r.id), new Utf8()),
        video_id: vectorFromArray(part.map((r) => r.videoId), new Utf8()),
        t: vectorFromArray(part.map((r) => r.t), new Float64()),
        thumb: vectorFromArray(part.map((r) => r.thumb), new Utf8()),
        dhash: vectorFromArray(part.map((r) => r.dhash), new Utf8()),
      } as Record<string, ArrowVector>);
      await guard(this.dir, () => this.table.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(data));
    }
  }

  async deleteVideos(videoIds: string[]): Promise<void> {
    for (const part of chunks(videoIds, 500)) await guard(this.dir, () => this.table.delete(`video_id IN (${idList(part)})`));
  }

  async all(): Promise<FrameRecord[]> {
    const rows = await this.table.query().toArray();
    return rows.map((r) => ({
      id: String(r.id),
      videoId: String(r.video_id),
      t: Number(r.t),
      thumb: (r.thumb as string | null) ?? null,
      dhash: (r.dhash as string | null) ?? null,
    }));
  }
}
