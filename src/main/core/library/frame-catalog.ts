// The sampled frames of the library's videos in memory: which video and moment each frame id stands for, and each
// video's moments in time order. A frame's id is `<videoId>@<index>`, so it never looks like a photo id.
import type { FrameRecord } from '../store/vector-store.js';

export function frameId(videoId: string, index: number): string {
  return `${videoId}@${index}`;
}

export function isFrameId(id: string): boolean {
  return id.includes('@');
}

/** The video a frame id belongs to; a photo id is its own. */
export function ownerOf(id: string): string {
  const at = id.indexOf('@');
  return at < 0 ? id : id.slice(0, at);
}

export class FrameCatalog {
  private readonly frames = new Map<string, FrameRecord>();
  private readonly byVideo = new Map<string, FrameRecord[]>();

  load(rows: Iterable<FrameRecord>): void {
    for (const r of rows) this.put(r);
    for (const list of this.byVideo.values()) list.sort((a, b) => a.t - b.t);
  }

  private put(r: FrameRecord): void {
    this.frames.set(r.id, r);
    const list = this.byVideo.get(r.videoId);
    if (list) list.push(r);
    else this.byVideo.set(r.videoId, [r]);
  }

  /** A video's frames replace any it had (a re-index of the file). */
  setVideo(videoId: string, rows: FrameRecord[]): void {
    this.removeVideos([videoId]);
    for (const r of rows) this.put(r);
    this.byVideo.get(videoId)?.sort((a, b) => a.t - b.t);
  }

  removeVideos(videoIds: Iterable<string>): void {
    for (const v of videoIds) {
      for (const f of this.byVideo.get(v) ?? []) this.frames.delete(f.id);
      this.byVideo.delete(v);
    }
  }

  get(id: string): FrameRecord | undefined {
    return this.frames.get(id);
  }

  /** A video's frames in time order (empty for photos). */
  ofVideo(videoId: string): readonly FrameRecord[] {
    return this.byVideo.get(videoId) ?? [];
  }

  get size(): number {
    return this.frames.size;
  }

  videos(): IterableIterator<string> {
    return this.byVideo.keys();
  }
}
