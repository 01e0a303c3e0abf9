// The one contract between the UI and the engine: every call with its argument schema and result type, and
// every event. Electron IPC (main + preload) and the HTTP/SSE server of serve mode are both generated from
// this map, so the transports cannot drift. Pure TypeScript + zod: no node or electron imports. The names
// themselves live in contract.ts (no zod, for the preload); this map is checked against them below.
import { z } from 'zod';
import {
  ApiError,
  CALL_NAMES,
  DESKTOP_CALL_NAMES,
  EVENT_NAMES,
  isKnownCall,
  PHOTO_ID_PATTERN,
  type CallName,
  type DesktopCallName,
  type EventName,
  type MediaKind,
} from './contract.js';
import type {
  AlbumInfo,
  DuplicateGroup,
  FailedFile,
  IndexProgress,
  IndexReport,
  LibraryStatus,
  PhotoInfo,
  PhotoText,
  SearchHit,
  SmartAlbumInfo,
  VideoMoments,
} from './types.js';

const MAX_PATH = 4096;
const photoIdString = z.string().regex(new RegExp(PHOTO_ID_PATTERN));
const pathString = z
  .string()
  .min(1)
  .max(MAX_PATH)
  .refine((s) => !s.includes('\u0000'), 'NUL byte in path');

export const searchFiltersSchema = z
  .object({
    folders: z.array(pathString).max(100).optional(),
    from: z.number().finite().optional(),
    to: z.number().finite().optional(),
    formats: z.array(z.string().min(1).max(16)).max(20).optional(),
    minSize: z.number().int().min(0).max(1_000_000).optional(),
    orientation: z.enum(['landscape', 'portrait', 'square']).optional(),
  })
  .strict();

export const searchOptionsSchema = z
  .object({
    limit: z.number().int().min(1).max(10_000).optional(),
    offset: z.number().int().min(0).max(1_000_000).optional(),
    minScore: z.number().min(-1).max(1).optional(),
    filters: searchFiltersSchema.optional(),
    bestOnly: z.boolean().optional(),
    sort: z.enum(['relevance', 'date']).optional(),
  })
  .strict();

export const textQuerySchema = z
  .object({
    text: z.string().trim().min(1).max(1000),
    options: searchOptionsSchema.optional(),
  })
  .strict();

/** Image bytes travel base64-encoded (JSON over HTTP; structured clone would do for IPC, but one shape is simpler). */
export const imageQuerySchema = z
  .object({
    image: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('path'), path: pathString }).strict(),
      z.object({ kind: z.literal('bytes'), base64: z.string().min(1).max(70_000_000) }).strict(),
      z.object({ kind: z.literal('photo'), id: photoIdString }).strict(),
    ]),
    options: searchOptionsSchema.optional(),
  })
  .strict();

const imageArgSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('path'), path: pathString }).strict(),
  z.object({ kind: z.literal('bytes'), base64: z.string().min(1).max(70_000_000) }).strict(),
  z.object({ kind: z.literal('photo'), id: photoIdString }).strict(),
]);

/** The query language: text with arithmetic (「海边 + 日落 - 人」), optionally mixed with weighted images. */
export const mixedQuerySchema = z
  .object({
    text: z.string().trim().max(1000).optional(),
    images: z.array(z.object({ image: imageArgSchema, weight: z.number().min(-10).max(10) }).strict()).max(8).optional(),
    options: searchOptionsSchema.optional(),
  })
  .strict()
  .refine((q) => (q.text && q.text.length > 0) || (q.images && q.images.length > 0), 'text or images required');

const tagString = z.string().trim().min(1).max(120);
export const albumArgSchema = z.object({ tag: tagString, options: searchOptionsSchema.optional() }).strict();
/** 'reset' drops the user's decision for that photo, so the automatic tagging decides again. */
export const albumEditSchema = z.object({ tag: tagString, id: photoIdString, action: z.enum(['add', 'remove', 'reset']) }).strict();
export const userTagSchema = z.object({ label: z.string().trim().min(1).max(60) }).strict();
export const tagThresholdSchema = z.object({ margin: z.number().min(-1).max(1) }).strict();
/** A smart album's photos come from text, example photos, or both: a preview needs one of them. */
const hasTextOrPhotos = (d: { text?: string; photoIds?: string[] }) => (d.text?.length ?? 0) > 0 || (d.photoIds?.length ?? 0) > 0;
const TEXT_OR_PHOTOS = 'a smart album needs text, example photos, or both';
export const smartDefSchema = z
  .object({
    text: z.string().trim().max(1000).optional(),
    photoIds: z.array(photoIdString).max(50).optional(),
    threshold: z.number().min(-1).max(1),
    options: searchOptionsSchema.optional(),
  })
  .strict()
  .refine(hasTextOrPhotos, TEXT_OR_PHOTOS);
export const smartSaveSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]{1,40}$/).optional(),
    name: z.string().trim().min(1).max(100),
    text: z.string().trim().max(1000).optional(),
    photoIds: z.array(photoIdString).max(50).optional(),
    threshold: z.number().min(-1).max(1),
  })
  .strict();
export const idArgSchema = z.object({ id: z.string().regex(/^[a-z0-9-]{1,40}$/) }).strict();
export const photoIdsSchema = z.object({ ids: z.array(photoIdString).min(1).max(1000) }).strict();
export const modelIdSchema = z.object({ id: z.string().trim().min(1).max(200) }).strict();
/**
 * How the image and text models run: 'quality' (full-precision image model, the default) or 'compact' (8-bit
 * image and text models: a smaller download, less memory and CPU, very slightly lower search quality).
 */
export const precisionSchema = z.enum(['quality', 'compact']);
export type PrecisionChoice = z.infer<typeof precisionSchema>;
/** models:use: the model to use, and at which precision (the same model at another one re-embeds too). */
export const modelUseSchema = z.object({ id: z.string().trim().min(1).max(200), precision: precisionSchema.optional() }).strict();

export const rootArgSchema = z.object({ path: pathString }).strict();
export const photoIdSchema = z.object({ id: photoIdString }).strict();
export const indexArgsSchema = z.object({ roots: z.array(pathString).max(100).optional() }).strict();
export const emptyArgsSchema = z.object({}).strict();

export const settingsSchema = z
  .object({
    language: z.enum(['zh-CN', 'en']).optional(),
    theme: z.enum(['light', 'dark', 'system']).optional(),
    device: z.enum(['auto', 'cpu', 'gpu']).optional(),
    threads: z.number().int().min(1).max(256).optional(),
    // A download host: http(s) only (a javascript: or file: URL is never a mirror).
    hubHost: z.url({ protocol: /^https?$/ }).max(500).optional(),
    /** Read the text in photos (default on); turning it back on reads the photos skipped meanwhile. */
    ocr: z.boolean().optional(),
    /**
     * The precision the user chose; unset means "as the library was indexed" (a new library gets 'quality').
     * Changing it never re-embeds by itself: models:use with a precision starts that switch.
     */
    precision: precisionSchema.optional(),
  })
  .strict();
export type Settings = z.infer<typeof settingsSchema>;

/** What one precision of a catalog model downloads (its ONNX files; the JSON files add about 2 MB). */
export interface PlanSize {
  bytes: number;
  /** Some of the sizes are estimates (not read off the hub's listing). */
  estimated: boolean;
}

export interface ModelEntry {
  id: string;
  title: string;
  ready: boolean;
  note: string | null;
  active: boolean;
  /** Download size of each precision on a CPU; null for a model folder outside the catalog. */
  plans: Record<PrecisionChoice, PlanSize> | null;
}

export interface CallSpec<A extends z.ZodType, R> {
  args: A;
  /** Phantom field carrying the result type. */
  result?: R;
  /** Only the desktop app offers it (reveal in folder, trash…); serve mode answers 501. */
  desktopOnly?: boolean;
}

function call<A extends z.ZodType, R>(args: A): CallSpec<A, R> {
  return { args };
}

function desktopCall<A extends z.ZodType, R>(args: A): CallSpec<A, R> & { desktopOnly: true } {
  return { args, desktopOnly: true };
}

export const calls = {
  'library:status': call<typeof emptyArgsSchema, LibraryStatus>(emptyArgsSchema),
  'search:text': call<typeof textQuerySchema, SearchHit[]>(textQuerySchema),
  'search:image': call<typeof imageQuerySchema, SearchHit[]>(imageQuerySchema),
  'photo:get': call<typeof photoIdSchema, PhotoInfo | null>(photoIdSchema),
  'roots:add': call<typeof rootArgSchema, LibraryStatus>(rootArgSchema),
  'roots:remove': call<typeof rootArgSchema, LibraryStatus>(rootArgSchema),
  'index:start': call<typeof indexArgsSchema, { started: boolean }>(indexArgsSchema),
  'index:cancel': call<typeof emptyArgsSchema, { cancelled: boolean }>(emptyArgsSchema),
  'index:last': call<typeof emptyArgsSchema, IndexReport | null>(emptyArgsSchema),
  'failures:list': call<typeof emptyArgsSchema, FailedFile[]>(emptyArgsSchema),
  'settings:get': call<typeof emptyArgsSchema, Settings>(emptyArgsSchema),
  'settings:set': call<typeof settingsSchema, Settings>(settingsSchema),
  'models:list': call<typeof emptyArgsSchema, ModelEntry[]>(emptyArgsSchema),
  'search:query': call<typeof mixedQuerySchema, SearchHit[]>(mixedQuerySchema),
  'index:pause': call<typeof emptyArgsSchema, { paused: boolean }>(emptyArgsSchema),
  'index:resume': call<typeof emptyArgsSchema, { started: boolean }>(emptyArgsSchema),
  'models:download': call<typeof modelIdSchema, { started: boolean }>(modelIdSchema),
  'models:use': call<typeof modelUseSchema, LibraryStatus>(modelUseSchema),
  'models:import': call<typeof rootArgSchema, ModelEntry>(rootArgSchema),
  'albums:list': call<typeof emptyArgsSchema, AlbumInfo[]>(emptyArgsSchema),
  'album:get': call<typeof albumArgSchema, SearchHit[]>(albumArgSchema),
  'album:edit': call<typeof albumEditSchema, { ok: boolean }>(albumEditSchema),
  'tags:add': call<typeof userTagSchema, { id: string }>(userTagSchema),
  'tags:threshold': call<typeof tagThresholdSchema, { margin: number }>(tagThresholdSchema),
  'smart:list': call<typeof emptyArgsSchema, SmartAlbumInfo[]>(emptyArgsSchema),
  'smart:preview': call<typeof smartDefSchema, SearchHit[]>(smartDefSchema),
  'smart:save': call<typeof smartSaveSchema, SmartAlbumInfo>(smartSaveSchema),
  'smart:delete': call<typeof idArgSchema, { ok: boolean }>(idArgSchema),
  'duplicates:list': call<typeof emptyArgsSchema, DuplicateGroup[]>(emptyArgsSchema),
  /** Moves photos to the OS trash (never deletes); serve mode refuses unless started with trash enabled. */
  'duplicates:trash': call<typeof photoIdsSchema, { trashed: number; failed: { id: string; error: string }[] }>(photoIdsSchema),
  'shell:reveal': desktopCall<typeof photoIdSchema, { ok: boolean }>(photoIdSchema),
  'shell:open': desktopCall<typeof photoIdSchema, { ok: boolean }>(photoIdSchema),
  'dialog:pickFolder': desktopCall<typeof emptyArgsSchema, string | null>(emptyArgsSchema),
  /** The text read in a photo, with its boxes (null when none was read). */
  'photo:text': call<typeof photoIdSchema, PhotoText | null>(photoIdSchema),
  /** A video's sampled moments, for scrubbing its tile (null for photos and unknown ids). */
  'video:moments': call<typeof photoIdSchema, VideoMoments | null>(photoIdSchema),
} as const satisfies Record<CallName, CallSpec<z.ZodType, unknown>> & Record<DesktopCallName, { desktopOnly: true }>;

// The map has exactly the contract's names: `satisfies` above catches a missing name or a desktop call without
// the flag; these two catch an extra name and a desktopOnly flag on a call contract.ts does not list as desktop.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type FlaggedDesktop = { [N in keyof typeof calls]: (typeof calls)[N] extends { desktopOnly: true } ? N : never }[keyof typeof calls];
const namesMatch: Same<keyof typeof calls, CallName> = true;
const desktopMatch: Same<FlaggedDesktop, DesktopCallName> = true;
void namesMatch;
void desktopMatch;

export { ApiError, CALL_NAMES, DESKTOP_CALL_NAMES, EVENT_NAMES };
export type { CallName, DesktopCallName, EventName };
export type CallArgs<N extends CallName> = z.input<(typeof calls)[N]['args']>;
/** The argument after validation (defaults applied, strings trimmed): what handlers receive. */
export type CallArgsOut<N extends CallName> = z.output<(typeof calls)[N]['args']>;
export type CallResult<N extends CallName> = Exclude<(typeof calls)[N]['result'], undefined>;

export interface EventPayloads {
  'index:progress': IndexProgress;
  'index:done': IndexReport;
  'library:changed': LibraryStatus;
  'model:download': { model: string; file: string; bytes: number; total: number | null; percent: number | null };
  'app:warning': { message: string };
  /** A menu command from the desktop app's menu (e.g. 'find', 'open-folder', 'settings'). */
  'app:menu': { command: string };
}
const eventsMatch: Same<keyof EventPayloads, EventName> = true;
void eventsMatch;
export const eventNames: EventName[] = [...EVENT_NAMES];

/** The API the renderer sees, whatever the transport: one method per call, `on(event, cb) → unsubscribe`. */
export interface SoutuApi {
  call<N extends CallName>(name: N, args: CallArgs<N>): Promise<CallResult<N>>;
  on<E extends EventName>(event: E, cb: (payload: EventPayloads[E]) => void): () => void;
  /** URL that shows a photo's thumbnail or the full file, for <img src>. */
  imageUrl(photo: Pick<PhotoInfo, 'id'>, kind: 'thumb' | 'full'): string;
  /**
   * URL of any media of a photo or video: 'moment' needs `index` (see video:moments); 'full' of a video is the file
   * itself (seekable); 'preview' is a transcoded copy for formats the browser cannot play; 'motion' a Live Photo's clip.
   */
  mediaUrl(photo: Pick<PhotoInfo, 'id'>, kind: MediaKind, index?: number): string;
  readonly transport: 'electron' | 'http';
}

/** Validates a call's argument; throws an ApiError('bad-request') listing the problems (never echoes huge input). */
export function parseArgs<N extends CallName>(name: N, raw: unknown): CallArgsOut<N> {
  if (!isKnownCall(name)) throw new ApiError('bad-request', `Unknown call ${String(name).slice(0, 64)}`);
  const spec = calls[name];
  const r = spec.args.safeParse(raw ?? {});
  if (!r.success) {
    const issues = r.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || 'argument'}: ${i.message}`);
    throw new ApiError('bad-request', `Invalid argument for ${name}: ${issues.join('; ')}`);
  }
  return r.data as CallArgsOut<N>;
}

export function isCallName(name: unknown): name is CallName {
  return isKnownCall(name);
}
