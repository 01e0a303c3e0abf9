// The sampled moments of the videos a person scrubs over (`video:moments`), asked once per video and only when a
// tile is dwelt on, focused and stepped through, or opened: a pointer sweeping across the grid asks nothing. Kept
// for the last videos asked about; a failed ask counts as "no moments" and is asked again next time.
import { SvelteMap } from 'svelte/reactivity';
import type { SoutuApi } from '../../../shared/api';
import type { VideoMoments } from '../../../shared/types';

const KEEP = 200;

export class VideoMomentsState {
  /** Answers so far: null for a video without moments (or a photo). Reactive: tiles re-render as answers arrive. */
  private readonly answers = new SvelteMap<string, VideoMoments | null>();
  // Plain on purpose: which asks are on their way, never read by a template.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private readonly asking = new Map<string, Promise<VideoMoments | null>>();

  constructor(private readonly api: SoutuApi) {}

  /** The moments of `id` once they have arrived; undefined until then. */
  of(id: string): VideoMoments | null | undefined {
    return this.answers.get(id);
  }

  /** Asks for the moments of `id` (once; again after a failure). */
  load(id: string): Promise<VideoMoments | null> {
    if (this.answers.has(id)) return Promise.resolve(this.answers.get(id) ?? null);
    let p = this.asking.get(id);
    if (!p) {
      p = this.api.call('video:moments', { id }).then(
        (m) => {
          this.asking.delete(id);
          const value = m && m.times.length > 0 ? m : null;
          this.answers.set(id, value);
          while (this.answers.size > KEEP) this.answers.delete(this.answers.keys().next().value!);
          return value;
        },
        () => {
          this.asking.delete(id);
          return null;
        },
      );
      this.asking.set(id, p);
    }
    return p;
  }
}
