// What the media routes serve of a video beyond its poster: a moment's thumbnail, a Live Photo's motion clip, and a
// short transcoded preview for the formats a browser cannot play (made on demand, cached and bounded).
import path from 'node:path';
import { browserPlayable, previewFor, probeVideo, type PlaybackSupport, type Preview } from '../video/index.js';
import type { FrameCatalog } from './frame-catalog.js';
import type { PhotoCatalog } from './photo-catalog.js';

export class VideoMedia {
  constructor(
    private readonly dir: string,
    private readonly catalog: PhotoCatalog,
    private readonly frames: FrameCatalog,
  ) {}

  /** Absolute path of the thumbnail of a video's moment `index`, counted in time order (video:moments' times), or null. */
  momentThumbnail(videoId: string, index: number): string | null {
    const f = this.frames.ofVideo(videoId)[index];
    return f?.thumb ? path.join(this.dir, f.thumb) : null;
  }

  /** A Live Photo's motion clip (the MOV beside it), or null. */
  motionFile(id: string): string | null {
    return this.catalog.get(id)?.motion ?? null;
  }

  /** Whether the file plays in a browser as it is (else the preview is served). */
  async playable(id: string, support: PlaybackSupport = {}): Promise<boolean> {
    const r = this.catalog.get(id);
    if (r?.kind !== 'video') return false;
    const probe = await probeVideo(r.path, { runDir: path.join(this.dir, 'run') });
    return probe.ok && browserPlayable(probe.value, support);
  }

  /** A browser-playable copy of a video (H.264 MP4), starting a little before `startS`; null when it cannot be made. */
  async preview(id: string, startS = 0, signal?: AbortSignal): Promise<Preview | null> {
    const r = this.catalog.get(id);
    if (r?.kind !== 'video' && !r?.motion) return null;
    const file = r.kind === 'video' ? r.path : r.motion!;
    const runDir = path.join(this.dir, 'run');
    const probe = await probeVideo(file, { runDir, signal });
    if (!probe.ok) return null;
    const made = await previewFor(file, probe.value, { cacheDir: path.join(this.dir, 'cache', 'previews'), startS: Math.max(0, startS - 2), signal, runDir });
    return made.ok ? made.value : null;
  }
}
