// HEVC-coded HEIF (iPhone HEIC) through libheif compiled to wasm, for sharp builds without an HEVC decoder.
// libheif applies the HEIF transforms (irot, imir, clap) itself, so the pixels come back upright.

export interface RawRgba {
  data: Buffer;
  width: number;
  height: number;
  channels: 4;
}

type HeicDecode = typeof import('heic-decode').default;
let decoder: Promise<HeicDecode> | undefined;

/** Decodes the primary image of an HEIF file to RGBA. Throws on failure (callers classify the error). */
export async function decodeHeicRgba(file: Buffer): Promise<RawRgba> {
  // Loaded on first use: the wasm module costs memory and start-up time that most libraries never need.
  decoder ??= import('heic-decode').then((m) => m.default);
  const decode = await decoder;
  const { width, height, data } = await decode({ buffer: file });
  if (!width || !height || data.length !== width * height * 4) {
    throw new Error(`HEIF decoder returned ${width}x${height} with ${data.length} bytes`);
  }
  return { data: Buffer.from(data.buffer, data.byteOffset, data.byteLength), width, height, channels: 4 };
}
