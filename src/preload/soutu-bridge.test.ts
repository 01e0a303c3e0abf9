import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { calls, eventNames, type CallName } from '../shared/api.js';
import { CALL_NAMES, EVENT_NAMES } from '../shared/contract.js';
import { DRAG_START_CHANNEL, callChannel, eventChannel } from '../shared/ipc-channels.js';
import { buildSoutuApi, type IpcRendererLike } from './soutu-bridge.js';

const ID = '0123456789abcdef';

function fakeIpc(answer: (channel: string, args: unknown) => unknown = () => ({ ok: true, value: 'v' })) {
  const emitter = new EventEmitter();
  const sent: [string, unknown][] = [];
  const ipc: IpcRendererLike & { emitter: EventEmitter } = {
    emitter,
    invoke: vi.fn(async (channel: string, args: unknown) => answer(channel, args)),
    send: (channel, ...args) => void sent.push([channel, args[0]]),
    on: (channel, l) => emitter.on(channel, l),
    removeListener: (channel, l) => emitter.removeListener(channel, l),
  };
  return { ipc, sent };
}

const webUtils = { getPathForFile: (f: File) => `/dropped/${f.name}` };

describe('window.soutu (preload bridge)', () => {
  it('lists exactly the contract calls and events', () => {
    expect([...CALL_NAMES].sort()).toEqual(Object.keys(calls).sort());
    expect([...EVENT_NAMES].sort()).toEqual([...eventNames].sort());
  });

  it('call() invokes the per-call channel and unwraps the value', async () => {
    const { ipc } = fakeIpc((ch) => ({ ok: true, value: ch }));
    const api = buildSoutuApi(ipc, webUtils);
    for (const name of CALL_NAMES) {
      await expect(api.call(name, {} as never)).resolves.toBe(callChannel(name));
    }
  });

  it('call() refuses names outside the contract without touching IPC', async () => {
    const { ipc } = fakeIpc();
    const api = buildSoutuApi(ipc, webUtils);
    for (const bad of ['shell:exec', 'constructor', '__proto__', 'toString', '', 'soutu:call:search:text']) {
      await expect(api.call(bad as CallName, {} as never)).rejects.toThrow(/Unknown call/);
    }
    expect(ipc.invoke).not.toHaveBeenCalled();
  });

  it('errors carry their code in brackets (only the message survives the context bridge)', async () => {
    const { ipc } = fakeIpc(() => ({ ok: false, error: { code: 'busy', message: 'An index run is already in progress.' } }));
    const api = buildSoutuApi(ipc, webUtils);
    await expect(api.call('index:start', {})).rejects.toThrow('[busy] An index run is already in progress.');
  });

  it('on() passes the payload only and returns a working unsubscribe', () => {
    const { ipc } = fakeIpc();
    const api = buildSoutuApi(ipc, webUtils);
    const seen: unknown[] = [];
    const off = api.on('index:progress', (p) => seen.push(p));
    const fakeEvent = { sender: { send: () => {} }, ports: [] };
    ipc.emitter.emit(eventChannel('index:progress'), fakeEvent, { phase: 'done' });
    expect(seen).toEqual([{ phase: 'done' }]);
    off();
    off();
    ipc.emitter.emit(eventChannel('index:progress'), fakeEvent, { phase: 'again' });
    expect(seen).toHaveLength(1);
    expect(ipc.emitter.listenerCount(eventChannel('index:progress'))).toBe(0);
  });

  it('on() refuses unknown events', () => {
    const api = buildSoutuApi(fakeIpc().ipc, webUtils);
    expect(() => api.on('ipc:raw' as never, () => {})).toThrow(/Unknown event/);
  });

  it('image URLs, drag and dropped paths', () => {
    const { ipc, sent } = fakeIpc();
    const api = buildSoutuApi(ipc, webUtils);
    expect(api.imageUrl({ id: ID }, 'thumb')).toBe(`soutu-media://thumb/${ID}`);
    expect(api.imageUrl({ id: ID }, 'full')).toBe(`soutu-media://full/${ID}`);
    expect(api.imageUrl({ id: '../../etc/passwd' }, 'full')).toBe('soutu-media://full/invalid');
    expect(api.mediaUrl({ id: ID }, 'moment', 3)).toBe(`soutu-media://moment/${ID}/3`);
    expect(api.mediaUrl({ id: ID }, 'motion')).toBe(`soutu-media://motion/${ID}`);
    expect(api.mediaUrl({ id: ID }, 'moment', -1)).toBe(`soutu-media://moment/${ID}`);
    expect(api.mediaUrl({ id: ID }, 'bogus' as never)).toBe(`soutu-media://thumb/${ID}`);
    api.startDrag('../../etc/passwd');
    api.startDrag(ID);
    expect(sent).toEqual([[DRAG_START_CHANNEL, ID]]);
    expect(api.pathForFile({ name: 'a.jpg' } as File)).toBe('/dropped/a.jpg');
    expect(buildSoutuApi(ipc, { getPathForFile: () => { throw new Error('x'); } }).pathForFile({} as File)).toBe('');
    expect(api.transport).toBe('electron');
  });

  it('menu commands arrive as the app:menu event', () => {
    const { ipc } = fakeIpc();
    const api = buildSoutuApi(ipc, webUtils);
    const seen: string[] = [];
    const off = api.on('app:menu', (m) => seen.push(m.command));
    ipc.emitter.emit(eventChannel('app:menu'), {}, { command: 'focus-search' });
    off();
    ipc.emitter.emit(eventChannel('app:menu'), {}, { command: 'open-settings' });
    expect(seen).toEqual(['focus-search']);
    expect(Object.keys(api).sort()).toEqual(['call', 'imageUrl', 'mediaUrl', 'on', 'pathForFile', 'startDrag', 'transport']);
  });

  it('exposes no IPC object, only functions and the transport name', () => {
    const api = buildSoutuApi(fakeIpc().ipc, webUtils) as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(api)) {
      if (k === 'transport') expect(v).toBe('electron');
      else expect(typeof v, k).toBe('function');
    }
  });
});
