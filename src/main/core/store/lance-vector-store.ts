// LanceDB implementation of VectorStore: embedded tables in <library>/db, one `photos` table and one
// `vectors_<modelKey>` table per model, so that vectors of two models are never mixed. Damaged tables are rolled
// back to their newest readable version (broken files moved to <library>/quarantine), old schemas are migrated in
// place, and write errors (disk full, permissions) become StoreErrors with a sentence a person can act on.
import { cp, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { FixedSizeList, Schema } from 'apache-arrow';
import {
  compact, idList, PHOTO_COLUMNS, photoSchema, PHOTOS, photosToArrow, recordedVersion, rowToPhoto, SCHEMA_KEY, sqlType, STORE_SCHEMA_VERSION,
  TAGS_PREFIX, VECTOR_PREFIX, vectorSchema, WRITE_CHUNK, chunks,
} from './lance-schema.js';

/** Recognised text of photos (issue 13): one table, independent of the CLIP model. */
const OCR = 'ocr';
/** Sampled frames of videos (issue 14). */
const FRAMES = 'frames';
import { frameSchema, LanceFrameTable, LanceModelTags, LanceModelVectors, LanceOcrTable, ocrSchema, tagSchema } from './lance-tables.js';
import { guard, messageOf, osCondition, readGuard, StoreError } from './store-errors.js';
import type { FrameStore, ModelTags, ModelVectors, OcrStore, PhotoRecord, VectorStore } from './vector-store.js';

export { photosToArrow, sqlString, STORE_SCHEMA_VERSION, vectorsToArrow } from './lance-schema.js';
export { explainStoreError, StoreError, type StoreErrorReason } from './store-errors.js';

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

export class LanceVectorStore implements VectorStore {
  readonly schemaVersion = STORE_SCHEMA_VERSION;
  /** Repairs and migrations done since open, oldest first. */
  readonly repairs: StoreRepair[] = [];
  private vectorTables = new Map<string, LanceModelVectors>();
  private tagTables = new Map<string, LanceModelTags>();
  private ocrTable: LanceOcrTable | null = null;
  private frameTable: LanceFrameTable | null = null;
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

  async ocr(): Promise<OcrStore> {
    if (!this.ocrTable) {
      const table = await this.openTable(OCR, ocrSchema);
      await this.stampVersion(table);
      this.ocrTable = new LanceOcrTable(table, this.dir);
    }
    return this.ocrTable;
  }

  async frames(): Promise<FrameStore> {
    if (!this.frameTable) {
      const table = await this.openTable(FRAMES, frameSchema);
      await this.stampVersion(table);
      this.frameTable = new LanceFrameTable(table, this.dir);
    }
    return this.frameTable;
  }

  async listVectorTables(): Promise<string[]> {
    return (await this.db.tableNames()).filter((n) => n.startsWith(VECTOR_PREFIX)).map((n) => n.slice(VECTOR_PREFIX.length));
  }

  async optimize(): Promise<void> {
    // Keep an hour of versions so that a damaged latest version can be rolled back.
    const olderThan = new Date(Date.now() - 60 * 60 * 1000);
    await guard(this.dir, () => this.photos.optimize({ cleanupOlderThan: olderThan }));
    for (const t of this.vectorTables.values()) await guard(this.dir, () => t.table.optimize({ cleanupOlderThan: olderThan }));
    if (this.ocrTable) await guard(this.dir, () => this.ocrTable!.table.optimize({ cleanupOlderThan: olderThan }));
    if (this.frameTable) await guard(this.dir, () => this.frameTable!.table.optimize({ cleanupOlderThan: olderThan }));
  }

  async close(): Promise<void> {
    this.photos.close();
    for (const t of this.vectorTables.values()) t.table.close();
    for (const t of this.tagTables.values()) t.close();
    this.ocrTable?.table.close();
    this.frameTable?.table.close();
    this.db.close();
  }
}
