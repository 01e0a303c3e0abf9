import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_STATE, MIN_SIZE, loadWindowState, sanitizeWindowState, saveWindowState } from './window-state.js';

const screen = [{ x: 0, y: 0, width: 1920, height: 1050 }];
const twoScreens = [...screen, { x: 1920, y: 0, width: 2560, height: 1410 }];

describe('window state', () => {
  it('defaults on first run or garbage', () => {
    expect(sanitizeWindowState(null, screen)).toEqual(DEFAULT_STATE);
    expect(sanitizeWindowState('nope', screen)).toEqual(DEFAULT_STATE);
    expect(sanitizeWindowState({ width: 'wide', x: NaN, y: Infinity }, screen)).toEqual(DEFAULT_STATE);
  });
  it('keeps a saved position that is on a screen', () => {
    expect(sanitizeWindowState({ x: 2000, y: 100, width: 1400, height: 900, maximized: true }, twoScreens)).toEqual({
      x: 2000, y: 100, width: 1400, height: 900, maximized: true, fullScreen: false,
    });
  });
  it('drops a position on a monitor that is gone, and clamps the size', () => {
    const s = sanitizeWindowState({ x: 2000, y: 100, width: 5000, height: 100 }, screen);
    expect(s.x).toBeUndefined();
    expect(s.width).toBe(1920);
    expect(s.height).toBe(MIN_SIZE.height);
  });
  it('drops a position whose title bar is off screen', () => {
    expect(sanitizeWindowState({ x: 100, y: -500, width: 1000, height: 800 }, screen).y).toBeUndefined();
    expect(sanitizeWindowState({ x: -980, y: 100, width: 1000, height: 800 }, screen).x).toBeUndefined();
  });
  it('round-trips through the file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'soutu-win-'));
    try {
      const file = path.join(dir, 'sub', 'window-state.json');
      await saveWindowState(file, { x: 10, y: 20, width: 1000, height: 700, maximized: false, fullScreen: false });
      expect(await loadWindowState(file, screen)).toEqual({ x: 10, y: 20, width: 1000, height: 700, maximized: false, fullScreen: false });
      await writeFile(file, '{ torn');
      expect(await loadWindowState(file, screen)).toEqual(DEFAULT_STATE);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
