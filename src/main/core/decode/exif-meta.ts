// Reads the few EXIF facts a photo search needs (when, which camera, where) from a raw EXIF block.
// Malformed EXIF is common in the wild; every failure here degrades to nulls and never throws.
import exifr from 'exifr';

export interface ExifFacts {
  /** ms since epoch; null when the photo carries no usable date. */
  takenAt: number | null;
  /** "Make Model", tidied; null when neither is present. */
  camera: string | null;
  gps: { lat: number; lon: number } | null;
}

const NO_FACTS: ExifFacts = { takenAt: null, camera: null, gps: null };

const PICK = [
  'DateTimeOriginal', 'CreateDate', 'OffsetTimeOriginal', 'OffsetTime',
  'Make', 'Model',
  'GPSLatitude', 'GPSLatitudeRef', 'GPSLongitude', 'GPSLongitudeRef',
];

/**
 * Facts from an EXIF block as libvips hands it out ("Exif\0\0" then a TIFF header), or with `kind: 'file'`
 * from a whole image file that exifr understands (JPEG, TIFF, HEIC, PNG...).
 */
export async function readExifFacts(source: Uint8Array | undefined, kind: 'exif-block' | 'file' = 'exif-block'): Promise<ExifFacts> {
  if (!source || source.length < 14) return NO_FACTS;
  let bytes = source;
  if (kind === 'exif-block' && source[0] === 0x45 && source[1] === 0x78 && source[2] === 0x69 && source[3] === 0x66) {
    bytes = source.subarray(6);
  }
  let tags: Record<string, unknown> | undefined;
  try {
    // reviveValues off: EXIF dates are zone-less strings and exifr would read them in an arbitrary way.
    tags = await exifr.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
      pick: PICK,
      reviveValues: false,
      translateValues: false,
    });
  } catch {
    return NO_FACTS;
  }
  if (!tags || typeof tags !== 'object') return NO_FACTS;
  return {
    takenAt:
      parseExifDate(tags.DateTimeOriginal, tags.OffsetTimeOriginal ?? tags.OffsetTime) ??
      parseExifDate(tags.CreateDate, tags.OffsetTime),
    camera: tidyCamera(tags.Make, tags.Model),
    gps: tidyGps(tags.latitude, tags.longitude),
  };
}

const EXIF_DATE = /^\s*(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?/;
const OFFSET = /^\s*([+-])(\d{2}):?(\d{2})\s*$/;

/**
 * "YYYY:MM:DD HH:MM:SS" to ms since epoch. With an EXIF offset tag the instant is exact; without one
 * the camera's wall-clock time is read as local time of this machine, which is how photo apps show it.
 */
export function parseExifDate(value: unknown, offset?: unknown): number | null {
  if (typeof value !== 'string') return null;
  const m = EXIF_DATE.exec(value);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => (m[i] ? Number(m[i]) : 0));
  const ms = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
  if (y < 1800 || y > 2200 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return null;
  const off = typeof offset === 'string' ? OFFSET.exec(offset) : null;
  if (off) {
    const minutes = (off[1] === '-' ? -1 : 1) * (Number(off[2]) * 60 + Number(off[3]));
    return Date.UTC(y, mo - 1, d, h, mi, s, ms) - minutes * 60_000;
  }
  const t = new Date(y, mo - 1, d, h, mi, s, ms).getTime();
  return Number.isFinite(t) ? t : null;
}

// Corporate suffixes that makers put into EXIF Make but nobody says aloud.
const MAKE_SUFFIX = /[\s,]+(corporation|corp\.?|co\.?,?\s*ltd\.?|company|inc\.?|imaging|optical|digital solutions|electronics)\s*$/i;

function cleanTag(v: unknown): string {
  if (typeof v !== 'string') return '';
  // eslint-disable-next-line no-control-regex
  return v.replace(/[\u0000-\u001f]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/** "NIKON CORPORATION" + "NIKON D750" → "NIKON D750"; "FUJIFILM" + "DX-10" → "FUJIFILM DX-10". */
export function tidyCamera(make: unknown, model: unknown): string | null {
  let mk = cleanTag(make);
  for (let prev = ''; prev !== mk; ) {
    prev = mk;
    mk = mk.replace(MAKE_SUFFIX, '').trim();
  }
  const md = cleanTag(model);
  if (!mk) return md || null;
  if (!md) return mk;
  const firstWord = mk.split(' ')[0].toLowerCase();
  if (md.toLowerCase().startsWith(firstWord)) return md;
  return `${mk} ${md}`;
}

function tidyGps(lat: unknown, lon: unknown): ExifFacts['gps'] {
  if (typeof lat !== 'number' || typeof lon !== 'number') return null;
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  if (lat === 0 && lon === 0) return null; // "null island": a receiver without a fix
  return { lat, lon };
}
