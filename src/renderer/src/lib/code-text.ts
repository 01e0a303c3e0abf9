// A translated sentence with commands in it ("run {{cmd}}"): split into plain parts and code parts, so the
// command shows as code (and is not the interface's to translate) while the sentence around it is translated.

export interface TextPart {
  text: string;
  code: boolean;
}

const OPEN = '\u0001';
const CLOSE = '\u0002';

/**
 * Translates `key` with each of `codes` put in as a code part. `translate` is the i18n function (passed in so
 * this stays testable without i18next); other placeholders go in `values` as usual.
 */
export function codeText(
  translate: (key: string, values?: Record<string, unknown>) => string,
  key: string,
  codes: Record<string, string>,
  values: Record<string, unknown> = {},
): TextPart[] {
  const marked = Object.fromEntries(Object.keys(codes).map((name) => [name, `${OPEN}${name}${CLOSE}`]));
  const s = translate(key, { ...values, ...marked });
  const parts: TextPart[] = [];
  const re = new RegExp(`${OPEN}(\\w+)${CLOSE}`, 'g');
  let at = 0;
  for (const m of s.matchAll(re)) {
    if (m.index > at) parts.push({ text: s.slice(at, m.index), code: false });
    parts.push({ text: codes[m[1]] ?? m[0], code: true });
    at = m.index + m[0].length;
  }
  if (at < s.length) parts.push({ text: s.slice(at), code: false });
  return parts;
}
