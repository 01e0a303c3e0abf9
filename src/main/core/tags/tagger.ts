// Zero-shot tagging: each concept is the normalised mean of its prompts' text vectors; a photo gets a tag when
// its cosine to the concept beats its best cosine to generic "background" prompts by a margin. The margin
// follows each photo's own baseline, so a photo of nothing in the vocabulary gets no tags rather than the top-k.
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

  static async build(embedder: Embedder, vocab: Vocabulary, languages: readonly ('en' | 'zh')[]): Promise<Tagger> {
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
