// Zero-shot tagging: each concept is the normalised mean of its prompts' text vectors; a photo gets a tag when
// its cosine to the concept beats its best cosine to generic "background" prompts by a margin. The margin
// follows each photo's own baseline, so a photo of nothing in the vocabulary gets no tags rather than the top-k.
import { mkdir, readFile } from 'node:fs/promises';
import { writeFileAtomically } from '../fs/atomic-file.js';
import path from 'node:path';
import { l2normalize, type Embedder } from '../embed/embedder.js';
import { conceptPrompts, type Vocabulary } from './vocabulary.js';

export const DEFAULT_TAG_MARGIN = 0.05;
/** Tags kept per photo (above a zero margin); the threshold is applied when reading, so changing it needs no recompute. */
const KEEP_PER_PHOTO = 12;

export class Tagger {
  private constructor(
    readonly vocab: Vocabulary,
    readonly dim: number,
    /** Concept-major, concepts × dim. */
    private concepts: Float32Array,
    private background: Float32Array[],
  ) {}

  /**
   * Builds the concept vectors, or reads them from `cacheDir` when this model and vocabulary were seen before:
   * embedding a 558-concept vocabulary is ~4000 prompts, seconds of text-encoder time that queries would wait on.
   */
  static async build(embedder: Embedder, vocab: Vocabulary, languages: readonly ('en' | 'zh')[], cacheDir?: string): Promise<Tagger> {
    const file = cacheDir ? path.join(cacheDir, `concepts-${embedder.modelKey}-${vocab.hash}-${languages.join('')}.f32`) : null;
    if (file) {
      const cached = await Tagger.readCache(file, embedder.dim, vocab.concepts.length).catch(() => null);
      if (cached) return new Tagger(vocab, embedder.dim, cached.concepts, cached.background);
    }
    const t = await Tagger.compute(embedder, vocab, languages);
    if (file) await t.writeCache(file).catch(() => {}); // a cache that cannot be written only costs time
    return t;
  }

  private static async readCache(file: string, dim: number, count: number): Promise<{ concepts: Float32Array; background: Float32Array[] } | null> {
    const buf = await readFile(file);
    const head = new Uint32Array(buf.buffer, buf.byteOffset, 3);
    if (head[0] !== dim || head[1] !== count) return null;
    const bg = head[2];
    const floats = new Float32Array(buf.buffer.slice(buf.byteOffset + 12, buf.byteOffset + buf.byteLength));
    if (floats.length !== (count + bg) * dim) return null;
    const background = Array.from({ length: bg }, (_, i) => floats.slice((count + i) * dim, (count + i + 1) * dim));
    return { concepts: floats.slice(0, count * dim), background };
  }

  private async writeCache(file: string): Promise<void> {
    await mkdir(path.dirname(file), { recursive: true });
    const count = this.vocab.concepts.length;
    const out = Buffer.alloc(12 + (count + this.background.length) * this.dim * 4);
    out.writeUInt32LE(this.dim, 0);
    out.writeUInt32LE(count, 4);
    out.writeUInt32LE(this.background.length, 8);
    const floats = new Float32Array(out.buffer, out.byteOffset + 12, (count + this.background.length) * this.dim);
    floats.set(this.concepts, 0);
    this.background.forEach((b, i) => floats.set(b, (count + i) * this.dim));
    // A cache: rebuilt if lost, so no fsync.
    await writeFileAtomically(file, out, { durable: false });
  }

  private static async compute(embedder: Embedder, vocab: Vocabulary, languages: readonly ('en' | 'zh')[]): Promise<Tagger> {
    const dim = embedder.dim;
    const matrix = new Float32Array(vocab.concepts.length * dim);
    const BATCH = 32;
    const jobs: { concept: number; prompt: string }[] = [];
    vocab.concepts.forEach((c, i) => {
      for (const prompt of conceptPrompts(c, vocab, languages)) jobs.push({ concept: i, prompt });
    });
    for (let i = 0; i < jobs.length; i += BATCH) {
      const part = jobs.slice(i, i + BATCH);
      const vecs = await embedder.embedTexts(part.map((j) => j.prompt));
      part.forEach((j, k) => {
        const base = j.concept * dim;
        for (let d = 0; d < dim; d++) matrix[base + d] += vecs[k][d];
      });
    }
    for (let c = 0; c < vocab.concepts.length; c++) l2normalize(matrix.subarray(c * dim, (c + 1) * dim));
    const bgPrompts = languages.flatMap((l) => vocab.background[l]);
    const background = await embedder.embedTexts(bgPrompts);
    return new Tagger(vocab, dim, matrix, background);
  }

  /** [concept id, margin] for concepts that beat the photo's background baseline, best first. */
  tag(v: Float32Array): [string, number][] {
    const d = this.dim;
    let base = -Infinity;
    for (const b of this.background) {
      let s = 0;
      for (let j = 0; j < d; j++) s += b[j] * v[j];
      if (s > base) base = s;
    }
    const out: [string, number][] = [];
    const n = this.vocab.concepts.length;
    for (let c = 0; c < n; c++) {
      let s = 0;
      const o = c * d;
      for (let j = 0; j < d; j++) s += this.concepts[o + j] * v[j];
      const margin = s - base;
      if (margin > 0) out.push([this.vocab.concepts[c].id, Math.round(margin * 1e4) / 1e4]);
    }
    out.sort((a, b) => b[1] - a[1]);
    return out.slice(0, KEEP_PER_PHOTO);
  }

  conceptVector(id: string): Float32Array | null {
    const i = this.vocab.concepts.findIndex((c) => c.id === id);
    return i < 0 ? null : this.concepts.slice(i * this.dim, (i + 1) * this.dim);
  }
}
