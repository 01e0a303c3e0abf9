// Path containment, compared segment by segment after normalising (no file system): the one rule every layer uses,
// so `/data/photos2` is never inside `/data/photos`, and a folder named `..hidden` is inside its parent.
import path from 'node:path';

export type PathPlatform = 'posix' | 'win32';

export function hostPlatform(): PathPlatform {
  return process.platform === 'win32' ? 'win32' : 'posix';
}

/** True when `child` is `parent` or below it. Another drive or share is never inside. */
export function isInside(child: string, parent: string, platform: PathPlatform = hostPlatform()): boolean {
  const P = platform === 'win32' ? path.win32 : path.posix;
  const rel = P.relative(P.resolve(parent), P.resolve(child));
  if (rel === '') return true;
  if (P.isAbsolute(rel)) return false;
  return rel.split(platform === 'win32' ? /[\\/]/ : '/')[0] !== '..';
}
