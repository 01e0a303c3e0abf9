// The UI's preferences (language, theme, device, threads, mirror host) kept as a small JSON file in the
// library folder, so every window and browser that opens this library sees the same choices. Written through
// the one atomic writer (unique temporary name, per-path queue), so concurrent writers never lose a file.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { settingsSchema, type Settings } from '../../shared/api.js';
import { writeJsonAtomically } from '../core/index.js';

export const SETTINGS_FILE = 'ui-settings.json';

export class SettingsStore {
  private cache: Settings | null = null;
  private loading: Promise<Settings> | null = null;
  /** Patches apply one after another, so two concurrent set() calls both land (neither overwrites the other). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly dir: string) {}

  get file(): string {
    return path.join(this.dir, SETTINGS_FILE);
  }

  async get(): Promise<Settings> {
    if (this.cache) return { ...this.cache };
    this.loading ??= this.load();
    this.cache ??= await this.loading;
    return { ...this.cache };
  }

  private async load(): Promise<Settings> {
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
    return out as Settings;
  }

  /** Merges `patch` into the stored settings and returns the result once it is on disk. */
  set(patch: Settings): Promise<Settings> {
    const run = this.queue.then(async () => {
      const next = { ...(await this.get()), ...patch };
      this.cache = next;
      await writeJsonAtomically(this.file, next);
      return { ...next };
    });
    this.queue = run.catch(() => {});
    return run;
  }
}
