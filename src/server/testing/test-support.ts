// Set-up for the tests that attack the real `soutu serve` process (the built CLI, as users run it): a library
// indexed by `soutu index`, serve started with the token it prints read back from its banner, optional disk
// faults (disk-faults.mjs) and a way to wait for it to end.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, writeColourImages } from '../../main/core/testing/fixtures.js';
import { tempDir } from '../../main/core/testing/temp.js';
import { makeTestModel } from '../../main/core/testing/test-models.js';
import { postJson, raw, type RawOptions, type RawResponse } from '../test-support.js';

export const CLI = path.join(REPO_ROOT, 'bin', 'soutu.js');
export const FAULTS = path.join(REPO_ROOT, 'src', 'server', 'testing', 'disk-faults.mjs');

export interface LibraryFixture {
  dir: string;
  model: string;
  library: string;
  /** The indexed folder of solid-colour images. */
  photos: string;
  colours: Record<string, string>;
  cleanup(): Promise<void>;
}

/** A model, a folder of colour images and a library indexed from it by the real CLI. */
export async function indexedLibrary(prefix: string): Promise<LibraryFixture> {
  const t = await tempDir(prefix);
  const model = path.join(t.dir, 'toy');
  await makeTestModel('toy-color', model);
  const photos = path.join(t.dir, 'photos');
  const colours = await writeColourImages(photos);
  const library = path.join(t.dir, 'lib');
  await promisify(execFile)(process.execPath, [CLI, 'index', photos, '--library', library, '--model', model, '--json']);
  return { dir: t.dir, model, library, photos, colours, cleanup: t.cleanup };
}

/** A new folder holding copies of `sources` under the given names. */
export async function folderOf(dir: string, files: Record<string, string>): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const [name, source] of Object.entries(files)) await copyFile(source, path.join(dir, name));
  return dir;
}

export interface ServeProcess {
  child: ChildProcess;
  port: number;
  token: string;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** Resolves when the process has ended. */
  ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** A request with the token (Bearer), unless `auth: false`. */
  get(target: string, o?: RawOptions): Promise<RawResponse>;
  call(name: string, args: unknown, o?: RawOptions): Promise<RawResponse>;
  /** Ends it if it is still running (SIGKILL) and waits. */
  kill(): Promise<void>;
}

export interface ServeStart {
  library: string;
  args?: string[];
  env?: Record<string, string>;
  /** Load disk-faults.mjs first. */
  faults?: boolean;
}

/** Starts `soutu serve --port 0 --no-watch` and reads its address and token from the banner it prints. */
export async function startServeProcess(o: ServeStart): Promise<ServeProcess> {
  const node = o.faults ? ['--import', FAULTS] : [];
  const child = spawn(process.execPath, [...node, CLI, 'serve', '--library', o.library, '--port', '0', '--no-watch', ...(o.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...o.env },
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const banner = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}\n${err}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/Press Ctrl\+C/.test(out)) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    void ended.then(() => reject(new Error(`serve ended before listening: ${err}`)));
  });
  const m = /Open http:\/\/127\.0\.0\.1:(\d+)\/(?:\?token=(\S+))?/.exec(banner);
  if (!m) throw new Error(`no address in the banner: ${banner}`);
  const port = Number(m[1]);
  const token = m[2] ? decodeURIComponent(m[2]) : '';
  const withToken = (x: RawOptions = {}): RawOptions =>
    x.auth === false || !token ? x : { ...x, headers: { Authorization: `Bearer ${token}`, ...(x.headers ?? {}) } };
  return {
    child,
    port,
    token,
    stderr: () => err,
    ended,
    get: (target, x) => raw(port, target, withToken(x)),
    call: (name, args, x) => postJson(port, name, args, withToken(x)),
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await ended;
    },
  };
}

/** Polls `check` every 100 ms until it returns a value other than undefined, or fails after `ms`. */
export async function waitFor<T>(what: string, ms: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The files (not sockets or pipes of its own) that process `pid` holds open below `dir`. */
export async function openFilesBelow(pid: number, dir: string): Promise<string[]> {
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
  const targets = await Promise.all(fds.map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')));
  return targets.filter((t) => t.startsWith(dir + path.sep));
}
