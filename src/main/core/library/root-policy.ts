// Which folders may become photo folders: never the filesystem root, the system's own folders (virtual file
// systems, devices, configuration, programs) or the library folder itself, each refused with its reason.
import path from 'node:path';
import { SoutuError } from '../errors.js';

type Platform = 'posix' | 'win32' | 'darwin';

/** Folders that hold the system, not photos; anything inside them is refused too. */
const SYSTEM_FOLDERS: Record<Platform, readonly string[]> = {
  posix: ['/proc', '/sys', '/dev', '/etc', '/boot', '/run', '/bin', '/sbin', '/lib', '/lib64', '/usr/bin', '/usr/sbin', '/usr/lib', '/var/lib', '/var/run'],
  darwin: ['/proc', '/sys', '/dev', '/etc', '/System', '/private', '/bin', '/sbin', '/usr/bin', '/usr/sbin', '/usr/lib', '/cores', '/Library/Apple'],
  win32: ['C:\\Windows', 'C:\\Program Files', 'C:\\Program Files (x86)', 'C:\\ProgramData', 'C:\\$Recycle.Bin', 'C:\\System Volume Information'],
};

function hostPlatform(): Platform {
  return process.platform === 'win32' ? 'win32' : process.platform === 'darwin' ? 'darwin' : 'posix';
}

function inside(child: string, parent: string, P: typeof path.posix, caseless: boolean): boolean {
  const c = caseless ? child.toLowerCase() : child;
  const p = caseless ? parent.toLowerCase() : parent;
  const rel = P.relative(p, c);
  return rel === '' || (!rel.startsWith('..') && !P.isAbsolute(rel));
}

/** Why `folder` cannot be a photo folder, or null when it can. `folder` must be absolute. */
export function rootRefusal(folder: string, libraryDir: string, platform: Platform = hostPlatform()): string | null {
  const P = platform === 'win32' ? path.win32 : path.posix;
  const caseless = platform !== 'posix';
  const abs = P.resolve(folder);
  if (P.parse(abs).root === abs) return `${abs} is the root of a disk; choose the folder that holds your photos.`;
  const system = SYSTEM_FOLDERS[platform].find((s) => inside(abs, s, P, caseless));
  if (system) return `${abs} is a system folder (${system}), not a photo folder.`;
  if (inside(abs, P.resolve(libraryDir), P, caseless)) return `${abs} is Soutu's own library folder; choose a folder of photos.`;
  return null;
}

/** Throws SoutuError('bad-request') with the reason when `folder` cannot be a photo folder. */
export function checkRoot(folder: string, libraryDir: string, platform?: Platform): void {
  const why = rootRefusal(folder, libraryDir, platform);
  if (why) throw new SoutuError('bad-request', why);
}
