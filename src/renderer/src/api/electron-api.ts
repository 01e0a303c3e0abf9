// SoutuApi inside the desktop app: a thin wrapper over the preload's window.soutu (IPC), normalising
// errors to CallError and building soutu-media:// image URLs.
import type { CallArgs, CallName, CallResult, EventName, EventPayloads, SoutuApi } from '../../../shared/api';
import type { MediaKind } from '../../../shared/contract';
import { CallError } from './call-error';

type Bridge = NonNullable<Window['soutu']>;

const CODES = ['bad-request', 'not-found', 'forbidden', 'unsupported', 'busy', 'internal'];

/** IPC errors arrive as "Error invoking remote method 'x': ApiError: …"; keep the sentence and its code. */
export function toCallError(err: unknown): CallError {
  if (err instanceof CallError) return err;
  const e = err as { message?: string; code?: string } | null;
  let message = String(e?.message ?? err);
  message = message.replace(/^Error invoking remote method '[^']*':\s*/, '').replace(/^(\w*Error):\s*/, '');
  let code = typeof e?.code === 'string' && CODES.includes(e.code) ? e.code : 'internal';
  const tagged = /^\[([a-z-]+)\]\s*(.*)$/s.exec(message);
  if (tagged && CODES.includes(tagged[1])) {
    code = tagged[1];
    message = tagged[2];
  }
  return new CallError(code, message);
}

export class ElectronApi implements SoutuApi {
  readonly transport = 'electron' as const;

  constructor(private readonly bridge: Bridge) {}

  async call<N extends CallName>(name: N, args: CallArgs<N>): Promise<CallResult<N>> {
    try {
      return await this.bridge.call(name, args);
    } catch (err) {
      throw toCallError(err);
    }
  }

  on<E extends EventName>(event: E, cb: (payload: EventPayloads[E]) => void): () => void {
    return this.bridge.on(event, cb);
  }

  imageUrl(photo: { id: string }, kind: 'thumb' | 'full'): string {
    return this.bridge.imageUrl ? this.bridge.imageUrl(photo, kind) : `soutu-media://${kind}/${encodeURIComponent(photo.id)}`;
  }

  mediaUrl(photo: { id: string }, kind: MediaKind, index?: number): string {
    if (this.bridge.mediaUrl) return this.bridge.mediaUrl(photo, kind, index);
    const tail = kind === 'moment' && index !== undefined ? `/${index}` : '';
    return `soutu-media://${kind}/${encodeURIComponent(photo.id)}${tail}`;
  }

  /** Drags a result out to another app (Finder, a chat window…); call from dragstart after preventDefault. */
  startDrag(id: string): void {
    this.bridge.startDrag?.(id);
  }

  /** App-menu items the window carries out (focus search, open settings, act on the current photo). */
  onMenuCommand(cb: (command: string) => void): () => void {
    return this.bridge.onMenuCommand ? this.bridge.onMenuCommand(cb) : () => {};
  }
}
