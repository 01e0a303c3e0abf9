// One writer per library: a lock file holding the owner's pid. A lock left by a killed process is taken over.
import { open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { SoutuError } from '../errors.js';

export interface LibraryLock {
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function acquireLock(dir: string): Promise<LibraryLock> {
  const file = path.join(dir, 'soutu.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(file, 'wx');
      try {
        await fh.writeFile(String(process.pid));
      } finally {
        await fh.close();
      }
      let released = false;
      return {
        release: async () => {
          if (released) return;
          released = true;
          await rm(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new SoutuError('locked', `The library ${dir} is in use by another Soutu process (pid ${pid}).`);
      }
      await rm(file, { force: true }); // stale: its owner is gone
    }
  }
  throw new SoutuError('locked', `Cannot lock the library ${dir}.`);
}
