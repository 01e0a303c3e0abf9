// The layer rule of eslint.config.js, checked on small snippets: each forbidden import is reported where it
// is forbidden and nowhere else (docs/architecture.md has the table).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT });
});

async function restricted(file: string, specifier: string): Promise<boolean> {
  const [result] = await eslint.lintText(`import x from '${specifier}';\nexport default x;\n`, { filePath: path.join(ROOT, file) });
  return result.messages.some((m) => m.ruleId === 'no-restricted-imports');
}

const CASES: [file: string, specifier: string, forbidden: boolean][] = [
  // The engine: never Electron, HTTP or a shell.
  ['src/main/core/library/x.ts', 'electron', true],
  ['src/main/core/library/x.ts', 'node:http', true],
  ['src/main/core/library/x.ts', '../../service/contract-service.js', true],
  ['src/main/core/library/x.ts', '../../app/shell.js', true],
  ['src/main/core/library/x.ts', '../../../server/serve.js', true],
  ['src/main/core/library/x.ts', '../store/lance-vector-store.js', false],
  ['src/main/core/library/x.ts', '../../../shared/types.js', false],
  // The service layer: no Electron, no HTTP, no shell, the engine through its index only.
  ['src/main/service/x.ts', 'electron', true],
  ['src/main/service/x.ts', 'node:http', true],
  ['src/main/service/x.ts', '../app/security.js', true],
  ['src/main/service/x.ts', '../core/library/library.js', true],
  ['src/main/service/x.ts', '../core/index.js', false],
  ['src/main/service/x.ts', '../../shared/api.js', false],
  // Shells: service, the core's index, shared.
  ['src/main/app/x.ts', '../core/embed/model-store.js', true],
  ['src/main/app/x.ts', '../../server/call-handlers.js', true],
  ['src/main/app/x.ts', '../utility/library-process.js', true],
  ['src/main/app/x.ts', '../utility/library-process?modulePath', false],
  ['src/main/app/x.ts', '../service/rpc.js', false],
  ['src/main/app/x.ts', 'electron', false],
  ['src/main/utility/x.ts', 'electron', true],
  ['src/main/utility/x.ts', '../app/main-requests.js', true],
  ['src/server/x.ts', '../main/app/security.js', true],
  ['src/server/x.ts', '../main/core/decode/open-image.js', true],
  ['src/server/x.ts', '../main/service/media-handler.js', false],
  ['src/server/x.ts', 'node:http', false],
  ['src/cli/x.ts', '../main/core/embed/model-download.js', true],
  ['src/cli/x.ts', '../server/serve.js', false],
  ['src/main/index.ts', './app/shell.js', false],
  // The preload: shared only (and Electron); never the zod schemas at run time.
  ['src/preload/x.ts', '../main/app/ipc-channels.js', true],
  ['src/preload/x.ts', 'zod', true],
  ['src/preload/x.ts', 'node:fs', true],
  ['src/preload/x.ts', '../shared/contract.js', false],
  ['src/shared/contract.ts', 'zod', true],
  ['src/shared/api.ts', 'zod', false],
  ['src/shared/x.ts', 'node:path', true],
  // The renderer: the contract only.
  ['src/renderer/src/x.ts', '../../main/core/index.js', true],
  ['src/renderer/src/x.ts', 'electron', true],
  ['src/renderer/src/x.ts', '../../shared/api.js', false],
  // Tests may use the engine's testing helpers; integration tests may wire transports together.
  ['src/server/x.test.ts', '../main/core/testing/fixtures.js', false],
  ['src/server/x.test.ts', '../main/core/library/library.js', true],
  ['src/main/service/x.integration.test.ts', '../app/media-protocol.js', false],
  ['src/main/service/x.integration.test.ts', 'electron', true],
];

describe('layer rule (no-restricted-imports in eslint.config.js)', () => {
  for (const [file, specifier, forbidden] of CASES) {
    it(`${file} ${forbidden ? 'may not' : 'may'} import ${specifier}`, async () => {
      expect(await restricted(file, specifier)).toBe(forbidden);
    });
  }
});
