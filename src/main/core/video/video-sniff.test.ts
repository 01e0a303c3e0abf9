import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_FIXTURES } from '../testing/fixtures.js';
import { sniffVideoFormat, VIDEO_EXTENSIONS } from './video-sniff.js';

const VIDEOS = path.join(path.dirname(SHARED_FIXTURES), 'videos');

function ftyp(major: string, ...compatible: string[]): Uint8Array {
  const size = 16 + 4 * compatible.length;
  const b = Buffer.alloc(Math.max(size, 32));
  b.writeUInt32BE(size, 0);
  b.write('ftyp', 4, 'latin1');
  b.write(major, 8, 'latin1');
  compatible.forEach((c, i) => b.write(c, 16 + 4 * i, 'latin1'));
  return b;
}

function ebml(docType: string): Uint8Array {
  const doc = Buffer.from(docType, 'latin1');
  // EBML header: id, size, EBMLVersion, ..., DocType (0x4282) with a one-byte size.
  return Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0xf7, 0x81, 0x01, 0x42, 0x82, 0x80 | doc.length]), doc, Buffer.alloc(8)]);
}

describe('sniffVideoFormat', () => {
  it('knows ISO-BMFF video brands and refuses still-image and audio ones', () => {
    expect(sniffVideoFormat(ftyp('isom', 'isom', 'iso2', 'avc1', 'mp41'))).toBe('mp4');
    expect(sniffVideoFormat(ftyp('mp42', 'mp42', 'isom'))).toBe('mp4');
    expect(sniffVideoFormat(ftyp('qt  ', 'qt  '))).toBe('mov');
    expect(sniffVideoFormat(ftyp('M4V ', 'M4V ', 'M4A ', 'mp42'))).toBe('m4v');
    expect(sniffVideoFormat(ftyp('3gp4', '3gp4', 'isom'))).toBe('3gp');
    expect(sniffVideoFormat(ftyp('3g2a'))).toBe('3gp');
    expect(sniffVideoFormat(ftyp('heic', 'mif1', 'heic'))).toBeNull();
    expect(sniffVideoFormat(ftyp('mif1', 'mif1', 'heic'))).toBeNull();
    expect(sniffVideoFormat(ftyp('avif', 'avif', 'mif1'))).toBeNull();
    expect(sniffVideoFormat(ftyp('avis', 'avis', 'msf1'))).toBeNull();
    expect(sniffVideoFormat(ftyp('M4A ', 'M4A ', 'mp42'))).toBeNull();
  });

  it('knows QuickTime files without ftyp, Matroska/WebM by doc type, and RIFF AVI', () => {
    const qt = Buffer.alloc(32);
    qt.writeUInt32BE(8, 0);
    qt.write('wide', 4, 'latin1');
    expect(sniffVideoFormat(qt)).toBe('mov');
    expect(sniffVideoFormat(ebml('webm'))).toBe('webm');
    expect(sniffVideoFormat(ebml('matroska'))).toBe('mkv');
    const avi = Buffer.alloc(32);
    avi.write('RIFF', 0, 'latin1');
    avi.write('AVI LIST', 8, 'latin1');
    expect(sniffVideoFormat(avi)).toBe('avi');
    const wav = Buffer.alloc(32);
    wav.write('RIFF', 0, 'latin1');
    wav.write('WAVEfmt ', 8, 'latin1');
    expect(sniffVideoFormat(wav)).toBeNull();
  });

  it('says null for text, images and too few bytes', () => {
    expect(sniffVideoFormat(Buffer.from('hello, this is not a video at all'))).toBeNull();
    expect(sniffVideoFormat(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1]))).toBeNull();
    expect(sniffVideoFormat(Buffer.from([0, 0, 0]))).toBeNull();
  });

  it('recognises every real clip in the shared fixtures as its manifest container', () => {
    const rows = readFileSync(path.join(VIDEOS, 'MANIFEST.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
    expect(rows.length).toBe(readdirSync(VIDEOS).filter((f) => VIDEO_EXTENSIONS.has(path.extname(f).slice(1))).length);
    for (const [file, , , container] of rows) {
      const head = readFileSync(path.join(VIDEOS, file)).subarray(0, 256);
      expect(sniffVideoFormat(head), file).toBe(container);
    }
  });

  it('lists the extensions the scanner offers', () => {
    expect([...VIDEO_EXTENSIONS].sort()).toEqual(['3gp', 'avi', 'm4v', 'mkv', 'mov', 'mp4', 'webm']);
  });
});
