// Recognises image formats by their first bytes, so files are judged by content rather than by name,
// and tells text apart from binary for the "not an image" message.

export type SniffedFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'avif' | 'heif' | 'tiff' | 'bmp' | 'jp2';

/** Lower-case file name extensions (no dot) that the scanner offers to the decoder. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([
  'jpg', 'jpeg', 'jpe', 'jfif', 'jfi', 'mpo',
  'png', 'apng',
  'webp',
  'avif',
  'gif',
  'tif', 'tiff',
  'heic', 'heif', 'hif',
  'bmp', 'dib',
  'jp2', 'j2k', 'jpf',
]);

/** Bytes of the file head that `sniffImageFormat` may look at. */
export const SNIFF_BYTES = 64;

const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs', 'mif1', 'mif2', 'msf1']);
const AVIF_BRANDS = new Set(['avif', 'avis']);
const BMP_DIB_SIZES = new Set([12, 16, 40, 52, 56, 64, 108, 124]);

function ascii(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end && i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

function startsWith(b: Uint8Array, sig: readonly number[], at = 0): boolean {
  if (b.length < at + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (b[at + i] !== sig[i]) return false;
  return true;
}

function sniffIsoBmff(head: Uint8Array): SniffedFormat | null {
  const major = ascii(head, 8, 12);
  const boxSize = ((head[0] << 24) | (head[1] << 16) | (head[2] << 8) | head[3]) >>> 0;
  // Compatible brands follow the major brand and minor version; AVIF files may use mif1 as their major brand.
  const brands = [major];
  for (let at = 16; at + 4 <= Math.min(boxSize, head.length); at += 4) brands.push(ascii(head, at, at + 4));
  if (AVIF_BRANDS.has(major)) return 'avif';
  if (HEIF_BRANDS.has(major)) return brands.some((b) => AVIF_BRANDS.has(b)) ? 'avif' : 'heif';
  if (major === 'jp2 ' || major === 'jpx ') return 'jp2';
  if (brands.some((b) => AVIF_BRANDS.has(b))) return 'avif';
  if (brands.some((b) => HEIF_BRANDS.has(b))) return 'heif';
  return null;
}

/** The image format the bytes start with, or null when they match none of the formats above. */
export function sniffImageFormat(head: Uint8Array): SniffedFormat | null {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  const six = ascii(head, 0, 6);
  if (six === 'GIF87a' || six === 'GIF89a') return 'gif';
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return 'webp';
  if (ascii(head, 4, 8) === 'ftyp') return sniffIsoBmff(head);
  if (
    startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a]) ||
    startsWith(head, [0x49, 0x49, 0x2b, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2b])
  ) {
    return 'tiff';
  }
  if (startsWith(head, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a])) return 'jp2';
  if (startsWith(head, [0xff, 0x4f, 0xff, 0x51])) return 'jp2'; // raw JPEG 2000 codestream (.j2k)
  if (head.length >= 18 && head[0] === 0x42 && head[1] === 0x4d) {
    const dib = head[14] | (head[15] << 8) | (head[16] << 16) | (head[17] << 24);
    if (BMP_DIB_SIZES.has(dib)) return 'bmp';
  }
  return null;
}

/** True when the bytes read as text (UTF-8/ASCII with ordinary whitespace, or UTF-16 with a BOM). */
export function looksLikeText(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  if (startsWith(head, [0xff, 0xfe]) || startsWith(head, [0xfe, 0xff])) return true;
  let suspicious = 0;
  for (let i = 0; i < head.length; i++) {
    const c = head[i];
    if (c === 0) return false;
    // Control characters other than tab, newline, form feed, carriage return and escape are rare in text.
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0c && c !== 0x0d && c !== 0x1b) suspicious++;
  }
  if (suspicious > head.length / 100) return false;
  // Bytes >= 0x80 must form valid UTF-8 (a truncated sequence at the very end is fine).
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(trimPartialUtf8(head));
    return true;
  } catch {
    return false;
  }
}

function trimPartialUtf8(b: Uint8Array): Uint8Array {
  const end = b.length;
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const c = b[end - back];
    if ((c & 0xc0) !== 0x80) {
      const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
      return need > back ? b.subarray(0, end - back) : b;
    }
  }
  return b;
}
