import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { parseExifDate, readExifFacts, tidyCamera } from './exif-meta';
import { SHARED_FIXTURES } from '../testing/fixtures';

const FIXTURES = SHARED_FIXTURES;

describe('parseExifDate', () => {
  it('reads zone-less EXIF time as local wall-clock time', () => {
    expect(parseExifDate('2008:10:22 16:38:20')).toBe(new Date(2008, 9, 22, 16, 38, 20).getTime());
    expect(parseExifDate('2008:10:22 16:38:20.25')).toBe(new Date(2008, 9, 22, 16, 38, 20, 250).getTime());
  });

  it('uses the EXIF offset when there is one', () => {
    expect(parseExifDate('2021:04:11 15:47:53', '-05:00')).toBe(Date.UTC(2021, 3, 11, 20, 47, 53));
    expect(parseExifDate('2021:04:11 15:47:53', '+0800')).toBe(Date.UTC(2021, 3, 11, 7, 47, 53));
  });

  it.each([undefined, 42, '', '0000:00:00 00:00:00', '    :  :     :  :  ', '2008:13:01 00:00:00', 'yesterday'])(
    'gives null for %j',
    (v) => expect(parseExifDate(v)).toBeNull(),
  );
});

describe('tidyCamera', () => {
  it.each([
    ['NIKON', 'COOLPIX P6000', 'NIKON COOLPIX P6000'],
    ['NIKON CORPORATION', 'NIKON D750', 'NIKON D750'],
    ['Canon', 'Canon PowerShot A70', 'Canon PowerShot A70'],
    ['FUJIFILM', 'DX-10', 'FUJIFILM DX-10'],
    ['OLYMPUS IMAGING CORP.  ', 'E-M5\u0000\u0000', 'OLYMPUS E-M5'],
    ['Apple', 'iPhone 11 Pro Max', 'Apple iPhone 11 Pro Max'],
    ['', 'DSC-RX100', 'DSC-RX100'],
    ['SONY', undefined, 'SONY'],
    [undefined, undefined, null],
    ['  ', ' ', null],
  ])('%j + %j → %j', (make, model, out) => expect(tidyCamera(make, model)).toBe(out));
});

describe('readExifFacts', () => {
  it('never throws on garbage; malformed EXIF just gives nulls', async () => {
    const garbage = [
      undefined,
      new Uint8Array(0),
      Buffer.from('Exif\0\0'),
      Buffer.from('Exif\0\0II*\0\xff\xff\xff\xff', 'latin1'),
      Buffer.from('Exif\0\0MM\0*\0\0\0\x08\xff\xff', 'latin1'),
      Buffer.alloc(4096, 0xff),
      Uint8Array.from({ length: 2048 }, (_, i) => (i * 7919) & 0xff),
    ];
    for (const g of garbage) {
      await expect(readExifFacts(g)).resolves.toEqual({ takenAt: null, camera: null, gps: null });
      await expect(readExifFacts(g, 'file')).resolves.toEqual({ takenAt: null, camera: null, gps: null });
    }
  });

  it('survives a real malformed IFD0', async () => {
    const { exif } = await sharp(`${FIXTURES}/bad/jpeg_bad_exif_ifd.jpg`).metadata();
    expect(exif).toBeDefined();
    await expect(readExifFacts(exif)).resolves.toBeTruthy();
  });

  it('reads camera, date and GPS from a sharp EXIF block', async () => {
    const { exif } = await sharp(`${FIXTURES}/photos/park_tree_bench_gps.jpg`).metadata();
    const facts = await readExifFacts(exif);
    expect(facts.camera).toBe('NIKON COOLPIX P6000');
    expect(facts.takenAt).toBe(new Date(2008, 9, 22, 16, 38, 20).getTime());
    expect(facts.gps?.lat).toBeCloseTo(43.46708, 4);
    expect(facts.gps?.lon).toBeCloseTo(11.88454, 4);
  });

  it('reads EXIF from a whole HEIC file', async () => {
    const facts = await readExifFacts(readFileSync(`${FIXTURES}/odd/heic_iphone_flower.HEIC`), 'file');
    expect(facts.camera).toBe('Apple iPhone 11 Pro Max');
    expect(facts.takenAt).toBe(Date.UTC(2021, 3, 11, 20, 47, 53));
    expect(facts.gps?.lat).toBeCloseTo(39.05134, 4);
    expect(facts.gps?.lon).toBeCloseTo(-94.28877, 4);
  });
});
