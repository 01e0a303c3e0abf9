// The UI's preferences (language, theme, device, threads, mirror host) kept as a small JSON file in the
// library folder, so every browser that opens this library sees the same choices.
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { settingsSchema, type Settings } from '../shared/api.js';

export const SETTINGS_FILE = 'ui-settings.json';

export class SettingsStore {
  private cache: Settings | null = null;
  private writing: Promise<unknown> = Promise.resolve();

  constructor(private readonly dir: string) {}

  get file(): string {
    return path.join(this.dir, SETTINGS_FILE);
  }

  async get(): Promise<Settings> {
    if (this.cache) return { ...this.cache };
    let raw: unknown = {};
    try {
      raw = JSON.parse(await readFile(this.file, 'utf8'));
    } catch {
      // Missing or unreadable: start from defaults.
    }
    // Keep whatever keys are still valid, so one bad value does not wipe the rest.
    const out: Record<string, unknown> = {};
    if (raw && typeof raw === 'object') {
      for (const [k, v] of Object.entries(raw)) {
        const r = settingsSchema.safeParse({ [k]: v });
        if (r.success) Object.assign(out, r.data);
      }
    }
    this.cache = out as Settings;
    return { ...this.cache };
  }

  /** Merges `patch` into the stored settings (writes are serialised and atomic) and returns the result. */
  async set(patch: Settings): Promise<Settings> {
    const next = { ...(await this.get()), ...patch };
    this.cache = next;
    const tmp = `${this.file}.${process.pid}.tmp`;
    const write = this.writing.then(async () => {
      await writeFile(tmp, JSON.stringify(next, null, 2) + '\n');
      await rename(tmp, this.file);
    });
    this.writing = write.catch(() => {});
    await write;
    return { ...next };
  }
}
