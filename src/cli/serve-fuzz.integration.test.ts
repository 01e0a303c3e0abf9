// Fuzz: random and hostile payloads thrown at every call of the contract, through the schemas directly and
// through the real `soutu serve` binary over HTTP. Every answer must be a clean result or a clean error
// ({error:{code,message}}, 4xx), never a 500, a stack trace or a dead server.
import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, calls, parseArgs, type CallName } from '../shared/api.js';
import { REPO_ROOT, writeColourImages } from '../main/core/testing/fixtures.js';
import { tempDir } from '../main/core/testing/temp.js';
import { makeTestModel } from '../main/core/testing/test-models.js';

const CLI = path.join(REPO_ROOT, 'bin', 'soutu.js');
const CASES_PER_CALL = Number(process.env.SOUTU_FUZZ_CASES ?? 60);
const names = Object.keys(calls) as CallName[];

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const HOSTILE_STRINGS = [
  '', ' ', '\u0000', '../../../../etc/passwd', '..\\..\\windows\\win.ini', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '%252e%252e%252f',
  '/etc/shadow', '\\\\server\\share\\x.jpg', 'C:\\Windows\\system32', 'file:///etc/passwd', 'http://127.0.0.1:1/', '<script>alert(1)</script>',
  "'; DROP TABLE photos; --", "id IN ('a') OR 1=1", '{{7*7}}', '${process.exit()}', '__proto__', 'constructor', '🙂'.repeat(300), '红'.repeat(5000),
  'a'.repeat(100_000), 'deadbeefdeadbeef', 'DEADBEEFDEADBEEF', '0000000000000000', 'NaN', 'Infinity', '-1', '1e309', 'true', 'null',
];

function randomValue(r: () => number, depth = 0): unknown {
  const k = Math.floor(r() * (depth > 3 ? 6 : 10));
  switch (k) {
    case 0: return null;
    case 1: return r() < 0.5;
    case 2: return [0, -1, 1, 1e300, -1e300, 0.5, 2 ** 53, -(2 ** 31), 16, 10_001, 1_000_001][Math.floor(r() * 11)];
    case 3: return HOSTILE_STRINGS[Math.floor(r() * HOSTILE_STRINGS.length)];
    case 4: return Math.floor(r() * 1e6).toString(16);
    case 5: return undefined;
    case 6: return Array.from({ length: Math.floor(r() * 5) }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      const keys = ['text', 'path', 'id', 'ids', 'image', 'kind', 'base64', 'options', 'limit', 'offset', 'filters', 'folders', 'roots', 'tag', 'action', 'threshold', 'weight', 'images', 'margin', 'name', 'photoIds', 'language', '__proto__', 'constructor', 'prototype'];
      const n = Math.floor(r() * 5);
      for (let i = 0; i < n; i++) o[keys[Math.floor(r() * keys.length)]] = randomValue(r, depth + 1);
      return o;
    }
  }
}

/** Payloads for one call: random values, plus structured near-misses and deep nesting. */
function payloads(name: CallName, seed: number): unknown[] {
  const r = rng(seed);
  const out: unknown[] = [];
  for (let i = 0; i < CASES_PER_CALL; i++) out.push(randomValue(r));
  let deep: unknown = { text: 'x' };
  for (let i = 0; i < 2000; i++) deep = { options: deep };
  out.push(deep, [[[[[]]]]], 'plain string', 42, { text: 'red', options: { limit: -5 } }, { image: { kind: 'bytes', base64: '!!!notbase64!!!' } },
    { image: { kind: 'path', path: '/etc/passwd' } }, { image: { kind: 'photo', id: '../../../../x' } }, { path: '\u0000/etc' }, { roots: ['/', '/proc'] },
    { tag: '红', id: 'zzzzzzzzzzzzzzzz', action: 'delete' }, { ids: Array(2000).fill('0123456789abcdef') }, JSON.parse('{"__proto__":{"polluted":1}}'));
  void name;
  return out;
}

describe('schema fuzz (both transports validate with parseArgs)', () => {
  it(`refuses hostile payloads for all ${names.length} calls with ApiError only`, () => {
    let cases = 0;
    for (const [i, name] of names.entries()) {
      for (const p of payloads(name, 1000 + i)) {
        cases++;
        try {
          parseArgs(name, p);
        } catch (err) {
          expect(err, `${name}: ${String(err)}`).toBeInstanceOf(ApiError);
          expect((err as ApiError).code).toBe('bad-request');
          expect((err as Error).message.length).toBeLessThan(2000);
        }
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    console.log(`schema fuzz: ${cases} cases over ${names.length} calls`);
  });
});

describe('HTTP fuzz against the real `soutu serve`', () => {
  let child: ChildProcess;
  let base: string;
  let token: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const t = await tempDir('soutu-fuzz-');
    cleanup = t.cleanup;
    const model = path.join(t.dir, 'toy');
    await makeTestModel('toy-color', model);
    const photos = path.join(t.dir, 'photos');
    await writeColourImages(photos);
    const lib = path.join(t.dir, 'lib');
    await promisify(execFile)(process.execPath, [CLI, 'index', photos, '--library', lib, '--model', model, '--json']);
    child = spawn(process.execPath, [CLI, 'serve', '--library', lib, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    base = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 60_000);
      const onData = (d: Buffer) => {
        out += d;
        // serve always prints its token in the link to open.
        const m = /(http:\/\/127\.0\.0\.1:\d+)\/\?token=(\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          token = decodeURIComponent(m[2]);
          resolve(m[1]);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
    });
  }, 120_000);

  afterAll(async () => {
    child?.kill('SIGTERM');
    await cleanup?.();
  });

  async function post(name: string, body: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${base}/api/call/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base, authorization: `Bearer ${token}`, ...headers }, body });
    const text = await res.text();
    return { status: res.status, text };
  }

  it('answers every hostile call cleanly and stays up', async () => {
    let cases = 0;
    const statuses = new Map<number, number>();
    for (const [i, name] of names.entries()) {
      if (name === 'index:start' || name === 'index:resume' || name === 'duplicates:trash' || name === 'models:download' || name === 'models:use' || name === 'roots:remove') {
        // Calls that would change the library are fuzzed with invalid payloads only (valid ones are tested elsewhere).
      }
      for (const p of payloads(name, 5000 + i)) {
        let body: string;
        try {
          body = JSON.stringify(p) ?? 'null';
        } catch {
          body = '{"deep":true}';
        }
        if (body.length > 900_000) body = body.slice(0, 900_000);
        let parsedOk = true;
        try {
          parseArgs(name, p === undefined ? {} : JSON.parse(body));
        } catch {
          parsedOk = false;
        }
        if (parsedOk && /^(index:|duplicates:trash|models:|roots:|settings:set|tags:|smart:save|smart:delete|album:edit)/.test(name)) continue;
        const { status, text } = await post(name, body);
        cases++;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        // 501 is the designed answer for desktop-only calls (reveal in folder, folder picker) in serve mode.
        const ceiling = calls[name].desktopOnly ? 502 : 500;
        expect(status, `${name} ${body.slice(0, 200)} → ${status} ${text.slice(0, 200)}`).toBeLessThan(ceiling);
        expect(text).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
        if (status >= 400) expect(JSON.parse(text).error.code).toMatch(/^[a-z-]+$/);
      }
    }
    // Malformed bodies, wrong types, unknown calls, oversized bodies.
    for (const [name, body, headers] of [
      ['search:text', '{"text":', {}],
      ['search:text', '\u0000\u0001', {}],
      ['search:text', 'x'.repeat(2_000_000), {}],
      ['search:text', '{"text":"red"}', { 'content-type': 'text/plain' }],
      ['no:such-call', '{}', {}],
      ['__proto__', '{}', {}],
      ['..%2f..%2fetc%2fpasswd', '{}', {}],
    ] as [string, string, Record<string, string>][]) {
      const { status, text } = await post(name, body, headers);
      cases++;
      expect(status, `${name} → ${status} ${text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
    }
    const health = await post('library:status', '{}');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text).photos).toBe(8);
    expect(child.exitCode).toBeNull();
    console.log(`HTTP fuzz: ${cases} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
  });
});
