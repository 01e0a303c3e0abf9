// A small request/response + event protocol over a message port (the desktop's main process ↔ its library
// process). Pure: the port is anything with postMessage and a message subscription, so tests drive it with an
// in-memory pair. The message shapes ({kind:'req'|'res'|'event'}, plus 'init'/'ready' in library-rpc.ts) are
// fixed: the packaging test drives the built library process with exactly these.
import { ApiError, isApiErrorCode, type ApiErrorCode } from '../../shared/contract.js';

export type ErrorCode = ApiErrorCode;

export type RpcMessage =
  | { kind: 'req'; id: number; method: string; args: unknown }
  | { kind: 'res'; id: number; ok: true; value: unknown }
  | { kind: 'res'; id: number; ok: false; error: { code: ErrorCode; message: string } }
  | { kind: 'event'; event: string; payload: unknown };

export interface PortLike {
  postMessage(message: unknown): void;
  /** Subscribes to incoming messages (already unwrapped from any MessageEvent); returns unsubscribe. */
  onMessage(listener: (message: unknown) => void): () => void;
}

function isRpcMessage(m: unknown): m is RpcMessage {
  if (typeof m !== 'object' || m === null) return false;
  const k = (m as { kind?: unknown }).kind;
  return k === 'req' || k === 'res' || k === 'event';
}

/** Turns anything thrown into the error shape that crosses the port (and later IPC): a code and a message. */
export function toErrorData(err: unknown): { code: ErrorCode; message: string } {
  if (err instanceof ApiError) return { code: err.code, message: err.message };
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return { code: isApiErrorCode(code) ? code : 'internal', message: message.slice(0, 2000) };
}

export interface RpcClient {
  request(method: string, args?: unknown, opts?: { timeoutMs?: number }): Promise<unknown>;
  onEvent(listener: (event: string, payload: unknown) => void): () => void;
  /** Rejects every pending request (the other side went away). */
  failAll(reason: string): void;
  pending(): number;
  dispose(): void;
}

export function createRpcClient(port: PortLike): RpcClient {
  let next = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer?: ReturnType<typeof setTimeout> }>();
  const listeners = new Set<(event: string, payload: unknown) => void>();
  const off = port.onMessage((m) => {
    if (!isRpcMessage(m)) return;
    if (m.kind === 'event') {
      for (const l of listeners) l(m.event, m.payload);
      return;
    }
    if (m.kind !== 'res') return;
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (w.timer) clearTimeout(w.timer);
    if (m.ok) w.resolve(m.value);
    else w.reject(new ApiError(isApiErrorCode(m.error.code) ? m.error.code : 'internal', m.error.message));
  });
  return {
    request(method, args, opts = {}) {
      const id = next++;
      return new Promise((resolve, reject) => {
        const entry: { resolve: (v: unknown) => void; reject: (e: Error) => void; timer?: ReturnType<typeof setTimeout> } = { resolve, reject };
        if (opts.timeoutMs) {
          entry.timer = setTimeout(() => {
            waiting.delete(id);
            reject(new ApiError('busy', `${method} did not answer within ${Math.round(opts.timeoutMs! / 1000)} s.`));
          }, opts.timeoutMs);
        }
        waiting.set(id, entry);
        try {
          port.postMessage({ kind: 'req', id, method, args } satisfies RpcMessage);
        } catch (err) {
          waiting.delete(id);
          if (entry.timer) clearTimeout(entry.timer);
          reject(new ApiError('internal', `Cannot reach the library process: ${(err as Error).message}`));
        }
      });
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    failAll(reason) {
      for (const [id, w] of waiting) {
        waiting.delete(id);
        if (w.timer) clearTimeout(w.timer);
        w.reject(new ApiError('internal', reason));
      }
    },
    pending: () => waiting.size,
    dispose() {
      off();
      listeners.clear();
    },
  };
}

export interface RpcServer {
  emit(event: string, payload: unknown): void;
  dispose(): void;
}

/** Answers requests with `handler`; a throw becomes an error response, never a crash of the serving process. */
export function serveRpc(port: PortLike, handler: (method: string, args: unknown) => Promise<unknown> | unknown): RpcServer {
  const off = port.onMessage((m) => {
    if (!isRpcMessage(m) || m.kind !== 'req') return;
    const { id, method, args } = m;
    Promise.resolve()
      .then(() => handler(method, args))
      .then(
        (value) => port.postMessage({ kind: 'res', id, ok: true, value } satisfies RpcMessage),
        (err: unknown) => port.postMessage({ kind: 'res', id, ok: false, error: toErrorData(err) } satisfies RpcMessage),
      )
      .catch((err: unknown) => {
        // postMessage itself failed (e.g. a value that cannot be cloned): answer with the reason instead.
        port.postMessage({ kind: 'res', id, ok: false, error: { code: 'internal', message: `Cannot send the result of ${method}: ${(err as Error).message}` } } satisfies RpcMessage);
      });
  });
  return {
    emit(event, payload) {
      port.postMessage({ kind: 'event', event, payload } satisfies RpcMessage);
    },
    dispose: off,
  };
}

/** An in-memory connected pair of ports with structured-clone semantics, for tests. */
export function memoryPortPair(): [PortLike, PortLike] {
  const make = (deliverTo: () => Set<(m: unknown) => void>): PortLike & { listeners: Set<(m: unknown) => void> } => {
    const listeners = new Set<(m: unknown) => void>();
    return {
      listeners,
      postMessage(message) {
        const copy = structuredClone(message);
        queueMicrotask(() => {
          for (const l of deliverTo()) l(copy);
        });
      },
      onMessage(l) {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    };
  };
  // eslint-disable-next-line prefer-const
  let b: ReturnType<typeof make>;
  const a = make(() => b.listeners);
  b = make(() => a.listeners);
  return [a, b];
}
