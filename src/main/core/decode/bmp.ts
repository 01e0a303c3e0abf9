// Windows/OS2 BMP reader for sharp builds without a BMP loader (prebuilt sharp has none): 1/2/4/8-bit
// palettes, 16/24/32-bit (with BI_BITFIELDS masks), RLE4/RLE8, bottom-up and top-down, every common header
// (OS/2 core 12, OS/2 v2 16/64, INFO 40, V2 52, V3 56, V4 108, V5 124). Every read is bounds-checked and the
// declared size is checked against the pixel limit and the file's own length before any big allocation.
// Work yields to the event loop every few milliseconds, so large files do not stall the main thread.

export type BmpErrorCode = 'truncated' | 'corrupt' | 'unsupported' | 'too-large';

export class BmpError extends Error {
  constructor(
    readonly code: BmpErrorCode,
    message: string,
    /** 'too-large': the declared size, and the pixel count allowed when that is what was exceeded. */
    readonly size?: { width: number; height: number; limit?: number },
  ) {
    super(message);
    this.name = 'BmpError';
  }
}

export interface BmpHeader {
  width: number;
  /** Always positive; `topDown` says which way the rows are stored. */
  height: number;
  topDown: boolean;
  bitsPerPixel: number;
  /** 0 RGB, 1 RLE8, 2 RLE4, 3 BITFIELDS, 6 ALPHABITFIELDS (others are refused). */
  compression: number;
  /** Where the pixel data starts. */
  offset: number;
  dibSize: number;
}

export interface BmpImage {
  /** Rows top to bottom, `channels` bytes per pixel (RGB or RGBA, straight alpha). */
  data: Buffer;
  width: number;
  height: number;
  channels: 3 | 4;
}

export interface BmpOptions {
  /** Refuse images declaring more pixels than this. */
  pixelLimit: number;
}

const BI_RGB = 0;
const BI_RLE8 = 1;
const BI_RLE4 = 2;
const BI_BITFIELDS = 3;
const BI_JPEG = 4;
const BI_PNG = 5;
const BI_ALPHABITFIELDS = 6;
const COMPRESSION_NAMES: Record<number, string> = {
  [BI_JPEG]: 'JPEG-compressed', [BI_PNG]: 'PNG-compressed', 11: 'CMYK', 12: 'CMYK RLE8', 13: 'CMYK RLE4',
};
/** RLE can describe a large blank area in a few bytes; beyond this many pixels a byte it is treated as a bomb. */
const RLE_PIXELS_PER_BYTE = 1024;
/** ...unless the whole image is this small anyway. */
const RLE_FREE_PIXELS = 1 << 24;
/** Longest stretch of work between two yields to the event loop. */
const YIELD_MS = 8;

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function u16(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8);
}
function u32(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}
function i32(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24);
}

function need(b: Uint8Array, end: number, what: string): void {
  if (b.length < end) throw new BmpError('truncated', `The BMP file is truncated: it ends inside its ${what}.`);
}

/** Parses the file and DIB headers (needs the first 14 + DIB header size bytes, at most 138). */
export function readBmpHeader(b: Uint8Array): BmpHeader {
  need(b, 18, 'header');
  if (b[0] !== 0x42 || b[1] !== 0x4d) throw new BmpError('corrupt', 'The BMP file is damaged: it does not start with "BM".');
  const offset = u32(b, 10);
  const dibSize = u32(b, 14);
  let width: number;
  let rawHeight: number;
  let bitsPerPixel: number;
  let compression = BI_RGB;
  if (dibSize === 12) {
    need(b, 26, 'header');
    width = u16(b, 18);
    rawHeight = u16(b, 20);
    bitsPerPixel = u16(b, 24);
  } else if (dibSize === 16 || dibSize === 40 || dibSize === 52 || dibSize === 56 || dibSize === 64 || dibSize === 108 || dibSize === 124) {
    need(b, 14 + dibSize, 'header');
    width = i32(b, 18);
    rawHeight = i32(b, 22);
    bitsPerPixel = u16(b, 28);
    if (dibSize >= 40) {
      compression = u32(b, 30);
      // OS/2 2.x reuses 3 and 4 for Huffman 1D and RLE24.
      if (dibSize === 64 && (compression === 3 || compression === 4)) {
        throw new BmpError('unsupported', `OS/2 BMP with ${compression === 3 ? 'Huffman' : 'RLE24'} compression is not supported.`);
      }
    }
  } else {
    throw new BmpError('unsupported', `BMP with a ${dibSize}-byte header is not supported.`);
  }
  if (width <= 0 || rawHeight === 0 || rawHeight === -0x80000000) {
    throw new BmpError('corrupt', `The BMP file is damaged: it declares ${width}×${rawHeight} pixels.`);
  }
  const name = COMPRESSION_NAMES[compression];
  if (name) throw new BmpError('unsupported', `${name} BMP images are not supported.`);
  const valid =
    compression === BI_RGB ? [1, 2, 4, 8, 16, 24, 32].includes(bitsPerPixel)
    : compression === BI_RLE8 ? bitsPerPixel === 8
    : compression === BI_RLE4 ? bitsPerPixel === 4
    : compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS ? bitsPerPixel === 16 || bitsPerPixel === 32
    : false;
  if (!valid) {
    throw new BmpError(compression > BI_ALPHABITFIELDS ? 'unsupported' : 'corrupt',
      compression > BI_ALPHABITFIELDS
        ? `BMP compression type ${compression} is not supported.`
        : `The BMP file is damaged: ${bitsPerPixel} bits per pixel does not go with compression type ${compression}.`);
  }
  return { width, height: Math.abs(rawHeight), topDown: rawHeight < 0, bitsPerPixel, compression, offset, dibSize };
}

/** Bytes per stored row (rows are padded to 4 bytes). */
function strideOf(h: BmpHeader): number {
  return Math.floor((h.bitsPerPixel * h.width + 31) / 32) * 4;
}

/** Throws 'too-large' when the declared size is beyond the limit or impossible for a file of this length. */
export function checkBmpSize(h: BmpHeader, fileLength: number, pixelLimit: number): void {
  const pixels = h.width * h.height;
  if (pixels > pixelLimit) {
    throw new BmpError('too-large', `Refused: the BMP image declares ${h.width}×${h.height} pixels, more than the ${Math.round(pixelLimit / 1e6)} megapixels allowed for BMP images.`, { width: h.width, height: h.height, limit: pixelLimit });
  }
  const rle = h.compression === BI_RLE8 || h.compression === BI_RLE4;
  if (rle && pixels > RLE_FREE_PIXELS && pixels > fileLength * RLE_PIXELS_PER_BYTE) {
    throw new BmpError('too-large', `Refused: the ${fileLength}-byte RLE BMP declares ${h.width}×${h.height} pixels, likely a decompression bomb.`, { width: h.width, height: h.height });
  }
}

interface Masks {
  /** mask, shift, and a table from the masked value to 0..255, for R G B A (A may be absent). */
  channels: { mask: number; shift: number; scale: Uint8Array }[];
  alpha: boolean;
}

function maskChannel(mask: number, what: string): { mask: number; shift: number; scale: Uint8Array } {
  mask >>>= 0;
  let shift = 0;
  while (shift < 32 && ((mask >>> shift) & 1) === 0) shift++;
  const max = mask >>> shift;
  // Contiguous: max + 1 is a power of two. Wider than 16 bits is cut to its top 16 (a 64K-entry table at most).
  if ((max & (max + 1)) !== 0) throw new BmpError('corrupt', `The BMP file is damaged: its ${what} mask 0x${mask.toString(16)} is not contiguous.`);
  let bits = 0;
  while (bits < 32 && max >= 2 ** bits) bits++;
  const drop = Math.max(0, bits - 16);
  const top = max >>> drop;
  const scale = new Uint8Array(top + 1);
  for (let v = 0; v <= top; v++) scale[v] = Math.round((v * 255) / top);
  return { mask, shift: shift + drop, scale };
}

function readMasks(b: Uint8Array, h: BmpHeader): Masks | null {
  if (h.compression === BI_BITFIELDS || h.compression === BI_ALPHABITFIELDS) {
    // In INFO (40-byte) headers the masks follow the header; later headers hold them at the same place.
    const at = 14 + 40;
    const withAlpha = h.compression === BI_ALPHABITFIELDS || h.dibSize >= 56;
    need(b, at + (withAlpha ? 16 : 12), 'colour masks');
    const limit = h.bitsPerPixel === 16 ? 0xffff : 0xffffffff;
    const masks = [u32(b, at), u32(b, at + 4), u32(b, at + 8), withAlpha ? u32(b, at + 12) : 0];
    if (masks.slice(0, 3).some((m) => m === 0) || masks.some((m) => m > limit)) {
      throw new BmpError('corrupt', 'The BMP file is damaged: its colour masks are invalid.');
    }
    const names = ['red', 'green', 'blue', 'alpha'];
    const channels = masks.filter((m) => m !== 0).map((m, i) => maskChannel(m, names[i]));
    return { channels, alpha: channels.length === 4 };
  }
  if (h.bitsPerPixel === 16) {
    return { channels: [0x7c00, 0x03e0, 0x001f].map((m, i) => maskChannel(m, ['red', 'green', 'blue'][i])), alpha: false };
  }
  return null;
}

/** The colour table as 256 RGB entries; indices the file does not define are black. */
function readPalette(b: Uint8Array, h: BmpHeader, masksBytes: number): Uint8Array {
  const palette = new Uint8Array(256 * 3);
  if (h.bitsPerPixel > 8) return palette;
  const entry = h.dibSize === 12 ? 3 : 4;
  const start = 14 + h.dibSize + masksBytes;
  const used = h.dibSize >= 40 ? u32(b, 46) : 0;
  let count = used > 0 && used < 1 << h.bitsPerPixel ? used : 1 << h.bitsPerPixel;
  // The palette ends where the pixels begin; files that declare more colours than they store are common.
  if (h.offset >= start) count = Math.min(count, Math.floor((h.offset - start) / entry));
  count = Math.min(count, Math.floor(Math.max(0, b.length - start) / entry));
  if (count === 0) throw new BmpError(b.length <= start ? 'truncated' : 'corrupt', b.length <= start ? 'The BMP file is truncated: it ends inside its colour table.' : 'The BMP file is damaged: its colour table is missing.');
  for (let i = 0; i < count; i++) {
    const at = start + i * entry;
    palette[i * 3] = b[at + 2];
    palette[i * 3 + 1] = b[at + 1];
    palette[i * 3 + 2] = b[at];
  }
  return palette;
}

/** Decodes a whole BMP file. Throws BmpError with a plain sentence when the file cannot be used. */
export async function decodeBmp(b: Uint8Array, opts: BmpOptions): Promise<BmpImage> {
  const h = readBmpHeader(b);
  checkBmpSize(h, b.length, opts.pixelLimit);
  const masks = readMasks(b, h);
  const masksBytes = h.dibSize === 40 && masks && (h.compression === BI_BITFIELDS || h.compression === BI_ALPHABITFIELDS)
    ? (h.compression === BI_ALPHABITFIELDS ? 16 : 12) : 0;
  const palette = readPalette(b, h, masksBytes);
  const headerEnd = 14 + h.dibSize + masksBytes;
  if (h.offset < headerEnd || h.offset > b.length) {
    if (h.offset > b.length) throw new BmpError('truncated', 'The BMP file is truncated: it ends before its pixel data starts.');
    throw new BmpError('corrupt', 'The BMP file is damaged: its pixel data offset points into the header.');
  }
  if (h.compression === BI_RLE8 || h.compression === BI_RLE4) return decodeRle(b, h, palette);
  return decodePlain(b, h, palette, masks);
}

async function decodePlain(b: Uint8Array, h: BmpHeader, palette: Uint8Array, masks: Masks | null): Promise<BmpImage> {
  const { width, height, bitsPerPixel: bpp } = h;
  const stride = strideOf(h);
  const rowBytes = Math.ceil((bpp * width) / 8);
  const available = b.length - h.offset;
  // Writers that drop the last row's padding are tolerated; anything shorter is cut off.
  if (available < stride * (height - 1) + rowBytes) {
    const rows = Math.max(0, Math.floor(available / stride));
    throw new BmpError('truncated', `The BMP image is truncated: the file holds ${rows} of its ${height} rows of pixels.`);
  }
  const alphaFromByte = bpp === 32 && h.compression === BI_RGB;
  const channels: 3 | 4 = alphaFromByte || masks?.alpha ? 4 : 3;
  const out = Buffer.allocUnsafe(width * height * channels);
  // Plain Uint8Array views keep the row loops monomorphic (Buffer and Uint8Array would make them polymorphic).
  const src = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  const dst = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  // 32-bit masks that each pick a whole byte (the usual BGRA/RGBA/ABGR orders) are copied byte by byte.
  const bytes = bpp === 32 && masks?.channels.every((c) => c.scale.length === 256 && c.shift % 8 === 0)
    ? masks.channels.map((c) => c.shift / 8) : null;
  let alphaSeen = 0;
  const pace = new Pacer();
  for (let r = 0; r < height; r++) {
    const s = h.offset + r * stride;
    const d = (h.topDown ? r : height - 1 - r) * width * channels;
    if (bpp === 24) row24(src, s, dst, d, width);
    else if (alphaFromByte) alphaSeen |= row32(src, s, dst, d, width);
    else if (bytes) alphaSeen |= rowBytePicked(src, s, dst, d, width, bytes, channels);
    else if (masks) alphaSeen |= rowMasked(src, s, dst, d, width, bpp === 32, masks.channels, channels);
    else if (bpp === 8) row8(src, s, dst, d, width, palette);
    else rowPacked(src, s, dst, d, width, bpp, palette);
    if (pace.due()) await pace.yield();
  }
  // An alpha channel that is zero everywhere is an unused byte, not an invisible picture.
  if (channels === 4 && alphaSeen === 0) {
    for (let start = 3; start < dst.length; start += 4 << 20) {
      const end = Math.min(dst.length, start + (4 << 20));
      for (let i = start; i < end; i += 4) dst[i] = 255;
      if (pace.due()) await pace.yield();
    }
  }
  return { data: out, width, height, channels };
}

/** Yields to the event loop once this thread has been busy for a few milliseconds. */
class Pacer {
  private since = performance.now();
  due(): boolean {
    return performance.now() - this.since >= YIELD_MS;
  }
  async yield(): Promise<void> {
    await yieldToLoop();
    this.since = performance.now();
  }
}

function row24(b: Uint8Array, s: number, out: Uint8Array, d: number, width: number): void {
  for (const end = d + width * 3; d < end; d += 3, s += 3) {
    out[d] = b[s + 2];
    out[d + 1] = b[s + 1];
    out[d + 2] = b[s];
  }
}

/** BGRA → RGBA; returns the OR of the alpha bytes. */
function row32(b: Uint8Array, s: number, out: Uint8Array, d: number, width: number): number {
  let alpha = 0;
  for (const end = d + width * 4; d < end; d += 4, s += 4) {
    out[d] = b[s + 2];
    out[d + 1] = b[s + 1];
    out[d + 2] = b[s];
    const a = b[s + 3];
    out[d + 3] = a;
    alpha |= a;
  }
  return alpha;
}

/** 4-byte pixels whose channels are whole bytes at the given positions; returns the OR of the alpha bytes. */
function rowBytePicked(b: Uint8Array, s: number, out: Uint8Array, d: number, width: number, at: number[], channels: number): number {
  const [ir, ig, ib, ia] = at;
  let alpha = 0;
  if (channels === 3) {
    for (const end = d + width * 3; d < end; d += 3, s += 4) {
      out[d] = b[s + ir];
      out[d + 1] = b[s + ig];
      out[d + 2] = b[s + ib];
    }
    return 0;
  }
  for (const end = d + width * 4; d < end; d += 4, s += 4) {
    out[d] = b[s + ir];
    out[d + 1] = b[s + ig];
    out[d + 2] = b[s + ib];
    const a = b[s + ia];
    out[d + 3] = a;
    alpha |= a;
  }
  return alpha;
}

function rowMasked(
  b: Uint8Array, s: number, out: Uint8Array, d: number, width: number, wide: boolean,
  [cr, cg, cb, ca]: Masks['channels'], channels: number,
): number {
  let alpha = 0;
  for (let x = 0; x < width; x++, d += channels) {
    const px = wide ? (b[s] | (b[s + 1] << 8) | (b[s + 2] << 16) | (b[s + 3] << 24)) >>> 0 : b[s] | (b[s + 1] << 8);
    s += wide ? 4 : 2;
    out[d] = cr.scale[(px & cr.mask) >>> cr.shift];
    out[d + 1] = cg.scale[(px & cg.mask) >>> cg.shift];
    out[d + 2] = cb.scale[(px & cb.mask) >>> cb.shift];
    if (ca) {
      const a = ca.scale[(px & ca.mask) >>> ca.shift];
      out[d + 3] = a;
      alpha |= a;
    }
  }
  return alpha;
}

function row8(b: Uint8Array, s: number, out: Uint8Array, d: number, width: number, palette: Uint8Array): void {
  for (const end = d + width * 3; d < end; d += 3, s++) {
    const p = b[s] * 3;
    out[d] = palette[p];
    out[d + 1] = palette[p + 1];
    out[d + 2] = palette[p + 2];
  }
}

/** 1, 2 or 4 bits of palette index, most significant first. */
function rowPacked(b: Uint8Array, s: number, out: Uint8Array, d: number, width: number, bpp: number, palette: Uint8Array): void {
  const perByte = 8 / bpp;
  const idxMask = (1 << bpp) - 1;
  for (let x = 0; x < width; x++, d += 3) {
    const byte = b[s + ((x / perByte) | 0)];
    const p = ((byte >>> (8 - bpp - (x % perByte) * bpp)) & idxMask) * 3;
    out[d] = palette[p];
    out[d + 1] = palette[p + 1];
    out[d + 2] = palette[p + 2];
  }
}

/**
 * RLE8/RLE4: runs, absolute runs, end of line, end of bitmap and delta jumps. Pixels the stream skips (delta,
 * early end of line or bitmap) stay transparent, as in browsers; running out of data before the end of the
 * bitmap is truncation.
 */
async function decodeRle(b: Uint8Array, h: BmpHeader, palette: Uint8Array): Promise<BmpImage> {
  const { width, height } = h;
  const four = h.compression === BI_RLE4;
  const out = Buffer.alloc(width * height * 4);
  const dst = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  const src = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  const pace = new Pacer();
  let pos = h.offset;
  let x = 0;
  let row = 0;
  let ended = false;
  let ops = 0;
  while (row < height && pos + 2 <= src.length) {
    const a = src[pos];
    const c = src[pos + 1];
    pos += 2;
    const rowStart = (h.topDown ? row : height - 1 - row) * width * 4;
    if (a > 0) {
      // Encoded run: a pixels of c (RLE4: its two nibbles alternately).
      const n = Math.min(a, Math.max(0, width - x));
      if (four) paintRun4(dst, rowStart + x * 4, n, palette, c);
      else paintRun(dst, rowStart + x * 4, n, palette, c * 3);
      x += a;
    } else if (c === 0) {
      x = 0;
      row++;
    } else if (c === 1) {
      ended = true;
      break;
    } else if (c === 2) {
      if (pos + 2 > src.length) break;
      x += src[pos];
      row += src[pos + 1];
      pos += 2;
    } else {
      // Absolute run of c pixels, padded to a 16-bit boundary.
      const bytes = four ? Math.ceil(c / 2) : c;
      if (pos + bytes > src.length) break;
      const n = Math.min(c, Math.max(0, width - x));
      paintAbsolute(dst, rowStart + x * 4, n, palette, src, pos, four);
      x += c;
      pos += bytes + (bytes & 1);
    }
    if ((++ops & 1023) === 0 && pace.due()) await pace.yield();
  }
  // Complete: an end-of-bitmap mark, every row ended, or the last row filled without a final mark.
  if (!ended && row < height && !(row === height - 1 && x >= width)) {
    throw new BmpError('truncated', `The BMP image is truncated: its compressed data stops at row ${row + 1} of ${height}.`);
  }
  return { data: out, width, height, channels: 4 };
}

function paintRun(out: Uint8Array, d: number, n: number, palette: Uint8Array, p: number): void {
  const r = palette[p];
  const g = palette[p + 1];
  const bl = palette[p + 2];
  for (const end = d + n * 4; d < end; d += 4) {
    out[d] = r;
    out[d + 1] = g;
    out[d + 2] = bl;
    out[d + 3] = 255;
  }
}

function paintRun4(out: Uint8Array, d: number, n: number, palette: Uint8Array, c: number): void {
  for (let i = 0; i < n; i++, d += 4) {
    const p = (i & 1 ? c & 15 : c >>> 4) * 3;
    out[d] = palette[p];
    out[d + 1] = palette[p + 1];
    out[d + 2] = palette[p + 2];
    out[d + 3] = 255;
  }
}

function paintAbsolute(out: Uint8Array, d: number, n: number, palette: Uint8Array, b: Uint8Array, s: number, four: boolean): void {
  for (let i = 0; i < n; i++, d += 4) {
    const p = (four ? (i & 1 ? b[s + (i >> 1)] & 15 : b[s + (i >> 1)] >>> 4) : b[s + i]) * 3;
    out[d] = palette[p];
    out[d + 1] = palette[p + 1];
    out[d + 2] = palette[p + 2];
    out[d + 3] = 255;
  }
}
