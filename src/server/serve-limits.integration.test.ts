// Time bounds of serve's requests (a request body sent a byte every few seconds is cut off) that must not cut
// the long-lived answers: an event stream is a GET whose request ended at once, and it stays open.
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SoutuServer } from './http-server.js';
import { makeFixture, postJson, serveForTest, type Fixture } from './test-support.js';

const REQUEST_TIMEOUT_MS = 1500;
let fx: Fixture;
let server: SoutuServer;

beforeAll(async () => {
  fx = await makeFixture();
  server = await serveForTest(fx.lib, { staticDir: fx.staticDir, limits: { requestTimeoutMs: REQUEST_TIMEOUT_MS, headersTimeoutMs: REQUEST_TIMEOUT_MS } });
});

afterAll(async () => {
  await server?.close();
  await fx?.cleanup();
});

/** Sends a request's headers and then one byte of its body every `everyMs`; resolves with what the server said. */
function trickle(target: string, headers: Record<string, string>, everyMs: number): Promise<{ answer: string; bytesSent: number; ms: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const s = net.connect(server.port, '127.0.0.1');
    let answer = '';
    let sent = 0;
    const head = Object.entries({ Host: `127.0.0.1:${server.port}`, Authorization: `Bearer ${server.token}`, 'Content-Length': '100000', ...headers }).map(([k, v]) => `${k}: ${v}\r\n`);
    s.write(`POST ${target} HTTP/1.1\r\n${head.join('')}\r\n`);
    const timer = setInterval(() => {
      if (!s.destroyed) s.write('A', () => sent++);
    }, everyMs);
    s.on('data', (d) => (answer += d.toString()));
    s.on('error', () => {});
    s.on('close', () => {
      clearInterval(timer);
      resolve({ answer, bytesSent: sent, ms: performance.now() - t0 });
    });
    // A server that never cuts it off fails the test here instead of hanging it.
    setTimeout(() => s.destroy(), 20_000);
  });
}

describe('request bodies that never finish', () => {
  it('are cut off (408) for calls and uploads alike, while an event stream opened before stays open', async () => {
    const events: string[] = [];
    const stream = http.get({ host: '127.0.0.1', port: server.port, path: '/api/events', headers: { Host: `127.0.0.1:${server.port}`, Authorization: `Bearer ${server.token}` } }, (res) => {
      res.on('data', (c: Buffer) => events.push(...[...c.toString().matchAll(/^event: (.+)$/gm)].map((m) => m[1])));
    });
    stream.on('error', () => {});
    try {
      const [call, upload] = await Promise.all([
        trickle('/api/call/search:text', { 'Content-Type': 'application/json' }, 300),
        trickle('/api/upload/search:image', { 'Content-Type': 'application/octet-stream' }, 300),
      ]);
      for (const r of [call, upload]) {
        expect(r.ms, r.answer).toBeLessThan(15_000);
        expect(r.answer).toMatch(/^HTTP\/1\.1 408/);
      }
      // The stream has outlived the request bound several times over and still carries events.
      expect(stream.destroyed).toBe(false);
      const before = events.length;
      const folder = path.join(fx.tmp, 'more-photos');
      await mkdir(folder);
      expect((await postJson(server.port, 'roots:add', { path: folder })).status).toBe(200);
      for (let i = 0; i < 50 && events.length === before; i++) await new Promise((r) => setTimeout(r, 100));
      expect(events.slice(before)).toContain('library:changed');
    } finally {
      stream.destroy();
    }
  });
});
