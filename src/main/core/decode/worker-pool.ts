// A small pool of worker threads for CPU-bound decoders (the wasm HEIC decoder) so the main thread stays free
// to answer HTTP and IPC while a library is indexed.
//
// The worker code is a string evaluated by Node (`eval: true`), not a file: esbuild (the CLI bundle),
// electron-vite (the main bundle) and vitest each lay files out differently, and a string survives all three.
// It loads its library by absolute path (resolved in the calling thread and passed in workerData).
//
// Workers start on first use, are unref'd while idle (an idle pool never keeps the process alive), are closed
// after a while without work (wasm memory only ever grows), and are replaced when one crashes or overruns its
// time limit.
import { Worker, type Transferable } from 'node:worker_threads';

/** The job took longer than its time limit; its worker was stopped. */
export class PoolTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`worker did not answer within ${timeoutMs} ms`);
    this.name = 'PoolTimeoutError';
  }
}

/** The worker died (uncaught error, abort, out of memory) while working on the job. */
export class PoolCrashError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PoolCrashError';
  }
}

/** No worker could be started here (its library cannot be loaded in a thread); run the job in-thread instead. */
export class PoolUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PoolUnavailableError';
  }
}

export interface WorkerPoolOptions {
  /**
   * CommonJS worker source. It posts `{ ready: true }` once its library has loaded, then answers each
   * `{ id, req }` with `{ id, ok: true, res }` or `{ id, ok: false, message }`.
   */
  source: string;
  workerData?: unknown;
  /** Most workers at once (1 or 2 is plenty for one decoder). */
  size: number;
  /** Per-job limit from when a worker takes the job. */
  timeoutMs: number;
  /** Idle workers close after this long. */
  idleMs?: number;
}

interface Job {
  req: unknown;
  transfer: Transferable[];
  timeoutMs: number;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job: Job | null;
  id: number;
  timer?: NodeJS.Timeout;
  idleTimer?: NodeJS.Timeout;
  gone: boolean;
}

export class WorkerPool<Req, Res> {
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private unavailable: string | null = null;
  private nextId = 1;
  /** Workers that ever said ready: once one has, a failure to start is a crash, not a missing library. */
  private everReady = false;

  constructor(private readonly opts: WorkerPoolOptions) {}

  /** Runs one job; rejects with PoolTimeoutError, PoolCrashError, PoolUnavailableError or the worker's own error. */
  run(req: Req, transfer: Transferable[] = [], timeoutMs = this.opts.timeoutMs): Promise<Res> {
    if (this.unavailable !== null) return Promise.reject(new PoolUnavailableError(this.unavailable));
    return new Promise<Res>((resolve, reject) => {
      this.queue.push({ req, transfer, timeoutMs, resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  /** Workers alive now (for tests and diagnostics). */
  get workerCount(): number {
    return this.slots.size;
  }

  /** Stops every worker; queued and running jobs are rejected. */
  async close(): Promise<void> {
    const err = new PoolCrashError('worker pool closed');
    for (const job of this.queue.splice(0)) job.reject(err);
    await Promise.all([...this.slots].map((s) => this.drop(s, err)));
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = [...this.slots].find((s) => !s.job && !s.gone);
      if (!slot) {
        if (this.slots.size >= Math.max(1, this.opts.size)) return;
        try {
          slot = this.spawn();
        } catch (e) {
          this.giveUp(`cannot start a worker thread: ${String(e)}`);
          return;
        }
      }
      this.assign(slot, this.queue.shift()!);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(this.opts.source, { eval: true, workerData: this.opts.workerData });
    const slot: Slot = { worker, ready: false, job: null, id: 0, gone: false };
    this.slots.add(slot);
    worker.on('message', (msg: { ready?: boolean; id?: number; ok?: boolean; res?: unknown; message?: string }) => {
      if (msg.ready) {
        slot.ready = true;
        this.everReady = true;
        return;
      }
      const job = slot.job;
      if (!job || msg.id !== slot.id) return;
      this.finish(slot);
      if (msg.ok) job.resolve(msg.res);
      else job.reject(new Error(msg.message ?? 'worker error'));
    });
    worker.on('error', (e) => this.onDeath(slot, e instanceof Error ? e.message : String(e)));
    worker.on('exit', (code) => this.onDeath(slot, `worker exited with code ${code}`));
    worker.unref();
    return slot;
  }

  private assign(slot: Slot, job: Job): void {
    clearTimeout(slot.idleTimer);
    slot.job = job;
    slot.id = this.nextId++;
    // Referenced while working: a pending decode must keep the process alive until it answers.
    slot.worker.ref();
    slot.timer = setTimeout(() => {
      if (slot.job !== job) return;
      slot.job = null;
      job.reject(new PoolTimeoutError(job.timeoutMs));
      void this.drop(slot);
      this.pump();
    }, job.timeoutMs);
    try {
      slot.worker.postMessage({ id: slot.id, req: job.req }, job.transfer);
    } catch (e) {
      this.finish(slot);
      job.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** The slot's job is done (answered, failed or given up); the worker waits for the next one. */
  private finish(slot: Slot): void {
    clearTimeout(slot.timer);
    slot.job = null;
    if (slot.gone) return;
    slot.worker.unref();
    if (this.queue.length > 0) {
      this.assign(slot, this.queue.shift()!);
      return;
    }
    const idleMs = this.opts.idleMs ?? 30_000;
    slot.idleTimer = setTimeout(() => void this.drop(slot), idleMs);
    slot.idleTimer.unref();
  }

  private onDeath(slot: Slot, why: string): void {
    if (slot.gone) return;
    const job = slot.job;
    const neverReady = !slot.ready && !this.everReady;
    void this.drop(slot);
    if (neverReady) {
      // The first worker could not even load its library: this environment cannot run it in a thread.
      this.giveUp(why);
      job?.reject(new PoolUnavailableError(why));
      return;
    }
    job?.reject(new PoolCrashError(why));
    this.pump();
  }

  private giveUp(why: string): void {
    this.unavailable = why;
    const err = new PoolUnavailableError(why);
    for (const job of this.queue.splice(0)) job.reject(err);
  }

  private async drop(slot: Slot, err?: Error): Promise<void> {
    if (slot.gone) return;
    slot.gone = true;
    this.slots.delete(slot);
    clearTimeout(slot.timer);
    clearTimeout(slot.idleTimer);
    const job = slot.job;
    slot.job = null;
    if (job && err) job.reject(err);
    await slot.worker.terminate().catch(() => undefined);
  }
}
