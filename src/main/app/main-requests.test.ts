import { copyFile, mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TRASH_METHOD, createMainRequestHandler, trashInsideRoots } from './main-requests.js';

const posixOnly = process.platform === 'win32' ? it.skip : it;

let tmp: string;
let photos: string;

beforeAll(async () => {
  tmp = await realpath(await mkdtemp(path.join(os.tmpdir(), 'soutu-trash-')));
  photos = path.join(tmp, 'photos');
  await mkdir(path.join(photos, 'sub'), { recursive: true });
  await sharp({ create: { width: 8, height: 8, channels: 3, background: '#c00' } }).jpeg().toFile(path.join(photos, 'a.jpg'));
  await copyFile(path.join(photos, 'a.jpg'), path.join(photos, 'sub', 'b.jpg'));
  await copyFile(path.join(photos, 'a.jpg'), path.join(tmp, 'outside.jpg'));
  await writeFile(path.join(photos, 'notes.jpg'), 'not an image at all');
  if (process.platform !== 'win32') {
    await symlink(path.join(tmp, 'outside.jpg'), path.join(photos, 'link-out.jpg'));
    await symlink(path.join(photos, 'sub', 'b.jpg'), path.join(photos, 'link-in.jpg'));
    await symlink(tmp, path.join(photos, 'dir-out'));
  }
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('trashInsideRoots (main side of duplicates:trash)', () => {
  it('trashes an image file inside the vouched folder', async () => {
    const trashItem = vi.fn(async () => {});
    await expect(trashInsideRoots({ file: path.join(photos, 'a.jpg'), allowed: [photos] }, trashItem)).resolves.toEqual({ trashed: true });
    expect(trashItem).toHaveBeenCalledWith(path.join(photos, 'a.jpg'));
  });

  it('refuses malformed requests before touching the disk', async () => {
    const trashItem = vi.fn(async () => {});
    for (const bad of [null, 'x', {}, { file: 'a.jpg', allowed: [photos] }, { file: path.join(photos, 'a.jpg') }, { file: path.join(photos, 'a.jpg'), allowed: [] }, { file: `${photos}/a\u0000.jpg`, allowed: [photos] }, { file: path.join(photos, 'a.jpg'), allowed: photos }]) {
      await expect(trashInsideRoots(bad, trashItem), JSON.stringify(bad)).rejects.toMatchObject({ code: 'bad-request' });
    }
    expect(trashItem).not.toHaveBeenCalled();
  });

  it('refuses files outside the folder, folders, missing files and non-images', async () => {
    const trashItem = vi.fn(async () => {});
    const refused = [
      { file: path.join(tmp, 'outside.jpg'), allowed: [photos] },
      { file: path.join(photos, '..', 'outside.jpg'), allowed: [photos] },
      { file: path.join(photos, 'sub', 'b.jpg'), allowed: [path.join(photos, 'other')] },
      { file: path.join(photos, 'sub'), allowed: [photos] },
      { file: photos, allowed: [photos] },
      { file: path.join(photos, 'missing.jpg'), allowed: [photos] },
      { file: path.join(photos, 'notes.jpg'), allowed: [photos] },
      { file: path.join(photos, 'a.jpg'), allowed: [path.join(tmp, 'photo')] }, // a sibling prefix, not a parent
    ];
    for (const req of refused) {
      await expect(trashInsideRoots(req, trashItem), req.file).rejects.toMatchObject({ code: 'forbidden' });
    }
    expect(trashItem).not.toHaveBeenCalled();
  });

  posixOnly('refuses symlinks that lead out, and trashes a link inside as the link (not its target)', async () => {
    const trashItem = vi.fn(async () => {});
    await expect(trashInsideRoots({ file: path.join(photos, 'link-out.jpg'), allowed: [photos] }, trashItem)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(trashInsideRoots({ file: path.join(photos, 'dir-out', 'outside.jpg'), allowed: [photos] }, trashItem)).rejects.toMatchObject({ code: 'forbidden' });
    expect(trashItem).not.toHaveBeenCalled();
    await trashInsideRoots({ file: path.join(photos, 'link-in.jpg'), allowed: [photos] }, trashItem);
    expect(trashItem).toHaveBeenCalledWith(path.join(photos, 'link-in.jpg'));
  });

  it('the request handler answers only the trash method and passes trashItem failures on', async () => {
    const log = vi.fn();
    const handler = createMainRequestHandler({ trashItem: async () => Promise.reject(new Error('The trash is full.')), log });
    await expect(handler(TRASH_METHOD, { file: path.join(photos, 'sub', 'b.jpg'), allowed: [photos] })).rejects.toThrow('The trash is full.');
    await expect(handler('main:openExternal', { url: 'https://x' })).rejects.toMatchObject({ code: 'bad-request' });
    expect(log).toHaveBeenCalledTimes(1);
  });
});
