// ESLint (flat config): the recommended rule sets for JavaScript, TypeScript and Svelte, and the one rule that
// keeps the house livable, the layers (docs/architecture.md): which folder may import which, enforced with
// no-restricted-imports by folder name (as VS Code does for common / node / browser / electron-main).
// Run: npm run lint (eslint .).
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';

// ---- the layers ---------------------------------------------------------------------------------------------
// Import specifiers are matched as gitignore-style globs, so a layer is named by its folder: "**/server/**"
// catches '../server/serve.js' and '../../../server/x.js' alike.
const NODE_BUILTINS = ['node:*', 'fs', 'fs/*', 'path', 'os', 'http', 'https', 'net', 'child_process', 'crypto', 'stream', 'url', 'util', 'worker_threads'];
const ELECTRON = { name: 'electron', message: 'Only the Electron shell (src/main/app, src/main/index.ts) and the preload use Electron.' };
const HTTP = [
  { name: 'node:http', message: 'HTTP belongs to the serve shell (src/server).' },
  { name: 'http', message: 'HTTP belongs to the serve shell (src/server).' },
];
const layer = (folder, why) => ({ group: [`**/${folder}/**`], message: why });
const CORE_INTERNALS = {
  // '../main/core/index.js' is the public index; anything deeper is the engine's business.
  group: ['**/core/*/**', '**/core/*.js', '!**/core/index.js'],
  message: "Shells use the engine through its public index (src/main/core/index.ts); export what is needed there.",
};
const SHELLS = {
  app: layer('app', 'src/main/app is the Electron shell; share code through src/main/service instead.'),
  server: layer('server', 'src/server is the serve shell; share code through src/main/service instead.'),
  cli: layer('cli', 'src/cli is the command-line shell; share code through src/main/service instead.'),
  utility: layer('utility', "src/main/utility is the library process's entry; share code through src/main/service."),
  service: layer('service', 'The engine never reaches up into the service layer.'),
  renderer: layer('renderer', 'The renderer is the UI; other layers talk to it only through the contract in src/shared.'),
  preload: layer('preload', 'The preload is the sandboxed bridge; nothing imports it.'),
  main: layer('main', 'The renderer and the preload see the engine only through the contract in src/shared.'),
};
// Tests may use the engine's testing helpers (generated models, fixtures, temp folders).
const TESTING = '!**/core/testing/**';

function restrict(paths, patterns) {
  return { 'no-restricted-imports': ['error', { paths, patterns }] };
}
const withTesting = (p) => p.map((x) => (x === CORE_INTERNALS ? { ...x, group: [...x.group, TESTING] } : x));

const LAYERS = [
  {
    // The contract: pure TypeScript (zod for the schemas), nothing from node, electron or any other layer.
    files: ['src/shared/**/*.ts'],
    paths: [ELECTRON, ...HTTP],
    patterns: [{ group: NODE_BUILTINS, message: 'src/shared is pure TypeScript: no Node modules.' }, SHELLS.main, SHELLS.server, SHELLS.cli, SHELLS.renderer, SHELLS.preload],
  },
  {
    // The engine: Node only, never Electron, HTTP or a shell.
    files: ['src/main/core/**/*.ts'],
    paths: [ELECTRON, ...HTTP],
    patterns: [SHELLS.app, SHELLS.server, SHELLS.cli, SHELLS.utility, SHELLS.service, SHELLS.renderer, SHELLS.preload],
  },
  {
    // What every shell shares: no Electron, no HTTP, no shell; the engine through its index.
    files: ['src/main/service/**/*.ts'],
    paths: [ELECTRON, ...HTTP],
    patterns: [SHELLS.app, SHELLS.server, SHELLS.cli, SHELLS.utility, SHELLS.renderer, SHELLS.preload, CORE_INTERNALS],
  },
  {
    // The Electron shell (and the app's lifecycle, src/main/index.ts). It starts the library process through
    // electron-vite's `?modulePath` import of its entry, which names the file and loads none of its code.
    files: ['src/main/app/**/*.ts', 'src/main/index.ts'],
    paths: [...HTTP],
    patterns: [
      SHELLS.server,
      SHELLS.cli,
      { group: ['**/utility/**', '!**/utility/library-process?modulePath'], message: SHELLS.utility.message },
      SHELLS.renderer,
      SHELLS.preload,
      CORE_INTERNALS,
    ],
  },
  {
    // The library process: Node only (a utility process has no Electron API worth using).
    files: ['src/main/utility/**/*.ts'],
    paths: [ELECTRON, ...HTTP],
    patterns: [SHELLS.app, SHELLS.server, SHELLS.cli, SHELLS.renderer, SHELLS.preload, CORE_INTERNALS],
  },
  {
    files: ['src/server/**/*.ts'],
    paths: [ELECTRON],
    patterns: [SHELLS.app, SHELLS.cli, SHELLS.utility, SHELLS.renderer, SHELLS.preload, CORE_INTERNALS],
  },
  {
    // The CLI also hosts `soutu serve`, so it may start the serve shell (src/server); nothing else of the shells.
    files: ['src/cli/**/*.ts'],
    paths: [ELECTRON, ...HTTP],
    patterns: [SHELLS.app, SHELLS.utility, SHELLS.renderer, SHELLS.preload, CORE_INTERNALS],
  },
  {
    // The sandboxed preload: the contract's names from src/shared, and Electron's contextBridge/ipcRenderer.
    files: ['src/preload/**/*.ts'],
    paths: [...HTTP],
    patterns: [{ group: NODE_BUILTINS, message: 'The sandboxed preload cannot load Node modules.' }, SHELLS.main, SHELLS.server, SHELLS.cli, SHELLS.renderer, { group: ['zod'], message: 'The preload takes names from src/shared/contract.ts, never the zod schemas.' }],
  },
  {
    // The UI: only the contract (src/shared).
    files: ['src/renderer/**/*.ts', 'src/renderer/**/*.svelte'],
    paths: [ELECTRON, ...HTTP],
    patterns: [{ group: NODE_BUILTINS, message: 'The renderer runs in a browser: no Node modules.' }, SHELLS.main, SHELLS.server, SHELLS.cli, SHELLS.preload],
  },
];

/** Test code: *.test.ts and the helpers beside them (test-support.ts). */
const TEST_FILES = ['**/*.test.ts', '**/test-support.ts'];
const testGlobs = (files) => files.filter((f) => f.endsWith('.ts')).flatMap((f) => [f.replace(/\*\.ts$/, '*.test.ts'), f.replace(/\*\.ts$/, 'test-support.ts')]);
/** Tests run under Node even where the code they test runs in a browser (renderer, preload). */
const NODE_OK = (patterns) => patterns.filter((p) => p.group !== NODE_BUILTINS);

const layerConfigs = LAYERS.flatMap(({ files, paths, patterns }) => [
  { files, ignores: TEST_FILES, rules: restrict(paths, patterns) },
  // Unit tests follow their layer and may use the engine's testing helpers; node:http is fine for fake servers.
  { files: testGlobs(files), rules: restrict(paths.filter((p) => !HTTP.includes(p)), NODE_OK(withTesting(patterns))) },
  // Integration tests drive the real transports end to end (a protocol handler and the server it talks to), so
  // they may wire shells together; Electron stays out of the engine and the service even there.
  {
    files: files.filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\*\.ts$/, '*.integration.test.ts')),
    rules: restrict(paths.filter((p) => p === ELECTRON && !files.some((f) => f.includes('/app/') || f.includes('preload'))), []),
  },
]);

// The contract's names are what the sandboxed preload bundles: they must stay free of zod.
const contractWithoutZod = {
  files: ['src/shared/contract.ts', 'src/shared/ipc-channels.ts'],
  rules: restrict([ELECTRON, ...HTTP, { name: 'zod', message: 'contract.ts and ipc-channels.ts are bundled into the preload: no zod.' }], [{ group: NODE_BUILTINS, message: 'src/shared is pure TypeScript: no Node modules.' }]),
};

export default ts.config(
  {
    ignores: ['out/**', 'dist/**', 'artifacts/**', 'node_modules/**', '.cache/**', '.tools/**', 'build/**', 'resources/**/*.onnx', 'coverage/**'],
  },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_` marks a parameter kept for its position (callbacks, handler signatures) and caught errors not needed.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['src/renderer/**/*.{ts,svelte}', 'src/preload/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Ambient declaration files reference other declarations with /// <reference>: that is what they are for.
    files: ['**/*.d.ts'],
    rules: { '@typescript-eslint/triple-slash-reference': 'off' },
  },
  {
    // Playwright fixtures that depend on no other fixture are written `async ({}, use) => …` (its documented form).
    files: ['e2e/**/*.ts'],
    rules: { 'no-empty-pattern': 'off' },
  },
  {
    // Svelte components and rune modules: TypeScript inside <script lang="ts">.
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: ts.parser, extraFileExtensions: ['.svelte'] } },
  },
  ...layerConfigs,
  contractWithoutZod,
);
