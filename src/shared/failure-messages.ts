// Why a file or a folder was left out of the index, in the reader's language: a short label and one sentence
// per failure code (photos: core/decode/errors.ts; videos: core/video/video-errors.ts) and per scan-problem
// kind (ScanProblem), built from the code and, where the engine sends them, its details (format, size…).
// Pure TypeScript, no Svelte or DOM: the UI and the CLI print the same sentences.
import type { FailureDetails } from './types.js';

export type { FailureDetails };

export type FailureLang = 'en' | 'zh-CN';

/** Every code a file's failure may carry (photo decoding and video reading share most of them). */
export const FILE_FAILURE_CODES = [
  'unreadable',
  'empty',
  'not-image',
  'not-video',
  'unsupported',
  'truncated',
  'corrupt',
  'too-large',
  'timeout',
  'not-a-file',
  'unavailable',
] as const;
export type FileFailureCode = (typeof FILE_FAILURE_CODES)[number];

/** Every kind of problem the folder scan reports (ScanProblem['kind']). */
export const SCAN_PROBLEM_KINDS = ['unreadable', 'symlink-loop', 'not-found', 'not-a-file'] as const;
export type ScanProblemKind = (typeof SCAN_PROBLEM_KINDS)[number];

type Pair = Record<FailureLang, string>;
type Sentence = (d: FailureDetails, lang: FailureLang) => string;

const FORMAT_NAMES: Record<string, string> = {
  jpeg: 'JPEG', jpg: 'JPEG', png: 'PNG', gif: 'GIF', webp: 'WebP', avif: 'AVIF', heif: 'HEIF', heic: 'HEIC', tiff: 'TIFF',
  bmp: 'BMP', jp2: 'JPEG 2000', jp2k: 'JPEG 2000', svg: 'SVG', pdf: 'PDF',
  mp4: 'MP4', m4v: 'MP4', mov: 'QuickTime', '3gp': '3GP', webm: 'WebM', mkv: 'Matroska', avi: 'AVI',
};

function formatName(format: string | undefined): string {
  if (!format) return '';
  return FORMAT_NAMES[format.toLowerCase()] ?? format.toUpperCase();
}

function isVideo(d: FailureDetails): boolean {
  return d.media === 'video';
}

function num(n: number, lang: FailureLang, digits = 0): string {
  return new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(n);
}

/** "24 megapixels" / "2,400 万像素"; "1.2 gigapixels" / "12 亿像素". */
function pixelCount(pixels: number, lang: FailureLang): string {
  if (lang === 'zh-CN') return pixels >= 1e8 ? `${num(pixels / 1e8, lang, 1)} 亿像素` : `${num(Math.round(pixels / 1e4), lang)} 万像素`;
  return pixels >= 1e9 ? `${num(pixels / 1e9, lang, 1)} gigapixels` : `${num(Math.round(pixels / 1e6), lang)} megapixels`;
}

function duration(ms: number, lang: FailureLang): string {
  const s = ms >= 1000;
  const v = s ? num(ms / 1000, lang, 1) : num(ms, lang);
  return lang === 'zh-CN' ? `${v} ${s ? '秒' : '毫秒'}` : `${v} ${s ? 's' : 'ms'}`;
}

function pick(lang: FailureLang, en: string, zh: string): string {
  return lang === 'zh-CN' ? zh : en;
}

const LABELS: Record<FileFailureCode, (d: FailureDetails) => Pair> = {
  unreadable: () => ({ en: 'Cannot be opened', 'zh-CN': '无法打开' }),
  empty: () => ({ en: 'Empty file', 'zh-CN': '空文件' }),
  'not-image': () => ({ en: 'Not an image', 'zh-CN': '不是图片' }),
  'not-video': () => ({ en: 'Not a video', 'zh-CN': '不是视频' }),
  unsupported: () => ({ en: 'Format not supported', 'zh-CN': '不支持的格式' }),
  truncated: () => ({ en: 'Incomplete file', 'zh-CN': '文件不完整' }),
  corrupt: (d) => (isVideo(d) ? { en: 'Damaged video', 'zh-CN': '视频已损坏' } : { en: 'Damaged image', 'zh-CN': '图片已损坏' }),
  'too-large': (d) => (isVideo(d) ? { en: 'Too large', 'zh-CN': '视频过大' } : { en: 'Too large', 'zh-CN': '图片过大' }),
  timeout: () => ({ en: 'Took too long', 'zh-CN': '耗时过长' }),
  'not-a-file': () => ({ en: 'Not a regular file', 'zh-CN': '不是普通文件' }),
  unavailable: () => ({ en: 'Video tools missing', 'zh-CN': '缺少视频组件' }),
};

const SENTENCES: Record<FileFailureCode, Sentence> = {
  unreadable: (d, l) => {
    switch (d.errno) {
      case 'ENOENT':
        return pick(l, 'The file no longer exists.', '文件已不存在。');
      case 'EACCES':
      case 'EPERM':
        return pick(l, 'The file cannot be read: permission denied.', '无法读取此文件：没有读取权限。');
      case 'EISDIR':
        return pick(l, 'This is a folder, not a file.', '这是一个文件夹，不是文件。');
      case 'EBUSY':
      case 'ETXTBSY':
        return pick(l, 'The file is in use by another program and cannot be read.', '文件正被其他程序占用，无法读取。');
      case 'EIO':
        return pick(l, 'The file cannot be read: the disk reported an input/output error.', '无法读取此文件：磁盘报告了读写错误。');
      default:
        return pick(l, 'Soutu could not open or read it. Check that it still exists and that you may read it.', '搜图无法打开或读取它。请确认文件仍然存在，并且你有读取权限。');
    }
  },
  empty: (_d, l) => pick(l, 'The file is empty (0 bytes): there is nothing in it to show.', '文件是空的（0 字节），里面没有可显示的内容。'),
  'not-image': (_d, l) => pick(l, 'Whatever its name says, its content is not a picture format Soutu recognises.', '无论文件名是什么，它的内容都不是搜图能识别的图片格式。'),
  'not-video': (_d, l) => pick(l, 'Whatever its name says, its content is not a video format Soutu recognises.', '无论文件名是什么，它的内容都不是搜图能识别的视频格式。'),
  unsupported: (d, l) => {
    const f = formatName(d.format);
    if (isVideo(d)) return f ? pick(l, `This version of Soutu cannot read this kind of ${f} video.`, `这个版本的搜图无法读取这种 ${f} 视频。`) : pick(l, 'This version of Soutu cannot read this kind of video.', '这个版本的搜图无法读取这种视频。');
    return f ? pick(l, `This version of Soutu cannot decode this kind of ${f} image.`, `这个版本的搜图无法解码这种 ${f} 图片。`) : pick(l, 'This version of Soutu cannot decode this kind of image.', '这个版本的搜图无法解码这种图片。');
  },
  truncated: (d, l) => {
    const f = formatName(d.format);
    const advice = pick(l, ': it was probably not copied or downloaded completely. Copying it again usually helps.', '，可能没有复制或下载完整。重新复制一次通常就能解决。');
    if (isVideo(d)) return (f ? pick(l, `The ${f} file ends before its video data does`, `这个 ${f} 文件的视频数据还没结束，文件就中断了`) : pick(l, 'The file ends before its video data does', '视频数据还没结束，文件就中断了')) + advice;
    return (f ? pick(l, `The ${f} file ends before its picture data does`, `这个 ${f} 文件的图片数据还没结束，文件就中断了`) : pick(l, 'The file ends before its picture data does', '图片数据还没结束，文件就中断了')) + advice;
  },
  corrupt: (d, l) => {
    const f = formatName(d.format);
    const advice = pick(l, ' Try opening it in another program, or replace it with a good copy.', '可以换个程序打开试试，或换成完好的副本。');
    if (f) return pick(l, `Its ${f} data is damaged, so it cannot be decoded.`, `它的 ${f} 数据有误，无法解码。`) + advice;
    return pick(l, 'Its data is damaged, so it cannot be decoded.', '文件数据有误，无法解码。') + advice;
  },
  'too-large': (d, l) => {
    if (d.width && d.height) {
      const dims = `${num(d.width, 'en')}×${num(d.height, 'en')}`;
      const size = pixelCount(d.width * d.height, l);
      if (d.limit) {
        const limit = pixelCount(d.limit, l);
        return pick(l, `Refused: the image declares ${dims} pixels (${size}), more than the ${limit} allowed.`, `已拒绝：图片声明的尺寸为 ${dims} 像素（${size}），超过允许的 ${limit}。`);
      }
      return pick(l, `Refused: the image declares ${dims} pixels (${size}), too many to decode safely.`, `已拒绝：图片声明的尺寸为 ${dims} 像素（${size}），像素过多，无法安全解码。`);
    }
    if (d.bytes) {
      const mb = num(Math.round(d.bytes / 2 ** 20), l);
      return pick(l, `Gave up: reading the video needed more than the ${mb} MB of memory allowed.`, `已放弃：读取视频所需的内存超过允许的 ${mb} MB。`);
    }
    return isVideo(d)
      ? pick(l, 'Refused: reading it would take more memory than Soutu allows itself.', '已拒绝：读取它需要的内存超过了搜图允许的上限。')
      : pick(l, 'Refused: it has more pixels than Soutu decodes safely (a very large or deliberately malformed picture).', '已拒绝：它的像素数超过了搜图能安全解码的上限（图片极大，或是被刻意构造的）。');
  },
  timeout: (d, l) =>
    d.ms
      ? pick(l, `Gave up: reading the file took longer than ${duration(d.ms, l)} and was stopped.`, `已放弃：读取文件超过 ${duration(d.ms, l)} 仍未完成，已中止。`)
      : pick(l, 'Gave up: reading the file took too long and was stopped.', '已放弃：读取文件耗时过长，已中止。'),
  'not-a-file': (d, l) => notAFile(d, l),
  unavailable: (_d, l) =>
    pick(l, 'Videos cannot be read on this computer: the bundled video tools (ffmpeg) do not run here.', '这台电脑上无法读取视频：内置的视频工具（ffmpeg）无法运行。'),
};

/** "It is a named pipe, not a photo file": what stands where a photo was expected (never opened). */
function notAFile(d: FailureDetails, l: FailureLang): string {
  const what: Record<NonNullable<FailureDetails['fileKind']>, Pair> = {
    directory: { en: 'a folder', 'zh-CN': '文件夹' },
    fifo: { en: 'a named pipe', 'zh-CN': '命名管道' },
    socket: { en: 'a socket', 'zh-CN': '套接字' },
    device: { en: 'a device', 'zh-CN': '设备文件' },
    symlink: { en: 'a link', 'zh-CN': '链接' },
    other: { en: 'a special file', 'zh-CN': '特殊文件' },
  };
  const w = d.fileKind ? what[d.fileKind] : null;
  const file = isVideo(d) ? { en: 'a video file', 'zh-CN': '视频文件' } : { en: 'a photo file', 'zh-CN': '照片文件' };
  if (w) return pick(l, `Skipped: it is ${w.en}, not ${file.en}, so it was not opened.`, `已跳过：它是${w['zh-CN']}，不是${file['zh-CN']}，因此没有打开。`);
  return pick(l, `Skipped: it is a special file (a pipe, socket or device), not ${file.en}, so it was not opened.`, `已跳过：它是特殊文件（管道、套接字或设备），不是${file['zh-CN']}，因此没有打开。`);
}

const SCAN_LABELS: Record<ScanProblemKind, Pair> = {
  unreadable: { en: 'Cannot be read', 'zh-CN': '无法读取' },
  'symlink-loop': { en: 'Link loop', 'zh-CN': '链接循环' },
  'not-found': { en: 'Not found', 'zh-CN': '找不到' },
  'not-a-file': { en: 'Not a regular file', 'zh-CN': '不是普通文件' },
};

const SCAN_SENTENCES: Record<ScanProblemKind, Sentence> = {
  unreadable: (d, l) => {
    if (d.target) return pick(l, `Skipped: this link points outside the folder (to ${d.target}). Add that folder itself to index it.`, `已跳过：此链接指向文件夹之外（${d.target}）。如需索引，请直接添加那个文件夹。`);
    if (d.errno === 'EACCES' || d.errno === 'EPERM') return pick(l, 'Skipped: permission denied.', '已跳过：没有读取权限。');
    if (d.errno === 'EIO') return pick(l, 'Skipped: the disk reported an input/output error.', '已跳过：磁盘报告了读写错误。');
    return pick(l, 'Skipped: this folder or file cannot be read.', '已跳过：无法读取此文件夹或文件。');
  },
  'symlink-loop': (d, l) =>
    d.target
      ? pick(l, `Skipped: this leads back to a folder that was already scanned (${d.target}).`, `已跳过：它指回已经扫描过的文件夹（${d.target}）。`)
      : pick(l, 'Skipped: this link leads back to a folder that was already scanned.', '已跳过：此链接指回已经扫描过的文件夹。'),
  'not-found': (_d, l) =>
    pick(l, 'The folder cannot be found: it was moved or renamed, or its drive is not connected.', '找不到此文件夹：它可能已被移动或改名，或者所在的磁盘没有连接。'),
  'not-a-file': (d, l) => notAFile(d, l),
};

function isFileCode(code: string): code is FileFailureCode {
  return (FILE_FAILURE_CODES as readonly string[]).includes(code);
}

function isScanKind(kind: string): kind is ScanProblemKind {
  return (SCAN_PROBLEM_KINDS as readonly string[]).includes(kind);
}

/** The short label for a file's failure code, or null for a code this table does not know. */
export function failureLabel(code: string, lang: FailureLang, details: FailureDetails = {}): string | null {
  return isFileCode(code) ? LABELS[code](details)[lang] : null;
}

/** One sentence saying why the file was left out, in `lang`; a general one for a code this table does not know. */
export function failureMessage(code: string, details: FailureDetails | null | undefined, lang: FailureLang): string {
  if (isFileCode(code)) return SENTENCES[code](details ?? {}, lang);
  return pick(lang, 'The file could not be read.', '无法读取此文件。');
}

export function scanProblemLabel(kind: string, lang: FailureLang): string | null {
  return isScanKind(kind) ? SCAN_LABELS[kind][lang] : null;
}

/** One sentence saying why a folder, file or link was skipped by the scan, in `lang`. */
export function scanProblemMessage(kind: string, details: FailureDetails | null | undefined, lang: FailureLang): string {
  if (isScanKind(kind)) return SCAN_SENTENCES[kind](details ?? {}, lang);
  return pick(lang, 'Skipped: this could not be scanned.', '已跳过：无法扫描。');
}

const FILE_KINDS: ReadonlySet<string> = new Set(['directory', 'fifo', 'socket', 'device', 'symlink', 'other']);

/**
 * The details in `value` that have the right shape, or undefined when none do: for details read back from disk
 * or the wire, which an older or newer Soutu may have written differently.
 */
export function failureDetailsOf(value: unknown): FailureDetails | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const out: FailureDetails = {};
  const text = (x: unknown): x is string => typeof x === 'string' && x.length > 0 && x.length <= 4096;
  const count = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x > 0;
  if (v.media === 'image' || v.media === 'video') out.media = v.media;
  if (text(v.format) && v.format.length <= 32) out.format = v.format;
  if (count(v.width)) out.width = v.width;
  if (count(v.height)) out.height = v.height;
  if (count(v.limit)) out.limit = v.limit;
  if (text(v.errno) && /^E[A-Z0-9]+$/.test(v.errno)) out.errno = v.errno;
  if (count(v.ms)) out.ms = v.ms;
  if (count(v.bytes)) out.bytes = v.bytes;
  if (text(v.target)) out.target = v.target;
  if (typeof v.fileKind === 'string' && FILE_KINDS.has(v.fileKind)) out.fileKind = v.fileKind as FailureDetails['fileKind'];
  return Object.keys(out).length > 0 ? out : undefined;
}
