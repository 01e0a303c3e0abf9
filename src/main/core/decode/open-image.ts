// Opening a photo to send it as-is (the desktop media protocol and serve's /media route): what it is by its
// bytes, which MIME type it gets, and whether a browser shows it or it needs converting. Imports only node:fs
// and the sniffer, so Electron's main process can use it without loading sharp.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { sniffImageFormat, type SniffedFormat } from './sniff.js';

export const IMAGE_MIME: Record<SniffedFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  heif: 'image/heif',
  tiff: 'image/tiff',
  bmp: 'image/bmp',
  jp2: 'image/jp2',
};

/** Formats every current browser (Chromium included) shows in an <img>; the rest are converted to JPEG for 'full'. */
export const BROWSER_FORMATS: ReadonlySet<SniffedFormat> = new Set(['jpeg', 'png', 'gif', 'webp', 'avif', 'bmp']);

export interface OpenedImage {
  handle: FileHandle;
  format: SniffedFormat;
  size: number;
  mtimeMs: number;
}

/** Opens a resolved file without following a final symlink, and checks it is a regular file holding an image. */
export async function openImage(realPath: string): Promise<OpenedImage | null> {
  let handle: FileHandle;
  try {
    // Non-blocking: a FIFO put where a photo was is opened at once (and refused below) instead of waiting for a writer.
    handle = await open(realPath, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch {
    return null;
  }
  try {
    const st = await handle.stat();
    if (!st.isFile() || st.size === 0) throw new Error('not a file');
    const head = Buffer.alloc(64);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const format = sniffImageFormat(head.subarray(0, bytesRead));
    if (!format) throw new Error('not an image');
    return { handle, format, size: st.size, mtimeMs: st.mtimeMs };
  } catch {
    await handle.close().catch(() => {});
    return null;
  }
}
