// Which ONNX file each tower runs from a model folder, for a wanted precision, and the files derived locally:
// a tower split out of a combined graph (Chinese-CLIP's layout) and an fp16 file widened to fp32 compute.
// Derived files are written once, atomically, beside the originals (or into a cache folder when that is read-only).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Precision, Tower, VisionClass } from './model-catalog.js';
import { widenFloat16ToFloat32 } from './onnx/float16-convert.js';
import { decodeModel, writeModel, type ModelProto } from './onnx/onnx-proto.js';
import { splitTowers } from './onnx/split-combined.js';

export type LayoutKind = 'split' | 'combined';

/** transformers.js file suffix of each dtype it is asked to load. */
export const DTYPE_SUFFIX: Record<Precision, string> = { fp32: '', fp16: '_fp16', q8: '_quantized' };
const WIDENED = '_fp16_widened';

export interface TowerFile {
  tower: Tower;
  /** What the session computes in. */
  compute: Precision;
  /** The stored weights' precision (fp16 for a widened file). */
  weights: Precision;
  /** transformers.js `model_file_name` and `dtype`: the session loads onnx/<fileBase><suffix of dtype>.onnx. */
  fileBase: string;
  dtype: Precision;
  /** The file in the model folder it is, or is made from. */
  source: string;
  /** What has to be done to `source` first: nothing, split out of the combined graph, widen, or both. */
  derive: { split: boolean; widen: boolean };
}

/** onnx/… path of the session file, relative to the folder it loads from. */
export function towerFilePath(f: TowerFile): string {
  return `onnx/${f.fileBase}${DTYPE_SUFFIX[f.dtype]}.onnx`;
}

function sourceFile(layout: LayoutKind, tower: Tower, p: Precision): string {
  if (layout === 'combined') return `onnx/model${DTYPE_SUFFIX[p]}.onnx`;
  return `onnx/${tower === 'text' ? 'text_model' : 'vision_model'}${DTYPE_SUFFIX[p]}.onnx`;
}

function candidate(layout: LayoutKind, tower: Tower, stored: Precision, widen: boolean): TowerFile {
  const base = layout === 'combined' ? `soutu_${tower}` : tower === 'text' ? 'text_model' : 'vision_model';
  const compute: Precision = widen ? 'fp32' : stored;
  return {
    tower,
    compute,
    weights: stored,
    fileBase: widen ? `${base}${WIDENED}` : base,
    dtype: widen ? 'fp32' : stored,
    source: sourceFile(layout, tower, stored),
    derive: { split: layout === 'combined', widen },
  };
}

/**
 * The file a tower runs for a wanted compute precision, from what the folder has: the exact precision first, then
 * the nearest full-precision alternative (fp32 ⇄ widened fp16, fp16 → fp32), q8 only when nothing else is there,
 * and full precision for a wanted q8 that is missing. Null when the folder has no file for the tower.
 */
export function chooseTowerFile(dir: string, layout: LayoutKind, tower: Tower, want: Precision): TowerFile | null {
  const has = (p: Precision) => existsSync(path.join(dir, sourceFile(layout, tower, p)));
  const order: [Precision, boolean][] =
    want === 'fp32'
      ? [['fp32', false], ['fp16', true], ['q8', false]]
      : want === 'fp16'
        ? [['fp16', false], ['fp32', false], ['q8', false]]
        : [['q8', false], ['fp32', false], ['fp16', true]];
  for (const [p, widen] of order) if (has(p)) return candidate(layout, tower, p, widen);
  return null;
}

/** The class of the vectors a vision file gives. */
export function visionClassOf(f: TowerFile): VisionClass {
  return f.weights === 'q8' ? 'q8' : 'full';
}

const pending = new Map<string, Promise<void>>();

/**
 * Makes the session file of `f` exist under `outDir` (derived from `sourceDir`), and returns the folder to load it
 * from: `sourceDir` when nothing is derived. Concurrent callers for the same file share one conversion.
 */
export async function materializeTowerFile(sourceDir: string, f: TowerFile, outDir: string): Promise<string> {
  if (!f.derive.split && !f.derive.widen) return sourceDir;
  const target = path.join(outDir, towerFilePath(f));
  if (existsSync(target)) return outDir;
  let p = pending.get(target);
  if (!p) {
    p = (async () => {
      const model = decodeModel(await readFile(path.join(sourceDir, f.source)));
      let tower: ModelProto = f.derive.split ? splitTowers(model)[f.tower] : model;
      if (f.derive.widen) tower = widenFloat16ToFloat32(tower);
      await writeModel(target, tower);
    })().finally(() => pending.delete(target));
    pending.set(target, p);
  }
  await p;
  return outDir;
}
