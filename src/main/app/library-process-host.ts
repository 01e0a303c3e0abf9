// Main-process side of the library process: starts it (utilityProcess in the app; any fork in tests), sends
// requests over the rpc protocol, forwards its events, answers its few requests of main (serve), and restarts it
// a few times if it dies so the window stays usable.
import { ApiError } from '../../shared/contract.js';
import { LIBRARY_METHODS, type LibraryProcessInit } from '../service/library-rpc.js';
import { createRpcClient, serveRpc, type PortLike, type RpcClient, type RpcServer } from '../service/rpc.js';

/** The part of Electron's UtilityProcess used here. */
export interface ChildLike {
  readonly pid?: number | undefined;
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
}

export interface LibraryProcessHostOptions {
  fork(): ChildLike;
  init: LibraryProcessInit;
  onEvent(event: string, payload: unknown): void;
  /** Answers what the library process asks of main (moving a photo to the trash); see main-requests.ts. */
  serve?: (method: string, args: unknown) => Promise<unknown>;
  /** Told when the process died; `restarting` false means it gave up. */
  onCrash?(info: { code: number; restarting: boolean }): void;
  /** Restarts allowed within `restartWindowMs` before giving up. */
  maxRestarts?: number;
  restartWindowMs?: number;
  /** How long to wait for the process to say it is ready. */
  startTimeoutMs?: number;
}

export class LibraryProcessHost {
  private child: ChildLike | null = null;
  private client: RpcClient | null = null;
  private server: RpcServer | null = null;
  private ready: Promise<void> | null = null;
  private crashes: number[] = [];
  private closing = false;
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly opts: LibraryProcessHostOptions) {}

  start(): void {
    if (this.closing || this.child) return;
    const child = this.opts.fork();
    this.child = child;
    const listeners = new Set<(m: unknown) => void>();
    const port: PortLike = {
      postMessage: (m) => child.postMessage(m),
      onMessage(l) {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    };
    let markReady!: () => void;
    let failReady!: (e: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    this.ready.catch(() => {});
    const timer = setTimeout(() => failReady(new ApiError('internal', 'The library process did not start.')), this.opts.startTimeoutMs ?? 30_000);
    let resolveExit!: () => void;
    this.exited = new Promise<void>((r) => (resolveExit = r));
    child.on('message', (m) => {
      if ((m as { kind?: unknown } | null)?.kind === 'ready') {
        clearTimeout(timer);
        markReady();
        return;
      }
      for (const l of listeners) l(m);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolveExit();
      failReady(new ApiError('internal', `The library process exited (code ${code}).`));
      this.client?.failAll(`The library process stopped (code ${code}); try again.`);
      this.client?.dispose();
      this.client = null;
      this.server?.dispose();
      this.server = null;
      this.child = null;
      if (this.closing) return;
      const now = Date.now();
      const windowMs = this.opts.restartWindowMs ?? 60_000;
      this.crashes = [...this.crashes.filter((t) => now - t < windowMs), now];
      const restarting = this.crashes.length <= (this.opts.maxRestarts ?? 3);
      this.opts.onCrash?.({ code, restarting });
      if (restarting) setTimeout(() => this.start(), 250 * this.crashes.length);
    });
    const client = createRpcClient(port);
    client.onEvent((event, payload) => this.opts.onEvent(event, payload));
    this.client = client;
    if (this.opts.serve) this.server = serveRpc(port, this.opts.serve);
    child.postMessage({ kind: 'init', init: this.opts.init });
  }

  /** Sends a request once the process is ready; restarts it first if it had stopped. */
  async request(method: string, args?: unknown, opts: { timeoutMs?: number } = {}): Promise<unknown> {
    if (this.closing) throw new ApiError('busy', 'Soutu is closing.');
    if (!this.child) this.start();
    await this.ready;
    if (!this.client) throw new ApiError('internal', 'The library process is not running.');
    return this.client.request(method, args, opts);
  }

  /** Asks the process to close the library (releasing its lock), then makes sure it is gone. */
  async close(timeoutMs = 8000): Promise<void> {
    if (this.closing) return this.exited;
    this.closing = true;
    const child = this.child;
    if (!child) return;
    const client = this.client;
    const done = this.exited;
    const polite = client ? client.request(LIBRARY_METHODS.close, undefined, { timeoutMs }).catch(() => {}) : Promise.resolve();
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref?.());
    const result = await Promise.race([polite.then(() => done), timeout]);
    if (result === 'timeout') child.kill();
    await Promise.race([done, new Promise((r) => setTimeout(r, 2000).unref?.())]);
  }
}
