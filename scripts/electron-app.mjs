#!/usr/bin/env node
// Starts the desktop app from a checkout: `npm run app` (build, then run), `npm run dev` (hot reload) and
// `npm start` (run the last build). Electron 42+ has no install script and electron-vite only looks for an
// installed binary, so the binary is fetched here on first use, through Electron's own installer
// (node_modules/electron/install.js, i.e. @electron/get: ELECTRON_MIRROR, ELECTRON_CUSTOM_DIR,
// electron_config_cache, ELECTRON_GET_USE_PROXY … all apply). Never a postinstall: `npm install` must work
// where the binary cannot be fetched.
//
// Written for old Node too (no newer syntax), so that the version check below can speak before anything else.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MIN_NODE = [22, 12];
const MIRROR_HINT = 'ELECTRON_MIRROR=https://npmmirror.com/mirrors/electron/';

function say(line) {
  process.stderr.write(line + '\n');
}

/** One sentence for a Node older than the app needs; null when it is new enough. */
export function nodeTooOld(version) {
  const m = /^v?(\d+)\.(\d+)/.exec(version);
  if (!m) return null;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1])) return null;
  return `Soutu needs Node.js ${MIN_NODE.join('.')} or newer (this is Node.js ${version.replace(/^v/, '')}); install a current Node.js (24 LTS) and run the command again.`;
}

/** The executable's path inside dist/, as node_modules/electron/install.js names it. */
function platformPath(platform) {
  switch (platform) {
    case 'mas':
    case 'darwin':
      return 'Electron.app/Contents/MacOS/Electron';
    case 'win32':
      return 'electron.exe';
    default:
      return 'electron';
  }
}

/** Where the electron package is, its version, and the binary when it is installed (same test as install.js). */
export function electronInstall(fromDir = ROOT) {
  const req = createRequire(path.join(fromDir, 'package.json'));
  // Resolving package.json, not 'electron': requiring the package itself would start its own download.
  const pkgDir = path.dirname(req.resolve('electron/package.json'));
  const version = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version;
  const rel = platformPath(process.env.ELECTRON_INSTALL_PLATFORM || process.env.npm_config_platform || process.platform);
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH || path.join(pkgDir, 'dist');
  const exe = path.join(dist, rel);
  let installed;
  try {
    installed =
      readFileSync(path.join(pkgDir, 'dist', 'version'), 'utf8').trim().replace(/^v/, '') === version &&
      readFileSync(path.join(pkgDir, 'path.txt'), 'utf8') === rel &&
      existsSync(exe);
  } catch {
    installed = false;
  }
  return { pkgDir, version, exe, installed };
}

/** Why install.js failed, in a few words, from what it printed (it prints err.stack). */
export function downloadFailureReason(stderr) {
  const text = String(stderr);
  const http = /Response code (\d+) \(([^)]*)\) for (\S+)/.exec(text);
  if (http) return `the server answered ${http[1]} ${http[2]} for ${http[3]}`;
  if (/checksum|sha256|SHASUMS/i.test(text) && /match|missing|No checksum/i.test(text)) return 'the download did not match its published checksum';
  if (/ENOTFOUND|EAI_AGAIN/.test(text)) return 'the mirror\u2019s host name could not be resolved';
  if (/ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|fetch failed|socket hang up/i.test(text)) return 'the download server could not be reached';
  if (/ENOSPC/.test(text)) return 'the disk is full';
  if (/EACCES|EPERM/.test(text)) return 'node_modules/electron is not writable';
  const first = text.split('\n').map((l) => l.trim()).find((l) => l && !l.startsWith('at ') && !l.startsWith('Downloading'));
  return first ? first.slice(0, 160) : 'the installer stopped without saying why';
}

/** The mirror the installer used, for the error message. */
function mirrorName() {
  const env = process.env;
  return env.npm_config_electron_mirror || env.NPM_CONFIG_ELECTRON_MIRROR || env.ELECTRON_MIRROR || 'github.com';
}

/**
 * Fetches the binary through node_modules/electron/install.js when it is missing; no request when present.
 * Resolves to the executable, or to null after printing one sentence.
 */
export function ensureElectron(fromDir = ROOT) {
  const found = electronInstall(fromDir);
  if (found.installed) return Promise.resolve(found.exe);
  say(`Soutu: downloading Electron ${found.version} (first run only) from ${mirrorName()}\u2026`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(found.pkgDir, 'install.js')], {
      cwd: found.pkgDir,
      stdio: ['ignore', 'inherit', 'pipe'],
      env: process.env,
    });
    let err = '';
    let failing = false;
    child.stderr.on('data', (chunk) => {
      const s = chunk.toString();
      err += s;
      // The progress bar is shown live; the stack trace install.js prints on failure is not.
      if (!failing && /(^|\n)\s*(\w*Error|Error)\b[^\n]*:/.test(s)) failing = true;
      if (!failing) process.stderr.write(s);
    });
    child.on('error', (e) => {
      say(`Soutu could not start Electron's installer (${e.message}).`);
      resolve(null);
    });
    child.on('close', (code) => {
      const after = electronInstall(fromDir);
      if (code === 0 && after.installed) return resolve(after.exe);
      say(
        `Soutu could not download Electron ${found.version} from ${mirrorName()} (${downloadFailureReason(err)}); ` +
          `set a reachable mirror, e.g. ${MIRROR_HINT} (or HTTPS_PROXY with ELECTRON_GET_USE_PROXY=1), and run the command again.`,
      );
      resolve(null);
    });
  });
}

function runNpmScript(name) {
  // npm_execpath is npm's own CLI when this runs from an npm script; otherwise use npm from PATH.
  const npmCli = process.env.npm_execpath;
  const r = npmCli
    ? spawnSync(process.execPath, [npmCli, 'run', name], { cwd: ROOT, stdio: 'inherit' })
    : spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', name], { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' });
  return r.status === 0;
}

function runElectronVite(command, exe) {
  const cli = path.join(path.dirname(createRequire(path.join(ROOT, 'package.json')).resolve('electron-vite/package.json')), 'bin', 'electron-vite.js');
  const args = [cli, command];
  if (command === 'preview') args.push('--skipBuild');
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ELECTRON_EXEC_PATH: exe } });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('close', (code, signal) => process.exit(code !== null ? code : signal ? 1 : 0));
}

async function main(mode) {
  const old = nodeTooOld(process.version);
  if (old) {
    say(old);
    return 1;
  }
  if (!['app', 'dev', 'start'].includes(mode)) {
    say(`Usage: node scripts/electron-app.mjs app|dev|start (got "${mode}").`);
    return 2;
  }
  if (mode === 'app' && !runNpmScript('build')) return 1;
  if (mode === 'start' && !existsSync(path.join(ROOT, 'out', 'main', 'index.js'))) {
    say('Soutu has not been built yet: run `npm run app` (builds, then starts) instead of `npm start`.');
    return 1;
  }
  const exe = await ensureElectron();
  if (!exe) return 1;
  runElectronVite(mode === 'dev' ? 'dev' : 'preview', exe);
  return null;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv[2] || 'app').then(
    (code) => {
      if (code !== null) process.exit(code);
    },
    (err) => {
      say(`Soutu could not start the desktop app: ${err && err.message ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
