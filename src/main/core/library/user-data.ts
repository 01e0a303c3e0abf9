// The user's own decisions, kept apart from anything the indexer can rebuild: manual album edits, user tags,
// smart albums, UI settings. One small JSON file with a backup copy; survives every re-index and retag.
import path from 'node:path';
import { z } from 'zod';
import { PHOTO_ID_RE } from '../../../shared/contract.js';
import { readJsonWithBackup, writeJsonAtomic } from './library-meta.js';

const photoId = z.string().regex(PHOTO_ID_RE);

export const smartAlbumSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]{1,40}$/),
  name: z.string().trim().min(1).max(100),
  text: z.string().trim().max(1000).optional(),
  photoIds: z.array(photoId).max(50).optional(),
  threshold: z.number().min(-1).max(1),
  createdAt: z.number(),
});
export type SmartAlbum = z.infer<typeof smartAlbumSchema>;

export const userTagSchema = z.object({
  id: z.string().regex(/^user-[a-z0-9-]{1,60}$/),
  label: z.string().trim().min(1).max(60),
  /** Optional second-language label; the tag is found by either. */
  en: z.string().trim().max(120).optional(),
  zh: z.string().trim().max(60).optional(),
});
export type UserTag = z.infer<typeof userTagSchema>;

const userDataSchema = z.object({
  version: z.literal(1),
  albumEdits: z.record(z.string(), z.object({ added: z.array(photoId), removed: z.array(photoId) })),
  userTags: z.array(userTagSchema),
  smartAlbums: z.array(smartAlbumSchema),
  settings: z.record(z.string(), z.unknown()),
});
export type UserData = z.infer<typeof userDataSchema>;

export function emptyUserData(): UserData {
  return { version: 1, albumEdits: {}, userTags: [], smartAlbums: [], settings: {} };
}

export function userDataFile(libDir: string): string {
  return path.join(libDir, 'user-data.json');
}

export async function readUserData(libDir: string): Promise<UserData> {
  return (await readJsonWithBackup(userDataFile(libDir), (v) => userDataSchema.parse(v))) ?? emptyUserData();
}

export async function writeUserData(libDir: string, data: UserData): Promise<void> {
  await writeJsonAtomic(userDataFile(libDir), userDataSchema.parse(data));
}

/** The user data in memory with one write queue, like MetadataStore: changes go through update(). */
export class UserDataStore {
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    private readonly libDir: string,
    private readonly data: UserData,
  ) {}

  static async open(libDir: string): Promise<UserDataStore> {
    return new UserDataStore(libDir, await readUserData(libDir));
  }

  get current(): Readonly<UserData> {
    return this.data;
  }

  /** Applies `change` and writes the file; writes run one at a time, in call order. */
  async update<T>(change: (data: UserData) => T): Promise<T> {
    const result = change(this.data);
    const write = this.queue.then(() => writeUserData(this.libDir, this.data));
    this.queue = write.catch(() => {});
    await write;
    return result;
  }
}
