// Pixel work between the models: the perspective crop of one text line out of the full-resolution image,
// quarter and half turns, and resizing a crop into a normalised recogniser/classifier tensor.
import { homography, quadSize } from './geometry.js';
import type { Point, Quad, RgbImage } from './ocr-engine.js';

/**
 * Samples the quad into an upright width×height strip (PaddleOCR's get_rotate_crop_image): the sizes are the
 * longer of each pair of opposite sides, the mapping a homography, sampling bilinear, outside pixels the nearest
 * edge pixel. Null when the quad is degenerate or thinner than a pixel.
 */
export function perspectiveCrop(img: RgbImage, quad: Quad): RgbImage | null {
  const size = quadSize(quad);
  const w = Math.floor(size.width), h = Math.floor(size.height);
  if (w < 1 || h < 1) return null;
  const dst: Point[] = [[0, 0], [w, 0], [w, h], [0, h]];
  // Maps output pixels back to the source, so each output pixel is sampled once.
  const m = homography(dst, quad);
  if (!m) return null;
  const out = new Uint8Array(w * h * 3);
  const { data, width: W, height: H } = img;
  const maxX = W - 1, maxY = H - 1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const d = m[6] * x + m[7] * y + m[8];
      let sx = (m[0] * x + m[1] * y + m[2]) / d;
      let sy = (m[3] * x + m[4] * y + m[5]) / d;
      if (!(sx > 0)) sx = 0;
      else if (sx > maxX) sx = maxX;
      if (!(sy > 0)) sy = 0;
      else if (sy > maxY) sy = maxY;
      const x0 = Math.floor(sx), y0 = Math.floor(sy);
      const x1 = x0 < maxX ? x0 + 1 : x0, y1 = y0 < maxY ? y0 + 1 : y0;
      const fx = sx - x0, fy = sy - y0;
      const a = (y0 * W + x0) * 3, b = (y0 * W + x1) * 3, c = (y1 * W + x0) * 3, e = (y1 * W + x1) * 3;
      const o = (y * w + x) * 3;
      for (let k = 0; k < 3; k++) {
        const top = data[a + k] + (data[b + k] - data[a + k]) * fx;
        const bot = data[c + k] + (data[e + k] - data[c + k]) * fx;
        out[o + k] = Math.round(top + (bot - top) * fy);
      }
    }
  }
  return { data: out, width: w, height: h };
}

/** A quarter turn counter-clockwise (numpy's rot90): the right edge becomes the top. */
export function rotate90ccw(img: RgbImage): RgbImage {
  const { data, width: W, height: H } = img;
  const out = new Uint8Array(data.length);
  // Output is H wide and W tall; out(x', y') = in(W-1-y', x').
  for (let y2 = 0; y2 < W; y2++) {
    for (let x2 = 0; x2 < H; x2++) {
      const s = (x2 * W + (W - 1 - y2)) * 3;
      const o = (y2 * H + x2) * 3;
      out[o] = data[s];
      out[o + 1] = data[s + 1];
      out[o + 2] = data[s + 2];
    }
  }
  return { data: out, width: H, height: W };
}

export function rotate180(img: RgbImage): RgbImage {
  const { data, width, height } = img;
  const out = new Uint8Array(data.length);
  const n = width * height;
  for (let i = 0; i < n; i++) {
    const s = i * 3, o = (n - 1 - i) * 3;
    out[o] = data[s];
    out[o + 1] = data[s + 1];
    out[o + 2] = data[s + 2];
  }
  return { data: out, width, height };
}

/**
 * Resizes `img` to outW×outH into a CHW slot of `tensor` (whose rows are `rowWidth` wide, the rest left as the
 * zero padding), channel order BGR as PaddleOCR's OpenCV-decoded training images, value (v/255 − 0.5)/0.5.
 * Shrinking by more than 2× first averages whole pixel blocks, so thin strokes of large text do not alias away.
 */
export function resizeIntoTensor(
  img: RgbImage,
  outW: number,
  outH: number,
  tensor: Float32Array,
  offset: number,
  rowWidth: number,
): void {
  let src = img;
  const fx = Math.floor(img.width / outW), fy = Math.floor(img.height / outH);
  const f = Math.min(fx, fy);
  if (f >= 2) src = boxShrink(img, f);
  const { data, width: W, height: H } = src;
  const plane = outH * rowWidth;
  const scaleX = W / outW, scaleY = H / outH;
  for (let y = 0; y < outH; y++) {
    // Half-pixel centres, as cv2.resize's INTER_LINEAR.
    let sy = (y + 0.5) * scaleY - 0.5;
    if (sy < 0) sy = 0;
    const y0 = Math.min(Math.floor(sy), H - 1);
    const y1 = Math.min(y0 + 1, H - 1);
    const wy = sy - y0;
    for (let x = 0; x < outW; x++) {
      let sx = (x + 0.5) * scaleX - 0.5;
      if (sx < 0) sx = 0;
      const x0 = Math.min(Math.floor(sx), W - 1);
      const x1 = Math.min(x0 + 1, W - 1);
      const wx = sx - x0;
      const a = (y0 * W + x0) * 3, b = (y0 * W + x1) * 3, c = (y1 * W + x0) * 3, d = (y1 * W + x1) * 3;
      const o = offset + y * rowWidth + x;
      for (let k = 0; k < 3; k++) {
        const top = data[a + k] + (data[b + k] - data[a + k]) * wx;
        const bot = data[c + k] + (data[d + k] - data[c + k]) * wx;
        const v = top + (bot - top) * wy;
        // RGB in, BGR out: channel k of the image is plane 2 − k.
        tensor[o + (2 - k) * plane] = v / 127.5 - 1;
      }
    }
  }
}

/** Averages f×f pixel blocks (the partial blocks at the right and bottom edges are dropped). */
export function boxShrink(img: RgbImage, factor: number): RgbImage {
  const f = Math.max(1, Math.min(Math.floor(factor), img.width, img.height));
  const w = Math.floor(img.width / f), h = Math.floor(img.height / f);
  const out = new Uint8Array(w * h * 3);
  const { data, width: W } = img;
  const n = f * f;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let r = 0, g = 0, b = 0;
      for (let dy = 0; dy < f; dy++) {
        let s = ((y * f + dy) * W + x * f) * 3;
        for (let dx = 0; dx < f; dx++, s += 3) {
          r += data[s];
          g += data[s + 1];
          b += data[s + 2];
        }
      }
      const o = (y * w + x) * 3;
      out[o] = Math.round(r / n);
      out[o + 1] = Math.round(g / n);
      out[o + 2] = Math.round(b / n);
    }
  }
  return { data: out, width: w, height: h };
}
