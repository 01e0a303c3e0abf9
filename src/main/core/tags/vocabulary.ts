// The bilingual concept vocabulary behind auto-tagged albums: the bundled resources/vocabulary.json, or a
// library's custom one (a plain JSON array of {en, zh} concepts), validated and normalised to one shape.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { SoutuError } from '../errors.js';

const conceptSchema = z.object({
  id: z.string().min(1).max(80).optional(),
  en: z.string().trim().min(1).max(120),
  zh: z.string().trim().min(1).max(60),
  group: z.string().max(40).optional(),
  prompts: z.object({ en: z.array(z.string().min(1).max(300)).max(20).optional(), zh: z.array(z.string().min(1).max(300)).max(20).optional() }).optional(),
  aliases: z.object({ en: z.array(z.string().min(1).max(120)).max(20).optional(), zh: z.array(z.string().min(1).max(60)).max(20).optional() }).optional(),
});
export type ConceptInput = z.infer<typeof conceptSchema>;

const templatesSchema = z.object({
  en: z.array(z.string().includes('{}')).min(1).max(20),
  zh: z.array(z.string().includes('{}')).min(1).max(20),
});

const vocabularySchema = z.union([
  z.object({
    version: z.number().int().optional(),
    templates: templatesSchema.optional(),
    background: z.object({ en: z.array(z.string().min(1)).min(1), zh: z.array(z.string().min(1)).min(1) }).optional(),
    concepts: z.array(conceptSchema).min(1).max(5000),
  }),
  z.array(conceptSchema).min(1).max(5000),
]);

export interface Concept {
  id: string;
  en: string;
  zh: string;
  group: string;
  prompts: { en: string[]; zh: string[] };
  aliases: { en: string[]; zh: string[] };
  user?: boolean;
}

export interface Vocabulary {
  templates: { en: string[]; zh: string[] };
  background: { en: string[]; zh: string[] };
  concepts: Concept[];
  /** Content hash: concept vectors are cached per model and vocabulary. */
  hash: string;
}

export const DEFAULT_TEMPLATES = {
  en: ['a photo of {}.', 'a picture of {}.', 'a close-up photo of {}.', 'a good photo of {}.'],
  zh: ['一张{}的照片。', '{}的照片', '一张关于{}的图片'],
};
export const DEFAULT_BACKGROUND = {
  en: ['a photo.', 'an image.', 'a picture of something.', 'a photo of an object.'],
  zh: ['一张照片。', '一张图片。', '某样东西的照片。'],
};

function slug(s: string): string {
  return s.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60);
}

export function parseVocabulary(raw: unknown): Vocabulary {
  const r = vocabularySchema.safeParse(raw);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new SoutuError('bad-request', `Invalid vocabulary: ${first.path.join('.') || 'root'}: ${first.message}. Expected a JSON array like [{"en":"red","zh":"红"}].`);
  }
  const v = Array.isArray(r.data) ? { concepts: r.data } : r.data;
  const seen = new Set<string>();
  const concepts: Concept[] = v.concepts.map((c) => {
    let id = c.id ?? (slug(c.en) || createHash('sha1').update(c.zh).digest('hex').slice(0, 8));
    while (seen.has(id)) id += '-2';
    seen.add(id);
    return {
      id,
      en: c.en,
      zh: c.zh,
      group: c.group ?? 'custom',
      prompts: { en: c.prompts?.en ?? [], zh: c.prompts?.zh ?? [] },
      aliases: { en: c.aliases?.en ?? [], zh: c.aliases?.zh ?? [] },
    };
  });
  const templates = ('templates' in v && v.templates) || DEFAULT_TEMPLATES;
  const background = ('background' in v && v.background) || DEFAULT_BACKGROUND;
  const hash = createHash('sha1').update(JSON.stringify({ templates, background, concepts })).digest('hex').slice(0, 12);
  return { templates, background, concepts, hash };
}

export async function loadVocabulary(file: string): Promise<Vocabulary> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new SoutuError('io', `Cannot read the vocabulary ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseVocabulary(raw);
}

/** Finds resources/vocabulary.json from the source tree, the CLI bundle (out/cli) or a packaged app. */
export function defaultVocabularyPath(): string {
  const candidates: string[] = [];
  if (process.env.SOUTU_RESOURCES) candidates.push(path.join(process.env.SOUTU_RESOURCES, 'vocabulary.json'));
  const resourcesPath = (process as unknown as { resourcesPath?: string }).resourcesPath;
  if (resourcesPath) candidates.push(path.join(resourcesPath, 'resources', 'vocabulary.json'), path.join(resourcesPath, 'vocabulary.json'));
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    candidates.push(path.join(dir, 'resources', 'vocabulary.json'));
    dir = path.dirname(dir);
  }
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new SoutuError('io', 'The bundled vocabulary (resources/vocabulary.json) is missing from this installation.');
  return found;
}

/** The prompts whose text vectors are averaged into one concept vector. */
export function conceptPrompts(c: Concept, v: Vocabulary, languages: readonly ('en' | 'zh')[]): string[] {
  const out: string[] = [];
  for (const lang of languages) {
    const own = c.prompts[lang];
    if (own.length > 0) out.push(...own);
    else out.push(...v.templates[lang].map((t) => t.replace('{}', lang === 'en' ? c.en : c.zh)));
  }
  return out;
}

/** True when `label` names the concept in either language (case-insensitive, aliases included). */
export function conceptMatches(c: Concept, label: string): boolean {
  const l = label.trim().toLowerCase();
  return [c.id, c.en, c.zh, ...c.aliases.en, ...c.aliases.zh].some((x) => x.toLowerCase() === l);
}
