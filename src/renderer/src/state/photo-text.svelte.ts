// The text read in the photos the lightbox shows (`photo:text`), fetched when a photo opens and kept for the
// few photos around it, so moving back and forth asks once. A failed fetch counts as "no text": the photo is
// still shown, and the overlay is a bonus (asked again on the next visit).
import type { SoutuApi } from '../../../shared/api';
import type { PhotoText } from '../../../shared/types';

const KEEP = 32;

export class PhotoTextState {
  /** The photo last asked for and what it holds: undefined while loading, null when no text was read. */
  current = $state.raw<{ id: string; text: PhotoText | null | undefined }>({ id: '', text: undefined });

  // A plain Map on purpose: a cache behind load(), never read by a template (`current` is what renders).
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private readonly cache = new Map<string, PhotoText | null>();
  private seq = 0;

  constructor(private readonly api: SoutuApi) {}

  /** The lines of `id`, if they have arrived. */
  of(id: string): PhotoText | null | undefined {
    return this.current.id === id ? this.current.text : undefined;
  }

  async load(id: string): Promise<void> {
    const seq = ++this.seq;
    if (this.cache.has(id)) {
      this.current = { id, text: this.cache.get(id) ?? null };
      return;
    }
    this.current = { id, text: undefined };
    let text: PhotoText | null = null;
    try {
      text = (await this.api.call('photo:text', { id })) ?? null;
      this.cache.set(id, text);
    } catch {
      // not kept: the next visit asks again
    }
    while (this.cache.size > KEEP) this.cache.delete(this.cache.keys().next().value!);
    if (seq === this.seq) this.current = { id, text };
  }
}
