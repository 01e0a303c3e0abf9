// Data-layer trouble on a real LanceDB: a damaged newest version is rolled back (files kept in quarantine),
// an old photos table gains its new columns, a newer schema is refused, and disk-full / read-only / permission
// failures give a clear StoreError while what was committed before stays whole.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { Field, Float64, Int32, Schema, Utf8 } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/temp.js';
import { LanceVectorStore, STORE_SCHEMA_VERSION, StoreError, type StoreRepair } from './lance-vector-store.js';
import type { PhotoRecord } from './vector-store.js';

function row(id: string, extra: Partial<PhotoRecord> = {}): PhotoRecord {
  return {
    id, path: `/photos/${id}.jpg`, root: '/photos', folder: '/photos', name: `${id}.jpg`, size: 1000 + id.length, mtime: 1_700_000_000_000,
    hash: `h-${id}`, width: 640, height: 480, format: 'jpeg', takenAt: null, camera: 'Cam 相机', lat: null, lon: null, thumb: `thumbs/${id}.webp`,
    phash: '0123456789abcdef', status: 'ok', errorCode: null, error: null, errorDetails: null, indexedAt: 1_700_000_000_001, kind: 'photo', duration: null, codec: null, motion: null, ...extra,
  };
}

function manifests(tableDir: string): string[] {
  const dir = path.join(tableDir, '_versions');
  return readdirSync(dir).filter((n) => n.endsWith('.manifest')).map((n) => path.join(dir, n));
}

/** Newest manifest: Lance's V2 names count down from u64::MAX, so the newest sorts first. */
function newestManifest(tableDir: string): string {
  return manifests(tableDir).sort()[0];
}

function run(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

function unmount(dir: string): void {
  if (!run('umount', [dir])) run('umount', ['-l', dir]);
}

let base: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir: base, cleanup } = await tempDir('soutu-store-'));
});
afterAll(async () => {
  await cleanup();
});

describe('LanceModelVectors reads', () => {
  it('scans every row in batches, and all() and ids() agree with what was written', async () => {
    const store = await LanceVectorStore.open(path.join(base, 'reads', 'db'));
    const vec = await store.vectors('toy', 4);
    const n = 3000;
    const ids = Array.from({ length: n }, (_, i) => `v${i}`);
    const want = new Map(ids.map((id, i) => [id, Float32Array.from([i, -i, i / 2, 1])]));
    // two commits, so the table has two fragments
    await vec.upsert(ids.slice(0, 1000), ids.slice(0, 1000).map((id) => want.get(id)!));
    await vec.upsert(ids.slice(1000), ids.slice(1000).map((id) => want.get(id)!));
    const seen = new Map<string, Float32Array>();
    const sizes: number[] = [];
    await vec.scan((batchIds, m) => {
      expect(m.length).toBe(batchIds.length * 4);
      sizes.push(batchIds.length);
      batchIds.forEach((id, i) => seen.set(id, m.slice(i * 4, (i + 1) * 4)));
    });
    expect(seen).toEqual(want);
    // Streamed in batches of at most 1024 rows (less garbage left behind than LanceDB's default 8192).
    expect(sizes.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1024);
    const all = await vec.all();
    expect(all.ids.length).toBe(n);
    all.ids.forEach((id, i) => expect(all.matrix.subarray(i * 4, (i + 1) * 4)).toEqual(want.get(id)));
    expect((await vec.ids()).sort()).toEqual([...ids].sort());
    await store.close();
  });
});

describe('LanceVectorStore repair', () => {
  it('rolls a table with a damaged newest manifest back to the previous version, keeping the broken file in quarantine', async () => {
    const lib = path.join(base, 'repair');
    const db = path.join(lib, 'db');
    let store = await LanceVectorStore.open(db);
    await store.upsertPhotos([row('a'), row('b')]);
    const vec = await store.vectors('toy', 4);
    await vec.upsert(['a', 'b'], [new Float32Array([1, 0, 0, 0]), new Float32Array([0, 1, 0, 0])]);
    await store.upsertPhotos([row('c')]);
    await store.close();

    const table = path.join(db, 'photos.lance');
    const broken = newestManifest(table);
    const size = statSync(broken).size;
    truncateSync(broken, Math.floor(size / 3)); // a write cut short

    const seen: StoreRepair[] = [];
    store = await LanceVectorStore.open(db, { onRepair: (r) => seen.push(r) });
    // The previous version's data is there; the row of the damaged version will be redone by the next index run.
    expect((await store.allPhotos()).map((p) => p.id).sort()).toEqual(['a', 'b']);
    expect(await store.allPhotos()).toEqual([row('a'), row('b')]);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ table: 'photos', kind: 'rolled-back', toVersion: seen[0].fromVersion! - 1 });
    expect(seen[0].message).toMatch(/damaged .* restored to version/);
    expect(store.repairs).toEqual(seen);
    // The broken manifest was moved, not deleted, with a note saying what happened.
    const q = seen[0].quarantine!;
    expect(q.startsWith(path.join(lib, 'quarantine'))).toBe(true);
    expect(existsSync(broken)).toBe(false);
    const kept = path.join(q, '_versions', path.basename(broken));
    expect(statSync(kept).size).toBe(Math.floor(size / 3));
    expect(readFileSync(path.join(q, 'REPAIR.txt'), 'utf8')).toContain(path.basename(broken));
    // Other tables were not touched, and the repaired table takes writes again.
    expect(await (await store.vectors('toy', 4)).count()).toBe(2);
    await store.upsertPhotos([row('c')]);
    await store.close();

    store = await LanceVectorStore.open(db);
    expect((await store.allPhotos()).map((p) => p.id).sort()).toEqual(['a', 'b', 'c']);
    expect(store.repairs).toEqual([]);
    await store.close();
  });

  it('sets aside a table with no readable version and starts it empty, and reports it', async () => {
    const db = path.join(base, 'reset', 'db');
    let store = await LanceVectorStore.open(db);
    await store.upsertPhotos([row('a')]);
    await store.close();
    for (const m of manifests(path.join(db, 'photos.lance'))) writeFileSync(m, 'not a manifest');
    store = await LanceVectorStore.open(db);
    expect(await store.countPhotos()).toBe(0);
    expect(store.repairs).toHaveLength(1);
    expect(store.repairs[0]).toMatchObject({ table: 'photos', kind: 'reset' });
    expect(existsSync(path.join(store.repairs[0].quarantine!, 'photos.lance', '_versions'))).toBe(true);
    await store.close();
  });

  it('refuses to repair when opened read-only', async () => {
    const db = path.join(base, 'ro-repair', 'db');
    let store = await LanceVectorStore.open(db);
    await store.upsertPhotos([row('a')]);
    await store.upsertPhotos([row('b')]);
    await store.close();
    const broken = newestManifest(path.join(db, 'photos.lance'));
    truncateSync(broken, 10);
    await expect(LanceVectorStore.open(db, { readOnly: true })).rejects.toMatchObject({ reason: 'damaged' });
    expect(statSync(broken).size).toBe(10);
    store = await LanceVectorStore.open(db);
    expect(store.repairs[0]?.kind).toBe('rolled-back');
    await store.close();
  });
});

describe('LanceVectorStore schema', () => {
  it('adds the phash column to a photos table written before it existed', async () => {
    const lib = path.join(base, 'migrate');
    const db = path.join(lib, 'db');
    // The photos schema of the first release: no phash, no schema version recorded.
    const old = new Schema([
      ...['id', 'path', 'root', 'folder', 'name'].map((n) => new Field(n, new Utf8(), false)),
      new Field('size', new Float64(), false), new Field('mtime', new Float64(), false), new Field('hash', new Utf8(), false),
      new Field('width', new Int32(), false), new Field('height', new Int32(), false), new Field('format', new Utf8(), false),
      new Field('taken_at', new Float64(), true), new Field('camera', new Utf8(), true), new Field('lat', new Float64(), true),
      new Field('lon', new Float64(), true), new Field('thumb', new Utf8(), true), new Field('status', new Utf8(), false),
      new Field('error_code', new Utf8(), true), new Field('error', new Utf8(), true), new Field('indexed_at', new Float64(), false),
    ]);
    const conn = await lancedb.connect(db);
    const t = await conn.createEmptyTable('photos', old);
    const { phash: _phash, takenAt, errorCode, errorDetails: _details, indexedAt, kind: _kind, duration: _duration, codec: _codec, motion: _motion, ...same } = row('old');
    await t.add([{ ...same, taken_at: takenAt, error_code: errorCode, indexed_at: indexedAt }]);
    t.close();
    conn.close();

    const store = await LanceVectorStore.open(db);
    expect(store.repairs.map((x) => x.kind)).toEqual(['migrated']);
    expect(store.repairs[0].message).toContain('phash');
    // Schema 3's video columns arrive the same way: the old rows read as photos.
    expect(store.repairs[0].message).toContain('kind');
    expect(store.repairs[0].message).toContain('error_details');
    expect(await store.allPhotos()).toEqual([row('old', { phash: null })]);
    await store.upsertPhotos([row('new'), row('old')]);
    expect((await store.allPhotos()).sort((a, b) => a.id.localeCompare(b.id))).toEqual([row('new'), row('old')]);
    await store.close();

    const check = await lancedb.connect(db);
    const schema = await (await check.openTable('photos')).schema();
    expect(schema.fields.find((f) => f.name === 'phash')?.type.toString()).toBe('Utf8');
    expect(schema.fields.find((f) => f.name === 'id')?.metadata.get('soutu.schema_version')).toBe(String(STORE_SCHEMA_VERSION));
    check.close();
    const again = await LanceVectorStore.open(db);
    expect(again.repairs).toEqual([]);
    await again.close();
  });

  it('keeps a failure\'s details, drops them when the code they explain was overwritten, and leaves ok rows without', async () => {
    const db = path.join(base, 'details', 'db');
    const store = await LanceVectorStore.open(db);
    const big = row('big', { status: 'failed', errorCode: 'too-large', error: 'Refused.', errorDetails: { format: 'jpeg', width: 60000, height: 60000, limit: 1 << 30 } });
    await store.upsertPhotos([big, row('fine', { errorDetails: { format: 'png' } })]);
    await store.close();

    // A schema-3 Soutu from before the column rewrites the row under another code: its merge leaves the cell as it was.
    const conn = await lancedb.connect(db);
    const t = await conn.openTable('photos');
    await t.update({ where: "id = 'big'", values: { error_code: 'unreadable' } });
    const cells = await t.query().select(['id', 'error_details']).toArray();
    expect(JSON.parse(String(cells.find((c) => c.id === 'big')!.error_details))).toMatchObject({ code: 'too-large', width: 60000 });
    expect(cells.find((c) => c.id === 'fine')!.error_details, 'ok rows keep no details').toBeNull();
    t.close();
    conn.close();

    const again = await LanceVectorStore.open(db);
    const byId = new Map((await again.allPhotos()).map((p) => [p.id, p]));
    expect(byId.get('big')!.errorDetails, 'details of another code are not shown under this one').toBeNull();
    await again.upsertPhotos([big]);
    expect((await again.allPhotos()).find((p) => p.id === 'big')!.errorDetails).toEqual({ format: 'jpeg', width: 60000, height: 60000, limit: 1 << 30 });
    await again.close();
  });

  it('refuses a table written by a newer schema with a clear message, and leaves it alone', async () => {
    const db = path.join(base, 'newer', 'db');
    const store = await LanceVectorStore.open(db);
    await store.upsertPhotos([row('a')]);
    await store.close();
    const conn = await lancedb.connect(db);
    const t = await conn.openTable('photos');
    await t.updateFieldMetadata([{ path: 'id', metadata: { 'soutu.schema_version': String(STORE_SCHEMA_VERSION + 1) } }]);
    const version = await t.version();
    t.close();
    const err = await LanceVectorStore.open(db).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).reason).toBe('newer-schema');
    expect((err as StoreError).code).toBe('unsupported');
    expect((err as StoreError).message).toMatch(/newer version of Soutu .* Update Soutu/);
    const after = await conn.openTable('photos');
    expect(await after.version()).toBe(version);
    after.close();
    conn.close();
  });
});

describe('LanceVectorStore write errors', () => {
  it('reports a full disk clearly and keeps every committed batch whole', async (ctx) => {
    const mnt = path.join(base, 'full');
    mkdirSync(mnt);
    if (!run('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mnt])) {
      console.log('skipped: cannot mount a tmpfs here (needs root); disk-full test not run');
      ctx.skip();
      return;
    }
    try {
      const db = path.join(mnt, 'lib', 'db');
      let store = await LanceVectorStore.open(db);
      const filler = path.join(mnt, 'filler');
      writeFileSync(filler, Buffer.alloc(512 * 1024));
      const committed: PhotoRecord[] = [];
      let err: unknown = null;
      for (let b = 0; b < 200 && !err; b++) {
        // Long, distinct strings so that each batch takes real space.
        const batch = Array.from({ length: 500 }, (_, i) => row(`b${b}-${i}`, { path: `/photos/${'长'.repeat(40)}/${b}-${i}-${Math.random().toString(36).repeat(4)}.jpg` }));
        try {
          await store.upsertPhotos(batch);
          committed.push(...batch);
        } catch (e) {
          err = e;
        }
      }
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).reason).toBe('disk-full');
      expect((err as StoreError).code).toBe('io');
      expect((err as StoreError).message).toMatch(/^The disk holding the library .* is full\. Free some space/);
      expect(committed.length).toBeGreaterThan(0);
      await store.close();

      // Space comes back: the store opens on the last complete commit, with no half-written rows.
      rmSync(filler);
      store = await LanceVectorStore.open(db);
      const rows = (await store.allPhotos()).sort((a, b) => a.id.localeCompare(b.id));
      expect(rows.length).toBe(committed.length);
      expect(rows).toEqual(committed.sort((a, b) => a.id.localeCompare(b.id)));
      await store.upsertPhotos([row('after')]);
      expect(await store.countPhotos()).toBe(committed.length + 1);
      console.log(`disk full after ${committed.length} rows; reopened with ${rows.length} whole rows, repairs: ${store.repairs.length}`);
      await store.close();
    } finally {
      unmount(mnt);
    }
  });

  it('says so when the library folder is on a read-only disk', async (ctx) => {
    const dir = path.join(base, 'rodisk');
    const db = path.join(dir, 'db');
    const store = await LanceVectorStore.open(db);
    await store.upsertPhotos([row('a')]);
    await store.close();
    if (!run('mount', ['--bind', dir, dir]) || !run('mount', ['-o', 'remount,ro,bind', dir])) {
      unmount(dir);
      console.log('skipped: cannot bind-mount read-only here (needs root); read-only test not run');
      ctx.skip();
      return;
    }
    try {
      const ro = await LanceVectorStore.open(db);
      expect((await ro.allPhotos()).map((p) => p.id)).toEqual(['a']);
      const err = await ro.upsertPhotos([row('b')]).catch((e: unknown) => e);
      expect(err).toMatchObject({ reason: 'read-only', code: 'io' });
      expect((err as Error).message).toMatch(/read-only disk/);
      await ro.close();
    } finally {
      unmount(dir);
    }
  });

  it('says so when the library folder belongs to someone else (as an unprivileged user)', async () => {
    const db = path.join(base, 'perm', 'db');
    chmodSync(base, 0o755);
    const store = await LanceVectorStore.open(db);
    await store.upsertPhotos([row('a')]);
    await store.close();
    const url = new URL('./lance-vector-store.ts', import.meta.url).href;
    const code = `
      const { LanceVectorStore } = await import(${JSON.stringify(url)});
      const fail = (e) => ({ code: e.reason, message: e.message });
      let s;
      try { s = await LanceVectorStore.open(${JSON.stringify(db)}); } catch (e) { console.log(JSON.stringify({ open: fail(e) })); process.exit(0); }
      const n = await s.countPhotos();
      const err = await s.upsertPhotos([${JSON.stringify(row('b'))}]).then(() => null, fail);
      console.log(JSON.stringify({ n, err }));
    `;
    const asNobody = () => {
      const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 60_000 });
      if ((child.error as NodeJS.ErrnoException | undefined)?.code === 'EPERM') return null;
      expect(child.status, child.stderr).toBe(0);
      return JSON.parse(child.stdout.trim().split('\n').pop()!) as { open?: { code: string; message: string }; n?: number; err?: { code: string; message: string } | null };
    };
    // A private library (LanceDB 0.37 wrote owner-only files; 0.39 follows the umask, and Soutu creates its
    // library folders 0700): another user cannot even read it, and must not "repair" it.
    expect(run('chmod', ['-R', 'go-rwx', path.join(base, 'perm')])).toBe(true);
    const first = asNobody();
    if (!first) {
      console.log('skipped: cannot start a process as uid 65534 here (not root)');
      return;
    }
    expect(first.open?.code).toBe('permission');
    expect(first.open?.message).toMatch(/not allowed to read the library's database .*permission denied/);
    expect(existsSync(path.join(base, 'perm', 'quarantine'))).toBe(false);
    // Readable but not writable: the write fails with a clear error.
    expect(run('chmod', ['-R', 'a+rX', path.join(base, 'perm')])).toBe(true);
    const out = asNobody()!;
    expect(out.n).toBe(1);
    expect(out.err?.code).toBe('permission');
    expect(out.err?.message).toMatch(/not allowed to write to the library folder .*permission denied/);
  });
});
