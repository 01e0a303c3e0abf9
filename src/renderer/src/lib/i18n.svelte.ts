// i18next behind a rune: components call t(), which reads the current language, so every string
// re-renders when the language changes. zh-CN and en; the default follows the browser/OS language.
import i18next from 'i18next';
import en from '../locales/en';
import zhCN from '../locales/zh-CN';

export type Lang = 'zh-CN' | 'en';
export const LANGS: readonly Lang[] = ['zh-CN', 'en'];
const STORAGE_KEY = 'soutu.language';

export function detectLanguage(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'zh-CN' || saved === 'en') return saved;
  } catch {
    // no storage
  }
  const prefs = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const l of prefs) {
    const low = (l ?? '').toLowerCase();
    if (low.startsWith('zh')) return 'zh-CN';
    if (low.startsWith('en')) return 'en';
  }
  return 'en';
}

class I18n {
  lang = $state<Lang>('en');

  constructor() {
    const lng = typeof navigator === 'undefined' ? 'en' : detectLanguage();
    void i18next.init({
      resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
      lng,
      fallbackLng: 'en',
      supportedLngs: ['zh-CN', 'en'],
      interpolation: { escapeValue: false },
      initAsync: false,
      returnNull: false,
    });
    this.lang = lng;
  }

  /** Translates `key`; reading `lang` makes the caller reactive to language changes. */
  t = (key: string, opts?: Record<string, unknown>): string => {
    void this.lang;
    return i18next.t(key, opts ?? {}) as string;
  };

  set(lang: Lang): void {
    if (lang === this.lang) return;
    void i18next.changeLanguage(lang);
    this.lang = lang;
    try {
      localStorage.setItem(STORAGE_KEY, lang);
    } catch {
      // no storage
    }
    document.documentElement.lang = lang;
  }
}

export const i18n = new I18n();
export const t = i18n.t;
