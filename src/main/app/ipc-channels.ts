// IPC channel names and the call/event name lists shared by main and preload. Pure and dependency-free: the
// sandboxed preload bundles it, so it imports the contract for types only (zod stays out of the preload).
import type { ApiError, CallName, EventName } from '../../shared/api.js';

/** Every call of the contract, in contract order. The checks below fail the typecheck if the two drift. */
export const CALL_NAMES = [
  'library:status',
  'search:text',
  'search:image',
  'photo:get',
  'roots:add',
  'roots:remove',
  'index:start',
  'index:cancel',
  'index:last',
  'failures:list',
  'settings:get',
  'settings:set',
  'models:list',
  'search:query',
  'index:pause',
  'index:resume',
  'models:download',
  'models:use',
  'models:import',
  'albums:list',
  'album:get',
  'album:edit',
  'tags:add',
  'tags:threshold',
  'smart:list',
  'smart:preview',
  'smart:save',
  'smart:delete',
  'duplicates:list',
  'duplicates:trash',
  'shell:reveal',
  'shell:open',
  'dialog:pickFolder',
] as const;

export const EVENT_NAMES = ['index:progress', 'index:done', 'library:changed', 'model:download', 'app:warning', 'app:menu'] as const;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const callsMatch: Same<(typeof CALL_NAMES)[number], CallName> = true;
const eventsMatch: Same<(typeof EVENT_NAMES)[number], EventName> = true;
void callsMatch;
void eventsMatch;

export function isKnownCall(name: unknown): name is CallName {
  return typeof name === 'string' && (CALL_NAMES as readonly string[]).includes(name);
}

export function isKnownEvent(name: unknown): name is EventName {
  return typeof name === 'string' && (EVENT_NAMES as readonly string[]).includes(name);
}

/** One ipcMain.handle channel per call. */
export function callChannel(name: CallName): string {
  return `soutu:call:${name}`;
}

export function eventChannel(name: EventName): string {
  return `soutu:event:${name}`;
}

/** Renderer → main: start dragging a result out of the window (ipcRenderer.send, no reply). */
export const DRAG_START_CHANNEL = 'soutu:drag-start';
/** What the menu asks the UI to do, sent as the contract's 'app:menu' event ({ command }). */
export const MENU_COMMANDS = ['focus-search', 'open-folders', 'open-settings', 'find-similar', 'reveal', 'open'] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];

/** What every call handler returns over IPC. Errors travel as data, since Electron keeps only an Error's message. */
export type IpcEnvelope<T = unknown> = { ok: true; value: T } | { ok: false; error: { code: ApiError['code']; message: string } };

export const PHOTO_ID_RE = /^[0-9a-f]{16}$/;
