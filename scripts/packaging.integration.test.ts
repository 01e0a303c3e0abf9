// What an installer would carry: `npm run dist:dir` with a stand-in Electron (electronDist), then the packed
// tree is inspected. app.asar holds only the bundles, package.json, runtime resources and production modules;
// every native module is unpacked with its shared libraries and loads under plain Node; the library process's
// entry chunk, run from the packaged tree with a stand-in `electron`, opens a library and answers a search with
// the toy model; the fuses are flipped; and a target whose native packages are missing is refused up front.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import asar from '@electron/asar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../src/main/core/library/library';
import { writeColourImages } from '../src/main/core/testing/fixtures';
import { makeTestModel } from '../src/main/core/testing/test-models';
import { missingNatives, requiredNatives } from './native-targets.mjs';
import { targetsOf } from './dist.mjs';
import { readFuses, STOCK_FUSES, writeStandInDist } from './testing/stand-in-electron';

const REPO = path.resolve(import.meta.dirname, '..');
const ELECTRON_VERSION = JSON.parse(readFileSync(path.join(REPO, 'node_modules', 'electron', 'package.json'), 'utf8')).version as string;
const NPM_CLI = process.env.npm_execpath && /npm-cli\.js$/.test(process.env.npm_execpath) ? process.env.npm_execpath : null;
const ASAR_LIMIT = 20 * 1024 * 1024;

function npm(args: string[], timeoutMs: number): Promise<{ status: number | null; out: string }> {
  const cmd = NPM_CLI ? process.execPath : 'npm';
  const argv = NPM_CLI ? [NPM_CLI, ...args] : args;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd: REPO, env: { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}` } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, out });
    });
  });
}

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

describe('dist refuses targets it cannot package', () => {
  it('reads the targets from electron-builder\u2019s flags', () => {
    expect(targetsOf(['--dir'], 'linux')).toEqual([['linux', 'x64']]);
    expect(targetsOf(['--win'], 'linux')).toEqual([['win32', 'x64']]);
    expect(targetsOf(['--mac', '--linux', '--arm64'], 'linux')).toEqual([['darwin', 'arm64'], ['linux', 'arm64']]);
  });

  it('names every native package another OS needs, and nothing for this one', () => {
    const nm = path.join(REPO, 'node_modules');
    expect(missingNatives(nm, process.platform, process.arch)).toEqual([]);
    const other = process.platform === 'win32' ? 'darwin' : 'win32';
    const otherArch = other === 'darwin' ? 'arm64' : 'x64';
    expect(missingNatives(nm, other, otherArch)).toEqual(expect.arrayContaining(requiredNatives(other, otherArch)));
  });

  it('npm run dist for another OS stops before building, in one sentence', async () => {
    const flag = process.platform === 'win32' ? '--mac' : '--win';
    const r = await npm(['run', 'dist', '--', flag], 60_000);
    expect(r.status).not.toBe(0);
    const lines = r.out.split('\n').filter((l) => l.startsWith('Cannot build'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Cannot build the (Windows|macOS) (x64|arm64) installer here: node_modules lacks @img\/sharp-.*; build each OS's installer on that OS .*\.$/);
    expect(r.out).not.toMatch(/electron-builder {2}version=|vite v\d/);
  });
});

describe.runIf(process.platform === 'linux' && process.arch === 'x64')('npm run dist:dir with a stand-in Electron', () => {
  let work: string;
  let appOut: string;
  let resources: string;
  /** Every entry of app.asar's header, unpacked ones included. */
  let files: string[];
  /** The entries whose bytes are inside app.asar. */
  let packed: string[];

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'soutu-pack-'));
    const dist = await writeStandInDist(path.join(work, 'electron-dist'), ELECTRON_VERSION);
    const r = await npm(['run', 'dist:dir', '--', `-c.electronDist=${dist}`, `-c.directories.output=${path.join(work, 'dist')}`], 600_000);
    if (r.status !== 0) throw new Error(`npm run dist:dir failed:\n${r.out.slice(-4000)}`);
    appOut = path.join(work, 'dist', 'linux-unpacked');
    resources = path.join(appOut, 'resources');
    const archive = path.join(resources, 'app.asar');
    files = asar.listPackage(archive, { isPack: false }).map((f) => f.replace(/\\/g, '/'));
    packed = files.filter((f) => {
      const st = asar.statFile(archive, f.slice(1), false) as { unpacked?: boolean; files?: unknown };
      return !st.files && !st.unpacked;
    });
  }, 700_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('app.asar holds the bundles, package.json, runtime resources and production modules, nothing else', () => {
    const top = new Set(files.map((f) => f.split('/')[1]));
    expect([...top].sort()).toEqual(['node_modules', 'out', 'package.json', 'resources']);
    const outDirs = new Set(files.filter((f) => f.startsWith('/out/')).map((f) => f.split('/')[2]));
    expect([...outDirs].sort()).toEqual(['main', 'preload', 'renderer']);
    expect(files.filter((f) => f.startsWith('/resources/'))).toEqual(['/resources/vocabulary.json']);
    for (const f of ['/out/main/index.js', '/out/preload/index.cjs', '/out/renderer/index.html', '/package.json']) expect(files).toContain(f);
    const own = files.filter((f) => !f.startsWith('/node_modules/'));
    expect(own.filter((f) => /\.map$|\.test\.|\/README|\.md$|\.ts$/.test(f))).toEqual([]);
    for (const banned of ['/src/', '/bench/', '/e2e/', '/scripts/', '/.cache/', '/artifacts/', '/docs/', '/test-results/', '/.ci/']) {
      expect(files.some((f) => f.startsWith(banned)), banned).toBe(false);
    }
    expect(files.some((f) => f.endsWith('.map'))).toBe(false);
    expect(files.some((f) => f.startsWith('/node_modules/onnxruntime-web/'))).toBe(false);
    // Development packages never travel.
    for (const dev of ['vitest', 'electron', 'electron-builder', 'vite', 'typescript', 'playwright-core', 'svelte']) {
      expect(files.some((f) => f.startsWith(`/node_modules/${dev}/`)), dev).toBe(false);
    }
  });

  it('app.asar stays under 20 MB', () => {
    const size = statSync(path.join(resources, 'app.asar')).size;
    console.log(`app.asar: ${(size / 1048576).toFixed(1)} MiB; ${files.length} entries`);
    expect(size).toBeLessThan(ASAR_LIMIT);
  });

  it('every native module is unpacked with its shared libraries and loads under plain Node', () => {
    const unpacked = path.join(resources, 'app.asar.unpacked');
    const all = walk(unpacked);
    const addons = all.filter((f) => f.endsWith('.node'));
    const find = (re: RegExp) => all.filter((f) => re.test(f.replace(/\\/g, '/')));
    const sharp = find(/@img\/sharp-linux-x64\/lib\/sharp-linux-x64[-\d.]*\.node$/);
    const ort = find(/onnxruntime-node\/bin\/napi-v\d+\/linux\/x64\/onnxruntime_binding\.node$/);
    const lance = find(/@lancedb\/lancedb-linux-x64-gnu\/.*\.node$/);
    expect(sharp).toHaveLength(1);
    expect(ort).toHaveLength(1);
    expect(lance).toHaveLength(1);
    expect(find(/@img\/sharp-libvips-linux-x64\/lib\/libvips-cpp\.so/).length).toBeGreaterThan(0);
    expect(find(/onnxruntime-node\/bin\/napi-v\d+\/linux\/x64\/libonnxruntime\.so/).length).toBeGreaterThan(0);
    // ffmpeg and ffprobe are executables, unpacked with their modes; the OCR weights are files ORT opens by path.
    for (const re of [/@ffmpeg-installer\/linux-x64\/ffmpeg$/, /@ffprobe-installer\/linux-x64\/ffprobe$/]) {
      const [exe] = find(re);
      expect(exe, String(re)).toBeTruthy();
      // Executable by every user (a root-installed .deb serves them all).
      expect(statSync(exe).mode & 0o777).toBe(0o755);
    }
    expect(find(/@gutenye\/ocr-models\/assets\/ch_PP-OCRv4_rec_infer\.onnx$/)).toHaveLength(1);
    // Nothing native stayed inside the archive.
    expect(packed.filter((f) => f.endsWith('.node') || /\.so(\.\d+)*$/.test(f) || f.endsWith('.dll') || f.endsWith('.dylib') || f.endsWith('.onnx'))).toEqual([]);
    // Other platforms' ONNX Runtime binaries are left out.
    expect(find(/onnxruntime-node\/bin\/napi-v\d+\/(darwin|win32)\//)).toEqual([]);
    for (const addon of [...sharp, ...ort, ...lance]) {
      const r = spawnSync(process.execPath, ['-e', `process.dlopen({ exports: {} }, ${JSON.stringify(addon)}); console.log('ok')`], { encoding: 'utf8', timeout: 60_000 });
      expect(r.stdout.trim(), `${path.relative(unpacked, addon)}: ${r.stderr}`).toBe('ok');
    }
    console.log(`native addons unpacked: ${addons.length}; dlopen ok: ${[...sharp, ...ort, ...lance].map((f) => path.basename(f)).join(', ')}`);
  });

  it('flips the fuses of the packaged binary', () => {
    const exe = readFileSync(path.join(appOut, 'soutu-desktop'));
    expect(readFuses(Buffer.from(STAND_IN_STOCK()))).toBe(STOCK_FUSES);
    // RunAsNode off, cookie encryption on, NODE_OPTIONS off, --inspect off, asar integrity on, asar only on,
    // browser V8 snapshot off, file:// privileges off.
    expect(readFuses(exe)).toBe('01001100');
  });

  it('the library process, run from the packaged tree with a stand-in electron, opens a library and searches', async () => {
    // The packed tree as Electron would see it: app.asar extracted, its unpacked files beside.
    const tree = path.join(work, 'tree');
    asar.extractAll(path.join(resources, 'app.asar'), tree);
    await mkdir(path.join(tree, 'node_modules', 'electron'), { recursive: true });
    await writeFile(path.join(tree, 'node_modules', 'electron', 'package.json'), JSON.stringify({ name: 'electron', version: ELECTRON_VERSION, main: 'index.js' }));
    await writeFile(path.join(tree, 'node_modules', 'electron', 'index.js'), "throw new Error('the library process must not load electron');\n");
    const chunks = readdirSync(path.join(tree, 'out', 'main', 'chunks')).filter((f) => f.startsWith('library-process'));
    expect(chunks).toHaveLength(1);
    const entry = path.join(tree, 'out', 'main', 'chunks', chunks[0]);

    // A library indexed with the toy colour model (as a user's would be, by an earlier run).
    const home = path.join(work, 'home');
    const photos = path.join(home, 'photos');
    const toy = path.join(home, 'models', 'toy');
    await makeTestModel('toy-color', toy);
    await writeColourImages(photos, { size: 64 });
    const lib = await Library.open(path.join(home, 'library'), { model: toy, device: 'cpu' });
    await lib.index({ roots: [photos] });
    await lib.close();

    // Plays Electron's utilityProcess parentPort, sends the init message, then asks for a search over the rpc.
    const driver = path.join(work, 'driver.mjs');
    await writeFile(
      driver,
      `
      import { EventEmitter } from 'node:events';
      const port = new EventEmitter();
      const fromMain = new EventEmitter();
      port.postMessage = (m) => fromMain.emit('message', m);
      process.parentPort = { postMessage: (m) => port.postMessage(m), on: (e, l) => port.on('main:' + e, l), off: (e, l) => port.off('main:' + e, l) };
      const send = (data) => port.emit('main:message', { data });
      const timer = setTimeout(() => { console.log(JSON.stringify({ error: 'timeout' })); process.exit(2); }, 120000);
      fromMain.on('message', (m) => {
        if (m.kind === 'ready') send({ kind: 'req', id: 1, method: 'search:text', args: { text: '红色' } });
        if (m.kind === 'res' && m.id === 1) {
          console.log(JSON.stringify(m));
          send({ kind: 'req', id: 2, method: 'internal:close', args: {} });
        }
        if (m.kind === 'res' && m.id === 2) { clearTimeout(timer); }
      });
      await import(${JSON.stringify(entry)});
      send({ kind: 'init', init: { libraryDir: ${JSON.stringify(path.join(home, 'library'))}, modelsDir: ${JSON.stringify(path.join(home, 'models'))}, systemLanguage: 'en' } });
      `,
    );
    const r = spawnSync(process.execPath, [driver], { cwd: tree, encoding: 'utf8', timeout: 180_000, env: { ...process.env, SOUTU_HOME: home, NODE_PATH: '' } });
    const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
    expect(line, r.stdout + r.stderr).toBeTruthy();
    const res = JSON.parse(line!) as { ok: boolean; value?: { path: string }[]; error?: unknown };
    expect(res.ok, JSON.stringify(res.error)).toBe(true);
    expect(path.basename(res.value![0].path)).toBe('red.jpg');
    // Everything it loaded came from the packaged tree, not from the checkout's node_modules.
    expect(r.stderr).not.toMatch(/Cannot find (module|package)/);
  }, 300_000);
});

/** The stock fuse wire as the stand-in ships it (before packaging). */
function STAND_IN_STOCK(): string {
  return `dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX\x01\x08${STOCK_FUSES}`;
}
