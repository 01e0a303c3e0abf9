// Runs once before the browser specs: checks for Chromium, builds the renderer when out/ lacks it, and empties
// artifacts/e2e so the named screenshots there all come from this run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FullConfig } from '@playwright/test';
import { SCREENSHOTS } from '../browser-helpers.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export default async function globalSetup(config: FullConfig): Promise<void> {
  const exe = config.projects[0]?.use.launchOptions?.executablePath;
  if (exe && !existsSync(exe)) throw new Error(`Chromium not found at ${exe}. Install it (apt-get install -y chromium) or set SOUTU_CHROMIUM.`);
  if (!existsSync(path.join(REPO_ROOT, 'out', 'renderer', 'index.html'))) {
    process.stdout.write('e2e: out/renderer is missing; building it (electron-vite build)…\n');
    const r = spawnSync('npx', ['electron-vite', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('electron-vite build failed');
  }
  await rm(SCREENSHOTS, { recursive: true, force: true });
  await mkdir(SCREENSHOTS, { recursive: true });
}
