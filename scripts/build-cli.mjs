// Bundles the command-line shell (src/cli) into out/cli so that `npx soutu` starts without a TypeScript loader.
// Runs on `npm install` (prepare); packages stay external and are resolved from node_modules.
import { build } from 'esbuild';

await build({
  entryPoints: { soutu: 'src/cli/main.ts' },
  outdir: 'out/cli',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
