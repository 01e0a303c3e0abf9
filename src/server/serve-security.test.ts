// Issue 12's findings against serve, in process: the token on every route (loopback too), origins compared by
// scheme, host and port, image queries by path that follow no link out and tell nothing about what is outside,
// folders refused as roots with a reason, the hub host http(s) only.
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, symlink } from 'node:fs/promises';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type SoutuServer } from './http-server.js';
import { makeFixture, postJson, raw, serveForTest, type Fixture } from './test-support.js';

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

describe('the access token, on loopback too', () => {
  it('is made for every start and printed in the URL to open', () => {
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(server.openUrl).toBe(`${server.url}?token=${server.token}`);
  });

  it('is required on every route: the page, assets, client routes, calls, uploads, events and media', async () => {
    const id = fx.id(fx.colours.red);
    const gets = ['/', '/index.html', '/assets/index-1a2b3c4d.js', '/favicon.ico', '/folders', '/api/events', `/media/thumb/${id}`, `/media/full/${id}`];
    for (const target of gets) {
      const r = await raw(port, target, { auth: false });
      expect(r.status, target).toBe(401);
      expect(r.text, target).not.toContain('Soutu test');
      expect(r.headers['set-cookie'], target).toBeUndefined();
    }
    expect((await raw(port, '/', { auth: false, method: 'HEAD' })).status).toBe(401);
    for (const name of ['library:status', 'settings:get', 'index:start', 'roots:add']) {
      expect((await postJson(port, name, {}, { auth: false })).status, name).toBe(401);
    }
    const upload = await raw(port, '/api/upload/search:image', { auth: false, method: 'POST', body: Buffer.from('xx'), headers: { 'Content-Type': 'application/octet-stream' } });
    expect(upload.status).toBe(401);
    // The same requests with the token get in.
    expect((await raw(port, '/')).status).toBe(200);
    expect((await raw(port, `/media/thumb/${id}`)).status).toBe(200);
    expect((await postJson(port, 'library:status', {})).status).toBe(200);
  });

  it('turns off only where asked, and only on loopback', async () => {
    await expect(createServer(fx.lib, { host: '0.0.0.0', port: 0, token: false, log: () => {} })).rejects.toThrow(/loopback/);
    const open = await createServer(fx.lib, { port: 0, token: false, staticDir: fx.staticDir, log: () => {} });
    try {
      expect(open.token).toBeNull();
      expect((await raw(open.port, '/')).status).toBe(200);
    } finally {
      await open.close();
    }
  });
});

describe('Origin', () => {
  it('must be this server: same scheme, host and port', async () => {
    const refused = [`https://127.0.0.1:${port}`, `http://127.0.0.1:${port + 1}`, `http://localhost:${port}`, 'http://127.0.0.1', `ws://127.0.0.1:${port}`, `http://127.0.0.1:${port}.evil.example`];
    for (const origin of refused) {
      const r = await postJson(port, 'library:status', {}, { headers: { Origin: origin } });
      expect(r.status, origin).toBe(403);
    }
    expect((await postJson(port, 'library:status', {}, { headers: { Origin: `http://127.0.0.1:${port}` } })).status).toBe(200);
    expect((await postJson(port, 'library:status', {}, { host: `localhost:${port}`, headers: { Origin: `http://localhost:${port}` } })).status).toBe(200);
    expect((await postJson(port, 'library:status', {}, { host: `LocalHost:${port}`, headers: { Origin: `http://localhost:${port}` } })).status).toBe(200);
  });
});

describe('an image query by path', () => {
  const query = (p: string) => postJson(port, 'search:image', { image: { kind: 'path', path: p }, options: { limit: 3 } });

  it('does not follow a link out of the folders (the secret photo is never ranked)', async () => {
    const r = await query(fx.escapeLink);
    expect(r.status, r.text).toBe(403);
    expect(r.text).not.toContain('gray');
    const mixed = await postJson(port, 'search:query', { text: 'red', images: [{ image: { kind: 'path', path: fx.escapeLink }, weight: 1 }] });
    expect(mixed.status).toBe(403);
  });

  it('answers outside, missing and not a regular file alike, so nothing outside can be probed', async () => {
    const root = fx.root;
    await symlink('/etc', path.join(root, 'etc-link'));
    await mkdir(path.join(root, 'folder.jpg'));
    execFileSync('mkfifo', [path.join(root, 'pipe.jpg')]);
    const sock = net.createServer().listen(path.join(root, 'sock.jpg'));
    try {
      const probes = [
        fx.secret,
        fx.escapeLink,
        '/etc/passwd',
        '/etc/no-such-file',
        path.join(root, 'etc-link', 'passwd'),
        path.join(root, 'etc-link', 'no-such-file'),
        path.join(root, 'missing.jpg'),
        path.join(root, 'folder.jpg'),
        path.join(root, 'pipe.jpg'),
        path.join(root, 'sock.jpg'),
        '/dev/null',
      ];
      const first = await query(probes[0]);
      expect(first.status).toBe(403);
      for (const p of probes) {
        const r = await query(p);
        expect(`${r.status} ${r.text}`, p).toBe(`${first.status} ${first.text}`);
      }
    } finally {
      sock.close();
    }
  });

  it('still finds a photo inside the folders, indexed or not, through the checked file', async () => {
    const indexed = await query(fx.colours.blue);
    expect(indexed.json<{ path: string }[]>()[0].path).toBe(fx.colours.blue);
    const sub = path.join(fx.root, 'new');
    await mkdir(sub, { recursive: true });
    await copyFile(fx.colours.green, path.join(sub, 'not-indexed-yet.jpg'));
    await symlink('not-indexed-yet.jpg', path.join(sub, 'link-inside.jpg'));
    for (const p of [path.join(sub, 'not-indexed-yet.jpg'), path.join(sub, 'link-inside.jpg'), path.join(sub, '..', 'new', 'not-indexed-yet.jpg')]) {
      const r = await query(p);
      expect(r.status, `${p}: ${r.text}`).toBe(200);
      expect(r.json<{ path: string }[]>()[0].path).toBe(fx.colours.green);
    }
    // Inside the folders, a file that is not an image is a plain bad request.
    const text = await query(fx.textFile);
    expect(text.status).toBe(400);
  });
});

describe('folders and settings a caller cannot set', () => {
  it('roots:add and index:start refuse the disk root, system folders and the library folder with a reason', async () => {
    const library = fx.lib.dir;
    const cases: [string, RegExp][] = [
      ['/', /root of a disk/],
      ['/proc', /system folder/],
      ['/dev', /system folder/],
      ['/etc', /system folder/],
      [library, /library folder/],
      [path.join(library, 'thumbs'), /library folder/],
    ];
    // Links are judged by where they lead.
    const links = await mkdtemp(path.join(os.tmpdir(), 'soutu-links-'));
    for (const [name, target, why] of [['to-root', '/', /root of a disk/], ['to-etc', '/etc', /system folder/], ['to-library', library, /library folder/]] as const) {
      await symlink(target, path.join(links, name));
      cases.push([path.join(links, name), why]);
    }
    for (const [folder, why] of cases) {
      for (const [name, args] of [['roots:add', { path: folder }], ['index:start', { roots: [folder] }]] as const) {
        const r = await postJson(port, name, args);
        expect(r.status, `${name} ${folder}: ${r.text}`).toBe(400);
        expect(r.json<{ error: { message: string } }>().error.message, `${name} ${folder}`).toMatch(why);
      }
    }
    const status = await postJson(port, 'library:status', {});
    expect(status.json<{ roots: { path: string }[] }>().roots.map((r) => r.path)).toEqual([fx.root]);
  });

  it('the hub host is an http(s) URL, nothing else', async () => {
    for (const hubHost of ['javascript:alert(1)', 'file:///etc/passwd', 'data:text/html,x', 'ftp://mirror.example', 'https//no-colon']) {
      const r = await postJson(port, 'settings:set', { hubHost });
      expect(r.status, hubHost).toBe(400);
    }
    for (const hubHost of ['https://hf-mirror.com', 'http://10.0.0.2:8080/hf']) {
      expect((await postJson(port, 'settings:set', { hubHost })).json(), hubHost).toMatchObject({ hubHost });
    }
  });
});
