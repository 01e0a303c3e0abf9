// Walks photo roots: yields image files (by extension, or by content for unknown extensions) with size and mtime,
// skipping hidden/system folders and the library's own folder, surviving symlink loops and unreadable folders.
import { opendir, open, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ScanProblem } from '../../../shared/types.js';

export interface ScannedFile {
  path: string;
  root: string;
  size: number;
  mtime: number;
}

export interface WalkOptions {
  /** Folders never to enter (the library folder, for one). Absolute paths. */
  exclude?: string[];
  imageExtensions: ReadonlySet<string>;
  /** Magic-byte check for files whose extension is unknown; returns a format name or null. */
  sniff?: (head: Uint8Array) => string | null;
  onProblem?: (p: ScanProblem) => void;
  signal?: AbortSignal;
}

/** Folders that hold system or app data rather than photos. Compared case-insensitively. */
const SYSTEM_DIRS = new Set(
  [
    '$recycle.bin',
    'system volume information',
    'lost+found',
    '@eadir',
    '#recycle',
    '#snapshot',
    'node_modules',
    '__macosx',
    'recycler',
    '.trashes',
    '.spotlight-v100',
    '.fseventsd',
  ].map((s) => s.toLowerCase()),
);

/** Extensions that are certainly not images: never opened to sniff. */
const NOT_IMAGES = new Set([
  'txt', 'md', 'json', 'xml', 'xmp', 'aae', 'pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'csv', 'tsv',
  'mp4', 'mov', 'm4v', 'avi', 'mkv', 'wmv', 'webm', '3gp', 'mts', 'm2ts', 'mp3', 'wav', 'aac', 'flac', 'ogg', 'm4a',
  'zip', 'rar', '7z', 'gz', 'tar', 'exe', 'dll', 'so', 'dylib', 'js', 'ts', 'html', 'htm', 'css', 'db', 'sqlite',
  'ini', 'log', 'lnk', 'ds_store', 'thm', 'lrv', 'psd', 'svg', 'ico', 'icns', 'dat', 'bin', 'lance', 'manifest',
  'txn', 'idx', 'tmp', 'part', 'crdownload',
]);

export function isHiddenName(name: string): boolean {
  return name.startsWith('.');
}

function extOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}

async function readHead(file: string, n = 32): Promise<Uint8Array | null> {
  try {
    const fh = await open(file, 'r');
    try {
      const buf = Buffer.alloc(n);
      const { bytesRead } = await fh.read(buf, 0, n, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch {
    return null;
  }
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Yields every image file under `root`. Directory symlinks are followed once: a folder whose real path was
 * already visited (a loop, or a second link to the same place) is reported and skipped.
 */
export async function* walkRoot(root: string, opts: WalkOptions): AsyncGenerator<ScannedFile> {
  const exclude = (opts.exclude ?? []).map((p) => path.resolve(p));
  const visited = new Set<string>();
  const stack: string[] = [path.resolve(root)];
  const problem = (p: ScanProblem) => opts.onProblem?.(p);

  while (stack.length > 0) {
    if (opts.signal?.aborted) return;
    const dir = stack.pop()!;
    let real: string;
    try {
      real = await realpath(dir);
    } catch (err) {
      problem({ path: dir, kind: 'unreadable', message: `Cannot resolve folder: ${(err as Error).message}` });
      continue;
    }
    if (visited.has(real)) {
      problem({ path: dir, kind: 'symlink-loop', message: `Skipped: this folder links back to ${real}, which was already scanned.` });
      continue;
    }
    visited.add(real);
    if (exclude.some((e) => isInside(real, e) || isInside(dir, e))) continue;

    let handle;
    try {
      handle = await opendir(dir, { bufferSize: 256 });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      problem({
        path: dir,
        kind: 'unreadable',
        message: code === 'EACCES' || code === 'EPERM' ? 'Cannot read this folder: permission denied.' : `Cannot read this folder: ${(err as Error).message}`,
      });
      continue;
    }
    const files: string[] = [];
    const subdirs: string[] = [];
    try {
      for await (const entry of handle) {
        const name = entry.name;
        if (isHiddenName(name)) continue;
        const full = path.join(dir, name);
        if (entry.isDirectory()) {
          if (!SYSTEM_DIRS.has(name.toLowerCase())) subdirs.push(full);
        } else if (entry.isFile()) {
          files.push(full);
        } else if (entry.isSymbolicLink()) {
          try {
            const st = await stat(full);
            if (st.isDirectory()) {
              if (!SYSTEM_DIRS.has(name.toLowerCase())) subdirs.push(full);
            } else if (st.isFile()) files.push(full);
          } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            if (code === 'ELOOP') problem({ path: full, kind: 'symlink-loop', message: 'Skipped: a symbolic link that points to itself.' });
            // A dangling link is not a photo and not worth a report.
          }
        }
      }
    } catch (err) {
      problem({ path: dir, kind: 'unreadable', message: `Stopped reading this folder: ${(err as Error).message}` });
    }
    // Depth-first in name order, so progress and results are stable between runs.
    subdirs.sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
    stack.push(...subdirs);
    files.sort();

    // stat in small parallel groups: a folder of 50k files should not take 50k sequential round trips.
    const GROUP = 64;
    for (let i = 0; i < files.length; i += GROUP) {
      const group = files.slice(i, i + GROUP);
      const results = await Promise.all(
        group.map(async (file) => {
          const name = path.basename(file);
          const ext = extOf(name);
          const known = opts.imageExtensions.has(ext);
          if (!known && (NOT_IMAGES.has(ext) || !opts.sniff)) return null;
          try {
            const st = await stat(file);
            if (!st.isFile()) return null;
            if (!known) {
              if (st.size < 12) return null;
              const head = await readHead(file);
              if (!head || !opts.sniff!(head)) return null;
            }
            return { path: file, root: path.resolve(root), size: st.size, mtime: Math.floor(st.mtimeMs) } satisfies ScannedFile;
          } catch (err) {
            problem({ path: file, kind: 'unreadable', message: `Cannot read this file: ${(err as Error).message}` });
            return null;
          }
        }),
      );
      for (const r of results) if (r) yield r;
    }
  }
}
