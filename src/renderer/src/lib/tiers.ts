// Where "Best matches" end and "More results" begin in a result list: only when the list really is in two
// runs (relevance order), so a date-sorted list, or one tier alone, shows no separator.
import type { SearchHit } from '../../../shared/types';

/** Index of the first "more" hit when every hit before it is "best" and every hit from it on is not; else -1. */
export function tierBreak(hits: readonly Pick<SearchHit, 'tier'>[]): number {
  let i = 0;
  while (i < hits.length && hits[i].tier === 'best') i++;
  if (i === 0 || i === hits.length) return -1;
  for (let k = i; k < hits.length; k++) if (hits[k].tier === 'best') return -1;
  return i;
}
