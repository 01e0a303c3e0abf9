import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

type Lang = 'en' | 'zh';
type PerLang = Partial<Record<Lang, string[]>>;
interface Concept {
  id: string;
  en: string;
  zh: string;
  group: string;
  prompts?: PerLang;
  aliases?: PerLang;
}
interface Vocabulary {
  version: number;
  templates: Record<Lang, string[]>;
  background: Record<Lang, string[]>;
  concepts: Concept[];
}

const vocab = JSON.parse(
  readFileSync(new URL('./vocabulary.json', import.meta.url), 'utf8'),
) as Vocabulary;

const GROUPS = new Set([
  'scene', 'weather', 'animal', 'food', 'people', 'event', 'document',
  'vehicle', 'plant', 'object', 'indoor', 'sport', 'art',
]);
const LANGS: Lang[] = ['en', 'zh'];

const nonEmpty = (s: unknown): boolean => typeof s === 'string' && s.trim().length > 0;

describe('resources/vocabulary.json', () => {
  it('has version 1 and only the known top-level keys', () => {
    expect(vocab.version).toBe(1);
    expect(Object.keys(vocab).sort()).toEqual(['background', 'concepts', 'templates', 'version']);
  });

  it('has 4–6 templates per language, each containing exactly one {}', () => {
    for (const lang of LANGS) {
      const t = vocab.templates[lang];
      expect(t.length).toBeGreaterThanOrEqual(4);
      expect(t.length).toBeLessThanOrEqual(6);
      expect(new Set(t).size).toBe(t.length);
      for (const tpl of t) expect(tpl.split('{}').length - 1, tpl).toBe(1);
    }
  });

  it('has generic background prompts per language, without placeholders', () => {
    for (const lang of LANGS) {
      const b = vocab.background[lang];
      expect(b.length).toBeGreaterThanOrEqual(3);
      for (const p of b) {
        expect(nonEmpty(p)).toBe(true);
        expect(p).not.toContain('{}');
      }
    }
  });

  it('has at least 300 concepts', () => {
    expect(vocab.concepts.length).toBeGreaterThanOrEqual(300);
  });

  it('gives every concept a kebab-case id, non-empty labels and a known group', () => {
    for (const c of vocab.concepts) {
      expect(c.id, JSON.stringify(c)).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(nonEmpty(c.en), c.id).toBe(true);
      expect(nonEmpty(c.zh), c.id).toBe(true);
      expect(c.en, c.id).toBe(c.en.trim());
      expect(c.zh, c.id).toBe(c.zh.trim());
      expect(GROUPS.has(c.group), `${c.id}: ${c.group}`).toBe(true);
      const extra = Object.keys(c).filter((k) => !['id', 'en', 'zh', 'group', 'prompts', 'aliases'].includes(k));
      expect(extra, c.id).toEqual([]);
    }
  });

  it('uses every group', () => {
    const used = new Set(vocab.concepts.map((c) => c.group));
    expect([...GROUPS].filter((g) => !used.has(g))).toEqual([]);
  });

  it('has unique ids, en labels and zh labels', () => {
    const dupes = (xs: string[]) => xs.filter((x, i) => xs.indexOf(x) !== i);
    expect(dupes(vocab.concepts.map((c) => c.id))).toEqual([]);
    expect(dupes(vocab.concepts.map((c) => c.en.toLowerCase()))).toEqual([]);
    expect(dupes(vocab.concepts.map((c) => c.zh))).toEqual([]);
  });

  it('has well-formed optional prompts and aliases', () => {
    for (const c of vocab.concepts) {
      for (const field of ['prompts', 'aliases'] as const) {
        const v = c[field];
        if (v === undefined) continue;
        const keys = Object.keys(v);
        expect(keys.length, `${c.id}.${field}`).toBeGreaterThan(0);
        for (const k of keys) {
          expect(LANGS as string[], `${c.id}.${field}.${k}`).toContain(k);
          const list = v[k as Lang]!;
          expect(Array.isArray(list) && list.length > 0, `${c.id}.${field}.${k}`).toBe(true);
          for (const s of list) {
            expect(nonEmpty(s), `${c.id}.${field}.${k}`).toBe(true);
            expect(s, `${c.id}.${field}.${k}`).not.toContain('{}');
          }
        }
      }
    }
  });

  it('never uses an alias that is another concept’s label or alias', () => {
    for (const lang of LANGS) {
      const owner = new Map<string, string>();
      for (const c of vocab.concepts) owner.set(c[lang].toLowerCase(), c.id);
      const aliasOwner = new Map<string, string>();
      for (const c of vocab.concepts) {
        for (const a of c.aliases?.[lang] ?? []) {
          const key = a.toLowerCase();
          const labelOf = owner.get(key);
          expect(labelOf === undefined, `${c.id} alias "${a}" is the ${lang} label of ${labelOf}`).toBe(true);
          const prev = aliasOwner.get(key);
          expect(prev === undefined || prev === c.id, `alias "${a}" on ${prev} and ${c.id}`).toBe(true);
          aliasOwner.set(key, c.id);
        }
      }
    }
  });

  it('covers the concepts people search their own photos for', () => {
    const byId = new Map(vocab.concepts.map((c) => [c.id, c]));
    const required: Record<string, string> = {
      document: 'document',
      screenshot: 'document',
      'chat-screenshot': 'document',
      receipt: 'document',
      invoice: 'document',
      whiteboard: 'document',
      'business-card': 'document',
      'id-card': 'document',
      'qr-code': 'document',
      beach: 'scene',
      sunset: 'scene',
      'city-night': 'scene',
      snow: 'weather',
      cat: 'animal',
      dog: 'animal',
      'hot-pot': 'food',
      selfie: 'people',
      'group-photo': 'people',
      wedding: 'event',
      car: 'vehicle',
      flower: 'plant',
      kitchen: 'indoor',
      basketball: 'sport',
      calligraphy: 'art',
    };
    for (const [id, group] of Object.entries(required)) {
      expect(byId.get(id)?.group, id).toBe(group);
    }
    expect(byId.get('receipt')?.zh).toBe('小票');
    expect(byId.get('screenshot')?.zh).toBe('截图');
    expect(byId.get('sunset')?.aliases?.zh).toEqual(expect.arrayContaining(['夕阳', '落日']));
  });

  it('renders a sensible prompt for every concept in both languages', () => {
    for (const c of vocab.concepts) {
      for (const lang of LANGS) {
        const prompts = c.prompts?.[lang] ?? vocab.templates[lang].map((t) => t.replace('{}', c[lang]));
        expect(prompts.length, `${c.id}/${lang}`).toBeGreaterThan(0);
        for (const p of prompts) expect(p.length, `${c.id}/${lang}`).toBeLessThan(120);
      }
    }
  });
});
