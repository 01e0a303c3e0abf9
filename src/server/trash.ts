// Moving files to the desktop trash from a headless server (serve --allow-trash): the freedesktop.org trash
// in the user's home on Linux (with .trashinfo, so file managers can restore), ~/.Trash on macOS. Files are
// renamed, never copied or deleted; one on another disk than the trash is reported, not moved.
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';


function trashDirs(): { files: string; info: string | null } | null {
  if (process.platform === 'darwin') return { files: path.join(os.homedir(), '.Trash'), info: null };
  if (process.platform === 'win32') return null;
  const data = process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return { files: path.join(data, 'Trash', 'files'), info: path.join(data, 'Trash', 'info') };
}

async function freeName(dir: string, name: string): Promise<string> {
  const ext = path.extname(name);
  const base = name.slice(0, name.length - ext.length);
  for (let i = 0; ; i++) {
    const candidate = i === 0 ? name : `${base} ${i + 1}${ext}`;
    if (!(await stat(path.join(dir, candidate)).catch(() => null))) return candidate;
  }
}

/** Moves one file to the trash; throws a one-sentence Error when it cannot. */
export async function trashFile(file: string): Promise<void> {
  const dirs = trashDirs();
  if (!dirs) throw new Error('Serve mode cannot use the Windows Recycle Bin; use the desktop app.');
  await mkdir(dirs.files, { recursive: true });
  if (dirs.info) await mkdir(dirs.info, { recursive: true });
  let info: string | null = null;
  try {
    const name = await freeName(dirs.files, path.basename(file));
    if (dirs.info) {
      const when = new Date().toISOString().slice(0, 19);
      info = path.join(dirs.info, `${name}.trashinfo`);
      await writeFile(info, `[Trash Info]\nPath=${encodeURI(file)}\nDeletionDate=${when}\n`, { flag: 'wx' });
    }
    await rename(file, path.join(dirs.files, name));
  } catch (err) {
    if (info) await rm(info, { force: true }).catch(() => {});
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === 'EXDEV' ? 'this file is on another disk than the trash; move it by hand.' : (err as Error).message.split('\n')[0], { cause: err });
  }
}
