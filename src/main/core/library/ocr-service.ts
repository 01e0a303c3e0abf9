// Text inside photos: the stage of an index run that reads the text of photos likely to hold some (after their
// vectors are in, so photos are searchable by meaning first), the stored lines, and the text index over them.
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { THUMB_SHORT_EDGE } from '../index/index-pipeline.js';
import type { PhotoRecord, OcrRow, VectorStore } from '../store/vector-store.js';
import { withDeadline } from '../fs/safe-open.js';
import { decodeForOcr, OcrTextIndex, PaddleOcrEngine, type OcrTextHit } from '../ocr/index.js';
import { readFileBytes, scaleLines } from '../ocr/read-file-text.js';
import type { OcrEngine, OcrLine, OcrOutcome, RgbImage } from '../ocr/ocr-engine.js';
import type { MetadataStore } from './metadata-store.js';
import type { PhotoCatalog } from './photo-catalog.js';

/** Longest side of the decode the gate reads (the engine's own gate size: 416 measured, bench-ocr.ts). */
const GATE_DECODE_SIDE = 416;
/** The orientation recorded for photos the gate turned away: their file was not read. */
const NOT_READ = 0;
/** One photo's reading may take this long before it is abandoned and recorded as failed. */
const OCR_DEADLINE_MS = 60_000;
/** Rows written per commit: a kill loses at most this many photos' reading. */
const COMMIT_EVERY = 16;

export type GateReason = 'format' | 'tag' | 'detector';

/** Why a photo's text is read: what it is (screenshots and graphics), what CLIP saw, or the cheap detector. */
export interface GateDeps {
  /** True when CLIP tagged the photo with a text-bearing concept (the vocabulary's "document" group). */
  taggedAsText(id: string): boolean;
}

export interface OcrRunStats {
  read: number;
  withText: number;
  failed: number;
  skippedByGate: number;
  gate: Record<GateReason, number>;
}

/** Formats that are screenshots, scans and graphics far more often than camera photos. */
const GRAPHIC_FORMATS = new Set(['png', 'webp', 'gif', 'bmp', 'tiff']);

export interface OcrServiceDeps {
  store: VectorStore;
  meta: MetadataStore;
  catalog: PhotoCatalog;
  gate: GateDeps;
  /** The engine, made when first needed (tests inject one). */
  engine?: () => OcrEngine;
  /** The library folder (thumbnails, which the gate looks at instead of decoding the file again). */
  dir?: string;
  /** Threads for the engine's sessions: the text stage runs after embedding, alone, so it may use them all. */
  threads?: number;
  warn(message: string): void;
}

/**
 * What a photo's text was read from, folded into one number (engine, size, mtime): one Map entry of a number per
 * photo instead of an object (100k photos: ~3 MB instead of ~12 MB of idle heap).
 */
function readingSignature(engine: string, size: number, mtime: number): number {
  let h = 0x811c9dc5;
  const s = `${engine}|${size}|${mtime}`;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  // 32 bits of FNV-1a plus the size's low bits: a collision needs the same size class too.
  return (h >>> 0) * 1024 + (size % 1024);
}

export class OcrService {
  /** Photo id → what its text was read from (readingSignature); its text, if any, is in `text`. */
  private readonly known = new Map<string, number>();
  private readonly text = new OcrTextIndex();
  private engineRef: OcrEngine | null = null;
  private loaded: Promise<void> | null = null;
  /** Runs before each stage (the gate refreshes what CLIP's tags say). */
  beforeRun: () => Promise<void> = async () => {};

  constructor(private readonly deps: OcrServiceDeps) {}

  /** Reads what was read before (rows and the text index), once. */
  load(): Promise<void> {
    return (this.loaded ??= (async () => {
      for (const r of await (await this.deps.store.ocr()).all()) {
        this.known.set(r.id, readingSignature(r.engine, r.size, r.mtime));
        if (r.status === 'text') this.text.set(r.id, (JSON.parse(r.lines) as OcrLine[]).map((l) => l.text));
      }
      this.text.flush();
    })());
  }

  private engine(): OcrEngine {
    return (this.engineRef ??= this.deps.engine?.() ?? new PaddleOcrEngine({ intraOpNumThreads: this.deps.threads ?? Math.max(1, os.availableParallelism()) }));
  }

  get engineId(): string {
    return this.engine().engineId;
  }

  enabled(): boolean {
    return this.deps.meta.current.settings.ocr !== false;
  }

  async setEnabled(on: boolean): Promise<void> {
    await this.deps.meta.update((m) => {
      m.settings.ocr = on;
    });
  }

  private current(p: PhotoRecord): boolean {
    return this.known.get(p.id) === readingSignature(this.engineId, p.size, p.mtime);
  }

  /** Photos whose text has not been read with this engine since their file last changed. */
  async pending(): Promise<PhotoRecord[]> {
    await this.load();
    // Videos' text is not read (their frames are small and many): photos only.
    return [...this.deps.catalog.values()].filter((p) => p.status === 'ok' && p.kind !== 'video' && !this.current(p));
  }

  async counts(): Promise<{ done: number; pending: number }> {
    const pending = (await this.pending()).length;
    let ok = 0;
    for (const p of this.deps.catalog.values()) if (p.status === 'ok' && p.kind !== 'video') ok++;
    return { done: ok - pending, pending };
  }

  /** Why this photo's text should be read, or null when the gate should decide from its pixels. */
  private cheapReason(p: PhotoRecord): GateReason | null {
    if (GRAPHIC_FORMATS.has(p.format) && !p.camera) return 'format';
    if (this.deps.gate.taggedAsText(p.id)) return 'tag';
    return null;
  }

  /**
   * Reads the text of every pending photo likely to hold some; the others are recorded as textless. Rows are
   * committed every few photos, so a kill loses little and the next run goes on from there.
   */
  async run(opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {}): Promise<OcrRunStats> {
    const stats: OcrRunStats = { read: 0, withText: 0, failed: 0, skippedByGate: 0, gate: { format: 0, tag: 0, detector: 0 } };
    const todo = await this.pending();
    // The gate's tags are made ready only when there is something to read.
    if (todo.length > 0) await this.beforeRun();
    const table = await this.deps.store.ocr();
    let batch: OcrRow[] = [];
    const commit = async () => {
      if (batch.length === 0) return;
      const rows = batch;
      batch = [];
      await table.upsert(rows);
      for (const r of rows) this.remember(r);
    };
    opts.onProgress?.(0, todo.length);
    let done = 0;
    for (const p of todo) {
      // Turned off in Settings while reading: the stage stops here (what was read stays; turned back on, it goes on).
      if (opts.signal?.aborted || !this.enabled()) break;
      const row = await withDeadline(this.readPhoto(p, stats), OCR_DEADLINE_MS, `Reading the text of ${p.path}`, opts.signal).catch((err: unknown) =>
        opts.signal?.aborted ? null : this.failedRow(p, err),
      );
      if (!row) break;
      if (row.status === 'failed') stats.failed++;
      batch.push(row);
      if (batch.length >= COMMIT_EVERY) await commit();
      opts.onProgress?.(++done, todo.length);
    }
    await commit();
    this.text.flush();
    // The sessions hold ~160 MB; between runs they are not needed.
    await this.engineRef?.release();
    return stats;
  }

  private remember(r: OcrRow): void {
    this.known.set(r.id, readingSignature(r.engine, r.size, r.mtime));
    if (r.status === 'text') this.text.set(r.id, (JSON.parse(r.lines) as OcrLine[]).map((l) => l.text));
    else this.text.delete(r.id);
  }

  private failedRow(p: PhotoRecord, err: unknown): OcrRow {
    this.deps.warn(`Could not read the text of ${p.path}: ${(err as Error).message}`);
    return this.row(p, 'failed', [], 1);
  }

  private row(p: PhotoRecord, status: OcrRow['status'], lines: OcrLine[], orientation: number): OcrRow {
    return { id: p.id, engine: this.engineId, orientation, size: p.size, mtime: p.mtime, status, lines: JSON.stringify(lines), readAt: Date.now() };
  }

  /**
   * The picture the gate looks at: the photo's thumbnail (upright, made by the decode the indexer already did) when
   * it has the gate's resolution, else the file decoded small. Measured on the bench's 12 MP JPEGs: 3 ms against
   * 31 ms a photo, and the whole file is then read only for photos the gate lets through.
   */
  private async gateImage(p: PhotoRecord): Promise<OcrOutcome<RgbImage>> {
    if (p.thumb && this.deps.dir) {
      const thumbLong = Math.max(p.width, p.height) * Math.min(1, THUMB_SHORT_EDGE / Math.max(1, Math.min(p.width, p.height)));
      if (thumbLong >= GATE_DECODE_SIDE || Math.max(p.width, p.height) <= THUMB_SHORT_EDGE) {
        const fromThumb = await decodeForOcr(path.join(this.deps.dir, p.thumb), GATE_DECODE_SIDE);
        if (fromThumb.ok) return fromThumb;
      }
    }
    return decodeForOcr(await readFileBytes(p.path), GATE_DECODE_SIDE);
  }

  /** Gate, then full reading; boxes come back in the upright photo's own pixels. */
  private async readPhoto(p: PhotoRecord, stats: OcrRunStats): Promise<OcrRow> {
    let reason = this.cheapReason(p);
    if (!reason) {
      const small = await this.gateImage(p);
      if (!small.ok) return this.row(p, 'failed', [], NOT_READ);
      const likely = await this.engine().textLikelihood(small.value);
      if (!likely.ok || likely.value.score < this.engine().gateThreshold) {
        stats.skippedByGate++;
        return this.row(p, 'none', [], NOT_READ);
      }
      reason = 'detector';
    }
    stats.gate[reason]++;
    const bytes = await readFileBytes(p.path);
    const orientation = (await sharp(bytes).metadata().catch(() => null))?.orientation ?? 1;
    const image = await decodeForOcr(bytes);
    if (!image.ok) return this.row(p, 'failed', [], orientation);
    const lines = await this.engine().recognize(image.value);
    if (!lines.ok) return this.row(p, 'failed', [], orientation);
    stats.read++;
    const scaled = scaleLines(lines.value, image.value, p.width, p.height);
    if (scaled.length > 0) stats.withText++;
    return this.row(p, scaled.length > 0 ? 'text' : 'none', scaled, orientation);
  }

  /** Photos whose text matches `query`, best first, with the matched snippet. */
  async search(query: string, accept?: (id: string) => boolean, limit = 1000): Promise<OcrTextHit[]> {
    await this.load();
    return this.text.search(query, { limit, accept });
  }

  /** The lines read from one photo (for the lightbox's selectable text), or null when none were read. */
  async lines(id: string): Promise<OcrLine[] | null> {
    await this.load();
    if (!this.text.has(id)) return null;
    const row = await (await this.deps.store.ocr()).get(id);
    return row?.status === 'text' ? (JSON.parse(row.lines) as OcrLine[]) : null;
  }

  /** Deleted photos leave the text index (their rows go with the photo rows). */
  forget(ids: Iterable<string>): void {
    for (const id of ids) {
      this.known.delete(id);
      this.text.delete(id);
    }
  }

  async close(): Promise<void> {
    await this.loaded?.catch(() => {});
    await this.engineRef?.close();
  }
}

