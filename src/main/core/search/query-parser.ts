// The query language: rclip-style arithmetic over text terms, e.g. 「海边 + 日落 - 人」, "2:cat + dog",
// "red - 0.5:yellow". Image terms (query chips) are added by the caller with their own weights.

export interface QueryTerm {
  text: string;
  /** Signed weight: "- x" gives -1, "2:x" gives 2, "- 2:x" gives -2. */
  weight: number;
}

const WEIGHTED = /^(\d+(?:\.\d+)?)\s*:\s*(.+)$/s;
const CJK = /[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]/;

/**
 * Splits a query into signed terms. '+' always separates; '-' separates when it stands between spaces, at the
 * start, or between CJK characters (so "t-shirt" and "wi-fi" stay whole words).
 */
export function parseQuery(query: string): QueryTerm[] {
  const q = query.trim();
  const parts: { sign: 1 | -1; text: string }[] = [];
  let sign: 1 | -1 = 1;
  let buf = '';
  for (let i = 0; i < q.length; i++) {
    const ch = q[i];
    const prev = q[i - 1] ?? ' ';
    const next = q[i + 1] ?? ' ';
    const isOp =
      ch === '+' ||
      ch === '＋' ||
      ((ch === '-' || ch === '－') && (buf.trim() === '' || /\s/.test(prev) || /\s/.test(next) || (CJK.test(prev) && CJK.test(next))));
    if (isOp) {
      if (buf.trim()) parts.push({ sign, text: buf.trim() });
      else if (parts.length === 0 && buf.trim() === '' && (ch === '+' || ch === '＋')) {
        // a leading '+' is just noise
      }
      sign = ch === '-' || ch === '－' ? -1 : 1;
      buf = '';
      continue;
    }
    buf += ch;
  }
  if (buf.trim()) parts.push({ sign, text: buf.trim() });
  return parts.map(({ sign: s, text }) => {
    const m = WEIGHTED.exec(text);
    if (m) return { text: m[2].trim(), weight: s * Number(m[1]) };
    return { text, weight: s };
  });
}

export function isArithmetic(terms: QueryTerm[]): boolean {
  return terms.length > 1 || (terms.length === 1 && terms[0].weight !== 1);
}

/** Keyword tokens for filename/folder matching: words of ≥2 characters, CJK runs kept whole. */
export function keywordTokens(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[\s,，、。;；:：!！?？"'“”‘’()（）[\]【】]+/)
    .map((t) => t.trim())
    .filter((t) => t.length >= 2 || CJK.test(t));
}

/**
 * Pulls the text-only filters out of a query: `text:"boarding pass"`, `text:发票` (also 文字: and the full-width
 * colon). They match only the text read in photos; what remains is searched by meaning, names and text together.
 */
export function extractTextFilters(query: string): { rest: string; text: string[] } {
  const text: string[] = [];
  const rest = query.replace(/(?:^|\s)(?:text|文字)[:：]\s*(?:"([^"]+)"|“([^”]+)”|「([^」]+)」|(\S+))/gi, (_m, a, b, c, d) => {
    const t = String(a ?? b ?? c ?? d ?? '').trim();
    if (t) text.push(t);
    return ' ';
  });
  return { rest: rest.replace(/\s+/g, ' ').trim(), text };
}
