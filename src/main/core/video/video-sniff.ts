// Recognises video containers by their first bytes (ISO-BMFF brands, QuickTime atoms, EBML doc type, RIFF AVI),
// so files are judged by content rather than by name, and lists the file name extensions the scanner offers as videos.

export type SniffedVideo = 'mp4' | 'mov' | 'm4v' | '3gp' | 'webm' | 'mkv' | 'avi';

/** Lower-case file name extensions (no dot) that the scanner offers to the video engine. */
export const VIDEO_EXTENSIONS: ReadonlySet<string> = new Set(['mp4', 'mov', 'm4v', '3gp', 'webm', 'mkv', 'avi']);

/** Bytes of the file head that `sniffVideoFormat` may look at (EBML puts the doc type a little way in). */
export const VIDEO_SNIFF_BYTES = 256;

// Still-image brands of the same box format: a HEIC or AVIF must never be taken for a video.
const IMAGE_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs', 'mif1', 'mif2', 'msf1', 'avif', 'avis', 'jp2 ', 'jpx ', 'crx ']);
const QT_BRANDS = new Set(['qt  ']);
const M4V_BRANDS = new Set(['M4V ', 'M4VH', 'M4VP']);
const THREE_GP = /^3g[gp2][0-9a-z]$/i;
// Audio-only MP4 brands: the box format is the same, but there is no picture to index.
const AUDIO_BRANDS = new Set(['M4A ', 'M4B ', 'M4P ', 'F4A ', 'F4B ']);
// QuickTime files from old cameras start with these atoms instead of ftyp.
const QT_FIRST_ATOMS = new Set(['moov', 'mdat', 'wide', 'free', 'skip', 'pnot']);

function ascii(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end && i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

function isoBmff(head: Uint8Array): SniffedVideo | null {
  const boxSize = ((head[0] << 24) | (head[1] << 16) | (head[2] << 8) | head[3]) >>> 0;
  const major = ascii(head, 8, 12);
  const compatible: string[] = [];
  for (let at = 16; at + 4 <= Math.min(boxSize, head.length); at += 4) compatible.push(ascii(head, at, at + 4));
  if (IMAGE_BRANDS.has(major) || AUDIO_BRANDS.has(major)) return null;
  if (QT_BRANDS.has(major)) return 'mov';
  if (M4V_BRANDS.has(major)) return 'm4v';
  if (THREE_GP.test(major)) return '3gp';
  // A generic major brand (isom, mp41, mp42, avc1, dash, ...) with only image brands after it is an image sequence.
  if (compatible.length > 0 && compatible.every((b) => IMAGE_BRANDS.has(b))) return null;
  return 'mp4';
}

/** Walks EBML's header element for the DocType string ("webm" or "matroska"). */
function ebmlDocType(head: Uint8Array): string | null {
  // DocType is element 0x4282 inside the EBML header; the header is small, so a linear search is enough.
  for (let i = 4; i + 3 < head.length; i++) {
    if (head[i] !== 0x42 || head[i + 1] !== 0x82) continue;
    const lenByte = head[i + 2];
    // One-byte size (0x80 | n) is what every muxer writes for this short string.
    if ((lenByte & 0x80) === 0) continue;
    const n = lenByte & 0x7f;
    if (n === 0 || i + 3 + n > head.length) continue;
    return ascii(head, i + 3, i + 3 + n).replace(/\0+$/, '');
  }
  return null;
}

/** The video container the bytes start with, or null when they match none of those above. */
export function sniffVideoFormat(head: Uint8Array): SniffedVideo | null {
  if (head.length < 12) return null;
  const at4 = ascii(head, 4, 8);
  if (at4 === 'ftyp') return isoBmff(head);
  if (QT_FIRST_ATOMS.has(at4)) return 'mov';
  if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) {
    const doc = ebmlDocType(head);
    return doc === 'webm' ? 'webm' : 'mkv';
  }
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'AVI ') return 'avi';
  return null;
}
