// Walks photo roots: yields image and video files (by extension, or by content for unknown extensions) with size and
// mtime, skipping hidden/system folders and the library's own folder, and reporting (never throwing on) what it cannot read.
import { constants } from 'node:fs';
import { lstat, open, opendir, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FailureDetails, ScanProblem } from '../../../shared/types.js';
import { describeKind, errnoOf, fileKindDetail, kindOf } from '../fs/safe-open.js';
import { isInside } from '../fs/paths.js';

export interface ScannedFile {
  path: string;
  root: string;
  size: number;
  mtime: number;
  kind: 'photo' | 'video';
}

export interface WalkOptions {
  /** Folders never to enter (the library folder, for one). Absolute paths. */
  exclude?: string[];
  imageExtensions: ReadonlySet<string>;
  /** Magic-byte check for files whose extension is unknown; returns a format name or null. */
  sniff?: (head: Uint8Array) => string | null;
  /** Video files to yield too (kind 'video'); none when absent. */
  videoExtensions?: ReadonlySet<string>;
  /** Magic-byte check for videos among files whose extension is unknown. */
  sniffVideo?: (head: Uint8Array) => string | null;
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

/** Bytes read from a file of unknown extension to recognise an image or video by content (EBML needs ~40). */
const HEAD_BYTES = 256;
/** Files stat-ed at once: a folder of 50k files should not take 50k sequential round trips. */
const STAT_GROUP = 64;

export function isHiddenName(name: string): boolean {
  return name.startsWith('.');
}

/** True for folder names that hold system or app data (recycle bins, NAS thumbnails, node_modules). */
export function isSystemDirName(name: string): boolean {
  return SYSTEM_DIRS.has(name.toLowerCase());
}

export function extOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}

/** Video extensions Soutu indexes: a watcher must not ignore them even though they are not images. */
const INDEXED_VIDEO_EXTENSIONS = new Set(['mp4', 'mov', 'm4v', '3gp', 'webm', 'mkv', 'avi']);

/** True for file names that can never be photos or indexed videos (sidecars, documents): a watcher may ignore their changes. */
export function isNeverImageName(name: string): boolean {
  const ext = extOf(name);
  return isHiddenName(name) || (NOT_IMAGES.has(ext) && !INDEXED_VIDEO_EXTENSIONS.has(ext));
}

async function readHead(file: string | Buffer): Promise<Uint8Array | null> {
  try {
    // Non-blocking and checked on the descriptor: a file swapped for a FIFO since the listing is not waited on.
    const fh = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    try {
      if (!(await fh.stat()).isFile()) return null;
      const buf = Buffer.alloc(HEAD_BYTES);
      const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch {
    return null;
  }
}


/** The facts of a file-system error for a scan problem: its errno, when it has one. */
function fsDetails(err: unknown): { details?: FailureDetails } {
  const errno = errnoOf(err);
  return errno ? { details: { errno } } : {};
}

/** One plain sentence for a file-system error, so a person knows what to fix. */
export function describeFsError(err: unknown, what: 'file' | 'folder'): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return `Cannot read this ${what}: permission denied.`;
    case 'ENAMETOOLONG':
      return `Cannot open this ${what}: its path is longer than the system allows.`;
    case 'ELOOP':
      return `Skipped: this ${what} is reached through too many symbolic links (a loop).`;
    case 'EIO':
      return `Cannot read this ${what}: the disk reported an input/output error.`;
    case 'ENOENT':
      return `This ${what} disappeared while it was being scanned.`;
    case 'ENOTDIR':
      return `Cannot read this ${what}: it is not a folder any more.`;
    case 'EMFILE':
    case 'ENFILE':
      return `Cannot open this ${what}: too many files are open.`;
    case 'ETIMEDOUT':
    case 'EHOSTDOWN':
    case 'ESTALE':
      return `Cannot read this ${what}: the network drive did not answer.`;
    default:
      return `Cannot read this ${what}: ${(err as Error)?.message ?? String(err)}`;
  }
}

const FATAL_UTF8 = new TextDecoder('utf-8', { fatal: true });

function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    FATAL_UTF8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').replace(/(..)(?!$)/g, '$1 ');
}

/**
 * Names in `dir` whose bytes are not valid UTF-8. Node decodes such names lossily (U+FFFD), so the string it gives
 * cannot be opened again; only called when a listing shows U+FFFD, so ordinary folders pay nothing.
 */
async function invalidNames(dir: string): Promise<{ lossy: Set<string>; valid: Set<string>; raw: { name: string; bytes: Buffer }[] }> {
  const lossy = new Set<string>();
  const valid = new Set<string>();
  const raw: { name: string; bytes: Buffer }[] = [];
  for (const bytes of await readdir(dir, { encoding: 'buffer' })) {
    const name = bytes.toString('utf8');
    if (isValidUtf8(bytes)) valid.add(name);
    else {
      lossy.add(name);
      raw.push({ name, bytes });
    }
  }
  return { lossy, valid, raw };
}

/**
 * Yields every image file under `root`. Iterative (no recursion limit on depth). Directory symlinks are followed
 * once: a folder whose real path was already visited (a loop, or a second link to the same place) is reported
 * and skipped. Unreadable folders and files, and names that are not valid UTF-8, are reported through
 * `onProblem` and the walk goes on.
 */
export async function* walkRoot(root: string, opts: WalkOptions): AsyncGenerator<ScannedFile> {
  const exclude = (opts.exclude ?? []).map((p) => path.resolve(p));
  // Folders are recognised by (device, inode), not by realpath: realpath costs one lstat per path component,
  // which made a 2000-deep tree quadratic (minutes); one stat per folder is enough to see loops and links.
  const excludedIds = new Set<string>();
  for (const e of exclude) {
    const st = await stat(e, { bigint: true }).catch(() => null);
    if (st) excludedIds.add(`${st.dev}:${st.ino}`);
  }
  const visited = new Map<string, string>();
  const absRoot = path.resolve(root);
  const realRoot = await realpath(absRoot).catch(() => absRoot);
  const stack: string[] = [absRoot];
  const problem = (p: ScanProblem) => opts.onProblem?.(p);
  // A pipe, socket or device named like a photo is reported, never opened (reading a FIFO waits for a writer).
  const notAFile = (file: string, st: Parameters<typeof kindOf>[0]) => {
    const media = opts.imageExtensions.has(extOf(path.basename(file))) ? 'image' : 'video';
    problem({
      path: file, kind: 'not-a-file', message: `Skipped: this is ${describeKind(kindOf(st))}, not a ${media === 'image' ? 'photo' : 'video'} file.`,
      details: { fileKind: fileKindDetail(kindOf(st)), ...(media === 'video' ? { media } : {}) },
    });
  };

  while (stack.length > 0) {
    if (opts.signal?.aborted) return;
    const dir = stack.pop()!;
    if (exclude.some((e) => isInside(dir, e))) continue;
    let id: string;
    try {
      const st = await stat(dir, { bigint: true });
      id = `${st.dev}:${st.ino}`;
    } catch (err) {
      problem({ path: dir, kind: 'unreadable', message: describeFsError(err, 'folder'), ...fsDetails(err) });
      continue;
    }
    if (excludedIds.has(id)) continue;
    const first = visited.get(id);
    if (first !== undefined) {
      problem({ path: dir, kind: 'symlink-loop', message: `Skipped: this folder links back to ${first}, which was already scanned.`, details: { target: first } });
      continue;
    }
    visited.set(id, dir);

    let handle;
    try {
      handle = await opendir(dir, { bufferSize: 256 });
    } catch (err) {
      problem({ path: dir, kind: 'unreadable', message: describeFsError(err, 'folder'), ...fsDetails(err) });
      continue;
    }
    const files: string[] = [];
    const subdirs: string[] = [];
    const links: string[] = [];
    let lossyNames = false;
    try {
      for await (const entry of handle) {
        const name = entry.name;
        if (isHiddenName(name)) continue;
        if (name.includes('\uFFFD')) lossyNames = true;
        const full = path.join(dir, name);
        if (entry.isDirectory()) {
          if (!isSystemDirName(name)) subdirs.push(full);
        } else if (entry.isFile()) files.push(full);
        else if (entry.isSymbolicLink()) links.push(full);
        else if (opts.imageExtensions.has(extOf(name)) || opts.videoExtensions?.has(extOf(name))) notAFile(full, entry);
      }
    } catch (err) {
      problem({ path: dir, kind: 'unreadable', message: `Stopped reading this folder part-way: ${describeFsError(err, 'folder')}`, ...fsDetails(err) });
    }

    // Names that are not valid UTF-8 (old Linux/NAS copies, Windows-1252 or GBK names from zip archives) cannot be
    // reopened from the string Node gives; they are reported so the user can rename them, not silently dropped.
    if (lossyNames) {
      const bad = await invalidNames(dir).catch(() => null);
      if (bad && bad.raw.length > 0) {
        const drop = (list: string[]) => {
          const seen = new Set<string>();
          return list.filter((full) => {
            const name = path.basename(full);
            if (!bad.lossy.has(name)) return true;
            // A valid name that happens to decode to the same string is kept, once.
            if (bad.valid.has(name) && !seen.has(name)) return seen.add(name), true;
            return false;
          });
        };
        files.splice(0, files.length, ...drop(files));
        subdirs.splice(0, subdirs.length, ...drop(subdirs));
        links.splice(0, links.length, ...drop(links));
        for (const { name, bytes } of bad.raw) {
          const raw = Buffer.concat([Buffer.from(dir + path.sep), bytes]);
          const st = await lstat(raw).catch(() => null);
          if (!st) continue;
          const where = path.join(dir, name);
          const advice = `its name is not valid UTF-8 text (bytes: ${hex(bytes)}), so Soutu cannot open it by name. Rename it to index it.`;
          if (st.isDirectory()) {
            if (!isSystemDirName(name)) problem({ path: where, kind: 'unreadable', message: `Skipped this folder and everything in it: ${advice}` });
          } else if (st.isFile()) {
            const ext = extOf(name);
            const isImage = opts.imageExtensions.has(ext) || (!NOT_IMAGES.has(ext) && !!opts.sniff && st.size >= 12 && !!(await readHead(raw).then((h) => h && opts.sniff!(h))));
            if (isImage) problem({ path: where, kind: 'unreadable', message: `Skipped this photo: ${advice}` });
          }
        }
      }
    }

    for (const full of links) {
      try {
        // Photos are served only from inside their root (the media routes resolve links and check containment),
        // so a link that leads out of the root would be a photo nobody can open: report it instead.
        const target = await realpath(full);
        if (!isInside(target, realRoot)) {
          problem({ path: full, kind: 'unreadable', message: `Skipped: this link points outside the folder (to ${target}). Add that folder itself to index it.`, details: { target } });
          continue;
        }
        const st = await stat(full);
        if (st.isDirectory()) {
          if (!isSystemDirName(path.basename(full))) subdirs.push(full);
        } else if (st.isFile()) files.push(full);
        else if (opts.imageExtensions.has(extOf(path.basename(full))) || opts.videoExtensions?.has(extOf(path.basename(full)))) notAFile(full, st);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ELOOP') problem({ path: full, kind: 'symlink-loop', message: 'Skipped: a symbolic link that points to itself.' });
        // A dangling link is not a photo and not worth a report.
      }
    }

    // Depth-first in name order, so progress and results are stable between runs.
    subdirs.sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
    for (const s of subdirs) stack.push(s);
    files.sort();

    let folderDenied = false;
    for (let i = 0; i < files.length && !folderDenied; i += STAT_GROUP) {
      if (opts.signal?.aborted) return;
      const group = files.slice(i, i + STAT_GROUP);
      const results = await Promise.all(
        group.map(async (file) => {
          const name = path.basename(file);
          const ext = extOf(name);
          let kind: ScannedFile['kind'] | null = opts.imageExtensions.has(ext) ? 'photo' : opts.videoExtensions?.has(ext) ? 'video' : null;
          if (!kind && (NOT_IMAGES.has(ext) || (!opts.sniff && !opts.sniffVideo))) return null;
          try {
            const st = await stat(file);
            if (!st.isFile()) return null;
            if (!kind) {
              if (st.size < 12) return null;
              const head = await readHead(file);
              if (!head) return null;
              kind = opts.sniff?.(head) ? 'photo' : opts.sniffVideo?.(head) ? 'video' : null;
              if (!kind) return null;
            }
            return { path: file, root: absRoot, size: st.size, mtime: Math.floor(st.mtimeMs), kind } satisfies ScannedFile;
          } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            if (code === 'ENOENT') return null; // deleted since the listing: nothing to report
            if (code === 'EACCES' || code === 'EPERM') {
              // A folder that can be listed but not entered (r without x): one report for the folder, not one per file.
              folderDenied = true;
              return null;
            }
            problem({ path: file, kind: 'unreadable', message: describeFsError(err, 'file'), ...fsDetails(err) });
            return null;
          }
        }),
      );
      for (const r of results) if (r) yield r;
    }
    if (folderDenied) problem({ path: dir, kind: 'unreadable', message: 'Cannot open the files in this folder: permission denied.', details: { errno: 'EACCES' } });
  }
}
