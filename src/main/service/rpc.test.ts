import { describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/contract.js';
import { createRpcClient, memoryPortPair, serveRpc, toErrorData } from './rpc.js';

describe('rpc over a port', () => {
  it('answers requests, carries error codes and forwards events', async () => {
    const [a, b] = memoryPortPair();
    const server = serveRpc(b, async (method, args) => {
      if (method === 'echo') return { args, bytes: new Uint8Array([1, 2, 3]) };
      if (method === 'busy') throw new ApiError('busy', 'Already indexing.');
      throw new Error('plain failure');
    });
    const client = createRpcClient(a);
    expect(await client.request('echo', { x: 1 })).toEqual({ args: { x: 1 }, bytes: new Uint8Array([1, 2, 3]) });
    await expect(client.request('busy')).rejects.toMatchObject({ code: 'busy', message: 'Already indexing.' });
    await expect(client.request('other')).rejects.toMatchObject({ code: 'internal', message: 'plain failure' });
    const events: unknown[] = [];
    client.onEvent((e, p) => events.push([e, p]));
    server.emit('index:progress', { done: 1 });
    await new Promise((r) => setTimeout(r, 5));
    expect(events).toEqual([['index:progress', { done: 1 }]]);
    expect(client.pending()).toBe(0);
  });

  it('times out and fails pending requests when the other side goes away', async () => {
    const [a] = memoryPortPair();
    const client = createRpcClient(a);
    await expect(client.request('never', {}, { timeoutMs: 20 })).rejects.toMatchObject({ code: 'busy' });
    const p = client.request('never');
    client.failAll('gone');
    await expect(p).rejects.toMatchObject({ code: 'internal', message: 'gone' });
  });

  it('toErrorData keeps only known codes', () => {
    expect(toErrorData(Object.assign(new Error('x'), { code: 'ENOENT' }))).toEqual({ code: 'internal', message: 'x' });
    expect(toErrorData(new ApiError('not-found', 'y'))).toEqual({ code: 'not-found', message: 'y' });
    expect(toErrorData('z')).toEqual({ code: 'internal', message: 'z' });
  });
});
