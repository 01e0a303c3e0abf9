// Where the bundled ffmpeg and ffprobe executables are: the per-platform packages of @ffmpeg-installer and
// @ffprobe-installer, which carry the binaries in their registry tarballs. Swapping the provider is this file only.
//
// Chosen over the alternatives (measured, see the video report): ffmpeg-static and @derhuerst/ffprobe-static download
// at install time (fails offline and in locked-down CI); ffprobe-static and ffmpeg-static-electron put every
// platform's binary in one tarball (350 MB unpacked) and ship ffmpeg 3.1/ffprobe 4.0. The installer packages pull in
// only the host platform's binary. Never the system's ffmpeg: the product must run the build it was tested with.
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface FfmpegBinaries {
  ffmpeg: string;
  ffprobe: string;
  /** Which packages they came from, for logs and the about box. */
  ffmpegPackage: string;
  ffprobePackage: string;
}

/** Rewrites a path inside `app.asar` to the same path inside `app.asar.unpacked` (executables cannot run from an asar). */
export function unpackedAsarPath(p: string): string {
  return p.replace(/([\\/])app\.asar(?=[\\/]|$)/, '$1app.asar.unpacked');
}

export class FfmpegUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FfmpegUnavailableError';
  }
}

type Resolve = (id: string) => string;

/**
 * Finds one executable in its platform package. Resolving the package's package.json (not the wrapper's index.js,
 * which reads __dirname) keeps this working when the main process is bundled.
 */
export function locateBinary(
  family: 'ffmpeg' | 'ffprobe',
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
  resolve: Resolve = createRequire(import.meta.url).resolve,
): { path: string; pkg: string } {
  const pkg = `@${family}-installer/${platform}-${arch}`;
  let dir: string;
  try {
    dir = path.dirname(resolve(`${pkg}/package.json`));
  } catch (e) {
    throw new FfmpegUnavailableError(`Video support is not installed for this platform (${platform}-${arch}): the package ${pkg} is missing. ${String((e as Error)?.message ?? e).split('\n')[0]}`);
  }
  const file = unpackedAsarPath(path.join(dir, platform === 'win32' ? `${family}.exe` : family));
  try {
    accessSync(file, platform === 'win32' ? constants.R_OK : constants.X_OK);
  } catch (e) {
    throw new FfmpegUnavailableError(`The bundled ${family} at ${file} cannot be run (${(e as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  return { path: file, pkg };
}

let cached: FfmpegBinaries | null = null;

/** The bundled binaries; throws FfmpegUnavailableError when this platform has none or they cannot run. */
export function ffmpegBinaries(): FfmpegBinaries {
  if (!cached) {
    const ffmpeg = locateBinary('ffmpeg');
    const ffprobe = locateBinary('ffprobe');
    cached = { ffmpeg: ffmpeg.path, ffprobe: ffprobe.path, ffmpegPackage: ffmpeg.pkg, ffprobePackage: ffprobe.pkg };
  }
  return cached;
}
