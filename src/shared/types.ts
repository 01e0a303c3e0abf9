// DTOs shared by every shell (CLI, Electron IPC, HTTP): plain data, no node or electron imports.
// The engine returns these; the renderer and scripts consume them.

export type PhotoStatus = 'ok' | 'failed';

export interface PhotoInfo {
  id: string;
  path: string;
  root: string;
  size: number;
  mtime: number;
  width: number;
  height: number;
  format: string;
  takenAt: number | null;
  camera: string | null;
  gps: { lat: number; lon: number } | null;
  thumbnail: string | null;
  offline: boolean;
}

export interface SearchHit extends PhotoInfo {
  score: number;
  /** "best" when the hit stands out from this query's score distribution (adaptive cutoff), else "more". */
  tier?: 'best' | 'more';
  /** Found through the text read in the photo: the matched line, trimmed around the match. */
  text?: string;
  /** Where the match is in `text` ([start, end) in UTF-16 units), for highlighting. */
  textHighlight?: [number, number];
}

export interface SearchFilters {
  /** Only photos under one of these folders (a root or any folder inside one). */
  folders?: string[];
  /** Taken (or modified, when no EXIF date) at or after, ms since epoch. */
  from?: number;
  /** Taken (or modified) at or before, ms since epoch. */
  to?: number;
  formats?: string[];
  /** Minimum of width and height, in pixels. */
  minSize?: number;
  orientation?: 'landscape' | 'portrait' | 'square';
}

export interface SearchOptions {
  limit?: number;
  offset?: number;
  filters?: SearchFilters;
  /** Drop hits whose score is below this cosine similarity. */
  minScore?: number;
  /** Only the hits above the adaptive cutoff. */
  bestOnly?: boolean;
  sort?: 'relevance' | 'date';
}

export interface WeightedImage {
  image: ImageQuery;
  weight: number;
}

export interface AlbumInfo {
  id: string;
  tag: string;
  zh: string;
  group: string;
  count: number;
  cover: PhotoInfo | null;
  user: boolean;
}

export interface DuplicateGroup {
  paths: string[];
  photos: PhotoInfo[];
  /** Id of the photo to keep (the largest resolution, then the largest file); photos[0] is that photo. */
  keep: string;
}

export interface SmartAlbumInfo {
  id: string;
  name: string;
  text?: string;
  photoIds?: string[];
  threshold: number;
  count: number;
}

export type ImageQuery =
  | { kind: 'path'; path: string }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'photo'; id: string };

export interface FailedFile {
  path: string;
  error: string;
  code: string;
}

export interface IndexProgress {
  /** reading-text: the OCR stage after embedding (photos are already searchable by meaning). */
  phase: 'scanning' | 'indexing' | 'writing' | 'reading-text' | 'done' | 'cancelled';
  found: number;
  done: number;
  indexed: number;
  unchanged: number;
  skipped: number;
  failed: number;
  moved: number;
  removed: number;
  /** Photos per second over the last few seconds. */
  rate: number;
  /** Seconds left at the current rate, or null when unknown. */
  etaSeconds: number | null;
  current?: string;
  /** The text-reading stage: photos read so far and photos to read in this run. */
  ocrDone?: number;
  ocrTotal?: number;
}

export interface IndexReport {
  indexed: number;
  unchanged: number;
  removed: number;
  moved: number;
  failed: FailedFile[];
  /** Files whose failure was found in this run (the rest failed before and are unchanged). */
  newlyFailed: number;
  offlineRoots: string[];
  problems: ScanProblem[];
  cancelled: boolean;
  seconds: number;
  model: string;
  /** The text-reading stage of this run (absent when it was turned off). */
  ocr?: { read: number; withText: number; failed: number; skippedByGate: number };
}

export interface ScanProblem {
  path: string;
  /** not-a-file: a FIFO, socket or device named like a photo (never opened). */
  kind: 'unreadable' | 'symlink-loop' | 'not-found' | 'not-a-file';
  message: string;
}

export interface RootInfo {
  path: string;
  online: boolean;
  photos: number;
  failed: number;
  lastIndexedAt: number | null;
}

export interface ModelInfo {
  id: string;
  dim: number;
  device: string | null;
  dtype: string | null;
}

export interface LibraryStatus {
  library: string;
  photos: number;
  failures: number;
  roots: RootInfo[];
  model: ModelInfo | null;
  pendingModel: string | null;
  schemaVersion: number;
  /** How far a photo must beat its background baseline to get a tag (albums' strictness). */
  tagMargin: number;
  /** The serving model's default strictness (the slider's reset position). */
  tagMarginDefault?: number;
  /** Text inside photos: read so far and still to read; `enabled` is the library's setting. */
  ocr?: { done: number; pending: number; enabled: boolean };
  /**
   * Folders added while the first model is still downloading: they become library folders and are indexed as
   * soon as it is ready. Absent (or empty) once nothing waits.
   */
  queuedFolders?: string[];
}
