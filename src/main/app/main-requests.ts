// What the library process may ask of main: today only moving a photo to the OS trash (shell.trashItem exists
// in main, not in a utility process). Main does not take the path on trust: path-guard and a content sniff decide.
// Node only (shell.trashItem is injected), so the round trip is tested without Electron.
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { ApiError } from '../../shared/contract.js';
import { isImageFile } from '../service/image-file.js';
import { TRASH_METHOD, type TrashRequest } from '../service/library-rpc.js';
import { isPlausibleAbsolutePath, resolveInsideRoots } from '../service/path-guard.js';

export { isImageFile, TRASH_METHOD, type TrashRequest };

/**
 * Moves one photo to the trash when it is an image file whose path and real location both lie inside `allowed`.
 * The path itself is trashed, not its symlink target: a link inside a folder is what the person sees there, and
 * its target may be another indexed photo (two paths to one file are exact duplicates of each other).
 */
export async function trashInsideRoots(raw: unknown, trashItem: (file: string) => Promise<void>): Promise<{ trashed: true }> {
  const { file, allowed } = (raw ?? {}) as Partial<Record<keyof TrashRequest, unknown>>;
  if (!isPlausibleAbsolutePath(file) || !Array.isArray(allowed) || allowed.length === 0 || allowed.length > 1000) {
    throw new ApiError('bad-request', 'Bad trash request.');
  }
  const refuse = () => new ApiError('forbidden', 'Only image files inside the library’s folders are moved to the trash.');
  const real = await resolveInsideRoots(file, allowed);
  if (!real || !(await isImageFile(real))) throw refuse();
  const target = path.resolve(file);
  const st = await lstat(target).catch(() => null);
  if (!st || !(st.isFile() || st.isSymbolicLink())) throw refuse();
  await trashItem(target);
  return { trashed: true };
}

export interface MainRequestDeps {
  /** Electron's shell.trashItem. */
  trashItem(file: string): Promise<void>;
  log?(line: string): void;
}

/** The handler main serves to the library process (see LibraryProcessHostOptions.serve). */
export function createMainRequestHandler(deps: MainRequestDeps): (method: string, args: unknown) => Promise<unknown> {
  return async (method, args) => {
    if (method === TRASH_METHOD) {
      try {
        return await trashInsideRoots(args, deps.trashItem);
      } catch (err) {
        deps.log?.(`trash refused or failed: ${(err as Error).message}`);
        throw err;
      }
    }
    throw new ApiError('bad-request', `Unknown request ${String(method).slice(0, 64)}`);
  };
}
