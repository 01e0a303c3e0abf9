// The window's size, position and maximised state, remembered in userData/window-state.json. Pure apart from
// the file: a saved position on a display that is gone (unplugged monitor) falls back to a centred window.
import { readFile } from 'node:fs/promises';
import { writeJsonAtomically } from '../core/index.js';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
  fullScreen: boolean;
}

export const DEFAULT_STATE: WindowState = { width: 1280, height: 820, maximized: false, fullScreen: false };
export const MIN_SIZE = { width: 720, height: 480 };

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : undefined;
}

/** The part of a window that must be on some screen for it to be reachable: the top strip with the title bar. */
function titleBarVisible(s: { x: number; y: number; width: number }, areas: Rect[]): boolean {
  const bar = { x: s.x + 40, y: s.y, width: Math.max(1, s.width - 80), height: 32 };
  return areas.some(
    (a) => bar.x < a.x + a.width && bar.x + bar.width > a.x && bar.y >= a.y - 8 && bar.y + bar.height <= a.y + a.height + 8,
  );
}

/** Turns whatever was saved (or nothing) into a state that fits the displays we have now. */
export function sanitizeWindowState(raw: unknown, workAreas: Rect[]): WindowState {
  const r = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const largest = workAreas.reduce((m, a) => ({ width: Math.max(m.width, a.width), height: Math.max(m.height, a.height) }), { width: 0, height: 0 });
  const maxW = largest.width || DEFAULT_STATE.width;
  const maxH = largest.height || DEFAULT_STATE.height;
  const width = Math.min(Math.max(num(r.width) ?? DEFAULT_STATE.width, MIN_SIZE.width), Math.max(maxW, MIN_SIZE.width));
  const height = Math.min(Math.max(num(r.height) ?? DEFAULT_STATE.height, MIN_SIZE.height), Math.max(maxH, MIN_SIZE.height));
  const out: WindowState = { width, height, maximized: r.maximized === true, fullScreen: r.fullScreen === true };
  const x = num(r.x);
  const y = num(r.y);
  if (x !== undefined && y !== undefined && titleBarVisible({ x, y, width }, workAreas)) {
    out.x = x;
    out.y = y;
  }
  return out;
}

export async function loadWindowState(file: string, workAreas: Rect[]): Promise<WindowState> {
  let raw: unknown = null;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    // First run or a damaged file: defaults.
  }
  return sanitizeWindowState(raw, workAreas);
}

/** Written through the one atomic writer: a crash mid-write leaves the old state, never half a file. */
export async function saveWindowState(file: string, state: WindowState): Promise<void> {
  await writeJsonAtomically(file, state, { durable: false });
}
