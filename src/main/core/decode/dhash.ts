// dHash of a photo, from the RGB pixels the decoder already holds: luma averaged over a 9×8 grid of cells, one bit
// per horizontal neighbour pair (16 hex digits). Survives resizing and re-compression; tells two different shots of
// one scene apart far better than CLIP vectors, which call them "the same thing". Computed here in one pass over
// the working buffer (about 0.3 ms for 430×320) rather than by decoding the WebP thumbnail again (6 ms a photo).
import sharp from 'sharp';

const COLS = 9;
const ROWS = 8;

/** dHash of packed 8-bit RGB (or RGBA, `channels` 4) pixels, row-major without padding. */
export function differenceHash(data: Uint8Array, width: number, height: number, channels = 3): string {
  if (width < 1 || height < 1 || data.length < width * height * channels) throw new Error('differenceHash: buffer smaller than width × height');
  const sums = new Float64Array(COLS * ROWS);
  const counts = new Float64Array(COLS * ROWS);
  // Column of each x, computed once.
  const colOf = new Uint8Array(width);
  for (let x = 0; x < width; x++) colOf[x] = Math.min(COLS - 1, Math.floor((x * COLS) / width));
  for (let y = 0; y < height; y++) {
    const rowBase = Math.min(ROWS - 1, Math.floor((y * ROWS) / height)) * COLS;
    let o = y * width * channels;
    for (let x = 0; x < width; x++, o += channels) {
      // Rec. 601 luma in integer weights (sum 1000).
      sums[rowBase + colOf[x]] += 299 * data[o] + 587 * data[o + 1] + 114 * data[o + 2];
      counts[rowBase + colOf[x]]++;
    }
  }
  let hex = '';
  for (let r = 0; r < ROWS; r++) {
    let byte = 0;
    for (let c = 0; c < COLS - 1; c++) {
      const i = r * COLS + c;
      // A cell can be empty only when the image is narrower or shorter than the grid; it then copies its neighbour.
      const left = counts[i] > 0 ? sums[i] / counts[i] : 0;
      const right = counts[i + 1] > 0 ? sums[i + 1] / counts[i + 1] : left;
      byte = (byte << 1) | (left > right ? 1 : 0);
    }
    hex += byte.toString(16).padStart(2, '0');
  }
  return hex;
}

/** Bits that differ between two hex hashes of equal length. */
export function hammingHex(a: string, b: string): number {
  let d = 0;
  for (let i = 0; i < a.length; i += 8) {
    let x = (parseInt(a.slice(i, i + 8), 16) ^ parseInt(b.slice(i, i + 8), 16)) >>> 0;
    while (x) {
      x &= x - 1;
      d++;
    }
  }
  return d;
}

/** dHash of an image file (a thumbnail), decoded by sharp: for rehashing photos indexed by an older hash. */
export async function dhashOfImageFile(file: string): Promise<string> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return differenceHash(data, info.width, info.height, info.channels);
}
