#!/usr/bin/env node
// Launcher for the bundled CLI (built by `npm install` through the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../out/cli/soutu.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('soutu: the CLI is not built yet. Run `npm install` (or `npm run build:cli`) in the project folder.');
  process.exit(1);
}
await import(entry.href);
