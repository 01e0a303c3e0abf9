// Filesystem trouble for the walker: symlink loops, unreadable folders and files (as an unprivileged user),
// Chinese/emoji/space names, names that are not UTF-8, one folder of 50k files, and a 2000-deep tree.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanProblem } from '../../../shared/types.js';
import { IMAGE_EXTENSIONS, sniffImageFormat } from '../decode/index.js';
import { tempDir } from '../testing/temp.js';
import { walkRoot, type ScannedFile } from './walk.js';

const JPEG_HEAD = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00]);

async function walk(root: string, exclude: string[] = []): Promise<{ files: ScannedFile[]; problems: ScanProblem[] }> {
  const problems: ScanProblem[] = [];
  const files: ScannedFile[] = [];
  for await (const f of walkRoot(root, { imageExtensions: IMAGE_EXTENSIONS, sniff: sniffImageFormat, exclude, onProblem: (p) => problems.push(p) })) files.push(f);
  return { files, problems };
}

let base: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir: base, cleanup } = await tempDir('soutu-walk-'));
  // Readable by the unprivileged user of the permission test.
  chmodSync(base, 0o755);
});
afterAll(async () => {
  // rm -rf copes with paths longer than PATH_MAX; Node's rm does not.
  spawnSync('rm', ['-rf', base]);
  await cleanup();
});

describe('walkRoot', () => {
  it('handles odd names, hidden/system folders, symlink loops and names that are not UTF-8', async () => {
    const root = path.join(base, 'odd');
    const trip = path.join(root, '旅行 2024 🏖️');
    mkdirSync(trip, { recursive: true });
    writeFileSync(path.join(trip, '海边 日落.jpg'), JPEG_HEAD);
    writeFileSync(path.join(trip, '😀 smile face.JPEG'), JPEG_HEAD);
    writeFileSync(path.join(trip, 'notes.txt'), 'not a photo');
    writeFileSync(path.join(trip, 'no-extension'), JPEG_HEAD); // recognised by content
    mkdirSync(path.join(root, '.hidden'));
    writeFileSync(path.join(root, '.hidden', 'secret.jpg'), JPEG_HEAD);
    mkdirSync(path.join(root, '@eaDir'));
    writeFileSync(path.join(root, '@eaDir', 'thumb.jpg'), JPEG_HEAD);
    // A loop back to the root, a link to itself, and a dangling link.
    symlinkSync(root, path.join(trip, 'back to root'));
    symlinkSync(path.join(root, 'self'), path.join(root, 'self'));
    symlinkSync(path.join(root, 'nowhere'), path.join(root, 'dangling.jpg'));
    // Names that are not UTF-8: a photo, a folder holding a photo, and a text file (not worth a report).
    const rootBytes = Buffer.from(root + path.sep);
    writeFileSync(Buffer.concat([rootBytes, Buffer.from([0x66, 0xff, 0x2e, 0x6a, 0x70, 0x67])]), JPEG_HEAD); // f\xff.jpg
    const badDir = Buffer.concat([rootBytes, Buffer.from([0xb9, 0xe3, 0xd6, 0xdd])]); // 广州 in GBK
    mkdirSync(badDir);
    writeFileSync(Buffer.concat([badDir, Buffer.from('/a.jpg')]), JPEG_HEAD);
    writeFileSync(Buffer.concat([rootBytes, Buffer.from([0x6e, 0xfe, 0x2e, 0x74, 0x78, 0x74])]), 'text'); // n\xfe.txt
    // A valid name that contains U+FFFD itself is a normal photo.
    writeFileSync(path.join(root, 'real \uFFFD.jpg'), JPEG_HEAD);

    const { files, problems } = await walk(root);
    const rel = files.map((f) => path.relative(root, f.path)).sort();
    expect(rel).toEqual(['real \uFFFD.jpg', '旅行 2024 🏖️/no-extension', '旅行 2024 🏖️/海边 日落.jpg', '旅行 2024 🏖️/😀 smile face.JPEG'].sort());
    for (const f of files) expect(f.root).toBe(root);

    const byKind = (k: string) => problems.filter((p) => p.kind === k);
    expect(byKind('symlink-loop').map((p) => path.relative(root, p.path)).sort()).toEqual(['self', '旅行 2024 🏖️/back to root']);
    const names = problems.filter((p) => p.message.includes('not valid UTF-8'));
    expect(names).toHaveLength(2);
    expect(names.find((p) => p.message.includes('66 ff 2e 6a 70 67'))?.message).toMatch(/^Skipped this photo: .*Rename it/);
    expect(names.find((p) => p.message.includes('b9 e3 d6 dd'))?.message).toMatch(/^Skipped this folder and everything in it/);
    expect(problems).toHaveLength(4);
  });

  it('reports unreadable folders and files with a reason and goes on (as an unprivileged user)', async () => {
    const root = path.join(base, 'perm');
    for (const d of ['open', 'locked', 'list-only', 'open/deeper']) mkdirSync(path.join(root, d), { recursive: true });
    writeFileSync(path.join(root, 'open', 'a.jpg'), JPEG_HEAD);
    writeFileSync(path.join(root, 'open', 'deeper', 'b.jpg'), JPEG_HEAD);
    writeFileSync(path.join(root, 'open', 'locked.jpg'), JPEG_HEAD);
    writeFileSync(path.join(root, 'locked', 'c.jpg'), JPEG_HEAD);
    writeFileSync(path.join(root, 'list-only', 'd.jpg'), JPEG_HEAD);
    chmodSync(path.join(root, 'open', 'locked.jpg'), 0o000);
    chmodSync(path.join(root, 'locked'), 0o000);
    chmodSync(path.join(root, 'list-only'), 0o444); // can list, cannot open what is inside
    // Root ignores permissions, so the walk runs in a child process as nobody (uid 65534).
    const walkUrl = new URL('./walk.ts', import.meta.url).href;
    const decodeUrl = new URL('../decode/index.ts', import.meta.url).href;
    const code = `
      const { walkRoot } = await import(${JSON.stringify(walkUrl)});
      const { IMAGE_EXTENSIONS, sniffImageFormat, decodePhoto } = await import(${JSON.stringify(decodeUrl)});
      const files = [], problems = [];
      for await (const f of walkRoot(${JSON.stringify(root)}, { imageExtensions: IMAGE_EXTENSIONS, sniff: sniffImageFormat, onProblem: (p) => problems.push(p) })) files.push(f.path);
      const locked = await decodePhoto(${JSON.stringify(path.join(root, 'open', 'locked.jpg'))}, { resize: { shortestEdge: 32 }, crop: { width: 32, height: 32 }, resample: 'bicubic', rescale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], size: { width: 32, height: 32 } }, { thumbSize: 0 });
      console.log(JSON.stringify({ uid: process.getuid(), files, problems, locked: locked.ok ? null : locked.error }));
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      uid: 65534, gid: 65534, cwd: process.cwd(), encoding: 'utf8', timeout: 60_000,
    });
    if (run.error && (run.error as NodeJS.ErrnoException).code === 'EPERM') {
      console.log('skipped: cannot start a process as uid 65534 here (not root)');
      return;
    }
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout.trim().split('\n').pop()!) as { uid: number; files: string[]; problems: ScanProblem[]; locked: { code: string; reason: string } | null };
    expect(out.uid).toBe(65534);
    // The unreadable file is still offered (so it is listed as a failure, not silently missing), and decode says why.
    expect(out.files.map((f) => path.relative(root, f)).sort()).toEqual(['open/a.jpg', 'open/deeper/b.jpg', 'open/locked.jpg']);
    expect(out.locked).toMatchObject({ code: 'unreadable', reason: 'The file cannot be read: permission denied.' });
    const problems = Object.fromEntries(out.problems.map((p) => [path.relative(root, p.path), p.message]));
    expect(problems).toEqual({
      locked: 'Cannot read this folder: permission denied.',
      'list-only': 'Cannot open the files in this folder: permission denied.',
    });
    expect(out.problems.map((p) => p.details)).toEqual([{ errno: 'EACCES' }, { errno: 'EACCES' }]);
  });

  it('walks one folder of 50k files', async () => {
    // Creating 50k files takes ~7 s on this disk and ~1 s in memory; the walk itself is what is measured.
    const dir = mkdtempSync(path.join(existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'soutu-walk-big-'));
    const N = 50_000;
    for (let i = 0; i < N; i++) writeFileSync(path.join(dir, `IMG_${String(i).padStart(5, '0')}.jpg`), '');
    for (let i = 0; i < 1000; i++) writeFileSync(path.join(dir, `IMG_${i}.xmp`), '');
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    let count = 0;
    let last = '';
    let ordered = true;
    for await (const f of walkRoot(dir, { imageExtensions: IMAGE_EXTENSIONS, sniff: sniffImageFormat })) {
      if (f.path < last) ordered = false;
      last = f.path;
      count++;
    }
    const ms = performance.now() - t0;
    console.log(`50k-file folder: ${count} files in ${Math.round(ms)} ms, RSS +${Math.round((process.memoryUsage().rss - rss0) / 1e6)} MB`);
    expect(count).toBe(N);
    expect(ordered).toBe(true);
    await rm(dir, { recursive: true });
  });

  it('walks a 2000-deep tree, and reports folders whose path is too long for the system', async () => {
    const root = path.join(base, 'deep');
    // 2000 levels of "d/": about 4000 bytes, just inside Linux's PATH_MAX of 4096.
    const bottom = path.join(root, ...Array<string>(2000).fill('d'));
    mkdirSync(bottom, { recursive: true });
    writeFileSync(path.join(bottom, 'deepest.jpg'), JPEG_HEAD);
    writeFileSync(path.join(root, 'top.jpg'), JPEG_HEAD);
    // A branch deeper than PATH_MAX can only be built with relative steps (chdir), as copy tools do.
    execFileSync(process.execPath, ['-e', `const fs = require('fs'); process.chdir(${JSON.stringify(root)}); fs.mkdirSync('x'); process.chdir('x'); for (let i = 0; i < 2100; i++) { fs.mkdirSync('e'); process.chdir('e'); } fs.writeFileSync('lost.jpg', '');`]);
    const { files, problems } = await walk(root);
    expect(files.map((f) => path.basename(f.path)).sort()).toEqual(['deepest.jpg', 'top.jpg']);
    expect(problems).toHaveLength(1);
    expect(problems[0].message).toBe('Cannot open this folder: its path is longer than the system allows.');
  });
});

describe('links out of the root', () => {
  it('skips file and folder links that lead outside the root, and reports them; links inside are followed', async () => {
    const { mkdtemp, mkdir, writeFile, symlink, rm, realpath } = await import('node:fs/promises');
    const os = await import('node:os');
    const base = await mkdtemp(path.join(os.tmpdir(), 'soutu-walk-escape-'));
    try {
      const root = path.join(base, 'photos');
      const outside = path.join(base, 'photos2');
      await mkdir(path.join(root, 'inner'), { recursive: true });
      await mkdir(outside, { recursive: true });
      await writeFile(path.join(outside, 'secret.jpg'), 'x'.repeat(64));
      await writeFile(path.join(root, 'inner', 'ok.jpg'), 'x'.repeat(64));
      await symlink(path.join(outside, 'secret.jpg'), path.join(root, 'escape.jpg'));
      await symlink(outside, path.join(root, 'escape-dir'));
      await symlink(path.join(root, 'inner', 'ok.jpg'), path.join(root, 'alias.jpg'));
      const problems: ScanProblem[] = [];
      const found: string[] = [];
      for await (const f of walkRoot(root, { imageExtensions: new Set(['jpg']), onProblem: (p) => problems.push(p) })) found.push(path.relative(root, f.path));
      expect(found.sort()).toEqual(['alias.jpg', path.join('inner', 'ok.jpg')].sort());
      const escapes = problems.filter((p) => /points outside the folder/.test(p.message));
      expect(escapes.map((p) => path.basename(p.path)).sort()).toEqual(['escape-dir', 'escape.jpg']);
      expect(escapes.find((p) => path.basename(p.path) === 'escape-dir')?.details).toEqual({ target: await realpath(outside) });
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});

describe.runIf(process.platform !== 'win32')('pipes, sockets and devices named like photos', () => {
  it('reports them as skipped with the reason and never opens them (a FIFO without a writer does not stall the walk)', async () => {
    const t = await tempDir('soutu-walk-fifo-');
    try {
      writeFileSync(path.join(t.dir, 'real.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1]));
      execFileSync('mkfifo', [path.join(t.dir, 'pipe.jpg')]);
      execFileSync('mkfifo', [path.join(t.dir, 'pipe-without-extension')]);
      symlinkSync(path.join(t.dir, 'pipe.jpg'), path.join(t.dir, 'link-to-pipe.png'));
      const net = await import('node:net');
      const server = net.createServer().listen(path.join(t.dir, 'socket.heic'));
      await new Promise((r) => server.once('listening', r));
      const problems: ScanProblem[] = [];
      const files: ScannedFile[] = [];
      for await (const f of walkRoot(t.dir, { imageExtensions: IMAGE_EXTENSIONS, sniff: sniffImageFormat, onProblem: (p) => problems.push(p) })) files.push(f);
      server.close();
      expect(files.map((f) => path.basename(f.path))).toEqual(['real.jpg']);
      const skipped = problems.filter((p) => p.kind === 'not-a-file').map((p) => `${path.basename(p.path)}: ${p.message}`).sort();
      expect(skipped).toEqual([
        'link-to-pipe.png: Skipped: this is a named pipe, not a photo file.',
        'pipe.jpg: Skipped: this is a named pipe, not a photo file.',
        'socket.heic: Skipped: this is a socket, not a photo file.',
      ]);
      // What stands there travels as a fact, for a sentence in the reader's language.
      const kinds = Object.fromEntries(problems.filter((p) => p.kind === 'not-a-file').map((p) => [path.basename(p.path), p.details]));
      expect(kinds).toEqual({ 'link-to-pipe.png': { fileKind: 'fifo' }, 'pipe.jpg': { fileKind: 'fifo' }, 'socket.heic': { fileKind: 'socket' } });
    } finally {
      await t.cleanup();
    }
  });
});
