#!/usr/bin/env node
// Launcher for the bundled CLI (built by `npm install` through the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Node 24 keeps ~100 MB more resident with its default young generation; Soutu runs with the flags of
// src/shared/process-flags.ts, and its environment (a test keeps the two equal). The process replaces itself once to apply them.
const V8_FLAGS = ['--max-semi-space-size=4'];
const PROCESS_ENV = { MALLOC_ARENA_MAX: '2' };
if (typeof process.execve === 'function' && !V8_FLAGS.every((f) => process.execArgv.includes(f)) && !process.env.SOUTU_NO_REEXEC) {
  process.execve(process.execPath, [process.execPath, ...V8_FLAGS, ...process.execArgv, ...process.argv.slice(1)], { ...PROCESS_ENV, ...process.env, SOUTU_NO_REEXEC: '1' });
}

const entry = new URL('../out/cli/soutu.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('soutu: the CLI is not built yet. Run `npm install` (or `npm run build:cli`) in the project folder.');
  process.exit(1);
}
await import(entry.href);
