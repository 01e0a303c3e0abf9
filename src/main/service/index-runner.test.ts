// IndexRunner against a fake library: one run at a time, cancel, pause (remembering the folders) and resume.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Library } from '../core/index.js';
import type { IndexReport } from '../../shared/types.js';
import { IndexRunner } from './index-runner.js';

function report(cancelled: boolean): IndexReport {
  return { indexed: 0, unchanged: 0, removed: 0, moved: 0, failed: [], newlyFailed: 0, offlineRoots: [], problems: [], cancelled, seconds: 0, model: 'fake' };
}

/** index() runs until its signal aborts (a cancelled report) or finish() is called. */
function fakeLibrary() {
  const calls: (string[] | undefined)[] = [];
  let finish: (() => void) | null = null;
  const lib = Object.assign(new EventEmitter(), {
    index({ roots, signal }: { roots?: string[]; signal: AbortSignal }) {
      calls.push(roots);
      return new Promise<IndexReport>((resolve) => {
        signal.addEventListener('abort', () => resolve(report(true)));
        finish = () => resolve(report(false));
      });
    },
  });
  return { lib: lib as unknown as Library, calls, finish: () => finish?.() };
}

describe('IndexRunner', () => {
  it('runs one index at a time and reports the end', async () => {
    const f = fakeLibrary();
    const done: IndexReport[] = [];
    const runner = new IndexRunner(f.lib, { onDone: (r) => done.push(r), onError: () => {} });
    expect(runner.start(['/a'])).toBe(true);
    expect(runner.start(['/b'])).toBe(false);
    f.finish();
    await runner.idle();
    expect(done).toEqual([report(false)]);
    expect(runner.busy).toBe(false);
    expect(runner.last?.cancelled).toBe(false);
  });

  it('cancels, and then has nothing to resume', async () => {
    const f = fakeLibrary();
    const runner = new IndexRunner(f.lib, { onDone: () => {}, onError: () => {} });
    runner.start();
    expect(runner.cancel()).toBe(true);
    await runner.idle();
    expect(runner.last?.cancelled).toBe(true);
    expect(runner.resume()).toBe(false);
  });

  it('pauses after the current batch and resumes the same folders', async () => {
    const f = fakeLibrary();
    const runner = new IndexRunner(f.lib, { onDone: () => {}, onError: () => {} });
    expect(runner.pause()).toBe(false);
    runner.start(['/photos']);
    expect(runner.pause()).toBe(true);
    await runner.idle();
    expect(runner.paused).toEqual({ roots: ['/photos'] });
    expect(runner.resume()).toBe(true);
    expect(f.calls).toEqual([['/photos'], ['/photos']]);
    expect(runner.paused).toBeNull();
    f.finish();
    await runner.idle();
  });
});
