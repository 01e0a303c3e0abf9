// The persistence contract of the engine: photo rows (one per file, ok or failed) and one vector table per model.
// LanceVectorStore implements it; tests and the index pipeline only see these types.
import type { FailureDetails } from '../../../shared/types.js';

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
  /** The facts behind errorCode (format, declared size, errno…); null for ok rows and failures that have none. */
  errorDetails: FailureDetails | null;
  indexedAt: number;
  /** 'video': searched through its frames (FrameRecord); absent in tables written before videos (photo). */
  kind: 'photo' | 'video';
  /** Seconds, for videos. */
  duration: number | null;
  /** The video codec (browserPlayable decides from it whether the file plays as it is). */
  codec: string | null;
  /** A Live Photo's motion clip: the path of the same-named MOV, which is not listed apart. */
  motion: string | null;
}

/** One sampled moment of a video: its own vector (id `<videoId>@<index>`) and thumbnail. */
export interface FrameRecord {
  id: string;
  videoId: string;
  /** Seconds from the start (what video.currentTime uses). */
  t: number;
  thumb: string | null;
  dhash: string | null;
}

export interface FrameStore {
  upsert(rows: FrameRecord[]): Promise<void>;
  /** Every frame of these videos. */
  deleteVideos(videoIds: string[]): Promise<void>;
  all(): Promise<FrameRecord[]>;
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

/** Text read from one photo: its lines as JSON, and what the reading was made from (so a change redoes it). */
export interface OcrRow {
  id: string;
  /** The OCR engine and settings that read it (OcrEngine.engineId). */
  engine: string;
  /** EXIF orientation applied when it was read (1 = none). */
  orientation: number;
  /** The file's size and mtime when read: an edit or rotation of the file makes the text stale. */
  size: number;
  mtime: number;
  /** text: lines found; none: the gate or the reader found no text; failed: the photo could not be read. */
  status: 'text' | 'none' | 'failed';
  /** JSON of OcrLine[] (text, box in upright pixels, score); '[]' unless status is text. */
  lines: string;
  readAt: number;
}

export interface OcrStore {
  upsert(rows: OcrRow[]): Promise<void>;
  delete(ids: string[]): Promise<void>;
  all(): Promise<OcrRow[]>;
  get(id: string): Promise<OcrRow | null>;
  count(): Promise<number>;
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
  /** Recognised text of photos (one table for the library: text does not depend on the CLIP model). */
  ocr(): Promise<OcrStore>;
  /** Sampled frames of videos (their vectors are in the model's vector table, under the frame ids). */
  frames(): Promise<FrameStore>;
  /** Compacts small fragments left by many small commits and drops old versions. */
  optimize(): Promise<void>;
  close(): Promise<void>;
}
