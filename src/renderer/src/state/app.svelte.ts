// App-wide state: the library's status, the saved settings (language, theme…), which page is shown
// (kept in the URL hash so Back works), the theme actually applied, toasts and the server connection.
import type { EventPayloads, Settings, SoutuApi } from '../../../shared/api';
import type { LibraryStatus } from '../../../shared/types';
import { CallError } from '../api/call-error';
import { HttpApi } from '../api/http-api';
import { i18n, t, type Lang } from '../lib/i18n.svelte';

export type Page = 'search' | 'albums' | 'duplicates' | 'folders' | 'settings';
export type ThemeChoice = 'light' | 'dark' | 'system';

export interface Toast {
  id: number;
  kind: 'info' | 'error';
  text: string;
  /** An undo button (Ctrl/⌘+Z runs the newest one while its toast is up). */
  undo?: () => void;
}

const THEME_KEY = 'soutu.theme';

function pageFromHash(): Page {
  const h = location.hash.replace(/^#\/?/, '');
  return h === 'albums' || h === 'duplicates' || h === 'folders' || h === 'settings' ? h : 'search';
}

export class AppState {
  status = $state.raw<LibraryStatus | null>(null);
  settings = $state.raw<Settings>({});
  /**
   * The language the engine has saved (settings shows the choice at once, before it is saved): what it words
   * model titles and notes in, so lists of them are asked for again when this changes.
   */
  savedLanguage = $state<Lang | null>(null);
  page = $state<Page>(pageFromHash());
  online = $state(true);
  loaded = $state(false);
  loadError = $state<string | null>(null);
  toasts = $state<Toast[]>([]);
  /** A model being fetched (the desktop app downloads one when the first folder is added). */
  download = $state.raw<EventPayloads['model:download'] | null>(null);
  /** True while a result is being dragged out of the window (so our own drop overlay stays hidden). */
  draggingOut = false;
  private systemDark = $state(false);
  private toastSeq = 0;
  private photoCommand: ((command: string) => void) | null = null;

  theme = $derived<ThemeChoice>(this.settings.theme ?? readStoredTheme());
  resolvedTheme = $derived<'light' | 'dark'>(this.theme === 'system' ? (this.systemDark ? 'dark' : 'light') : this.theme);
  hasRoots = $derived((this.status?.roots.length ?? 0) > 0);
  hasModel = $derived(!!this.status?.model);
  isDesktop: boolean;

  constructor(readonly api: SoutuApi) {
    this.isDesktop = api.transport === 'electron';
    const mq = window.matchMedia('(prefers-color-scheme: dark)');
    this.systemDark = mq.matches;
    mq.addEventListener('change', (e) => (this.systemDark = e.matches));
    window.addEventListener('hashchange', () => (this.page = pageFromHash()));
  }

  async init(): Promise<void> {
    this.api.on('library:changed', (s) => {
      this.status = s;
      if (s.model) this.download = null;
    });
    this.api.on('model:download', (d) => (this.download = d));
    this.api.on('index:progress', () => (this.download = null));
    this.api.on('app:warning', (w) => this.toast(w.message, 'info'));
    if (this.api instanceof HttpApi) this.api.onConnection((ok) => (this.online = ok));
    try {
      const [status, settings] = await Promise.all([this.api.call('library:status', {}), this.api.call('settings:get', {})]);
      this.status = status;
      this.settings = settings ?? {};
      this.savedLanguage = settings?.language ?? null;
      if (settings?.language) i18n.set(settings.language);
      if (settings?.theme) storeTheme(settings.theme);
      this.loadError = null;
    } catch (err) {
      this.loadError = messageOf(err);
    } finally {
      this.loaded = true;
    }
  }

  async refreshStatus(): Promise<void> {
    try {
      this.status = await this.api.call('library:status', {});
    } catch (err) {
      this.error(err);
    }
  }

  go(page: Page): void {
    if (page === this.page) return;
    location.hash = page === 'search' ? '' : `/${page}`;
    this.page = page;
  }

  async updateSettings(patch: Settings): Promise<void> {
    const before = this.settings;
    this.settings = { ...before, ...patch };
    if (patch.language) i18n.set(patch.language as Lang);
    if (patch.theme) storeTheme(patch.theme);
    try {
      this.settings = await this.api.call('settings:set', patch);
      this.savedLanguage = this.settings.language ?? this.savedLanguage;
    } catch (err) {
      this.settings = before;
      this.error(err);
    }
  }

  /** The search page registers what the menu's photo commands (find similar, reveal, open) act on. */
  onPhotoCommand(fn: (command: string) => void): () => void {
    this.photoCommand = fn;
    return () => {
      if (this.photoCommand === fn) this.photoCommand = null;
    };
  }

  photoMenuCommand(command: string): void {
    this.photoCommand?.(command);
  }

  toast(text: string, kind: Toast['kind'] = 'info'): void {
    const id = ++this.toastSeq;
    this.toasts = [...this.toasts.slice(-3), { id, kind, text }];
    setTimeout(() => this.dismiss(id), kind === 'error' ? 8000 : 5000);
  }

  /** A notice with an Undo button; `undo` runs at most once (button or Ctrl/⌘+Z), then the notice goes. */
  toastWithUndo(text: string, undo: () => void | Promise<void>): void {
    const id = ++this.toastSeq;
    let done = false;
    const run = () => {
      if (done) return;
      done = true;
      this.dismiss(id);
      void Promise.resolve()
        .then(undo)
        .catch((err: unknown) => this.error(err));
    };
    this.toasts = [...this.toasts.slice(-3), { id, kind: 'info', text, undo: run }];
    setTimeout(() => this.dismiss(id), 10_000);
  }

  /** Ctrl/⌘+Z: undoes the newest action whose notice is still showing. Returns false when there is none. */
  undoLast(): boolean {
    const last = [...this.toasts].reverse().find((x) => x.undo);
    if (!last?.undo) return false;
    last.undo();
    return true;
  }

  dismiss(id: number): void {
    this.toasts = this.toasts.filter((t) => t.id !== id);
  }

  error(err: unknown): void {
    this.toast(messageOf(err), 'error');
  }
}

/** A sentence for an error. Those this UI makes itself (no connection, an answer without a message) are in
 *  the interface language; the engine's own messages are shown as they come (see the report on issue 16). */
export function messageOf(err: unknown): string {
  if (err instanceof CallError) {
    if (err.code === 'network') return t('errors.network');
    return err.message || t('errors.status', { status: err.status ?? '?' });
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

function readStoredTheme(): ThemeChoice {
  try {
    const v = localStorage.getItem(THEME_KEY);
    if (v === 'light' || v === 'dark' || v === 'system') return v;
  } catch {
    // no storage
  }
  return 'system';
}

function storeTheme(theme: ThemeChoice): void {
  try {
    localStorage.setItem(THEME_KEY, theme);
  } catch {
    // no storage
  }
}
