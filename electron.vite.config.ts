// Builds the three parts of the desktop app: main (Node, native modules left external), the sandboxed preload
// (one CommonJS file: sandboxed preloads cannot load ES modules or node_modules) and the Svelte renderer,
// which serve mode also ships to browsers from out/renderer.
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig, type UserConfig } from 'electron-vite';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const root = import.meta.dirname;
const mainEntry = resolve(root, 'src/main/index.ts');
const preloadEntry = resolve(root, 'src/preload/index.ts');

/** Loaded at run time from node_modules (asarUnpack'd when packaged), never bundled. */
const NATIVE = ['sharp', 'onnxruntime-node', '@lancedb/lancedb', '@huggingface/transformers', 'apache-arrow'];

/**
 * The shells import the engine through its public index (src/main/core/index.ts), which re-exports everything;
 * the main process uses only light parts of it (the atomic writer, the image sniffer). Core modules and packages
 * count as side-effect free, so that what main does not use (LanceDB, ONNX Runtime, transformers.js, sharp) is
 * left out of out/main/index.js instead of loading at start-up; the library process's chunk keeps all it uses.
 */
const MAIN_SIDE_EFFECTS = [
  { test: /[\\/]src[\\/]main[\\/]core[\\/]/, external: false, sideEffects: false },
  { test: /./, external: true, sideEffects: false },
];

export default defineConfig(() => {
  const config: UserConfig = {
    renderer: {
      root: resolve(root, 'src/renderer'),
      plugins: [svelte({ configFile: false })],
      build: {
        outDir: resolve(root, 'out/renderer'),
        emptyOutDir: true,
        target: 'chrome120',
        // Hashed file names: serve mode caches them for a year; Electron loads them from app://.
        assetsInlineLimit: 0,
        rolldownOptions: { input: resolve(root, 'src/renderer/index.html') },
      },
    },
  };
  // The shell and preload are written separately; until they exist the renderer still builds (for serve mode).
  if (existsSync(mainEntry)) {
    config.main = {
      build: {
        outDir: resolve(root, 'out/main'),
        externalizeDeps: { include: NATIVE },
        rolldownOptions: { input: { index: mainEntry }, treeshake: { moduleSideEffects: MAIN_SIDE_EFFECTS } },
      },
    };
  } else {
    console.warn('electron.vite.config: src/main/index.ts is missing; skipping the main process build.');
  }
  if (existsSync(preloadEntry)) {
    config.preload = {
      build: {
        outDir: resolve(root, 'out/preload'),
        // Sandboxed preloads run as classic scripts: bundle everything (zod included) into one CJS file.
        externalizeDeps: false,
        rolldownOptions: {
          input: { index: preloadEntry },
          output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
        },
      },
    };
  } else {
    console.warn('electron.vite.config: src/preload/index.ts is missing; skipping the preload build.');
  }
  return config;
});
