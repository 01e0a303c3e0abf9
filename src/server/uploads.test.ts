// Image queries that carry an image: the raw upload route (streamed to a private temporary file), the JSON base64
// form, both bounded in size, and a cap on how many are answered at once (429 past it, never an unbounded queue).
import http from 'node:http';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SoutuServer } from './http-server.js';
import { makeFixture, postJson, raw, serveForTest, type Fixture } from './test-support.js';

const LIMIT = 256 * 1024;
let fx: Fixture;
let server: SoutuServer;
let port: number;
let uploads: string;

beforeAll(async () => {
  fx = await makeFixture();
  server = await serveForTest(fx.lib, { staticDir: fx.staticDir, limits: { imageBytes: LIMIT, imageQueries: 1 } });
  port = server.port;
  uploads = path.join(fx.lib.dir, 'uploads');
});

afterAll(async () => {
  await server?.close();
  await fx?.cleanup();
});

function upload(body: Buffer, o: { options?: unknown; type?: string } = {}) {
  const query = o.options === undefined ? '' : `?options=${encodeURIComponent(JSON.stringify(o.options))}`;
  return raw(port, `/api/upload/search:image${query}`, { method: 'POST', body, headers: { 'Content-Type': o.type ?? 'application/octet-stream' } });
}

/** An upload whose headers and first half are sent now; `finish()` sends the rest and returns the answer. */
function halfUpload(body: Buffer) {
  let resolveAnswer!: (r: { status: number; text: string }) => void;
  const answer = new Promise<{ status: number; text: string }>((r) => (resolveAnswer = r));
  const req = http.request(
    {
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/api/upload/search:image',
      agent: false,
      headers: { Host: `127.0.0.1:${port}`, Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/octet-stream', 'Content-Length': body.length },
    },
    (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolveAnswer({ status: res.statusCode ?? 0, text }));
    },
  );
  req.write(body.subarray(0, body.length >> 1));
  return {
    finish() {
      req.end(body.subarray(body.length >> 1));
      return answer;
    },
  };
}

describe('POST /api/upload/search:image', () => {
  it('searches by the raw bytes of an image, with the options of the call', async () => {
    const r = await upload(await readFile(fx.colours.blue), { options: { limit: 2 } });
    expect(r.status, r.text).toBe(200);
    const hits = r.json<{ path: string }[]>();
    expect(hits).toHaveLength(2);
    expect(hits[0].path).toBe(fx.colours.blue);
  });

  it('refuses what is not an image, bad options, other content types, an empty body and a body over the limit', async () => {
    expect((await upload(Buffer.from('not an image at all'))).status).toBe(400);
    expect((await upload(await readFile(fx.colours.red), { options: { limit: 0 } })).status).toBe(400);
    const badJson = await raw(port, '/api/upload/search:image?options=%7Bnope', { method: 'POST', body: Buffer.from('x'), headers: { 'Content-Type': 'application/octet-stream' } });
    expect(badJson.status).toBe(400);
    expect((await upload(await readFile(fx.colours.red), { type: 'text/plain' })).status).toBe(415);
    expect((await upload(await readFile(fx.colours.red), { type: 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await upload(Buffer.alloc(0))).status).toBe(400);
    const big = await upload(Buffer.alloc(LIMIT + 1, 1));
    expect(big.status).toBe(413);
    expect(big.json<{ error: { code: string } }>().error.code).toBe('too-large');
    expect((await raw(port, '/api/upload/search:text', { method: 'POST', body: Buffer.from('x'), headers: { 'Content-Type': 'application/octet-stream' } })).status).toBe(404);
    expect((await raw(port, '/api/upload/search:image')).status).toBe(405);
  });

  it('keeps uploads in transit in a private folder and leaves nothing there', async () => {
    expect((await stat(uploads)).mode & 0o777).toBe(0o700);
    expect(await readdir(uploads)).toEqual([]);
  });
});

describe('the JSON form (base64)', () => {
  it('is bounded by the same image size', async () => {
    const b64 = Buffer.alloc(LIMIT * 4, 7).toString('base64'); // over both the image bound and 1 MB of JSON
    const r = await postJson(port, 'search:image', { image: { kind: 'bytes', base64: b64 } });
    expect(r.status).toBe(413);
    const mixed = await postJson(port, 'search:query', { text: 'red', images: [{ image: { kind: 'bytes', base64: b64 }, weight: 1 }] });
    expect(mixed.status).toBe(413);
    const ok = await postJson(port, 'search:image', { image: { kind: 'bytes', base64: (await readFile(fx.colours.green)).toString('base64') }, options: { limit: 1 } });
    expect(ok.json<{ path: string }[]>()[0].path).toBe(fx.colours.green);
  });
});

describe('image queries at once', () => {
  it('past the cap, are told to retry (429) at once, whatever their form; text searches are not held up', async () => {
    const blue = await readFile(fx.colours.blue);
    const first = halfUpload(blue);
    // The first upload holds the only slot while its body is still coming.
    const probe = () => postJson(port, 'search:image', { image: { kind: 'photo', id: fx.id(fx.colours.red) } });
    let busy = await probe();
    for (let i = 0; i < 50 && busy.status === 200; i++) busy = await probe();
    expect(busy.status).toBe(429);
    expect(busy.headers['retry-after']).toBe('2');
    expect(busy.json<{ error: { code: string } }>().error.code).toBe('busy');
    expect((await upload(blue)).status).toBe(429);
    expect((await postJson(port, 'search:query', { text: 'red', images: [{ image: { kind: 'path', path: fx.colours.red }, weight: 1 }] })).status).toBe(429);
    // What carries no image to decode goes on.
    expect((await postJson(port, 'search:text', { text: 'red' })).status).toBe(200);
    expect((await postJson(port, 'search:query', { text: 'red', images: [{ image: { kind: 'photo', id: fx.id(fx.colours.red) }, weight: 1 }] })).status).toBe(200);

    const answer = await first.finish();
    expect(answer.status, answer.text).toBe(200);
    expect((await upload(blue)).status).toBe(200);
    expect((await probe()).status).toBe(200);
    expect(await readdir(uploads)).toEqual([]);
  });
});
