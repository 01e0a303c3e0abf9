// The contract's names without its schemas: every call, which of them only the desktop app answers, every event,
// the error codes and the photo-id shape. Dependency-free so the sandboxed preload bundles it without zod; the
// zod call map in api.ts is checked against these names (`satisfies`), so the two cannot drift.

/** Every call of the contract, in contract order. */
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
  'photo:text',
  'video:moments',
] as const;

export type CallName = (typeof CALL_NAMES)[number];

/** Calls only the desktop app answers (reveal in folder, open, the folder picker); serve mode answers 501. */
export const DESKTOP_CALL_NAMES = ['shell:reveal', 'shell:open', 'dialog:pickFolder'] as const satisfies readonly CallName[];
export type DesktopCallName = (typeof DESKTOP_CALL_NAMES)[number];

export const EVENT_NAMES = ['index:progress', 'index:done', 'library:changed', 'model:download', 'app:warning', 'app:menu'] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/** A photo's id: the first 16 hex digits of a hash of its path (core/index/index-pipeline.ts photoId). */
export const PHOTO_ID_PATTERN = '^[0-9a-f]{16}$';
export const PHOTO_ID_RE = new RegExp(PHOTO_ID_PATTERN);

/** What media a URL asks for: a thumbnail, the file itself (images; videos with HTTP Range), a moment's
 *  thumbnail (`index`), a transcoded preview of a video the browser cannot play, a Live Photo's motion clip. */
export const MEDIA_KINDS = ['thumb', 'full', 'moment', 'preview', 'motion'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

export function isPhotoId(id: unknown): id is string {
  return typeof id === 'string' && PHOTO_ID_RE.test(id);
}

export function isKnownCall(name: unknown): name is CallName {
  return typeof name === 'string' && (CALL_NAMES as readonly string[]).includes(name);
}

export function isDesktopCall(name: unknown): name is DesktopCallName {
  return typeof name === 'string' && (DESKTOP_CALL_NAMES as readonly string[]).includes(name);
}

export function isKnownEvent(name: unknown): name is EventName {
  return typeof name === 'string' && (EVENT_NAMES as readonly string[]).includes(name);
}

/** What a refused call says, whatever the transport (HTTP status, IPC envelope, rpc error). */
export const API_ERROR_CODES = ['bad-request', 'not-found', 'forbidden', 'unsupported', 'busy', 'internal'] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

export function isApiErrorCode(code: unknown): code is ApiErrorCode {
  return typeof code === 'string' && (API_ERROR_CODES as readonly string[]).includes(code);
}

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The scheme of the desktop app's image protocol: soutu-media://thumb/<id> and soutu-media://full/<id>. */
export const MEDIA_SCHEME = 'soutu-media';

/** What the desktop menu asks the UI to do, sent as the 'app:menu' event ({ command }). */
export const MENU_COMMANDS = ['focus-search', 'open-folders', 'open-settings', 'find-similar', 'reveal', 'open'] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];

/**
 * The precision a serving model runs at (Settings' 'quality' or 'compact'), from its vision class
 * (status.model.vision): 8-bit vision is compact.
 */
export function precisionOfModel(model: { vision?: 'q8' | 'full' } | null | undefined): 'quality' | 'compact' {
  return model?.vision === 'q8' ? 'compact' : 'quality';
}
