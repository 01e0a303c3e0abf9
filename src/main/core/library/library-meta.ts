// The library's own small state (roots, active model, settings) kept in library.json beside the LanceDB tables.
// Written atomically (core/fs/atomic-file.ts) with the previous version kept as library.json.bak.
import { existsSync } from 'node:fs';
import { copyFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { SoutuError } from '../errors.js';
import { writeFileAtomically } from '../fs/atomic-file.js';

export const META_SCHEMA_VERSION = 1;

export interface RootMeta {
  path: string;
  addedAt: number;
  lastIndexedAt: number | null;
  online: boolean;
}

export interface ModelMeta {
  id: string;
  /** Folder the model loads from. */
  source: string;
  key: string;
  dim: number;
}

export interface LibraryMeta {
  schemaVersion: number;
  createdAt: number;
  roots: RootMeta[];
  model: ModelMeta | null;
  /** A model being embedded in the background; the active model keeps serving until it is complete. */
  pendingModel: ModelMeta | null;
  settings: Record<string, unknown>;
}

export function emptyMeta(): LibraryMeta {
  return { schemaVersion: META_SCHEMA_VERSION, createdAt: Date.now(), roots: [], model: null, pendingModel: null, settings: {} };
}

export async function readMeta(dir: string): Promise<LibraryMeta> {
  const file = path.join(dir, 'library.json');
  for (const candidate of [file, file + '.bak']) {
    if (!existsSync(candidate)) continue;
    try {
      const parsed = JSON.parse(await readFile(candidate, 'utf8')) as Partial<LibraryMeta>;
      if (typeof parsed !== 'object' || parsed === null || !Array.isArray(parsed.roots)) throw new Error('not a library file');
      if ((parsed.schemaVersion ?? 0) > META_SCHEMA_VERSION) {
        throw new SoutuError('unsupported', `library.json was written by a newer Soutu (schema ${parsed.schemaVersion}); please update Soutu.`);
      }
      return { ...emptyMeta(), ...parsed } as LibraryMeta;
    } catch (err) {
      if (err instanceof SoutuError) throw err;
      // A torn or damaged file: fall back to the backup copy.
    }
  }
  return emptyMeta();
}

/**
 * Writes JSON atomically, keeping the previous version as <file>.bak. Callers serialise their own writes to one
 * file (MetadataStore, UserDataStore), so the backup and the new file never interleave.
 */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  if (existsSync(file)) await copyFile(file, file + '.bak').catch(() => {});
  await writeFileAtomically(file, JSON.stringify(value, null, 2));
}

/** Reads a JSON file written by writeJsonAtomic, falling back to its backup when the file is torn or damaged. */
export async function readJsonWithBackup<T>(file: string, validate: (v: unknown) => T): Promise<T | null> {
  for (const candidate of [file, file + '.bak']) {
    if (!existsSync(candidate)) continue;
    try {
      return validate(JSON.parse(await readFile(candidate, 'utf8')));
    } catch {
      // try the backup
    }
  }
  return null;
}

export async function writeMeta(dir: string, meta: LibraryMeta): Promise<void> {
  await writeJsonAtomic(path.join(dir, 'library.json'), meta);
}

/** The library.json as it is on disk (null when there is none), for shells that look before opening. */
export async function readLibraryMetaFile(dir: string): Promise<LibraryMeta | null> {
  const file = path.join(dir, 'library.json');
  if (!existsSync(file)) return null;
  return JSON.parse(await readFile(file, 'utf8')) as LibraryMeta;
}
