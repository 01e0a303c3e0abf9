// Test helper: how long work on this thread keeps its event loop from running (for the decode tests).
import { readFileSync } from 'node:fs';

/**
 * Time this thread spent waiting for a CPU while runnable (Linux schedstat), in ms; null elsewhere. On a loaded
 * machine the OS alone can hold a thread back for 100+ ms; that is not the thread being blocked by our work.
 */
export function runQueueWaitMs(): number | null {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return null;
  }
}

export interface Stall {
  /** Longest gap between 5 ms ticks on this thread, less the time it waited for a CPU in that gap. */
  blockedMs: number;
  /** The same gap as measured on the clock. */
  gapMs: number;
  /** How long `work` took. */
  ms: number;
}

/** Runs `work` while a 5 ms interval ticks on this thread and reports the longest stall between ticks. */
export async function longestStall<T>(work: () => Promise<T>): Promise<Stall & { value: T }> {
  let last = performance.now();
  let lastWait = runQueueWaitMs();
  let blockedMs = 0;
  let gapMs = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    const wait = runQueueWaitMs();
    const gap = now - last;
    gapMs = Math.max(gapMs, gap);
    blockedMs = Math.max(blockedMs, gap - (wait !== null && lastWait !== null ? wait - lastWait : 0));
    last = now;
    lastWait = wait;
  }, 5);
  const t0 = performance.now();
  try {
    const value = await work();
    const ms = performance.now() - t0;
    // One more tick, so a stall that ended just now is counted.
    await new Promise((r) => setTimeout(r, 20));
    return { value, blockedMs, gapMs, ms };
  } finally {
    clearInterval(tick);
  }
}
