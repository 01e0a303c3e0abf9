// Text the engine sends in either shape: a plain string (one language for everyone), or one string per UI
// language ({ en, 'zh-CN' }, as the model catalog's titles and notes come). Pure: no Svelte, no DOM.

export type UiLang = 'en' | 'zh-CN';
export type LocalizedText = string | Partial<Record<UiLang, string>>;

/** The text in `lang`; else the other language's (English first); '' when there is none. */
export function localized(text: LocalizedText | null | undefined, lang: UiLang): string {
  if (text === null || text === undefined) return '';
  if (typeof text === 'string') return text;
  return text[lang] || text.en || text['zh-CN'] || '';
}
