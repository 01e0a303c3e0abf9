// Tells a list that changed by one item (a photo removed from an album, or put back by Undo) from a new
// list, so the grid keeps its scroll position and focus for the first and starts over for the second.

/** Index of the one item removed from or inserted into `prev` to give `next` (compared by identity); -1 otherwise. */
export function singleEdit<T>(prev: readonly T[], next: readonly T[]): number {
  const d = next.length - prev.length;
  if (d !== 1 && d !== -1) return -1;
  const [long, short] = d === 1 ? [next, prev] : [prev, next];
  let i = 0;
  while (i < short.length && short[i] === long[i]) i++;
  for (let k = i; k < short.length; k++) if (short[k] !== long[k + 1]) return -1;
  return i;
}
