// The desktop app's IPC channel names and the envelope every call answers with, shared by main and the sandboxed
// preload. Pure and dependency-free (names come from contract.ts, never from the zod map).
import type { ApiErrorCode, CallName, EventName } from './contract.js';

/** One ipcMain.handle channel per call. */
export function callChannel(name: CallName): string {
  return `soutu:call:${name}`;
}

export function eventChannel(name: EventName): string {
  return `soutu:event:${name}`;
}

/** Renderer → main: start dragging a result out of the window (ipcRenderer.send, no reply). */
export const DRAG_START_CHANNEL = 'soutu:drag-start';

/** What every call handler returns over IPC. Errors travel as data, since Electron keeps only an Error's message. */
export type IpcEnvelope<T = unknown> = { ok: true; value: T } | { ok: false; error: { code: ApiErrorCode; message: string } };
