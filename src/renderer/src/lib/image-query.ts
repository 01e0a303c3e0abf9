// Turns a dropped, pasted or picked file into the bytes of an image query. Pictures the browser can decode
// are shrunk to 1024 px JPEG first (the model sees 224 px anyway), so uploads stay small; others go as they are.

const MAX_SIDE = 1024;

export interface PreparedImage {
  base64: string;
  /** An object URL for the chip's preview; revoke it when the chip goes. */
  previewUrl: string;
  name: string;
}

export function isProbablyImage(file: File): boolean {
  return file.type.startsWith('image/') || /\.(jpe?g|png|gif|webp|avif|heic|heif|tiff?|bmp|jp2|mpo)$/i.test(file.name);
}

function bytesToBase64(bytes: Uint8Array): string {
  let s = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) s += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(s);
}

async function shrink(file: Blob): Promise<Blob | null> {
  try {
    const bmp = await createImageBitmap(file);
    const scale = Math.min(1, MAX_SIDE / Math.max(bmp.width, bmp.height));
    const w = Math.max(1, Math.round(bmp.width * scale));
    const h = Math.max(1, Math.round(bmp.height * scale));
    const canvas = new OffscreenCanvas(w, h);
    const ctx = canvas.getContext('2d');
    if (!ctx) return null;
    ctx.drawImage(bmp, 0, 0, w, h);
    bmp.close();
    return await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.92 });
  } catch {
    return null;
  }
}

export async function prepareImage(file: File): Promise<PreparedImage> {
  const small = file.size > 300_000 ? await shrink(file) : null;
  const blob = small ?? file;
  const bytes = new Uint8Array(await blob.arrayBuffer());
  return { base64: bytesToBase64(bytes), previewUrl: URL.createObjectURL(blob), name: file.name || 'image' };
}
