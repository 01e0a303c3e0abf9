// The folder watcher on real folders: adds, changes, renames and deletes are reported within seconds per root;
// the library folder, hidden folders and sidecars are not; unplugged roots are noticed both ways; one watch per
// folder (not per file); and an OS watch limit (ENOSPC, injected) switches to periodic rescans with a warning.
import { mkdirSync, renameSync, rmSync, unlinkSync, utimesSync, writeFileSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import { watch as chokidarWatch } from 'chokidar';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/temp.js';
import { FolderWatcher } from './folder-watcher.js';

let base: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir: base, cleanup } = await tempDir('soutu-watch-'));
});
afterAll(async () => {
  await cleanup();
});

const open: FolderWatcher[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

/** Records onChange calls; `next()` waits for the next one (or fails after `ms`). */
function recorder() {
  const calls: { at: number; roots: string[] }[] = [];
  let waiting: ((roots: string[]) => void) | null = null;
  return {
    calls,
    onChange: (roots: string[]) => {
      calls.push({ at: Date.now(), roots });
      const w = waiting;
      waiting = null;
      w?.(roots);
    },
    next(ms = 5000): Promise<string[]> {
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no change reported within ${ms} ms`)), ms);
        waiting = (r) => {
          clearTimeout(t);
          resolve(r);
        };
      });
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('FolderWatcher', () => {
  it('reports added, changed, renamed and deleted photos within seconds, per root', async () => {
    const a = path.join(base, 'a');
    const b = path.join(base, 'b 照片');
    const lib = path.join(a, 'library');
    for (const d of [path.join(a, '2024', 'trip'), path.join(b, 'x'), lib, path.join(a, '.hidden')]) mkdirSync(d, { recursive: true });
    writeFileSync(path.join(a, '2024', 'trip', 'one.jpg'), '1');
    const rec = recorder();
    const w = await FolderWatcher.start({ roots: [a, b], exclude: [lib], settleMs: 200, onChange: rec.onChange });
    open.push(w);
    expect(w.mode).toBe('watching');

    const expectChange = async (what: string, act: () => void, root: string) => {
      const t0 = Date.now();
      const next = rec.next();
      act();
      expect(await next, what).toEqual([root]);
      const ms = Date.now() - t0;
      expect(ms, `${what} took ${ms} ms`).toBeLessThan(5000);
    };
    await expectChange('add', () => writeFileSync(path.join(a, '2024', 'trip', 'two.jpg'), '2'), a);
    await expectChange('change', () => appendFileSync(path.join(a, '2024', 'trip', 'one.jpg'), 'more'), a);
    await expectChange('touch', () => utimesSync(path.join(a, '2024', 'trip', 'one.jpg'), new Date(), new Date(2001, 0, 1)), a);
    await expectChange('rename', () => renameSync(path.join(a, '2024', 'trip', 'two.jpg'), path.join(a, '2024', 'deux.jpg')), a);
    await expectChange('delete', () => unlinkSync(path.join(a, '2024', 'deux.jpg')), a);
    await expectChange('other root', () => writeFileSync(path.join(b, 'x', '猫 cat.heic'), 'c'), b);
    await expectChange('new folder', () => {
      mkdirSync(path.join(b, 'new'));
      writeFileSync(path.join(b, 'new', 'n.jpg'), 'n');
    }, b);
    // The new folder is watched too.
    await sleep(300);
    await expectChange('inside new folder', () => writeFileSync(path.join(b, 'new', 'm.png'), 'm'), b);

    // Writes into the library folder, hidden folders and sidecar files are not changes to the photos.
    const before = rec.calls.length;
    writeFileSync(path.join(lib, 'thumb.webp'), 't');
    writeFileSync(path.join(a, '.hidden', 'h.jpg'), 'h');
    writeFileSync(path.join(a, '2024', 'trip', 'one.xmp'), '<x/>');
    await sleep(800);
    expect(rec.calls.length).toBe(before);
  });

  it('waits while a file is still being written, then reports once', async () => {
    const root = path.join(base, 'copy');
    mkdirSync(root);
    const rec = recorder();
    open.push(await FolderWatcher.start({ roots: [root], settleMs: 400, onChange: rec.onChange }));
    const file = path.join(root, 'big.jpg');
    writeFileSync(file, '');
    const started = Date.now();
    for (let i = 0; i < 10; i++) {
      appendFileSync(file, Buffer.alloc(64 * 1024, i));
      await sleep(150);
    }
    const writtenAt = Date.now();
    await rec.next();
    expect(rec.calls).toHaveLength(1);
    expect(rec.calls[0].at).toBeGreaterThanOrEqual(writtenAt);
    expect(writtenAt - started).toBeGreaterThan(1000);
  });

  it('keeps one watch per folder, not per file', async () => {
    const root = path.join(base, 'many');
    const dirs = 50;
    const perDir = 100;
    for (let d = 0; d < dirs; d++) {
      const dir = path.join(root, `y${2000 + (d % 5)}`, `album ${d}`);
      mkdirSync(dir, { recursive: true });
      for (let f = 0; f < perDir; f++) writeFileSync(path.join(dir, `IMG_${f}.jpg`), '');
    }
    const instances: ReturnType<typeof chokidarWatch>[] = [];
    const w = await FolderWatcher.start({ roots: [root], settleMs: 200, onChange: () => {}, watchFactory: (p, o) => instances[instances.push(chokidarWatch(p, o)) - 1] });
    open.push(w);
    // root + 5 year folders + 50 albums, and none of the 5000 files.
    expect(w.watchedFolders()).toBe(1 + 5 + dirs);
    const entries = instances.flatMap((i) => Object.values(i.getWatched()).flat());
    expect(entries.filter((e) => e.endsWith('.jpg'))).toEqual([]);
  });

  it('keeps watching folders that are renamed, deleted and made again', async () => {
    const root = path.join(base, 'moves');
    mkdirSync(path.join(root, 'album', 'inner'), { recursive: true });
    const rec = recorder();
    const w = await FolderWatcher.start({ roots: [root], settleMs: 200, onChange: rec.onChange });
    open.push(w);
    const change = async (act: () => void) => {
      const next = rec.next();
      act();
      expect(await next).toEqual([root]);
      await sleep(300); // let new folders get their watches
    };
    await change(() => renameSync(path.join(root, 'album'), path.join(root, 'album 2')));
    await change(() => writeFileSync(path.join(root, 'album 2', 'inner', 'a.jpg'), 'a'));
    await change(() => rmSync(path.join(root, 'album 2'), { recursive: true }));
    await change(() => mkdirSync(path.join(root, 'album 2', 'inner'), { recursive: true }));
    await change(() => writeFileSync(path.join(root, 'album 2', 'inner', 'b.jpg'), 'b'));
    expect(w.watchedFolders()).toBe(3);
  });

  it('notices a root that is unplugged and comes back', async () => {
    const root = path.join(base, 'usb');
    const away = path.join(base, 'usb-away');
    mkdirSync(root);
    writeFileSync(path.join(root, 'p.jpg'), 'p');
    const rec = recorder();
    const w = await FolderWatcher.start({ roots: [root], settleMs: 200, rootCheckMs: 200, onChange: rec.onChange });
    open.push(w);
    let next = rec.next();
    renameSync(root, away);
    expect(await next).toEqual([root]);
    // Unplugged roots stay quiet until they return.
    await sleep(500);
    rec.calls.length = 0;
    next = rec.next();
    renameSync(away, root);
    expect(await next).toEqual([root]);
    // And it is watched again.
    await sleep(300);
    next = rec.next();
    writeFileSync(path.join(root, 'q.jpg'), 'q');
    expect(await next).toEqual([root]);
  });

  it('falls back to periodic rescans when the OS watch limit is hit', async () => {
    const root = path.join(base, 'limit');
    mkdirSync(path.join(root, 'sub'), { recursive: true });
    const rec = recorder();
    const warnings: string[] = [];
    const instances: ReturnType<typeof chokidarWatch>[] = [];
    const w = await FolderWatcher.start({
      roots: [root],
      settleMs: 200,
      pollIntervalMs: 300,
      onChange: rec.onChange,
      onWarning: (m) => warnings.push(m),
      watchFactory: (paths, options) => {
        const inner = chokidarWatch(paths, options);
        instances.push(inner);
        // What inotify says when fs.inotify.max_user_watches is exhausted.
        inner.once('ready', () => {
          const err = Object.assign(new Error(`ENOSPC: System limit for number of file watchers reached, watch '${path.join(root, 'sub')}'`), { code: 'ENOSPC', errno: -28, syscall: 'watch' });
          inner.emit('error', err);
        });
        return inner;
      },
    });
    open.push(w);
    await sleep(50);
    expect(w.mode).toBe('polling');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/limit on watched folders was reached \(ENOSPC\).*rescans your folders every/);
    expect(warnings[0]).toContain('max_user_watches');
    expect(instances.length).toBeGreaterThan(0);
    expect(instances.every((i) => i.closed)).toBe(true);
    expect(w.watchedFolders()).toBe(0);
    // Rescans come on their own, without any file event.
    expect(await rec.next(2000)).toEqual([root]);
    expect(await rec.next(2000)).toEqual([root]);
  });

  it('follows roots added and removed later', async () => {
    const r1 = path.join(base, 'r1');
    const r2 = path.join(base, 'r2');
    mkdirSync(r1);
    mkdirSync(r2);
    const rec = recorder();
    const w = await FolderWatcher.start({ roots: [r1], settleMs: 200, onChange: rec.onChange });
    open.push(w);
    await w.setRoots([r2]);
    await sleep(300);
    writeFileSync(path.join(r1, 'old.jpg'), 'o');
    const next = rec.next();
    writeFileSync(path.join(r2, 'new.jpg'), 'n');
    expect(await next).toEqual([r2]);
    await sleep(400);
    expect(rec.calls.map((c) => c.roots)).toEqual([[r2]]);
    rmSync(r1, { recursive: true });
  });
});
