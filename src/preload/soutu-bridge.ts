// Builds the object exposed as window.soutu from the contract's names: call() only for known calls, on() only
// for known events (payload only, never the IpcRendererEvent; menu commands are the 'app:menu' event), image
// URLs, and the two desktop extras (dropped-file paths, drag-out). Electron is
// injected so this is unit-tested under Node; ipcRenderer itself never leaves this closure.
import type { CallArgs, CallName, CallResult, EventName, EventPayloads, SoutuApi } from '../shared/api.js';
import { isKnownCall, isKnownEvent, isPhotoId, MEDIA_KINDS, MEDIA_SCHEME } from '../shared/contract.js';
import { DRAG_START_CHANNEL, callChannel, eventChannel, type IpcEnvelope } from '../shared/ipc-channels.js';

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  send(channel: string, ...args: unknown[]): void;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export interface WebUtilsLike {
  getPathForFile(file: File): string;
}

/** window.soutu in the desktop app: the shared SoutuApi plus what only a desktop window can do. */
export interface SoutuDesktopApi extends SoutuApi {
  readonly transport: 'electron';
  /** The real path of a dropped file (empty string for files not on disk, e.g. pasted images). */
  pathForFile(file: File): string;
  /** Starts dragging a result out to another app; call it from the tile's dragstart (after preventDefault). */
  startDrag(id: string): void;
}

export function buildSoutuApi(ipc: IpcRendererLike, webUtils: WebUtilsLike): SoutuDesktopApi {
  async function call<N extends CallName>(name: N, args: CallArgs<N>): Promise<CallResult<N>> {
    if (!isKnownCall(name)) throw new Error(`Unknown call ${String(name).slice(0, 64)}`);
    const envelope = (await ipc.invoke(callChannel(name), args)) as IpcEnvelope<CallResult<N>> | undefined;
    if (!envelope || typeof envelope !== 'object') throw new Error(`No answer for ${name}`);
    if (envelope.ok) return envelope.value;
    // Only an Error's message crosses the context bridge, so the code leads it in brackets:
    // "[busy] An index run is already in progress." (the renderer's toCallError reads this back).
    const err = new Error(`[${envelope.error.code}] ${envelope.error.message}`) as Error & { code?: string };
    err.name = 'ApiError';
    err.code = envelope.error.code;
    throw err;
  }

  function on<E extends EventName>(event: E, cb: (payload: EventPayloads[E]) => void): () => void {
    if (!isKnownEvent(event)) throw new Error(`Unknown event ${String(event).slice(0, 64)}`);
    if (typeof cb !== 'function') throw new TypeError('on(event, cb) needs a function');
    const listener = (_e: unknown, payload: unknown) => cb(payload as EventPayloads[E]);
    const channel = eventChannel(event);
    ipc.on(channel, listener);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      ipc.removeListener(channel, listener);
    };
  }

  return {
    transport: 'electron',
    call,
    on,
    imageUrl(photo, kind) {
      const id = photo?.id;
      const k = kind === 'full' ? 'full' : 'thumb';
      // A malformed id gets a URL that cleanly 404s instead of throwing inside a template.
      return `${MEDIA_SCHEME}://${k}/${isPhotoId(id) ? id : 'invalid'}`;
    },
    mediaUrl(photo, kind, index) {
      const id = photo?.id;
      const k = (MEDIA_KINDS as readonly string[]).includes(kind) ? kind : 'thumb';
      const tail = k === 'moment' && Number.isInteger(index) && index! >= 0 ? `/${index}` : '';
      return `${MEDIA_SCHEME}://${k}/${isPhotoId(id) ? id : 'invalid'}${tail}`;
    },
    pathForFile(file) {
      try {
        return webUtils.getPathForFile(file);
      } catch {
        return '';
      }
    },
    startDrag(id) {
      if (isPhotoId(id)) ipc.send(DRAG_START_CHANNEL, id);
    },
  };
}
