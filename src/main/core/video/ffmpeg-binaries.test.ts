import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ffmpegBinaries, FfmpegUnavailableError, locateBinary, unpackedAsarPath } from './ffmpeg-binaries.js';

describe('ffmpeg binaries', () => {
  it('come from the npm packages, never from the system', () => {
    const b = ffmpegBinaries();
    expect(b.ffmpeg).toContain(`${path.sep}node_modules${path.sep}@ffmpeg-installer${path.sep}`);
    expect(b.ffprobe).toContain(`${path.sep}node_modules${path.sep}@ffprobe-installer${path.sep}`);
    expect(b.ffmpeg.startsWith('/usr/')).toBe(false);
  });

  it('rewrite app.asar to app.asar.unpacked, for the packaged app', () => {
    expect(unpackedAsarPath('/opt/Soutu/resources/app.asar/node_modules/@ffmpeg-installer/linux-x64/ffmpeg'))
      .toBe('/opt/Soutu/resources/app.asar.unpacked/node_modules/@ffmpeg-installer/linux-x64/ffmpeg');
    expect(unpackedAsarPath('C:\\Soutu\\resources\\app.asar\\node_modules\\x')).toBe('C:\\Soutu\\resources\\app.asar.unpacked\\node_modules\\x');
    expect(unpackedAsarPath('/home/a/app.asarx/ffmpeg')).toBe('/home/a/app.asarx/ffmpeg');
    const fakeResolve = (id: string) => `/opt/Soutu/resources/app.asar/node_modules/${id}`;
    // The unpacked file does not exist here, so the check that it can run reports it plainly.
    expect(() => locateBinary('ffmpeg', 'linux', 'x64', fakeResolve)).toThrow(/app\.asar\.unpacked.*cannot be run/);
  });

  it('say plainly when the platform has no package', () => {
    const missing = () => {
      throw new Error("Cannot find module '@ffmpeg-installer/sunos-sparc/package.json'");
    };
    expect(() => locateBinary('ffmpeg', 'sunos', 'sparc', missing)).toThrow(FfmpegUnavailableError);
    expect(() => locateBinary('ffmpeg', 'sunos', 'sparc', missing)).toThrow(/not installed for this platform \(sunos-sparc\)/);
  });
});
