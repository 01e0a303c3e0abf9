// Process control with the real bundled ffmpeg: the time bound, the memory bound, cancel, shutdown, and the crash
// cleanup (a real SIGKILL of a process that started ffmpeg, then reapOrphans at the "next start").
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/temp.js';
import { ffmpegBinaries } from './ffmpeg-binaries.js';
import { killAllMediaProcesses, reapOrphans, runMedia, startMedia } from './media-process.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const FFMPEG = ffmpegBinaries().ffmpeg;
/** Runs (nearly idle, -re) until stopped. */
const LONG = ['-hide_banner', '-nostdin', '-v', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=s=32x32:r=5', '-t', '60', '-f', 'null', '-'];
const posix = process.platform !== 'win32';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('soutu-media-'));
});
afterAll(async () => {
  await cleanup?.();
});

describe('media processes', () => {
  it('are killed when the time bound passes, as a whole process group', async () => {
    const t0 = performance.now();
    const r = await runMedia(FFMPEG, LONG, { timeoutMs: 800 });
    expect(r.killedFor).toBe('timeout');
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(r.signal).toBe('SIGKILL');
  });

  it('do not count the time the caller holds them back', async () => {
    // 1.5 s of -re output against a 1 s bound: it finishes only because the first second is held.
    const p = startMedia(FFMPEG, ['-hide_banner', '-nostdin', '-v', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=s=32x32:r=10', '-t', '1.5', '-f', 'null', '-'], { timeoutMs: 1000 });
    p.hold();
    await new Promise((r) => setTimeout(r, 1000));
    p.release();
    const exit = await p.exited;
    expect(exit.killedFor).toBeNull();
    expect(exit.code).toBe(0);
  });

  it.runIf(process.platform === 'linux')('run under a memory bound that ffmpeg cannot exceed', async () => {
    const big = ['-hide_banner', '-nostdin', '-v', 'error', '-f', 'lavfi', '-i', 'color=s=6000x6000:d=0.2', '-vf', 'scale=64:64', '-f', 'null', '-'];
    const bounded = await runMedia(FFMPEG, big, { timeoutMs: 20_000, memoryBytes: 100 * 2 ** 20 });
    expect(bounded.code).not.toBe(0);
    expect(bounded.killedFor).toBe('memory');
    const roomy = await runMedia(FFMPEG, big, { timeoutMs: 20_000, memoryBytes: 1024 * 2 ** 20 });
    expect(roomy.code).toBe(0);
  });

  it('stop on cancel and throw the abort', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const t0 = performance.now();
    await expect(runMedia(FFMPEG, LONG, { timeoutMs: 30_000, signal: ac.signal })).rejects.toThrow(/abort/i);
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(() => startMedia(FFMPEG, LONG, { timeoutMs: 1000, signal: ac.signal })).toThrow(/abort/i);
  });

  it('are all killed on shutdown, and leave no pid file behind', async () => {
    const runDir = path.join(dir, 'shutdown');
    await reapOrphans(runDir); // creates it
    const a = startMedia(FFMPEG, LONG, { timeoutMs: 30_000, runDir });
    const b = startMedia(FFMPEG, LONG, { timeoutMs: 30_000, runDir });
    expect(readdirSync(runDir).sort()).toEqual([`media-${a.pid}.json`, `media-${b.pid}.json`].sort());
    killAllMediaProcesses();
    const [ea, eb] = await Promise.all([a.exited, b.exited]);
    expect([ea.killedFor, eb.killedFor]).toEqual(['shutdown', 'shutdown']);
    expect(alive(a.pid) || alive(b.pid)).toBe(false);
    expect(readdirSync(runDir)).toEqual([]);
  });
});

describe.runIf(posix)('reapOrphans', () => {
  it('kills the ffmpeg a SIGKILLed indexer left behind, at the next start', async () => {
    const runDir = path.join(dir, 'crash');
    await reapOrphans(runDir);
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'media-process-child.fixture.ts'), runDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    expect(await waitFor(() => /^\d+\n/.test(out), 20_000), `child did not start ffmpeg: ${err}`).toBe(true);
    const pid = Number(out.trim());
    expect(alive(pid)).toBe(true);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    // The indexer is gone; its ffmpeg is not (it is in its own process group).
    await new Promise((r) => setTimeout(r, 300));
    expect(alive(pid)).toBe(true);
    expect(existsSync(path.join(runDir, `media-${pid}.json`))).toBe(true);

    const r = await reapOrphans(runDir);
    expect(r.killed).toEqual([pid]);
    expect(await waitFor(() => !alive(pid), 5000)).toBe(true);
    expect(readdirSync(runDir)).toEqual([]);
  });

  it('never kills a process that is not our ffmpeg, nor one whose owner still runs', async () => {
    const runDir = path.join(dir, 'strangers');
    await reapOrphans(runDir);
    const stranger = spawn('sleep', ['30'], { stdio: 'ignore' });
    const owner = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      // A recycled pid: the record says ffmpeg, the process is `sleep`, the recording process is gone.
      writeFileSync(path.join(runDir, `media-${stranger.pid}.json`), JSON.stringify({ pid: stranger.pid, bin: FFMPEG, owner: 999_999_999, startedAt: Date.now() }));
      // A live ffmpeg of another running instance (its owner is alive): not ours to kill.
      const theirs = startMedia(FFMPEG, LONG, { timeoutMs: 30_000 });
      writeFileSync(path.join(runDir, `media-${theirs.pid}.json`), JSON.stringify({ pid: theirs.pid, bin: FFMPEG, owner: owner.pid, startedAt: Date.now() }));
      writeFileSync(path.join(runDir, 'media-123.json'), '{"pid": 12'); // torn by a crash
      const r = await reapOrphans(runDir);
      expect(r.killed).toEqual([]);
      expect(alive(stranger.pid!)).toBe(true);
      expect(alive(theirs.pid)).toBe(true);
      expect(readdirSync(runDir)).toEqual([`media-${theirs.pid}.json`]);
      theirs.kill('done');
      await theirs.exited;
    } finally {
      stranger.kill('SIGKILL');
      owner.kill('SIGKILL');
    }
  });
});
