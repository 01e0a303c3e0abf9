// Crash consistency: the real CLI is killed with SIGKILL at random moments while indexing; after each kill the
// library must open, hold no duplicate rows, not redo finished files, and end equal to a clean run.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, writeRandomPhotos } from '../testing/fixtures.js';
import { tempDir } from '../testing/temp.js';
import { makeTestModel } from '../testing/test-models.js';
import { LanceVectorStore } from '../store/lance-vector-store.js';
import { Library } from '../library/library.js';

const TRIALS = Number(process.env.SOUTU_CRASH_TRIALS ?? 8);
const CLI = path.join(REPO_ROOT, 'bin', 'soutu.js');
let root: string;
let cleanup: () => Promise<void>;
let model: string;
let photos: string;
const FILES = 600;

/** Data files of the photos table: one more per commit that wrote rows (opening or migrating writes none). */
function photoVersions(libDir: string): number {
  try {
    return readdirSync(path.join(libDir, 'db', 'photos.lance', 'data')).length;
  } catch {
    return 0;
  }
}

type Kill = { afterMs: number } | { afterCommitMs: number; libDir: string };

function runCli(args: string[], kill?: Kill): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timers: NodeJS.Timeout[] = [];
    if (kill && 'afterMs' in kill) timers.push(setTimeout(() => child.kill('SIGKILL'), kill.afterMs));
    if (kill && 'afterCommitMs' in kill) {
      // Wait for this run's first commit, then kill a random moment later: lands mid-run however loaded the machine is.
      const start = photoVersions(kill.libDir);
      const poll = setInterval(() => {
        if (photoVersions(kill.libDir) > start) {
          clearInterval(poll);
          timers.push(setTimeout(() => child.kill('SIGKILL'), kill.afterCommitMs));
        }
      }, 10);
      timers.push(poll);
    }
    child.on('close', (code, signal) => {
      for (const t of timers) clearTimeout(t);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Rows that are finished for the file as it is now (same size and mtime): the work a restart must not redo. */
function finishedRows(rows: { path: string; size: number; mtime: number }[]): number {
  return rows.filter((r) => {
    const st = statSync(r.path, { throwIfNoEntry: false });
    return st !== undefined && st.size === r.size && Math.floor(st.mtimeMs) === r.mtime;
  }).length;
}

async function storeState(libDir: string) {
  const store = await LanceVectorStore.open(path.join(libDir, 'db'));
  try {
    const rows = await store.allPhotos();
    const tables = await store.listVectorTables();
    const vectors = tables.length ? await (await store.vectors(tables[0], 1)).all() : { ids: [], matrix: new Float32Array(), dim: 0 };
    return { rows, vectors };
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('soutu-crash-'));
  model = path.join(root, 'toy');
  await makeTestModel('toy-color', model);
  photos = path.join(root, 'photos');
  await writeRandomPhotos(photos, FILES, { seed: 42 });
  // A broken file too: failures must be durable and not duplicated either.
  await writeFile(path.join(photos, 'broken.jpg'), 'not a jpeg at all');
});

afterAll(async () => {
  await cleanup?.();
});

describe('kill -9 during indexing', () => {
  it(`survives ${TRIALS} SIGKILLs and ends equal to a clean run`, async () => {
    const clean = path.join(root, 'clean-lib');
    const t0 = Date.now();
    const cleanRun = await runCli(['index', photos, '--library', clean, '--model', model, '--device', 'cpu', '--json', '--batch-size', '4']);
    expect(cleanRun.code, cleanRun.stderr).toBe(0);
    const cleanMs = Date.now() - t0;
    const cleanState = await storeState(clean);
    expect(cleanState.rows.length).toBe(FILES + 1);

    const lib = path.join(root, 'killed-lib');
    let kills = 0;
    let partial = 0;
    let seed = 7;
    const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    // Run until TRIALS runs have really been killed (a run that finishes first does not count).
    const all = readdirSync(photos).map((f) => path.join(photos, f));
    for (let t = 0; kills < TRIALS && t < TRIALS * 3; t++) {
      let prior = existsSync(path.join(lib, 'db')) ? (await storeState(lib)).rows : [];
      if (prior.length === FILES + 1 && finishedRows(prior) === FILES + 1) {
        // Everything is done: change 150 files (new mtime, same content) so the next kill has work to interrupt.
        const when = new Date(Date.now() + (t + 1) * 1000);
        for (let i = 0; i < 150; i++) utimesSync(all[Math.floor(rnd() * all.length)], when, when);
      }
      prior = existsSync(path.join(lib, 'db')) ? (await storeState(lib)).rows : [];
      const before = prior.length;
      const finishedBefore = finishedRows(prior);
      // Two kills in three a random moment after the run's first commit, one at a random time (start-up included).
      const kill: Kill = t % 3 === 2 ? { afterMs: cleanMs * (0.05 + 0.3 * rnd()) } : { afterCommitMs: rnd() * 150, libDir: lib };
      const res = await runCli(['index', photos, '--library', lib, '--model', model, '--device', 'cpu', '--json', '--batch-size', '4'], kill);
      if (res.signal === 'SIGKILL') kills++;
      const state = await storeState(lib);
      const ids = state.rows.map((r) => r.id);
      expect(new Set(ids).size, 'duplicate photo rows').toBe(ids.length);
      expect(new Set(state.rows.map((r) => r.path)).size).toBe(ids.length);
      expect(new Set(state.vectors.ids).size, 'duplicate vectors').toBe(state.vectors.ids.length);
      expect(state.rows.length).toBeGreaterThanOrEqual(before);
      const finishedAfter = finishedRows(state.rows);
      expect(finishedAfter, 'finished work was lost').toBeGreaterThanOrEqual(Math.min(finishedBefore, state.rows.length));
      if (res.signal === 'SIGKILL' && finishedAfter > finishedBefore && finishedAfter < FILES + 1) partial++;
      // The library opens after every kill.
      const opened = await Library.open(lib, { model, device: 'cpu', readOnly: true });
      await opened.close();
    }
    console.log(`crash test: ${kills} runs killed with SIGKILL, ${partial} of them mid-run`);
    expect(kills).toBeGreaterThanOrEqual(TRIALS);
    // At least one kill must have landed mid-run (some rows written, not all), or the test proves nothing.
    expect(partial).toBeGreaterThan(0);

    // Resume: only unfinished files are redone.
    const done = finishedRows((await storeState(lib)).rows);
    const finish = await runCli(['index', photos, '--library', lib, '--model', model, '--device', 'cpu', '--json']);
    expect(finish.code, finish.stderr).toBe(0);
    const report = JSON.parse(finish.stdout.trim().split('\n').pop()!);
    expect(report.unchanged).toBe(done);
    expect(report.indexed + report.newlyFailed).toBe(FILES + 1 - done);

    const final = await storeState(lib);
    const norm = (rows: typeof final.rows) => rows.map((r) => `${r.path}|${r.status}|${r.width}x${r.height}|${r.errorCode}`).sort();
    expect(norm(final.rows)).toEqual(norm(cleanState.rows));
    expect(final.vectors.ids.length).toBe(FILES);
    const cleanVec = new Map(cleanState.vectors.ids.map((id, i) => [id, cleanState.vectors.matrix.subarray(i * cleanState.vectors.dim, (i + 1) * cleanState.vectors.dim)]));
    for (let i = 0; i < final.vectors.ids.length; i++) {
      const a = final.vectors.matrix.subarray(i * final.vectors.dim, (i + 1) * final.vectors.dim);
      const b = cleanVec.get(final.vectors.ids[i])!;
      let dot = 0;
      for (let j = 0; j < a.length; j++) dot += a[j] * b[j];
      expect(dot).toBeGreaterThan(0.9999);
    }
  });
});
