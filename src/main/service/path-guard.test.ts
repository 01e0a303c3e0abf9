import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardPath, isInside, isPlausibleAbsolutePath, openInsideRoots, resolveInsideRoots } from './path-guard.js';

const isPathInsideRoots = async (file: unknown, roots: unknown[], opts?: { requireFile?: boolean }) => (await guardPath(file, roots, opts)).ok;

const posixOnly = process.platform === 'win32' ? it.skip : it;

let tmp: string;
let photos: string;
let roots: string[];

beforeAll(async () => {
  tmp = await realpath(await mkdtemp(path.join(os.tmpdir(), 'soutu-guard-')));
  photos = path.join(tmp, 'photos');
  await mkdir(path.join(photos, 'sub'), { recursive: true });
  await mkdir(path.join(tmp, 'photos2'), { recursive: true });
  await mkdir(path.join(tmp, 'other-root'), { recursive: true });
  await writeFile(path.join(photos, 'a.jpg'), 'A');
  await writeFile(path.join(photos, 'sub', 'b.jpg'), 'B');
  await writeFile(path.join(tmp, 'photos2', 'c.jpg'), 'C');
  await writeFile(path.join(tmp, 'other-root', 'd.jpg'), 'D');
  await writeFile(path.join(tmp, 'secret.txt'), 'SECRET');
  if (process.platform !== 'win32') {
    await symlink(path.join(tmp, 'secret.txt'), path.join(photos, 'link-out.jpg'));
    await symlink(tmp, path.join(photos, 'link-dir-out'));
    await symlink(path.join(photos, 'sub', 'b.jpg'), path.join(photos, 'link-in.jpg'));
    await symlink(path.join(tmp, 'other-root'), path.join(photos, 'link-to-other-root'));
    await symlink(path.join(photos, 'loop-b'), path.join(photos, 'loop-a'));
    await symlink(path.join(photos, 'loop-a'), path.join(photos, 'loop-b'));
    await symlink(path.join(tmp, 'nowhere.jpg'), path.join(photos, 'dangling.jpg'));
    await symlink(photos, path.join(tmp, 'photos-alias'));
  }
  roots = [photos];
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('resolveInsideRoots: attack paths are refused', () => {
  const attacks: [string, () => unknown][] = [
    ['parent traversal', () => path.join(photos, '..', 'secret.txt')],
    ['parent traversal as a raw string', () => `${photos}/../secret.txt`],
    ['deep parent traversal', () => `${photos}/sub/../../secret.txt`],
    ['dot then parent', () => `${photos}/./../secret.txt`],
    ['traversal into the sibling-prefix folder', () => `${photos}/sub/./../../photos2/c.jpg`],
    ['trailing traversal to the parent folder', () => `${photos}/../`],
    ['URL-encoded ../ (taken literally, never decoded)', () => `${photos}/%2e%2e%2fsecret.txt`],
    ['URL-encoded .. segment', () => `${photos}/%2e%2e/secret.txt`],
    ['half-encoded ..%2f', () => `${photos}/..%2fsecret.txt`],
    ['double-encoded ../', () => `${photos}/%252e%252e%252fsecret.txt`],
    ['encoded backslash ..%5c', () => `${photos}/..%5csecret.txt`],
    ['overlong UTF-8 dots', () => `${photos}/%c0%ae%c0%ae/secret.txt`],
    ['full-width dots and slash', () => `${photos}/．．／secret.txt`],
    ['Windows ..\\ on this system', () => `${photos}/..\\secret.txt`],
    ['Windows ..\\..\\ chain', () => `${photos}\\..\\..\\secret.txt`],
    ['UNC path', () => '\\\\server\\share\\secret.jpg'],
    ['POSIX double-slash network path', () => '//server/share/secret.jpg'],
    ['absolute path outside every root', () => path.join(tmp, 'secret.txt')],
    ['system file', () => '/etc/passwd'],
    ['sibling folder sharing the root as a prefix (/photos2 vs /photos)', () => path.join(tmp, 'photos2', 'c.jpg')],
    ['sibling prefix folder itself', () => path.join(tmp, 'photos2')],
    ['NUL byte before an extension', () => `${photos}/a.jpg\u0000.txt`],
    ['NUL byte before traversal', () => `${photos}/\u0000../secret.txt`],
    ['relative path', () => 'photos/a.jpg'],
    ['relative traversal', () => '../secret.txt'],
    ['tilde (never expanded)', () => '~/secret.txt'],
    ['file: URL instead of a path', () => `file://${photos}/a.jpg`],
    ['empty string', () => ''],
    ['overlong path', () => `${photos}/${'a/'.repeat(2100)}a.jpg`],
    ['missing file inside the root', () => path.join(photos, 'nope.jpg')],
    ['the root folder itself (not a file)', () => photos],
    ['a folder inside the root (not a file)', () => path.join(photos, 'sub')],
    ['wrong case on a case-sensitive file system', () => (process.platform === 'linux' ? path.join(tmp, 'PHOTOS', 'a.jpg') : '/nonexistent/PHOTOS/a.jpg')],
    ['non-string: null', () => null],
    ['non-string: number', () => 42],
    ['non-string: object with toString', () => ({ toString: () => path.join(photos, 'a.jpg') })],
    ['non-string: array', () => [path.join(photos, 'a.jpg')]],
  ];
  for (const [name, make] of attacks) {
    it(name, async () => {
      expect(await resolveInsideRoots(make(), roots)).toBeNull();
    });
  }

  posixOnly('symlink to a file outside the root', async () => {
    expect(await resolveInsideRoots(path.join(photos, 'link-out.jpg'), roots)).toBeNull();
  });
  posixOnly('file reached through a folder symlink that leaves the root', async () => {
    expect(await resolveInsideRoots(path.join(photos, 'link-dir-out', 'secret.txt'), roots)).toBeNull();
  });
  posixOnly('symlink loop', async () => {
    expect(await resolveInsideRoots(path.join(photos, 'loop-a'), roots)).toBeNull();
  });
  posixOnly('dangling symlink', async () => {
    expect(await resolveInsideRoots(path.join(photos, 'dangling.jpg'), roots)).toBeNull();
  });
  posixOnly('symlink to another folder that is not a root', async () => {
    expect(await resolveInsideRoots(path.join(photos, 'link-to-other-root', 'd.jpg'), roots)).toBeNull();
  });
  it('roots that are not plausible absolute paths are ignored', async () => {
    expect(await resolveInsideRoots(path.join(photos, 'a.jpg'), ['photos', '', 'x\u0000y', 42])).toBeNull();
  });
  it('no roots means nothing is inside', async () => {
    expect(await resolveInsideRoots(path.join(photos, 'a.jpg'), [])).toBeNull();
  });
});

describe('resolveInsideRoots: legitimate files are served by their real path', () => {
  it('a file in the root', async () => {
    expect(await resolveInsideRoots(path.join(photos, 'a.jpg'), roots)).toBe(path.join(photos, 'a.jpg'));
  });
  it('a file in a sub-folder', async () => {
    expect(await resolveInsideRoots(path.join(photos, 'sub', 'b.jpg'), roots)).toBe(path.join(photos, 'sub', 'b.jpg'));
  });
  it('a path with .. that stays inside', async () => {
    expect(await resolveInsideRoots(`${photos}/sub/../a.jpg`, roots)).toBe(path.join(photos, 'a.jpg'));
  });
  posixOnly('a symlink that stays inside the root resolves to its target', async () => {
    expect(await resolveInsideRoots(path.join(photos, 'link-in.jpg'), roots)).toBe(path.join(photos, 'sub', 'b.jpg'));
  });
  posixOnly('a symlink into another root is fine when that folder is a root too', async () => {
    const both = [photos, path.join(tmp, 'other-root')];
    expect(await resolveInsideRoots(path.join(photos, 'link-to-other-root', 'd.jpg'), both)).toBe(path.join(tmp, 'other-root', 'd.jpg'));
  });
  posixOnly('a root given through a symlink', async () => {
    const alias = path.join(tmp, 'photos-alias');
    expect(await resolveInsideRoots(path.join(alias, 'a.jpg'), [alias])).toBe(path.join(photos, 'a.jpg'));
  });
  it('a folder when requireFile is false', async () => {
    expect(await isPathInsideRoots(path.join(photos, 'sub'), roots, { requireFile: false })).toBe(true);
  });
  it('isPathInsideRoots agrees', async () => {
    expect(await isPathInsideRoots(path.join(photos, 'a.jpg'), roots)).toBe(true);
    expect(await isPathInsideRoots(path.join(tmp, 'secret.txt'), roots)).toBe(false);
  });
});

describe('guardPath says why: outside the folders (forbidden) or not there (not-found)', () => {
  posixOnly('forbidden for paths or links leading outside, malformed paths and sibling-prefix folders', async () => {
    expect(await guardPath(path.join(photos, 'a.jpg'), roots)).toEqual({ ok: true, path: path.join(photos, 'a.jpg') });
    expect(await guardPath(path.join(photos, 'link-out.jpg'), roots)).toEqual({ ok: false, why: 'forbidden' });
    expect(await guardPath(path.join(tmp, 'photos2', 'c.jpg'), roots)).toEqual({ ok: false, why: 'forbidden' });
    expect(await guardPath(`${photos}/../photos2/c.jpg`, roots)).toEqual({ ok: false, why: 'forbidden' });
    expect(await guardPath(`${photos}/a.jpg\u0000.png`, roots)).toEqual({ ok: false, why: 'forbidden' });
    expect(await guardPath('photos/a.jpg', roots)).toEqual({ ok: false, why: 'forbidden' });
  });
  posixOnly('not-found for missing files, dangling links, loops and folders', async () => {
    expect(await guardPath(path.join(photos, 'missing.jpg'), roots)).toEqual({ ok: false, why: 'not-found' });
    expect(await guardPath(path.join(photos, 'dangling.jpg'), roots)).toEqual({ ok: false, why: 'not-found' });
    expect(await guardPath(path.join(photos, 'loop-a'), roots)).toEqual({ ok: false, why: 'not-found' });
    expect(await guardPath(path.join(photos, 'sub'), roots)).toEqual({ ok: false, why: 'not-found' });
  });
});

describe('openInsideRoots: the checked file, opened and checked again on its descriptor', () => {
  posixOnly('opens a regular file inside the roots by its real path, through a link inside too', async () => {
    for (const [file, text] of [[path.join(photos, 'a.jpg'), 'A'], [path.join(photos, 'link-in.jpg'), 'B']]) {
      const o = await openInsideRoots(file, roots);
      expect(o.ok, file).toBe(true);
      if (!o.ok) continue;
      try {
        expect((await o.handle.readFile()).toString()).toBe(text);
        expect(o.size).toBe(1);
      } finally {
        await o.handle.close();
      }
    }
  });
  posixOnly('refuses a FIFO at once (never waits for a writer), a folder, links out and missing files', async () => {
    const fifo = path.join(photos, 'pipe.jpg');
    execFileSync('mkfifo', [fifo]);
    try {
      expect(await openInsideRoots(fifo, roots)).toEqual({ ok: false, why: 'not-found' });
      expect(await openInsideRoots(path.join(photos, 'sub'), roots)).toEqual({ ok: false, why: 'not-found' });
      expect(await openInsideRoots(path.join(photos, 'missing.jpg'), roots)).toEqual({ ok: false, why: 'not-found' });
      expect(await openInsideRoots(path.join(photos, 'link-out.jpg'), roots)).toEqual({ ok: false, why: 'forbidden' });
      expect(await openInsideRoots(path.join(photos, 'link-dir-out', 'secret.txt'), roots)).toEqual({ ok: false, why: 'forbidden' });
      expect(await openInsideRoots('/dev/zero', roots)).toEqual({ ok: false, why: 'forbidden' });
    } finally {
      await rm(fifo, { force: true });
    }
  });
});

describe('isInside (no file system)', () => {
  it('POSIX', () => {
    expect(isInside('/photos/a.jpg', '/photos', 'posix')).toBe(true);
    expect(isInside('/photos', '/photos', 'posix')).toBe(true);
    expect(isInside('/photos/..foo/a.jpg', '/photos', 'posix')).toBe(true); // a folder named "..foo"
    expect(isInside('/photos2/a.jpg', '/photos', 'posix')).toBe(false);
    expect(isInside('/photos/../etc/passwd', '/photos', 'posix')).toBe(false);
    expect(isInside('/', '/photos', 'posix')).toBe(false);
  });
  it('Windows: traversal, sibling prefix, other drive, UNC, case', () => {
    expect(isInside('C:\\photos\\a.jpg', 'C:\\photos', 'win32')).toBe(true);
    expect(isInside('c:\\PHOTOS\\a.jpg', 'C:\\photos', 'win32')).toBe(true); // NTFS is case-insensitive
    expect(isInside('C:\\photos\\..\\secret.jpg', 'C:\\photos', 'win32')).toBe(false);
    expect(isInside('C:\\photos/../secret.jpg', 'C:\\photos', 'win32')).toBe(false);
    expect(isInside('C:\\photos2\\a.jpg', 'C:\\photos', 'win32')).toBe(false);
    expect(isInside('D:\\photos\\a.jpg', 'C:\\photos', 'win32')).toBe(false);
    expect(isInside('\\\\server\\share\\a.jpg', 'C:\\photos', 'win32')).toBe(false);
    expect(isInside('\\\\nas\\pics\\2020\\a.jpg', '\\\\nas\\pics', 'win32')).toBe(true);
    expect(isInside('\\\\nas\\pics\\2020\\..\\other\\a.jpg', '\\\\nas\\pics\\2020', 'win32')).toBe(false);
    expect(isInside('\\\\nas\\pics2\\a.jpg', '\\\\nas\\pics', 'win32')).toBe(false); // another share
  });
});

describe('isPlausibleAbsolutePath', () => {
  it('POSIX', () => {
    expect(isPlausibleAbsolutePath('/photos/a.jpg', 'posix')).toBe(true);
    expect(isPlausibleAbsolutePath('photos/a.jpg', 'posix')).toBe(false);
    expect(isPlausibleAbsolutePath('/a\u0000b', 'posix')).toBe(false);
    expect(isPlausibleAbsolutePath(undefined, 'posix')).toBe(false);
  });
  it('Windows: device namespace, drive-relative, alternate data streams, trailing dots and spaces', () => {
    expect(isPlausibleAbsolutePath('C:\\photos\\a.jpg', 'win32')).toBe(true);
    expect(isPlausibleAbsolutePath('\\\\nas\\pics\\a.jpg', 'win32')).toBe(true);
    expect(isPlausibleAbsolutePath('C:photos\\a.jpg', 'win32')).toBe(false);
    expect(isPlausibleAbsolutePath('\\\\?\\C:\\secret.txt', 'win32')).toBe(false);
    expect(isPlausibleAbsolutePath('\\\\.\\PhysicalDrive0', 'win32')).toBe(false);
    expect(isPlausibleAbsolutePath('\\photos\\a.jpg', 'win32')).toBe(false); // rooted but no drive
    expect(isPlausibleAbsolutePath('C:\\photos\\a.jpg:secret', 'win32')).toBe(false);
    expect(isPlausibleAbsolutePath('C:\\photos\\a.jpg::$DATA', 'win32')).toBe(false);
    expect(isPlausibleAbsolutePath('C:\\photos.\\..\\secret.txt', 'win32')).toBe(false);
    expect(isPlausibleAbsolutePath('C:\\photos \\a.jpg', 'win32')).toBe(false);
    expect(isPlausibleAbsolutePath('C:\\photos\\..  \\secret.txt', 'win32')).toBe(false);
  });
});
