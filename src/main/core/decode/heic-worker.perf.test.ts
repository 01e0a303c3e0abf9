// The wasm HEIC decoder runs in a worker thread: the main thread keeps ticking while a photo decodes, the
// pixels equal an in-thread decode, and timeouts, crashes and idle workers are handled by the pool.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SHARED_FIXTURES } from '../testing/fixtures';
import { closeHeicPool, decodeHeicRgba, decodeHeicRgbaInThread, setHeicTimeoutMs } from './heic-fallback';
import { decodePhoto, preprocessSpecFromConfig } from './index';
import { longestStall } from './main-thread-stall';
import { PoolCrashError, PoolTimeoutError, PoolUnavailableError, WorkerPool } from './worker-pool';
import { CLIP_PREPROCESSOR_CONFIG } from '../testing/test-models';

const HEIC = path.join(SHARED_FIXTURES, 'odd/heic_iphone_flower.HEIC');
const SPEC = preprocessSpecFromConfig(CLIP_PREPROCESSOR_CONFIG);

afterAll(() => closeHeicPool());

describe('HEIC in a worker thread', () => {
  // Time spent waiting for a CPU is not counted (Linux), but a loaded machine still shows the odd long GC
  // pause, hence the retries; a decode on this thread stalls it for its whole length every time (next test).
  it('keeps the main thread responsive while an HEIC decodes (cold start included)', { retry: 2 }, async () => {
    const { value: r, blockedMs, gapMs, ms } = await longestStall(() => decodePhoto(HEIC, SPEC));
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    expect(r.value.meta).toMatchObject({ format: 'heif', width: 2566, height: 3313 });
    console.log(`HEIC 8.5 MP via worker: ${ms.toFixed(0)} ms; longest main-thread stall ${blockedMs.toFixed(0)} ms (${gapMs.toFixed(0)} ms on the clock)`);
    expect(blockedMs).toBeLessThan(100);
  });

  it('the same decode in this thread does stall it (the check above can fail)', async () => {
    const file = readFileSync(HEIC);
    const { blockedMs, gapMs, ms } = await longestStall(() => decodeHeicRgbaInThread(file));
    console.log(`HEIC 8.5 MP in-thread: ${ms.toFixed(0)} ms; longest main-thread stall ${blockedMs.toFixed(0)} ms (${gapMs.toFixed(0)} ms on the clock)`);
    expect(blockedMs).toBeGreaterThan(150);
  });

  it('gives the same pixels as the in-thread decode', async () => {
    const file = readFileSync(HEIC);
    const [pooled, local] = await Promise.all([decodeHeicRgba(file), decodeHeicRgbaInThread(file)]);
    expect([pooled.width, pooled.height]).toEqual([local.width, local.height]);
    expect(pooled.data.equals(local.data)).toBe(true);
    // The caller's buffer is left alone (the worker got a copy).
    expect(file.equals(readFileSync(HEIC))).toBe(true);
  });

  it('a decode over its time limit becomes a clear failure, and the next one gets a fresh worker', async () => {
    const prev = setHeicTimeoutMs(20);
    let r;
    try {
      r = await decodePhoto(HEIC, SPEC, { thumbSize: 0 });
    } finally {
      setHeicTimeoutMs(prev);
    }
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatchObject({
        code: 'corrupt',
        reason: 'The HEIF image could not be decoded: the decoder took longer than 20 ms and was stopped.',
      });
    }
    const again = await decodePhoto(HEIC, SPEC, { thumbSize: 0 });
    expect(again.ok).toBe(true);
  });

  it('an idle pool does not keep the process alive, a pending decode does', () => {
    // No top-level await: only the pending decode itself may keep this process running until it prints.
    const url = new URL('./index.ts', import.meta.url).href;
    const code = `
      import(${JSON.stringify(url)}).then(({ decodePhoto, preprocessSpecFromConfig }) => {
        const spec = preprocessSpecFromConfig(${JSON.stringify({ image_processor_type: 'CLIPImageProcessor', size: { shortest_edge: 32 }, crop_size: { height: 32, width: 32 }, do_center_crop: true })});
        const t0 = Date.now();
        decodePhoto(${JSON.stringify(HEIC)}, spec, { thumbSize: 0 }).then((r) => {
          console.log(JSON.stringify({ ok: r.ok, ms: Date.now() - t0 }));
          globalThis.doneAt = Date.now();
          process.on('exit', () => console.log(JSON.stringify({ exitAfterMs: Date.now() - globalThis.doneAt })));
        });
      });
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: process.cwd(), encoding: 'utf8', timeout: 25_000,
    });
    expect(run.signal, `timed out: ${run.stderr}`).toBe(null);
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0].ok).toBe(true);
    // The idle worker (kept 30 s for reuse) is unref'd: the process ends at once.
    expect(lines[1].exitAfterMs).toBeLessThan(2000);
  });
});

describe('WorkerPool', () => {
  const SOURCE = `
    const { parentPort, threadId } = require('node:worker_threads');
    parentPort.postMessage({ ready: true });
    parentPort.on('message', ({ id, req }) => {
      if (req === 'exit') process.exit(3);
      if (req === 'throw') setImmediate(() => { throw new Error('boom'); });
      else if (req === 'hang') { const t = Date.now(); while (Date.now() - t < 30000); }
      else if (req === 'fail') parentPort.postMessage({ id, ok: false, message: 'no good' });
      else setTimeout(() => parentPort.postMessage({ id, ok: true, res: { echo: req, threadId } }), 30);
    });
  `;
  type Res = { echo: string; threadId: number };

  it('runs jobs on up to `size` workers, and workers are reused', async () => {
    const pool = new WorkerPool<string, Res>({ source: SOURCE, size: 2, timeoutMs: 5000 });
    try {
      const results = await Promise.all(['a', 'b', 'c', 'd'].map((s) => pool.run(s)));
      expect(results.map((r) => r.echo)).toEqual(['a', 'b', 'c', 'd']);
      expect(new Set(results.map((r) => r.threadId)).size).toBe(2);
      expect(pool.workerCount).toBe(2);
      await expect(pool.run('fail')).rejects.toThrow('no good');
      expect(pool.workerCount).toBe(2);
    } finally {
      await pool.close();
    }
  });

  it('replaces a worker that crashes, exits or hangs, failing only that job', async () => {
    const pool = new WorkerPool<string, Res>({ source: SOURCE, size: 1, timeoutMs: 5000 });
    try {
      const first = await pool.run('a');
      await expect(pool.run('throw')).rejects.toBeInstanceOf(PoolCrashError);
      const second = await pool.run('b');
      expect(second.threadId).not.toBe(first.threadId);
      await expect(pool.run('exit')).rejects.toThrow(/exited with code 3/);
      // Queued behind a hanging job: only the hanging one fails.
      const hang = pool.run('hang', [], 300);
      const after = pool.run('c');
      await expect(hang).rejects.toBeInstanceOf(PoolTimeoutError);
      expect((await after).echo).toBe('c');
    } finally {
      await pool.close();
    }
  });

  it('closes idle workers after idleMs', async () => {
    const pool = new WorkerPool<string, Res>({ source: SOURCE, size: 1, timeoutMs: 5000, idleMs: 100 });
    await pool.run('a');
    expect(pool.workerCount).toBe(1);
    await new Promise((r) => setTimeout(r, 400));
    expect(pool.workerCount).toBe(0);
    expect((await pool.run('b')).echo).toBe('b');
    await pool.close();
  });

  it('reports a library that cannot load in a thread as unavailable (callers decode in-thread)', async () => {
    const pool = new WorkerPool<string, Res>({ source: `require('surely-not-installed-anywhere');`, size: 1, timeoutMs: 5000 });
    await expect(pool.run('a')).rejects.toBeInstanceOf(PoolUnavailableError);
    await expect(pool.run('b')).rejects.toBeInstanceOf(PoolUnavailableError);
    expect(pool.workerCount).toBe(0);
  });
});
