#!/usr/bin/env node
// `npm run dist` / `npm run dist:dir`: checks that this node_modules holds the native packages of every target
// platform before anything is built (one sentence and a non-zero exit when not), then builds the app and runs
// electron-builder with electron-builder.config.mjs. Other arguments go to electron-builder as they are
// (e.g. `npm run dist:dir -- -c.electronDist=<folder>` packs a local Electron instead of downloading one).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeTooOld } from './electron-app.mjs';
import { missingNativesSentence } from './native-targets.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PLATFORM_FLAGS = { '--mac': 'darwin', '-m': 'darwin', '--macos': 'darwin', '--win': 'win32', '-w': 'win32', '--windows': 'win32', '--linux': 'linux', '-l': 'linux' };
const ARCH_FLAGS = ['--x64', '--arm64', '--ia32', '--armv7l', '--universal'];
/** The architectures each platform builds when no arch flag is given (electron-builder.config.mjs). */
const DEFAULT_ARCH = { darwin: ['arm64'], win32: ['x64'], linux: ['x64'] };

/** The platform/arch pairs electron-builder will package for these arguments. */
export function targetsOf(args, host = process.platform) {
  const platforms = [...new Set(args.map((a) => PLATFORM_FLAGS[a]).filter(Boolean))];
  const arches = args.filter((a) => ARCH_FLAGS.includes(a)).map((a) => a.slice(2));
  const out = [];
  for (const p of platforms.length ? platforms : [host]) for (const a of arches.length ? arches : DEFAULT_ARCH[p] ?? [process.arch]) out.push([p, a]);
  return out;
}

function main(args) {
  const old = nodeTooOld(process.version);
  if (old) {
    console.error(old);
    return 1;
  }
  for (const [platform, arch] of targetsOf(args)) {
    const sentence = missingNativesSentence(path.join(ROOT, 'node_modules'), platform, arch);
    if (sentence) {
      console.error(sentence);
      return 1;
    }
  }
  const npmCli = process.env.npm_execpath;
  const build = npmCli
    ? spawnSync(process.execPath, [npmCli, 'run', 'build'], { cwd: ROOT, stdio: 'inherit' })
    : spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' });
  if (build.status !== 0) return build.status ?? 1;
  const cli = path.join(path.dirname(createRequire(path.join(ROOT, 'package.json')).resolve('electron-builder/package.json')), 'cli.js');
  const r = spawnSync(process.execPath, [cli, '--config', 'electron-builder.config.mjs', '--publish', 'never', ...args], { cwd: ROOT, stdio: 'inherit' });
  return r.status ?? 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exit(main(process.argv.slice(2)));
