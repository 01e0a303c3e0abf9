// Whether a file holds an image, by its first bytes (never its name): a check before a file is handed to the
// OS (opened with its default app, moved to the trash), so a tampered record cannot make Soutu touch a program.
import { open } from 'node:fs/promises';
import { sniffImageFormat } from '../core/index.js';

/** True when the file's first bytes are those of an image format the engine reads. */
export async function isImageFile(file: string): Promise<boolean> {
  const fh = await open(file, 'r').catch(() => null);
  if (!fh) return false;
  try {
    const head = Buffer.alloc(64);
    const { bytesRead } = await fh.read(head, 0, 64, 0);
    return sniffImageFormat(head.subarray(0, bytesRead)) !== null;
  } finally {
    await fh.close();
  }
}
