// Album names in the language shown, and the type-to-filter of the "Add to album…" picker, which matches
// the Chinese and the English name whatever the interface language (「猫」 and "cat" both find Cats).
import type { AlbumInfo } from '../../../shared/types';

type Named = Pick<AlbumInfo, 'id' | 'tag' | 'zh' | 'count'>;

export function albumName(a: Pick<AlbumInfo, 'tag' | 'zh'>, lang: string): string {
  return lang === 'zh-CN' ? a.zh || a.tag : a.tag || a.zh;
}

/** The name in the other language, when it differs (shown beside the first). */
export function albumOtherName(a: Pick<AlbumInfo, 'tag' | 'zh'>, lang: string): string {
  const other = lang === 'zh-CN' ? a.tag : a.zh;
  return other && other !== albumName(a, lang) ? other : '';
}

function norm(s: string): string {
  return s.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, ' ');
}

/** Albums whose Chinese or English name (or id) contains `query`: exact names first, then prefixes, then the rest; larger albums first within each. */
export function filterAlbums<A extends Named>(albums: readonly A[], query: string): A[] {
  const q = norm(query);
  if (!q) return [...albums].sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag));
  const ranked: { a: A; rank: number }[] = [];
  for (const a of albums) {
    let rank = 3;
    for (const name of [a.zh, a.tag, a.id]) {
      const n = norm(name ?? '');
      if (!n) continue;
      if (n === q) rank = Math.min(rank, 0);
      else if (n.startsWith(q)) rank = Math.min(rank, 1);
      else if (n.includes(q)) rank = Math.min(rank, 2);
    }
    if (rank < 3) ranked.push({ a, rank });
  }
  return ranked.sort((x, y) => x.rank - y.rank || y.a.count - x.a.count || x.a.tag.localeCompare(y.a.tag)).map((r) => r.a);
}

/** True when `query` names one of the albums exactly (so the picker need not offer to create it as a tag). */
export function namesAlbum(albums: readonly Named[], query: string): boolean {
  const q = norm(query);
  return albums.some((a) => [a.zh, a.tag, a.id].some((n) => norm(n ?? '') === q));
}
