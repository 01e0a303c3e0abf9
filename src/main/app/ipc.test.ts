import type { IpcMainEvent, IpcMainInvokeEvent } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { calls, type CallName } from '../../shared/api.js';
import { CALL_NAMES } from '../../shared/contract.js';
import { DRAG_START_CHANNEL, callChannel, type IpcEnvelope } from '../../shared/ipc-channels.js';
import { handleCall, registerIpc, type IpcBindingDeps, type IpcMainLike } from './ipc.js';
import { APP_ORIGIN, trustedOrigins } from './security.js';

const ID = '0123456789abcdef';

function frameEvent(url: string | null, parent: unknown = null): IpcMainInvokeEvent {
  return { senderFrame: url === null ? null : { url, parent } } as unknown as IpcMainInvokeEvent;
}
const trusted = () => frameEvent(`${APP_ORIGIN}/index.html`);

function fakeIpcMain() {
  const handlers = new Map<string, (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown>();
  const listeners = new Map<string, (event: IpcMainEvent, ...args: unknown[]) => void>();
  const ipcMain: IpcMainLike = {
    handle: (ch, l) => {
      if (handlers.has(ch)) throw new Error(`second handler for ${ch}`);
      handlers.set(ch, l);
    },
    removeHandler: (ch) => handlers.delete(ch),
    on: (ch, l) => listeners.set(ch, l),
    removeListener: (ch) => listeners.delete(ch),
  };
  return { ipcMain, handlers, listeners };
}

function deps(over: Partial<IpcBindingDeps> = {}) {
  const core = vi.fn(async (name: CallName) => ({ from: 'core', name }));
  const desktop = vi.fn(async (name: CallName) => ({ from: 'desktop', name }));
  const startDrag = vi.fn();
  const { ipcMain, handlers, listeners } = fakeIpcMain();
  const d: IpcBindingDeps = { ipcMain, trustedOrigins: [APP_ORIGIN], library: core, desktop, startDrag, ...over };
  return { d, core, desktop, startDrag, handlers, listeners };
}

/** A valid argument for every call, so that each refusal below is about the one thing that is wrong. */
const VALID: Record<CallName, unknown> = {
  'library:status': {},
  'search:text': { text: '红色' },
  'search:image': { image: { kind: 'photo', id: ID } },
  'photo:get': { id: ID },
  'roots:add': { path: '/photos' },
  'roots:remove': { path: '/photos' },
  'index:start': { roots: ['/photos'] },
  'index:cancel': {},
  'index:last': {},
  'failures:list': {},
  'settings:get': {},
  'settings:set': { language: 'zh-CN' },
  'models:list': {},
  'search:query': { text: '海边 + 日落 - 人', images: [{ image: { kind: 'photo', id: ID }, weight: 0.5 }] },
  'index:pause': {},
  'index:resume': {},
  'models:download': { id: 'Xenova/clip-vit-base-patch32' },
  'models:use': { id: 'Xenova/clip-vit-base-patch32' },
  'models:import': { path: '/models/my-clip' },
  'albums:list': {},
  'album:get': { tag: '猫' },
  'album:edit': { tag: '猫', id: ID, action: 'add' },
  'tags:add': { label: '柯基' },
  'tags:threshold': { margin: 0.02 },
  'smart:list': {},
  'smart:preview': { text: 'beach', threshold: 0.25 },
  'smart:save': { name: 'Beach', text: 'beach', threshold: 0.25 },
  'smart:delete': { id: 'beach-1' },
  'duplicates:list': {},
  'duplicates:trash': { ids: [ID] },
  'shell:reveal': { id: ID },
  'shell:open': { id: ID },
  'dialog:pickFolder': {},
  'photo:text': { id: ID },
  'video:moments': { id: ID },
};

/** Wrong for any call: not an object, or an object with a key no schema allows. */
const BAD_FOR_ALL: unknown[] = ['x', 42, true, [], [{}], { __proto__: null, unexpected: 1 }, { evil: '../../etc/passwd' }, JSON.parse('{"__proto__": {"polluted": true}}')];

const BAD_BY_CALL: Partial<Record<CallName, unknown[]>> = {
  'search:text': [
    {},
    { text: '' },
    { text: '   ' },
    { text: 'x'.repeat(1001) },
    { text: 42 },
    { text: 'red', options: { limit: 0 } },
    { text: 'red', options: { limit: 10_001 } },
    { text: 'red', options: { limit: 1.5 } },
    { text: 'red', options: { offset: -1 } },
    { text: 'red', options: { minScore: 2 } },
    { text: 'red', options: { filters: { folders: ['a\u0000b'] } } },
    { text: 'red', options: { filters: { from: Number.POSITIVE_INFINITY } } },
    { text: 'red', options: { filters: { formats: Array(21).fill('jpeg') } } },
    { text: 'red', options: { filters: { sql: "1=1; DROP TABLE photos" } } },
    { text: 'red', options: { where: 'path LIKE "%"' } },
  ],
  'search:image': [
    {},
    { image: { kind: 'file', path: '/etc/passwd' } },
    { image: { kind: 'path', path: '' } },
    { image: { kind: 'path', path: '/a\u0000b.jpg' } },
    { image: { kind: 'path', path: 'x'.repeat(5000) } },
    { image: { kind: 'bytes', base64: '' } },
    { image: { kind: 'bytes', base64: 12 } },
    { image: { kind: 'photo', id: '../../etc/passwd' } },
    { image: { kind: 'photo', id: ID.toUpperCase() } },
    { image: { kind: 'photo', id: ID, extra: 1 } },
  ],
  'photo:get': [{}, { id: '' }, { id: ID.slice(1) }, { id: ID + '0' }, { id: '%2e%2e%2f%2e%2e%2fetc' }, { id: ID.toUpperCase() }, { id: 123 }, { id: [ID] }],
  'roots:add': [{}, { path: '' }, { path: '/p\u0000hotos' }, { path: 'x'.repeat(4097) }, { path: 7 }, { path: ['/photos'] }],
  'roots:remove': [{}, { path: '' }, { path: '/p\u0000hotos' }, { path: null }],
  'index:start': [{ roots: '/photos' }, { roots: [''] }, { roots: ['/a\u0000'] }, { roots: Array(101).fill('/photos') }],
  'settings:set': [
    { language: 'fr' },
    { theme: 'neon' },
    { device: 'tpu' },
    { threads: 0 },
    { threads: 1000 },
    { threads: 2.5 },
    { hubHost: 'not a url' },
    { hubHost: 'https://' + 'a'.repeat(600) + '.com' },
  ],
  'search:query': [
    {},
    { text: '' },
    { text: '   ' },
    { images: [] },
    { text: 'x'.repeat(1001) },
    { images: [{ image: { kind: 'photo', id: '../x' }, weight: 1 }] },
    { images: [{ image: { kind: 'photo', id: ID }, weight: 11 }] },
    { images: [{ image: { kind: 'photo', id: ID } }] },
    { images: Array(9).fill({ image: { kind: 'photo', id: ID }, weight: 1 }) },
    { text: 'red', options: { limit: 0 } },
  ],
  'models:download': [{}, { id: '' }, { id: 'x'.repeat(201) }, { id: 7 }],
  'models:use': [{}, { id: '   ' }, { id: ['a'] }],
  'models:import': [{}, { path: '' }, { path: '/m\u0000odel' }],
  'album:get': [{}, { tag: '' }, { tag: 'x'.repeat(121) }],
  'album:edit': [{ tag: '猫', id: ID }, { tag: '猫', id: ID, action: 'delete' }, { tag: '猫', id: '../x', action: 'add' }],
  'tags:add': [{}, { label: '' }, { label: 'x'.repeat(61) }],
  'tags:threshold': [{}, { margin: 2 }, { margin: 'x' }],
  'smart:preview': [{ text: 'beach' }, { text: 'beach', threshold: 5 }, { photoIds: ['../x'], threshold: 0.2 }],
  'smart:save': [{ text: 'beach', threshold: 0.2 }, { name: '', threshold: 0.2 }, { id: '../x', name: 'a', threshold: 0.2 }],
  'smart:delete': [{}, { id: '../../etc' }, { id: 'UPPER' }, { id: 'x'.repeat(41) }],
  'duplicates:trash': [{}, { ids: [] }, { ids: ['../../etc/passwd'] }, { ids: ID }, { ids: Array(1001).fill(ID) }, { ids: [ID], path: '/etc' }],
  'shell:reveal': [{}, { id: '../..' }, { id: '/etc/passwd' }, { path: '/etc/passwd' }],
  'shell:open': [{}, { id: 'C:\\Windows\\System32\\calc.exe' }, { id: ID, path: '/bin/sh' }],
};

describe('argument validation: bad input is refused for every call before anything runs', () => {
  for (const name of CALL_NAMES) {
    const bad = [...BAD_FOR_ALL, ...(BAD_BY_CALL[name] ?? [])];
    it(`${name} refuses ${bad.length} bad arguments`, async () => {
      const { d, core, desktop } = deps();
      for (const raw of bad) {
        const r = await handleCall(d, name, trusted(), raw);
        expect(r, JSON.stringify(raw)?.slice(0, 80)).toMatchObject({ ok: false, error: { code: 'bad-request' } });
      }
      expect(core).not.toHaveBeenCalled();
      expect(desktop).not.toHaveBeenCalled();
    });
    it(`${name} accepts a valid argument and goes to ${calls[name].desktopOnly ? 'main' : 'the library process'}`, async () => {
      const { d, core, desktop } = deps();
      const r = (await handleCall(d, name, trusted(), VALID[name])) as IpcEnvelope;
      expect(r.ok).toBe(true);
      expect((calls[name].desktopOnly ? desktop : core)).toHaveBeenCalledTimes(1);
      expect((calls[name].desktopOnly ? core : desktop)).not.toHaveBeenCalled();
    });
  }
});

describe('sender check', () => {
  const untrusted: [string, IpcMainInvokeEvent][] = [
    ['a destroyed frame', frameEvent(null)],
    ['a missing event', undefined as unknown as IpcMainInvokeEvent],
    ['a web page', frameEvent('https://evil.example/')],
    ['plain http', frameEvent('http://evil.example/index.html')],
    ['a file: page', frameEvent('file:///tmp/index.html')],
    ['another app:// host', frameEvent('app://evil/index.html')],
    ['a host that only starts with soutu', frameEvent('app://soutu.evil/index.html')],
    ['credentials in the URL', frameEvent('app://soutu@evil/index.html')],
    ['user info before the host', frameEvent('app://x:y@soutu/index.html')],
    ['the media scheme', frameEvent('soutu-media://thumb/0123456789abcdef')],
    ['about:blank', frameEvent('about:blank')],
    ['data: URL', frameEvent('data:text/html,<script>1</script>')],
    ['javascript: URL', frameEvent('javascript:alert(1)')],
    ['an iframe inside the app page', frameEvent(`${APP_ORIGIN}/index.html`, { url: `${APP_ORIGIN}/index.html` })],
    ['the dev server when not allowed', frameEvent('http://localhost:5173/')],
    ['an empty URL', frameEvent('')],
    ['garbage', frameEvent('::::')],
  ];
  for (const [what, event] of untrusted) {
    it(`refuses ${what}`, async () => {
      const { d, core, desktop } = deps();
      for (const name of CALL_NAMES) {
        const r = await handleCall(d, name, event, VALID[name]);
        expect(r).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      }
      expect(core).not.toHaveBeenCalled();
      expect(desktop).not.toHaveBeenCalled();
    });
  }
  it('accepts the app page at any path', async () => {
    const { d } = deps();
    for (const url of [`${APP_ORIGIN}/`, `${APP_ORIGIN}/index.html#/folders`, `${APP_ORIGIN}/index.html?x=1`]) {
      expect(await handleCall(d, 'library:status', frameEvent(url), {})).toMatchObject({ ok: true });
    }
  });
  it('trusts the dev server only in an unpackaged run, and only on loopback', () => {
    expect(trustedOrigins({ isPackaged: false, devServerUrl: 'http://localhost:5173/' })).toEqual([APP_ORIGIN, 'http://localhost:5173']);
    expect(trustedOrigins({ isPackaged: true, devServerUrl: 'http://localhost:5173/' })).toEqual([APP_ORIGIN]);
    expect(trustedOrigins({ isPackaged: false, devServerUrl: 'http://evil.example:5173/' })).toEqual([APP_ORIGIN]);
    expect(trustedOrigins({ isPackaged: false, devServerUrl: 'https://localhost:5173/' })).toEqual([APP_ORIGIN]);
  });
});

describe('registerIpc', () => {
  it('registers exactly one handler per call and removes them again', async () => {
    const { d, handlers, listeners } = deps();
    const off = registerIpc(d);
    expect([...handlers.keys()].sort()).toEqual(Object.keys(calls).map((n) => callChannel(n as CallName)).sort());
    expect(listeners.has(DRAG_START_CHANNEL)).toBe(true);
    const r = await handlers.get(callChannel('search:text'))!(trusted(), { text: 'red' });
    expect(r).toEqual({ ok: true, value: { from: 'core', name: 'search:text' } });
    off();
    expect(handlers.size).toBe(0);
    expect(listeners.size).toBe(0);
  });
  it('drag-start needs a trusted sender and a photo id', () => {
    const { d, listeners, startDrag } = deps();
    registerIpc(d);
    const drag = listeners.get(DRAG_START_CHANNEL)!;
    drag(frameEvent('https://evil.example/') as unknown as IpcMainEvent, ID);
    drag(trusted() as unknown as IpcMainEvent, '../../etc/passwd');
    drag(trusted() as unknown as IpcMainEvent, { id: ID });
    expect(startDrag).not.toHaveBeenCalled();
    drag(trusted() as unknown as IpcMainEvent, ID);
    expect(startDrag).toHaveBeenCalledTimes(1);
  });
  it('errors travel as data with their code, never as a thrown IPC error', async () => {
    const { d } = deps({
      library: async () => {
        throw Object.assign(new Error('An index run is already in progress.'), { code: 'busy' });
      },
    });
    expect(await handleCall(d, 'index:start', trusted(), {})).toEqual({
      ok: false,
      error: { code: 'busy', message: 'An index run is already in progress.' },
    });
    const { d: d2 } = deps({ library: async () => Promise.reject(new TypeError('boom')) });
    expect(await handleCall(d2, 'library:status', trusted(), {})).toMatchObject({ ok: false, error: { code: 'internal', message: 'boom' } });
  });
});
