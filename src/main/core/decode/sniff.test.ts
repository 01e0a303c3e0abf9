import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IMAGE_EXTENSIONS, looksLikeText, sniffImageFormat } from './sniff';
import { SHARED_FIXTURES } from '../testing/fixtures';

const FIXTURES = SHARED_FIXTURES;
const bytes = (...xs: (number | string)[]) =>
  Uint8Array.from(xs.flatMap((x) => (typeof x === 'string' ? [...Buffer.from(x, 'latin1')] : [x])));

describe('sniffImageFormat', () => {
  it.each([
    ['jpeg', bytes(0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'JFIF')],
    ['png', bytes(0x89, 'PNG', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 'IHDR')],
    ['gif', bytes('GIF89a', 1, 0, 1, 0)],
    ['gif', bytes('GIF87a', 1, 0, 1, 0)],
    ['webp', bytes('RIFF', 0x24, 0, 0, 0, 'WEBPVP8 ')],
    ['avif', bytes(0, 0, 0, 0x1c, 'ftypavif', 0, 0, 0, 0, 'avifmif1miaf')],
    ['avif', bytes(0, 0, 0, 0x20, 'ftypmif1', 0, 0, 0, 0, 'mif1avifmiafMA1B')],
    ['heif', bytes(0, 0, 0, 0x18, 'ftypheic', 0, 0, 0, 0, 'mif1heic')],
    ['heif', bytes(0, 0, 0, 0x18, 'ftypmif1', 0, 0, 0, 0, 'mif1heic')],
    ['tiff', bytes('II*', 0, 8, 0, 0, 0)],
    ['tiff', bytes('MM', 0, '*', 0, 0, 0, 8)],
    ['bmp', bytes('BM', 0x36, 0, 0, 0, 0, 0, 0, 0, 0x36, 0, 0, 0, 40, 0, 0, 0)],
    ['jp2', bytes(0, 0, 0, 0x0c, 'jP  ', 0x0d, 0x0a, 0x87, 0x0a)],
    ['jp2', bytes(0xff, 0x4f, 0xff, 0x51, 0, 0x2f)],
  ])('recognises %s', (format, head) => {
    expect(sniffImageFormat(head)).toBe(format);
  });

  it.each([
    ['empty', bytes()],
    ['text', bytes('hello, world')],
    ['text starting with BM', bytes('BMW owners club newsletter')],
    ['a video', bytes(0, 0, 0, 0x18, 'ftypmp42', 0, 0, 0, 0, 'isommp42')],
    ['two bytes of JPEG', bytes(0xff, 0xd8)],
  ])('returns null for %s', (_name, head) => {
    expect(sniffImageFormat(head)).toBeNull();
  });

  it('agrees with the fixture photos, whatever their extension says', () => {
    const expected: Record<string, string> = {
      'odd/png_with_jpg_extension.jpg': 'png',
      'odd/jpeg_with_png_extension.png': 'jpeg',
      'odd/heic_iphone_flower.HEIC': 'heif',
      'odd/avif_irot90_drawing.avif': 'avif',
      'odd/jpeg2000_relax.jp2': 'jp2',
      'odd/mpo_frozen_pond.mpo': 'jpeg',
      'odd/lossy_blossom_tree.webp': 'webp',
      'odd/multipage_fax.tif': 'tiff',
      'bad/text_file_named.jpg': 'null',
    };
    for (const [path, format] of Object.entries(expected)) {
      expect(String(sniffImageFormat(readFileSync(join(FIXTURES, path)).subarray(0, 64))), path).toBe(format);
    }
    for (const name of readdirSync(join(FIXTURES, 'photos'))) {
      expect(sniffImageFormat(readFileSync(join(FIXTURES, 'photos', name)).subarray(0, 64)), name).not.toBeNull();
    }
  });
});

describe('looksLikeText', () => {
  it('tells text from binary', () => {
    expect(looksLikeText(Buffer.from('Just some notes\r\n\twith tabs and ünïcödé 中文\n'))).toBe(true);
    expect(looksLikeText(Buffer.from('{"json": true}'))).toBe(true);
    expect(looksLikeText(Buffer.from([0xff, 0xfe, 0x41, 0x00]))).toBe(true); // UTF-16 BOM
    expect(looksLikeText(Buffer.from([0x41, 0x00, 0x42]))).toBe(false);
    expect(looksLikeText(Buffer.from([0x41, 0xc3]))).toBe(true); // cut inside a UTF-8 sequence
    expect(looksLikeText(Buffer.from([0x41, 0xff, 0xfe, 0x42]))).toBe(false);
    expect(looksLikeText(new Uint8Array(0))).toBe(false);
    expect(looksLikeText(readFileSync(join(FIXTURES, 'photos/china_pagoda.jpg')).subarray(0, 512))).toBe(false);
  });
});

describe('IMAGE_EXTENSIONS', () => {
  it('lists lower-case extensions without dots', () => {
    for (const ext of ['jpg', 'jpeg', 'jpe', 'png', 'webp', 'avif', 'gif', 'tif', 'tiff', 'heic', 'heif', 'bmp', 'mpo']) {
      expect(IMAGE_EXTENSIONS.has(ext), ext).toBe(true);
    }
    for (const ext of IMAGE_EXTENSIONS) expect(ext).toMatch(/^[a-z0-9]+$/);
    expect(IMAGE_EXTENSIONS.has('txt')).toBe(false);
  });
});
