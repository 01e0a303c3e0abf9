// The first-launch path as a new user meets it: `npm run app` on a checkout whose node_modules/electron has no
// binary fetches Electron through Electron's own installer from ELECTRON_MIRROR (a local server here, serving a
// stand-in that records how it was started), writes path.txt and starts the app; a second run makes no request;
// a mirror that is down gives one sentence and a non-zero exit; an old Node is refused before any build.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadFailureReason, nodeTooOld } from './electron-app.mjs';
import { startMirror, type Mirror } from './testing/stand-in-electron';

const REPO = path.resolve(import.meta.dirname, '..');
const ELECTRON_VERSION = JSON.parse(readFileSync(path.join(REPO, 'node_modules', 'electron', 'package.json'), 'utf8')).version as string;
const NPM_CLI = process.env.npm_execpath && /npm-cli\.js$/.test(process.env.npm_execpath) ? process.env.npm_execpath : null;

/** A copy of the checkout whose node_modules/electron is as npm leaves it: no dist/, no path.txt. */
async function makeProject(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'soutu-first-launch-'));
  for (const f of ['package.json', 'electron.vite.config.ts', 'tsconfig.json']) await cp(path.join(REPO, f), path.join(dir, f));
  for (const d of ['scripts', 'src', 'resources', 'build']) await cp(path.join(REPO, d), path.join(dir, d), { recursive: true });
  const nm = path.join(dir, 'node_modules');
  await mkdir(nm);
  for (const name of await readdir(path.join(REPO, 'node_modules'))) {
    if (name === 'electron') continue;
    await symlink(path.join(REPO, 'node_modules', name), path.join(nm, name));
  }
  await freshElectronPackage(dir);
  return dir;
}

async function freshElectronPackage(project: string): Promise<void> {
  const dest = path.join(project, 'node_modules', 'electron');
  await rm(dest, { recursive: true, force: true });
  await mkdir(dest);
  const src = path.join(REPO, 'node_modules', 'electron');
  for (const f of await readdir(src)) {
    if (f === 'dist' || f === 'path.txt') continue;
    await cp(path.join(src, f), path.join(dest, f), { recursive: true });
  }
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs npm asynchronously: the mirror answers from this process, so a synchronous spawn would starve it. */
function npm(project: string, args: string[], env: Record<string, string | undefined>): Promise<Run> {
  const base = { ...process.env };
  // Settings of the surrounding run that would change what the launcher does.
  for (const k of ['ELECTRON_EXEC_PATH', 'ELECTRON_OVERRIDE_DIST_PATH', 'ELECTRON_MIRROR', 'npm_config_electron_mirror', 'ELECTRON_RUN_AS_NODE']) delete base[k];
  const cmd = NPM_CLI ? process.execPath : 'npm';
  const argv = NPM_CLI ? [NPM_CLI, ...args] : args;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, {
      cwd: project,
      env: { ...base, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

function record(file: string): { cwd: string; args: string[]; env: Record<string, string> } {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const out = { cwd: '', args: [] as string[], env: {} as Record<string, string> };
  for (const l of lines) {
    const [k, ...rest] = l.split('=');
    const v = rest.join('=');
    if (k === 'cwd') out.cwd = v;
    else if (k === 'arg') out.args.push(v);
    else if (k.startsWith('env.')) out.env[k.slice(4)] = v;
  }
  return out;
}

async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('launcher messages', () => {
  it('refuses a Node older than 22.12 in one sentence, and accepts 22.12 and later', () => {
    expect(nodeTooOld('v20.20.2')).toMatch(/^Soutu needs Node\.js 22\.12 or newer \(this is Node\.js 20\.20\.2\); .*\.$/);
    expect(nodeTooOld('v22.11.0')).not.toBeNull();
    expect(nodeTooOld('v22.12.0')).toBeNull();
    expect(nodeTooOld('v24.22.3')).toBeNull();
  });

  it('names the reason a download failed without the stack', () => {
    expect(downloadFailureReason('TypeError: fetch failed\n    at node:internal/deps/undici')).toBe('the download server could not be reached');
    expect(downloadFailureReason('HTTPError: Response code 404 (Not Found) for http://x/v1/e.zip\n    at y')).toBe('the server answered 404 Not Found for http://x/v1/e.zip');
    expect(downloadFailureReason('Error: getaddrinfo ENOTFOUND mirror.example')).toMatch(/could not be resolved/);
  });
});

describe.runIf(process.platform === 'linux')('npm run app on a fresh checkout (stand-in Electron from a local mirror)', () => {
  let project: string;
  let mirror: Mirror;
  let cache: string;
  const recordFile = () => path.join(project, 'standin-record.txt');
  const env = () => ({
    ELECTRON_MIRROR: mirror.url,
    // The stand-in is not in Electron's bundled checksums.json: take SHASUMS256.txt from the mirror, as a mirror user would.
    electron_use_remote_checksums: '1',
    electron_config_cache: cache,
    SOUTU_STANDIN_RECORD: recordFile(),
  });

  beforeAll(async () => {
    project = await makeProject();
    cache = path.join(project, 'electron-cache');
    mirror = await startMirror(ELECTRON_VERSION);
  }, 120_000);

  afterAll(async () => {
    await mirror?.close();
    if (project) await rm(project, { recursive: true, force: true });
  });

  it('fetches the binary through Electron\u2019s installer, writes path.txt and starts the app with its folder', async () => {
    expect(existsSync(path.join(project, 'node_modules', 'electron', 'path.txt'))).toBe(false);
    const r = await npm(project, ['run', 'app'], env());
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(mirror.requests.some((u) => u.endsWith(`electron-v${ELECTRON_VERSION}-${process.platform}-${process.arch}.zip`))).toBe(true);
    expect(readFileSync(path.join(project, 'node_modules', 'electron', 'path.txt'), 'utf8')).toBe('electron');
    expect(existsSync(path.join(project, 'out', 'main', 'index.js'))).toBe(true);
    const rec = record(recordFile());
    expect(rec.cwd).toBe(project);
    expect(rec.args[0]).toBe('.');
    console.log(`first launch: ${mirror.requests.length} requests (${mirror.requests.join(', ')}), stand-in started in ${rec.cwd} with ${JSON.stringify(rec.args)}`);
  }, 300_000);

  it('a second run makes no request', async () => {
    const before = mirror.requests.length;
    await rm(recordFile(), { force: true });
    const r = await npm(project, ['start'], env());
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(mirror.requests.length).toBe(before);
    expect(record(recordFile()).args[0]).toBe('.');
  }, 120_000);

  it('npm run dev goes the same way and gives the app the dev server', async () => {
    const before = mirror.requests.length;
    await rm(recordFile(), { force: true });
    const r = await npm(project, ['run', 'dev'], env());
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(mirror.requests.length).toBe(before);
    const rec = record(recordFile());
    expect(rec.env.ELECTRON_RENDERER_URL).toMatch(/^http:\/\/localhost:\d+\/?$/);
    expect(rec.env.NODE_ENV_ELECTRON_VITE).toBe('development');
  }, 120_000);

  it('with the mirror down: one sentence naming the mirror setting, a non-zero exit, no stack trace', async () => {
    await freshElectronPackage(project);
    await rm(cache, { recursive: true, force: true });
    const port = await closedPort();
    const r = await npm(project, ['start'], { ...env(), ELECTRON_MIRROR: `http://127.0.0.1:${port}/` });
    expect(r.status).not.toBe(0);
    const said = r.stderr.split('\n').filter((l) => l.startsWith('Soutu'));
    expect(said.at(-1)).toMatch(/^Soutu could not download Electron [\d.]+ from http:\/\/127\.0\.0\.1:\d+\/ \(the download server could not be reached\); set a reachable mirror, e\.g\. ELECTRON_MIRROR=.*\.$/);
    expect(r.stdout + r.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(path.join(project, 'node_modules', 'electron', 'path.txt'))).toBe(false);
  }, 120_000);

  it('an old Node is refused in one sentence before any build', async () => {
    const candidates = ['/usr/bin/node', '/usr/local/bin/node'].filter((p) => existsSync(p));
    const old = candidates.find((p) => nodeTooOld(spawnSync(p, ['--version'], { encoding: 'utf8' }).stdout.trim()) !== null);
    if (!old) {
      console.log('not run: no Node older than 22.12 on this machine (the message itself is tested above)');
      return;
    }
    await rm(path.join(project, 'out'), { recursive: true, force: true });
    const r = spawnSync(old, [path.join(project, 'scripts', 'electron-app.mjs'), 'app'], { cwd: project, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^Soutu needs Node\.js 22\.12 or newer \(this is Node\.js [\d.]+\); [^\n]*\.$/);
    expect(existsSync(path.join(project, 'out'))).toBe(false);
    await writeFile(path.join(project, '.old-node-checked'), old);
  }, 60_000);
});
