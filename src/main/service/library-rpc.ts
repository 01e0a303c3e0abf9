// The desktop's two processes talk over rpc.ts; this names what they say. Main starts the library process,
// sends {kind:'init', init} and waits for {kind:'ready'}; then it asks contract calls by name plus the internal
// questions below, and the library process asks main the one thing only main can do (shell.trashItem).
// These shapes are fixed: the packaging test drives the built library process with exactly them.

export interface LibraryProcessInit {
  libraryDir: string;
  modelsDir: string;
  /** The OS language (app.getLocale()), used to pick the first model when the user has not chosen one. */
  systemLanguage: string;
}

export type InitMessage = { kind: 'init'; init: LibraryProcessInit };
export type ReadyMessage = { kind: 'ready' };

/** Main → library process, besides the contract's calls. */
export const LIBRARY_METHODS = {
  /** { id, kind, index?, start? } → MediaLocation | null (a 'preview' is made first: allow minutes) */
  locate: 'internal:locate',
  /** { id } → MediaLocation & { icon: Uint8Array | null } | null */
  dragItem: 'internal:dragItem',
  /** { id } → Uint8Array | null: a JPEG of a photo Chromium cannot show */
  displayJpeg: 'internal:displayJpeg',
  /** → { pid, open } */
  ping: 'internal:ping',
  /** Closes the library (releasing its lock), answers, then exits. */
  close: 'internal:close',
} as const;

/** Library process → main: { file, allowed } → { trashed: true }. */
export const TRASH_METHOD = 'main:trash';

export interface TrashRequest {
  /** The photo's path as the library records it. */
  file: string;
  /** The library folder(s) the library process vouches it lies in. */
  allowed: string[];
}
