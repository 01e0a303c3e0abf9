// The HTTP layer of serve mode: every call validated (400 with a clean sentence), desktop-only calls 501,
// errors without stacks, the token on every route (loopback too), Host and Origin checks, no CORS, CSP, and
// SSE events.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { calls, type CallName } from '../shared/api.js';
import { createServer, type SoutuServer } from './http-server.js';
import { makeFixture, postJson, raw, rawSocket, serveForTest, type Fixture } from './test-support.js';

let fx: Fixture;
let server: SoutuServer;
let port: number;

beforeAll(async () => {
  fx = await makeFixture();
  server = await serveForTest(fx.lib, { staticDir: fx.staticDir, modelsDir: `${fx.tmp}/models` });
  port = server.port;
});

afterAll(async () => {
  await server?.close();
  await fx?.cleanup();
});

function expectCleanError(r: { status: number; text: string }, status: number, code: string): void {
  expect(r.status).toBe(status);
  const body = JSON.parse(r.text) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(5);
  expect(body.error.message.length).toBeLessThan(600);
  // Never a stack trace or a source location.
  expect(r.text).not.toMatch(/\n\s+at |\.ts:\d+|\.js:\d+|node:internal/);
}

/** Arguments each call must refuse, besides an unknown key (every schema is strict). */
const BAD_ARGS: Record<CallName, unknown[]> = {
  'library:status': [{ x: 1 }, [], 'text'],
  'search:text': [{}, { text: 5 }, { text: '' }, { text: '   ' }, { text: 'a'.repeat(1001) }, { text: 'red', options: { limit: 0 } }, { text: 'red', options: { limit: 10_001 } }, { text: 'red', options: { offset: -1 } }, { text: 'red', options: { filters: { folders: ['a\u0000b'] } } }, { text: 'red', options: { minScore: 2 } }],
  'search:image': [{}, { image: { kind: 'url', url: 'http://x' } }, { image: { kind: 'path', path: 'a\u0000b' } }, { image: { kind: 'path', path: '' } }, { image: { kind: 'bytes', base64: '' } }, { image: { kind: 'photo', id: '../../etc/passwd' } }, { image: { kind: 'photo', id: 'ABCDEF0123456789' } }],
  'photo:get': [{}, { id: 'xyz' }, { id: '0123456789abcdef0' }, { id: 5 }],
  'roots:add': [{}, { path: 1 }, { path: '' }, { path: '/tmp/\u0000x' }, { path: 'x'.repeat(5000) }],
  'roots:remove': [{}, { path: null }],
  'index:start': [{ roots: '/tmp' }, { roots: [1] }, { roots: Array.from({ length: 101 }, () => '/tmp') }],
  'index:cancel': [{ now: true }],
  'index:last': [{ all: 1 }],
  'failures:list': [{ limit: 5 }],
  'settings:get': [{ key: 'language' }],
  'settings:set': [{ language: 'fr' }, { theme: 'blue' }, { threads: 0 }, { threads: 1.5 }, { device: 'tpu' }, { hubHost: 'not a url' }, { unknown: true }],
  'models:list': [{ id: 'x' }],
  'search:query': [{}, { text: '' }, { text: 'red', images: [{ image: { kind: 'photo', id: 'xx' }, weight: 1 }] }, { images: [{ image: { kind: 'bytes', base64: 'aGk=' }, weight: 11 }] }, { images: Array.from({ length: 9 }, () => ({ image: { kind: 'photo', id: '0123456789abcdef' }, weight: 1 })) }],
  'index:pause': [{ now: 1 }],
  'index:resume': [{ roots: [] }],
  'models:download': [{}, { id: '' }, { id: 5 }],
  'models:use': [{}, { id: '   ' }],
  'models:import': [{}, { path: '' }],
  'albums:list': [{ all: true }],
  'album:get': [{}, { tag: '' }, { tag: 'x'.repeat(121) }],
  'album:edit': [{ tag: 'cat', id: 'xyz', action: 'add' }, { tag: 'cat', id: '0123456789abcdef', action: 'delete' }],
  'tags:add': [{}, { label: '' }, { label: 'x'.repeat(61) }],
  'tags:threshold': [{}, { margin: 2 }, { margin: 'high' }],
  'smart:list': [{ x: 1 }],
  'smart:preview': [{}, { text: 'red', threshold: 5 }, { text: 'red', threshold: 0.2, photoIds: ['nope'] }],
  'smart:save': [{ threshold: 0.2 }, { name: '', threshold: 0.2 }, { id: 'Bad ID!', name: 'x', threshold: 0.2 }],
  'smart:delete': [{}, { id: '../x' }],
  'duplicates:list': [{ x: 1 }],
  'duplicates:trash': [{}, { ids: [] }, { ids: ['nope'] }, { ids: Array.from({ length: 1001 }, () => '0123456789abcdef') }],
  'shell:reveal': [{}, { id: '../x' }],
  'shell:open': [{}, { id: 'nope' }],
  'dialog:pickFolder': [{ title: 'x' }],
  'photo:text': [{}, { id: 'xyz' }, { id: 5 }],
  'video:moments': [{}, { id: '../x' }, { id: null }],
};

describe('calls', () => {
  it('refuses bad arguments for every call with 400 and a clean message', async () => {
    const names = Object.keys(calls) as CallName[];
    expect(Object.keys(BAD_ARGS).sort()).toEqual([...names].sort());
    for (const name of names) {
      for (const bad of [{ __unknown: 1 }, ...BAD_ARGS[name]]) {
        const r = await postJson(port, name, JSON.stringify(bad));
        try {
          expectCleanError(r, 400, 'bad-request');
        } catch (err) {
          throw new Error(`${name} ${JSON.stringify(bad).slice(0, 80)} → ${r.status} ${r.text.slice(0, 200)}: ${(err as Error).message}`, { cause: err });
        }
        expect(r.json<{ error: { message: string } }>().error.message).toContain(name);
      }
    }
  });

  it('answers desktop-only calls with 501', async () => {
    const id = fx.id(fx.colours.red);
    for (const [name, args] of [['shell:reveal', { id }], ['shell:open', { id }], ['dialog:pickFolder', {}]] as const) {
      expectCleanError(await postJson(port, name, args), 501, 'unsupported');
    }
  });

  it('refuses unknown calls, wrong methods, non-JSON and oversized bodies', async () => {
    expectCleanError(await postJson(port, 'nope:call', {}), 404, 'not-found');
    expectCleanError(await raw(port, '/api/call/library:status'), 405, 'method-not-allowed');
    expectCleanError(await raw(port, '/api/call/library:status', { method: 'POST', body: '{}', headers: { 'Content-Type': 'text/plain' } }), 415, 'unsupported-media-type');
    expectCleanError(await postJson(port, 'library:status', '{not json'), 400, 'bad-request');
    expectCleanError(await postJson(port, 'search:text', JSON.stringify({ text: 'x'.repeat(2 * 1024 * 1024) })), 413, 'too-large');
    expectCleanError(await raw(port, '/api/nothing-here'), 404, 'not-found');
  });

  it('runs valid calls against the library', async () => {
    const status = await postJson(port, 'library:status', {});
    expect(status.status).toBe(200);
    expect(status.json<{ photos: number }>().photos).toBeGreaterThan(5);

    const text = await postJson(port, 'search:text', { text: '红色', options: { limit: 3 } });
    expect(text.status).toBe(200);
    expect(text.json<{ path: string }[]>()[0].path).toBe(fx.colours.red);

    const bytes = await readFile(fx.colours.blue);
    const img = await postJson(port, 'search:image', { image: { kind: 'bytes', base64: bytes.toString('base64') }, options: { limit: 3 } });
    expect(img.status).toBe(200);
    expect(img.json<{ path: string }[]>()[0].path).toBe(fx.colours.blue);

    const byPhoto = await postJson(port, 'search:image', { image: { kind: 'photo', id: fx.id(fx.colours.green) } });
    expect(byPhoto.status).toBe(200);
    expect(byPhoto.json<{ path: string }[]>().some((h) => h.path === fx.colours.green)).toBe(false);

    const none = await postJson(port, 'photo:get', { id: '0123456789abcdef' });
    expect(none.status).toBe(200);
    expect(none.json()).toBeNull();

    const saved = await postJson(port, 'settings:set', { language: 'zh-CN', theme: 'dark' });
    expect(saved.json()).toMatchObject({ language: 'zh-CN', theme: 'dark' });
    expect((await postJson(port, 'settings:get', {})).json()).toMatchObject({ language: 'zh-CN', theme: 'dark' });

    const failures = await postJson(port, 'failures:list', {});
    expect(failures.json<{ path: string }[]>().map((f) => f.path)).toContain(fx.textFile);

    const models = await postJson(port, 'models:list', {});
    expect(models.json<{ active: boolean }[]>().filter((m) => m.active)).toHaveLength(1);
  });

  it('refuses engine-level bad input with 400/403/404, not 500', async () => {
    expectCleanError(await postJson(port, 'roots:add', { path: '/definitely/not/here' }), 400, 'bad-request');
    expectCleanError(await postJson(port, 'roots:add', { path: 'relative/folder' }), 400, 'bad-request');
    expectCleanError(await postJson(port, 'roots:add', { path: fx.colours.red }), 400, 'bad-request');
    expectCleanError(await postJson(port, 'roots:remove', { path: '/not/a/root' }), 404, 'not-found');
    expectCleanError(await postJson(port, 'index:start', { roots: ['../x'] }), 400, 'bad-request');
    // A path query makes the server read a file: only inside the roots.
    expectCleanError(await postJson(port, 'search:image', { image: { kind: 'path', path: fx.secret } }), 403, 'forbidden');
    expectCleanError(await postJson(port, 'search:image', { image: { kind: 'path', path: '/etc/passwd' } }), 403, 'forbidden');
    expectCleanError(await postJson(port, 'search:image', { image: { kind: 'bytes', base64: Buffer.from('not an image at all').toString('base64') } }), 400, 'bad-request');
    expectCleanError(await postJson(port, 'search:image', { image: { kind: 'bytes', base64: '!!!not base64!!!' } }), 400, 'bad-request');
    expectCleanError(await postJson(port, 'search:image', { image: { kind: 'photo', id: '0123456789abcdef' } }), 404, 'not-found');
  });

  it('refuses to trash photos unless started with trash allowed, and never for photos outside the roots', async () => {
    const id = fx.id(fx.colours.red);
    expectCleanError(await postJson(port, 'duplicates:trash', { ids: [id] }), 403, 'forbidden');
    expect((await raw(port, `/media/full/${id}`)).status).toBe(200); // still there
  });

  it('answers the album, smart-album, duplicate and model calls', async () => {
    expect((await postJson(port, 'albums:list', {})).status).toBe(200);
    expect((await postJson(port, 'duplicates:list', {})).status).toBe(200);
    expect((await postJson(port, 'smart:list', {})).status).toBe(200);
    const preview = await postJson(port, 'smart:preview', { text: 'red', threshold: 0.1, options: { limit: 5 } });
    expect(preview.status).toBe(200);
    const q = await postJson(port, 'search:query', { text: 'red', images: [{ image: { kind: 'photo', id: fx.id(fx.colours.blue) }, weight: 0.2 }], options: { limit: 3 } });
    expect(q.status).toBe(200);
    expectCleanError(await postJson(port, 'models:use', { id: '/no/such/model/folder' }), 400, 'bad-request');
    expectCleanError(await postJson(port, 'models:download', { id: 'no/such-model' }), 404, 'not-found');
    expectCleanError(await postJson(port, 'models:import', { path: fx.root }), 400, 'bad-request');
    expect((await postJson(port, 'index:pause', {})).json()).toEqual({ paused: false });
    expect((await postJson(port, 'index:resume', {})).json()).toEqual({ started: false });
  });

  it('hides internal errors behind a one-line message', async () => {
    const err = new Error('database exploded\n    at secretFunction (/home/me/src/x.ts:10:5)');
    const spy = vi.spyOn(fx.lib, 'status').mockRejectedValueOnce(err);
    const r = await postJson(port, 'library:status', {});
    spy.mockRestore();
    expectCleanError(r, 500, 'internal');
    expect(r.json<{ error: { message: string } }>().error.message).toBe('database exploded');
  });
});

describe('browser security', () => {
  it('checks the Host header against DNS rebinding', async () => {
    expectCleanError(await raw(port, '/api/call/library:status', { method: 'POST', host: `evil.example:${port}`, headers: { 'Content-Type': 'application/json' }, body: '{}' }), 403, 'forbidden');
    expect((await raw(port, '/', { host: `attacker.localhost.evil.com:${port}` })).status).toBe(403);
    expect((await raw(port, '/', { host: `localhost:${port}` })).status).toBe(200);
    expect((await raw(port, '/', { host: `[::1]:${port}` })).status).toBe(200);
    const noHost = await rawSocket(port, 'GET / HTTP/1.0\r\n\r\n');
    expect(noHost).toMatch(/^HTTP\/1\.[01] 403/);
  });

  it('refuses cross-site and cross-origin POSTs, accepts same-origin ones', async () => {
    const same = `http://127.0.0.1:${port}`;
    expectCleanError(await postJson(port, 'library:status', {}, { headers: { Origin: 'http://evil.example' } }), 403, 'forbidden');
    expectCleanError(await postJson(port, 'library:status', {}, { headers: { Origin: 'null' } }), 403, 'forbidden');
    expectCleanError(await postJson(port, 'library:status', {}, { headers: { Origin: `http://127.0.0.1:${port + 1}` } }), 403, 'forbidden');
    expectCleanError(await postJson(port, 'library:status', {}, { headers: { 'Sec-Fetch-Site': 'cross-site' } }), 403, 'forbidden');
    expectCleanError(await postJson(port, 'library:status', {}, { headers: { 'Sec-Fetch-Site': 'same-site' } }), 403, 'forbidden');
    expectCleanError(await raw(port, `/media/thumb/${fx.id(fx.colours.red)}`, { headers: { 'Sec-Fetch-Site': 'cross-site' } }), 403, 'forbidden');
    expect((await postJson(port, 'library:status', {}, { headers: { Origin: same, 'Sec-Fetch-Site': 'same-origin' } })).status).toBe(200);
    expect((await postJson(port, 'library:status', {})).status).toBe(200); // curl: no Origin at all
  });

  it('sends no permissive CORS headers', async () => {
    const pre = await raw(port, '/api/call/library:status', { method: 'OPTIONS', headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' } });
    expect(pre.status).toBeGreaterThanOrEqual(400);
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    const r = await postJson(port, 'library:status', {});
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('serves the UI with a strict CSP and hardening headers', async () => {
    const r = await raw(port, '/');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/html/);
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['x-frame-options']).toBe('DENY');
    // Client-side routes fall back to the app; missing assets do not.
    expect((await raw(port, '/folders')).status).toBe(200);
    expect((await raw(port, '/assets/missing.js')).status).toBe(404);
  });

  it('never serves files outside the static folder', async () => {
    for (const target of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/..%5csecret.txt', '/%252e%252e%252fsecret.txt', '/static/../../secret.txt', '/..\\secret.txt', '/%00/../secret.txt']) {
      const r = await raw(port, target);
      expect(r.text, target).not.toContain('TOP-SECRET');
    }
  });
});

describe('token (any host other than loopback)', () => {
  let secure: SoutuServer;
  beforeAll(async () => {
    secure = await createServer(fx.lib, { host: '0.0.0.0', port: 0, staticDir: fx.staticDir, log: () => {} });
  });
  afterAll(async () => {
    await secure?.close();
  });

  it('generates a long random token and prints it in the URL', () => {
    expect(secure.token).toMatch(/^[A-Za-z0-9_-]{24,}$/);
    expect(secure.openUrl).toContain(`token=${secure.token}`);
  });

  it('refuses a weak explicit token', async () => {
    await expect(createServer(fx.lib, { host: '0.0.0.0', port: 0, token: 'short', log: () => {} })).rejects.toThrow(/16 characters/);
  });

  it('refuses requests without the right token', async () => {
    const p = secure.port;
    expectCleanError(await postJson(p, 'library:status', {}), 401, 'unauthorized');
    expectCleanError(await postJson(p, 'library:status', {}, { headers: { Authorization: 'Bearer wrong-token-wrong-token' } }), 401, 'unauthorized');
    expectCleanError(await postJson(p, 'library:status', {}, { headers: { Cookie: 'soutu_token=nope' } }), 401, 'unauthorized');
    expectCleanError(await raw(p, `/media/thumb/${fx.id(fx.colours.red)}`), 401, 'unauthorized');
    expectCleanError(await raw(p, '/api/events'), 401, 'unauthorized');
    const page = await raw(p, '/');
    expect(page.status).toBe(401);
    expect(page.text).not.toContain('Soutu test');
    expect((await raw(p, `/?token=${secure.token}x`)).status).toBe(401);
  });

  it('accepts the token as a Bearer header, as ?token= (setting a strict HttpOnly cookie) and as that cookie', async () => {
    const p = secure.port;
    const t = secure.token!;
    expect((await postJson(p, 'library:status', {}, { headers: { Authorization: `Bearer ${t}` } })).status).toBe(200);
    const viaQuery = await raw(p, `/?token=${encodeURIComponent(t)}`);
    expect(viaQuery.status).toBe(200);
    const cookie = String(viaQuery.headers['set-cookie']);
    expect(cookie).toMatch(/soutu_token=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const pair = cookie.split(';')[0];
    expect((await postJson(p, 'library:status', {}, { headers: { Cookie: pair } })).status).toBe(200);
    expect((await raw(p, `/media/thumb/${fx.id(fx.colours.red)}`, { headers: { Cookie: pair } })).status).toBe(200);
  });

  it('still checks the Host header and Origin when the token is right', async () => {
    const p = secure.port;
    const auth = { Authorization: `Bearer ${secure.token}` };
    expectCleanError(await postJson(p, 'library:status', {}, { host: `rebind.evil.com:${p}`, headers: auth }), 403, 'forbidden');
    expectCleanError(await postJson(p, 'library:status', {}, { headers: { ...auth, Origin: 'http://evil.example' } }), 403, 'forbidden');
    expect((await postJson(p, 'library:status', {}, { host: `192.168.1.20:${p}`, headers: auth })).status).toBe(200);
  });
});

describe('events', () => {
  it('streams library:changed first, then index progress and done for an index run', async () => {
    const events: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no index:done; got ${events.join(', ')}`)), 60_000);
      import('node:http').then(({ default: http }) => {
        const req = http.get({ host: '127.0.0.1', port, path: '/api/events', headers: { Host: `127.0.0.1:${port}`, Authorization: `Bearer ${server.token}` } }, (res) => {
          expect(res.headers['content-type']).toMatch(/text\/event-stream/);
          let buf = '';
          res.on('data', (c: Buffer) => {
            buf += c.toString('utf8');
            for (const m of buf.matchAll(/^event: (.+)$/gm)) if (!events.includes(m[1]) || m[1] === 'index:done') events.push(m[1]);
            buf = buf.slice(buf.lastIndexOf('\n\n') + 2);
            if (events.includes('index:done')) {
              clearTimeout(timer);
              req.destroy();
              resolve();
            }
          });
        });
        req.on('error', () => {});
        // Start the run once the stream is open.
        setTimeout(() => void postJson(port, 'index:start', {}), 200);
      }, reject);
    });
    await done;
    expect(events[0]).toBe('library:changed');
    expect(events).toContain('index:progress');
    expect(events).toContain('index:done');
    const last = await postJson(port, 'index:last', {});
    expect(last.json<{ cancelled: boolean }>().cancelled).toBe(false);
  });
});

describe('duplicates:trash with --allow-trash', () => {
  it.runIf(process.platform === 'linux')('moves the photo to the trash and drops it from the library', async () => {
    process.env.XDG_DATA_HOME = `${fx.tmp}/xdg`;
    const trashing = await serveForTest(fx.lib, { staticDir: fx.staticDir, allowTrash: true });
    try {
      const id = fx.id(fx.colours.orange);
      const r = await postJson(trashing.port, 'duplicates:trash', { ids: [id, '0123456789abcdef'] });
      expect(r.status).toBe(200);
      expect(r.json<{ trashed: number; failed: unknown[] }>()).toMatchObject({ trashed: 1 });
      expect(r.json<{ failed: unknown[] }>().failed).toHaveLength(1);
      expect(existsSync(fx.colours.orange)).toBe(false);
      expect(existsSync(`${fx.tmp}/xdg/Trash/files/orange.jpg`)).toBe(true);
      expect((await raw(trashing.port, `/media/full/${id}`)).status).toBe(404);
    } finally {
      await trashing.close();
      delete process.env.XDG_DATA_HOME;
    }
  });
});
