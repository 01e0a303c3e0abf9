// The one bridge between the browser specs and the product: builds a library folder (generated colour images
// plus the shared fixtures) and the toy-color model, starts `soutu serve` in this worker, and owns the address
// and the credentials. Every import from src/ and every word about auth lives in this file.
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test as base, type APIRequestContext, type PlaywrightWorkerArgs } from '@playwright/test';
import { copyFixtures, REPO_ROOT, writeColourImages } from '../../src/main/core/testing/fixtures.js';
import { makeTestModel } from '../../src/main/core/testing/test-models.js';
import { Library } from '../../src/main/core/index.js';
import { startServe } from '../../src/server/serve.js';

export { REPO_ROOT };
export const RENDERER = path.join(REPO_ROOT, 'out', 'renderer');

/** What the specs may know about the running server. */
export interface Served {
  /** Base URL, ending in '/'. */
  url: string;
  /** The first URL a browser opens. It carries the access token, which the server swaps for a cookie. */
  entryUrl: string;
  /** The library's one folder (`colours/` and `fixtures/` inside). */
  photos: string;
  /** The generated solid-colour images: red.jpg, green.jpg, …, half_red_blue.png. */
  colours: string;
  /** Calls the API as a script would (its own client, Bearer token); fails on any non-2xx answer. */
  call<T = unknown>(name: string, args?: unknown): Promise<T>;
  /** The client behind call(), for the odd request that is not a call. */
  request: APIRequestContext;
}

export interface ServeWorkerFixtures {
  /**
   * 'indexed' (the default): the folder is added and indexed through the API before any test, so each test
   * can run alone (`--grep`). 'empty': a new library with no folder, for the first-run flows.
   */
  libraryState: 'empty' | 'indexed';
  /**
   * null (the default): the toy model has its full-precision image model only. Otherwise it also has the 8-bit file
   * name (so either precision can be chosen), and with 'compact' the library is first indexed at that precision
   * (as `soutu index --precision compact` does), before serve opens it.
   */
  libraryPrecision: 'quality' | 'compact' | null;
  served: Served;
}

/**
 * Serve always requires its token (a new random one each start, printed in the link to open), so the suite uses
 * it as a person and a script would: the browser gets it once through entryUrl (?token= becomes an HttpOnly
 * cookie), scripts send `Authorization: Bearer`. When serve changes how tokens are made or handed over, this
 * function and entryUrl below are the places to change.
 */
function scriptHeaders(token: string | null): Record<string, string> {
  if (!token) throw new Error('soutu serve started without an access token');
  return { Authorization: `Bearer ${token}` };
}

async function waitForIndexRun(call: Served['call'], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await call('index:last')) === null) {
    if (Date.now() > deadline) throw new Error(`the library was not indexed within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Serves the library `<tmp>/library` over `photos` with the toy model in `modelDir` (serve's own random token, as at
 * every start), after adding and indexing `photos` unless `index` is false; hands `use` the Served, then stops serve
 * and removes `tmp` (kept with SOUTU_E2E_KEEP=1). `label` names the server in the log.
 */
export async function serveFolder(
  playwright: PlaywrightWorkerArgs['playwright'],
  o: { tmp: string; photos: string; colours: string; modelDir: string; label: string; index: boolean; indexTimeoutMs: number },
  use: (served: Served) => Promise<void>,
): Promise<void> {
  const running = await startServe({
    library: path.join(o.tmp, 'library'),
    model: o.modelDir,
    modelsDir: path.join(o.tmp, 'models'),
    port: 0,
    staticDir: RENDERER,
    allowDownload: false,
    out: () => {},
    log: (line) => process.stderr.write(`  [${o.label}] ${line}\n`),
  });
  const request = await playwright.request.newContext({ baseURL: running.server.url, extraHTTPHeaders: scriptHeaders(running.server.token) });
  const call = async <T>(name: string, args: unknown = {}): Promise<T> => {
    const r = await request.post(`api/call/${name}`, { data: args });
    if (!r.ok()) throw new Error(`${name} answered ${r.status()}: ${(await r.text()).slice(0, 300)}`);
    return (await r.json()) as T;
  };
  try {
    if (o.index) {
      await call('roots:add', { path: o.photos });
      await call('index:start', { roots: [o.photos] });
      await waitForIndexRun(call, o.indexTimeoutMs);
    }
    await use({ url: running.server.url, entryUrl: running.server.openUrl, photos: o.photos, colours: o.colours, call, request });
  } finally {
    await request.dispose().catch(() => {});
    await running.stop().catch(() => {});
    if (process.env.SOUTU_E2E_KEEP !== '1') await rm(o.tmp, { recursive: true, force: true }).catch(() => {});
    else process.stderr.write(`e2e: kept ${o.tmp}\n`);
  }
}

export const test = base.extend<object, ServeWorkerFixtures>({
  libraryState: ['indexed', { scope: 'worker', option: true }],
  libraryPrecision: [null, { scope: 'worker', option: true }],

  served: [
    async ({ playwright, libraryState, libraryPrecision }, use) => {
      const tmp = await mkdtemp(path.join(os.tmpdir(), 'soutu-e2e-'));
      const photos = path.join(tmp, 'photos');
      const colours = path.join(photos, 'colours');
      const modelDir = path.join(tmp, 'model');
      await makeTestModel('toy-color', modelDir);
      await writeColourImages(colours);
      await copyFixtures(path.join(photos, 'fixtures'));
      if (libraryPrecision) {
        await copyFile(path.join(modelDir, 'onnx', 'vision_model.onnx'), path.join(modelDir, 'onnx', 'vision_model_quantized.onnx'));
      }
      if (libraryPrecision === 'compact') {
        const lib = await Library.open(path.join(tmp, 'library'), { model: modelDir, modelsDir: path.join(tmp, 'models'), device: 'cpu', precision: 'compact' });
        try {
          await lib.index({ roots: [photos] });
        } finally {
          await lib.close();
        }
      }
      await serveFolder(playwright, { tmp, photos, colours, modelDir, label: 'server', index: libraryState === 'indexed', indexTimeoutMs: 120_000 }, use);
    },
    { scope: 'worker', timeout: 180_000 },
  ],
});

export { expect } from '@playwright/test';
