// Index runs and shutdown of the real `soutu serve` when files misbehave (disk-faults.mjs gives the process the
// faults): a file swapped for a FIFO after the scan, a file that never answers (a stalled network share). A run
// must end, index:cancel must stop it within seconds, SIGTERM must end the process within 10 s keeping what was
// committed, and a second signal must end it at once.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, folderOf, indexedLibrary, startServeProcess, waitFor, type LibraryFixture, type ServeProcess } from './testing/test-support.js';

const linux = process.platform === 'linux';
let fx: LibraryFixture;
const running: ServeProcess[] = [];

beforeAll(async () => {
  fx = await indexedLibrary('soutu-stop-');
}, 180_000);

afterAll(async () => {
  for (const s of running) await s.kill();
  await fx?.cleanup();
});

let marks = 0;

/** serve with disk faults; `hit(text)` waits until a fault whose line contains `text` has happened. */
async function serveWithFaults(env: Record<string, string>): Promise<ServeProcess & { hit(text: string): Promise<void> }> {
  const mark = path.join(fx.dir, `faults-${++marks}.log`);
  const s = await startServeProcess({ library: fx.library, faults: true, env: { ...env, SOUTU_FAULT_MARK: mark } });
  running.push(s);
  let exited: string | null = null;
  void s.ended.then((e) => (exited = JSON.stringify(e)));
  const hit = async (text: string) => {
    await waitFor(`the fault on ${text}`, 60_000, async () => {
      if ((await readFile(mark, 'utf8').catch(() => '')).includes(text)) return true;
      // A process that ended without meeting the fault will never meet it: say so at once, with what it said.
      if (exited) throw new Error(`serve ended (${exited}) before the fault on ${text}; its stderr:\n${s.stderr()}`);
      return undefined;
    }).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\nfaults seen: ${JSON.stringify(readFileSync(mark, { encoding: 'utf8', flag: 'a+' }))}\nstderr:\n${s.stderr()}`);
    });
  };
  return Object.assign(s, { hit });
}

/** A new folder: copies of the colour images, plus `extra` (a copy of red.jpg) whose name the faults look for. */
function folderWith(name: string, extra: string): Promise<string> {
  const c = fx.colours;
  return folderOf(path.join(fx.dir, name), { 'a.jpg': c.red, 'b.jpg': c.green, 'c.jpg': c.blue, 'd.jpg': c.yellow, [extra]: c.red });
}

async function lastRun(s: ServeProcess): Promise<{ cancelled: boolean; failed?: number } | undefined> {
  const r = await s.call('index:last', {});
  return r.json<{ cancelled: boolean } | null>() ?? undefined;
}

async function statusOfLibrary(): Promise<{ photos: number; roots: { path: string; photos: number }[] }> {
  const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'status', '--library', fx.library, '--json']);
  return JSON.parse(stdout) as { photos: number; roots: { path: string; photos: number }[] };
}

describe.runIf(linux)('index runs that meet a misbehaving file', () => {
  it('a file swapped for a FIFO after the scan: the run ends and records it as not a file', async () => {
    const s = await serveWithFaults({ SOUTU_FAULT_FIFO: 'swapped-file' });
    const folder = await folderWith('swap', 'swapped-file.jpg');
    expect((await s.call('index:start', { roots: [folder] })).status).toBe(200);
    const report = await waitFor('the run to end', 60_000, () => lastRun(s));
    expect(report.cancelled).toBe(false);
    const failures = (await s.call('failures:list', {})).json<{ path: string; code?: string }[]>();
    expect(failures.find((f) => f.path.endsWith('swapped-file.jpg'))).toBeTruthy();
    await s.kill();
  });

  it('index:cancel stops a run held by a file that never answers, and serve keeps answering meanwhile', async () => {
    const s = await serveWithFaults({ SOUTU_FAULT_STUCK: 'stuck-file-1' });
    const folder = await folderWith('stuck1', 'stuck-file-1.jpg');
    expect((await s.call('index:start', { roots: [folder] })).status).toBe(200);
    // The run is held: the stuck file's open waits for good (it holds one of libuv's threads).
    await s.hit('stuck-file-1');
    await new Promise((r) => setTimeout(r, 500));
    expect(await lastRun(s)).toBeUndefined();
    expect((await s.call('settings:get', {})).status).toBe(200);
    expect((await s.get(`/media/thumb/${(await s.call('search:text', { text: 'red', options: { limit: 1 } })).json<{ id: string }[]>()[0].id}`)).status).toBe(200);

    const t0 = performance.now();
    expect((await s.call('index:cancel', {})).json()).toEqual({ cancelled: true });
    const report = await waitFor('the cancelled run to end', 10_000, () => lastRun(s));
    const ms = performance.now() - t0;
    console.log(`index:cancel with a stuck file: the run ended in ${ms.toFixed(0)} ms`);
    expect(report.cancelled).toBe(true);
    expect(ms).toBeLessThan(5000);
    await s.kill();
  });
});

describe.runIf(linux)('stopping serve', () => {
  it('a SIGTERM the moment the banner is out is a clean stop (the library closed), not the default action', async () => {
    const s = await startServeProcess({ library: fx.library });
    running.push(s);
    s.child.kill('SIGTERM');
    const end = await Promise.race([s.ended, new Promise<null>((r) => setTimeout(() => r(null), 15_000))]);
    expect(end, s.stderr()).toEqual({ code: 0, signal: null });
    expect(s.stderr()).toMatch(/stopping…/);
  });

  it('SIGTERM during a run held by a stuck file ends the process within 10 s, keeping what was committed', async () => {
    const s = await serveWithFaults({ SOUTU_FAULT_STUCK: 'stuck-file-2' });
    // First a run that completes: its photos are committed.
    const done = await folderOf(path.join(fx.dir, 'committed'), { 'x.jpg': fx.colours.orange, 'y.jpg': fx.colours.purple });
    await s.call('index:start', { roots: [done] });
    await waitFor('the first run', 60_000, () => lastRun(s));
    const folder = await folderWith('stuck2', 'stuck-file-2.jpg');
    await s.call('index:start', { roots: [folder] });
    await s.hit('stuck-file-2');

    const t0 = performance.now();
    s.child.kill('SIGTERM');
    const end = await Promise.race([s.ended, new Promise<null>((r) => setTimeout(() => r(null), 15_000))]);
    const ms = performance.now() - t0;
    console.log(`SIGTERM with a stuck file: ended in ${ms.toFixed(0)} ms (${JSON.stringify(end)})`);
    expect(end, s.stderr()).not.toBeNull();
    expect(ms).toBeLessThan(10_000);
    // The library opens again (its lock released or stale) and holds the committed run's photos.
    const status = await statusOfLibrary();
    expect(status.roots.find((r) => r.path === done)?.photos).toBe(2);
  });

  it('a stop that does not finish is cut off after its grace period, not after the minute it would take; a second SIGTERM ends it at once', async () => {
    // Removing the upload folder (done while the service closes) takes a minute here.
    const slow = await serveWithFaults({ SOUTU_FAULT_SLOW_RM: 'uploads' });
    let t0 = performance.now();
    slow.child.kill('SIGTERM');
    await slow.hit('slow-rm');
    // The grace period is 8 s; the bound leaves room for a loaded test machine and is still far below the minute.
    const bounded = await Promise.race([slow.ended, new Promise<null>((r) => setTimeout(() => r(null), 30_000))]);
    console.log(`a stop that hangs: ended after ${(performance.now() - t0).toFixed(0)} ms (${JSON.stringify(bounded)})`);
    expect(bounded, slow.stderr()).toEqual({ code: 1, signal: null });
    expect(slow.stderr()).toMatch(/stopping takes too long/);

    const again = await serveWithFaults({ SOUTU_FAULT_SLOW_RM: 'uploads' });
    again.child.kill('SIGTERM');
    await again.hit('slow-rm');
    t0 = performance.now();
    again.child.kill('SIGTERM');
    const end = await Promise.race([again.ended, new Promise<null>((r) => setTimeout(() => r(null), 7000))]);
    const ms = performance.now() - t0;
    console.log(`second SIGTERM: ended after ${ms.toFixed(0)} ms (${JSON.stringify(end)})`);
    expect(end).toEqual({ code: null, signal: 'SIGTERM' });
    expect(ms).toBeLessThan(7000); // well inside the 8 s grace period that the first signal started
  });
});
