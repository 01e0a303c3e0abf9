// The main-process side of the library process: init/ready handshake, requests, restarts after crashes, and
// the process's own requests of main, against a fake utility process speaking the rpc protocol.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/contract.js';
import { LibraryProcessHost, type ChildLike } from './library-process-host.js';

/** A fake utility process: answers like utility/library-process.ts does, and can be killed. */
class FakeChild extends EventEmitter implements ChildLike {
  pid = 1234;
  inbox: unknown[] = [];
  constructor(private readonly behaviour: 'ok' | 'crash-on-request') {
    super();
  }
  postMessage(message: unknown): void {
    this.inbox.push(message);
    const m = message as { kind: string; id?: number; method?: string };
    queueMicrotask(() => {
      if (m.kind === 'init') this.emit('message', { kind: 'ready' });
      if (m.kind !== 'req') return;
      if (this.behaviour === 'crash-on-request' && m.method !== 'internal:close') {
        this.emit('exit', 139);
        return;
      }
      this.emit('message', { kind: 'res', id: m.id, ok: true, value: m.method });
      if (m.method === 'internal:close') queueMicrotask(() => this.emit('exit', 0));
    });
  }
  kill(): boolean {
    queueMicrotask(() => this.emit('exit', 143));
    return true;
  }
}

const init = { libraryDir: '/tmp/lib', modelsDir: '/tmp/models', systemLanguage: 'en' };

describe('LibraryProcessHost', () => {
  it('sends init, waits for ready, answers and closes politely', async () => {
    const children: FakeChild[] = [];
    const host = new LibraryProcessHost({ fork: () => (children.push(new FakeChild('ok')), children.at(-1)!), init, onEvent: () => {} });
    host.start();
    expect(await host.request('library:status', {})).toBe('library:status');
    expect(children[0].inbox[0]).toEqual({ kind: 'init', init });
    await host.close(1000);
    expect(children[0].inbox.some((m) => (m as { method?: string }).method === 'internal:close')).toBe(true);
    await expect(host.request('library:status', {})).rejects.toMatchObject({ code: 'busy' });
  });

  it('fails the pending call when the process dies, restarts it, and gives up after repeated crashes', async () => {
    const crashes: { code: number; restarting: boolean }[] = [];
    let forks = 0;
    const host = new LibraryProcessHost({
      fork: () => (forks++, new FakeChild('crash-on-request')),
      init,
      onEvent: () => {},
      onCrash: (c) => crashes.push(c),
      maxRestarts: 2,
    });
    host.start();
    await expect(host.request('search:text', { text: 'x' })).rejects.toMatchObject({ code: 'internal' });
    expect(crashes[0]).toEqual({ code: 139, restarting: true });
    await new Promise((r) => setTimeout(r, 300));
    expect(forks).toBe(2);
    await expect(host.request('search:text', { text: 'x' })).rejects.toBeInstanceOf(ApiError);
    await new Promise((r) => setTimeout(r, 600));
    await expect(host.request('search:text', { text: 'x' })).rejects.toBeInstanceOf(ApiError);
    expect(crashes.at(-1)?.restarting).toBe(false);
    await host.close(100);
  });

  it('answers the library process\'s own requests with `serve` on the same port', async () => {
    const child = new FakeChild('ok');
    const serve = async (method: string, args: unknown) => {
      if (method === 'main:trash') return { trashed: true, args };
      throw new ApiError('bad-request', `Unknown request ${method}`);
    };
    const host = new LibraryProcessHost({ fork: () => child, init, onEvent: () => {}, serve });
    host.start();
    expect(await host.request('library:status', {})).toBe('library:status');
    child.emit('message', { kind: 'req', id: 7, method: 'main:trash', args: { file: '/p/a.jpg' } });
    child.emit('message', { kind: 'req', id: 8, method: 'main:exec', args: {} });
    await new Promise((r) => setTimeout(r, 5));
    const answers = child.inbox.filter((m) => (m as { kind: string }).kind === 'res');
    expect(answers).toEqual([
      { kind: 'res', id: 7, ok: true, value: { trashed: true, args: { file: '/p/a.jpg' } } },
      { kind: 'res', id: 8, ok: false, error: { code: 'bad-request', message: 'Unknown request main:exec' } },
    ]);
    await host.close(1000);
  });
});
