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
  /** 'video' for video files (searched through their sampled frames); 'photo' otherwise. */
  kind: 'photo' | 'video';
  /** Length in seconds, for videos. */
  duration?: number | null;
  /** A Live Photo: its short motion clip (the same-named MOV) plays in the lightbox; the MOV is not listed apart. */
  motion?: boolean;
}

/** A moment of a video that matches the query: seconds from the start, and its score. */
export interface VideoMoment {
  time: number;
  score: number;
}

/** The lines read in a photo, boxes in the pixels of the upright photo (`width` × `height`). */
export interface PhotoText {
  width: number;
  height: number;
  lines: { text: string; box: [[number, number], [number, number], [number, number], [number, number]]; score: number }[];
}

/** A video's sampled moments (for scrubbing a tile): their times, in seconds, in order. */
export interface VideoMoments {
  duration: number;
  times: number[];
}

export interface SearchHit extends PhotoInfo {
  score: number;
  /** "best" when the hit stands out from this query's score distribution (adaptive cutoff), else "more". */
  tier?: 'best' | 'more';
  /** Found through the text read in the photo: the matched line, trimmed around the match. */
  text?: string;
  /** Where the match is in `text` ([start, end) in UTF-16 units), for highlighting. */
  textHighlight?: [number, number];
  /** For a video: the best-matching moment, in seconds (the lightbox opens there). */
  time?: number;
  /** For a video: the other matching moments, best first (the lightbox's strip). */
  moments?: VideoMoment[];
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

/**
 * What the engine knows about a failure beyond its code; every field is optional and the sentences of
 * failure-messages.ts read well without any of them.
 */
export interface FailureDetails {
  /** What the file was taken for; photos when absent. */
  media?: 'image' | 'video';
  /** The format the bytes or the decoder name ('jpeg', 'png', 'heif', 'mp4'…). */
  format?: string;
  /** The declared size, for 'too-large'. */
  width?: number;
  height?: number;
  /** The pixel count allowed, for 'too-large'. */
  limit?: number;
  /** The system error behind 'unreadable' (ENOENT, EACCES, EPERM, EISDIR, EBUSY, EIO…). */
  errno?: string;
  /** 'timeout': the time allowed, in milliseconds. */
  ms?: number;
  /** 'too-large' for a video: the memory allowed, in bytes. */
  bytes?: number;
  /** A scan problem with a link: where it points (or the folder a loop leads back to). */
  target?: string;
  /** 'not-a-file': what is there instead (core/fs/safe-open.ts FileKind). */
  fileKind?: 'directory' | 'fifo' | 'socket' | 'device' | 'symlink' | 'other';
}

export interface FailedFile {
  path: string;
  /** The engine's own English sentence (logs, scripts, the English UI's hover). */
  error: string;
  code: string;
  /** The facts behind the code, for a sentence in the reader's language (failure-messages.ts). */
  details?: FailureDetails;
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
  /** The engine's own English sentence. */
  message: string;
  details?: FailureDetails;
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
  /** Precision of the vision tower whose vectors serve search: 'q8' (compact) or 'full'. A library indexed with
   *  q8 vision while the setting asks for full precision can re-embed in the background (a model switch). */
  vision?: 'q8' | 'full';
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
  /** Videos in the library (their frames are searched). */
  videos?: number;
  /** Text inside photos: read so far and still to read; `enabled` is the library's setting. */
  ocr?: { done: number; pending: number; enabled: boolean };
  /**
   * Folders added while the first model is still downloading: they become library folders and are indexed as
   * soon as it is ready. Absent (or empty) once nothing waits.
   */
  queuedFolders?: string[];
}
