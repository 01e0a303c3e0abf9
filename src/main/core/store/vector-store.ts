// The persistence contract of the engine: photo rows (one per file, ok or failed) and one vector table per model.
// LanceVectorStore implements it; tests and the index pipeline only see these types.

export interface PhotoRecord {
  id: string;
  path: string;
  root: string;
  folder: string;
  name: string;
  size: number;
  mtime: number;
  hash: string;
  width: number;
  height: number;
  format: string;
  takenAt: number | null;
  camera: string | null;
  lat: number | null;
  lon: number | null;
  thumb: string | null;
  /** 64-bit difference hash of the picture (16 hex), for near-duplicate checks; null for failed files. */
  phash: string | null;
  status: 'ok' | 'failed';
  errorCode: string | null;
  error: string | null;
  indexedAt: number;
}

export interface VectorRows {
  ids: string[];
  /** Row-major, ids.length × dim. */
  matrix: Float32Array;
  dim: number;
}

export interface ModelVectors {
  readonly key: string;
  readonly dim: number;
  upsert(ids: string[], vectors: Float32Array[]): Promise<void>;
  delete(ids: string[]): Promise<void>;
  all(): Promise<VectorRows>;
  /**
   * Every row, batch by batch (a batch's matrix is row-major, ids.length × dim, and only valid during the call):
   * for building in-memory indexes without a full float32 copy of the table.
   */
  scan(onBatch: (ids: string[], matrix: Float32Array) => void): Promise<void>;
  /** The ids only. */
  ids(): Promise<string[]>;
  get(ids: string[]): Promise<Map<string, Float32Array>>;
  count(): Promise<number>;
  /** The table's version: it changes with every write (for caches of the table's contents). */
  version(): Promise<number>;
  drop(): Promise<void>;
}

/** Zero-shot tags of one photo for one model: [tag id, score] pairs, best first. */
export interface TagRow {
  id: string;
  tags: [string, number][];
}

export interface ModelTags {
  upsert(rows: TagRow[]): Promise<void>;
  delete(ids: string[]): Promise<void>;
  all(): Promise<TagRow[]>;
  clear(): Promise<void>;
}

export interface VectorStore {
  readonly schemaVersion: number;
  allPhotos(): Promise<PhotoRecord[]>;
  /** Idempotent by id: a second upsert of the same row changes nothing. */
  upsertPhotos(rows: PhotoRecord[]): Promise<void>;
  deletePhotos(ids: string[]): Promise<void>;
  countPhotos(): Promise<number>;
  vectors(modelKey: string, dim: number): Promise<ModelVectors>;
  listVectorTables(): Promise<string[]>;
  tags(modelKey: string): Promise<ModelTags>;
  /** Compacts small fragments left by many small commits and drops old versions. */
  optimize(): Promise<void>;
  close(): Promise<void>;
}
