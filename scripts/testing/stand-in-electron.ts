// A stand-in for the Electron binary and its download mirror, for the tests of the launch and packaging paths
// on machines that cannot fetch the real one: a shell script that records how it was started, zipped as an
// Electron release, served with its SHASUMS256.txt by a local HTTP server that plays ELECTRON_MIRROR.
import { createHash } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';

/** @electron/fuses looks for this string in the Electron binary; the fuse wire follows it. */
export const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/**
 * The fuses as a stock Electron ships them ('1' on, '0' off), in @electron/fuses' FuseV1Options order: RunAsNode,
 * EnableCookieEncryption, EnableNodeOptionsEnvironmentVariable, EnableNodeCliInspectArguments,
 * EnableEmbeddedAsarIntegrityValidation, OnlyLoadAppFromAsar, LoadBrowserProcessSpecificV8Snapshot,
 * GrantFileProtocolExtraPrivileges.
 */
export const STOCK_FUSES = '10110001';

/** The fuse states after packaging, read back from a (stand-in) binary. */
export function readFuses(binary: Buffer): string | null {
  const at = binary.indexOf(FUSE_SENTINEL);
  if (at < 0) return null;
  const len = binary[at + FUSE_SENTINEL.length + 1];
  return binary.subarray(at + FUSE_SENTINEL.length + 2, at + FUSE_SENTINEL.length + 2 + len).toString('latin1');
}

/**
 * The stand-in executable: writes its working directory, arguments and a few environment variables, one
 * `key=value` per line, to $SOUTU_STANDIN_RECORD, then exits 0. POSIX sh only (the tests run on Linux).
 */
export const STAND_IN_SCRIPT = `#!/bin/sh
# Electron's fuse wire, as @electron/fuses finds it in a real binary: sentinel, wire version 1, 8 fuses.
# ${FUSE_SENTINEL}\x01\x08${STOCK_FUSES}
rec="\${SOUTU_STANDIN_RECORD:-/dev/null}"
{
  echo "cwd=$(pwd)"
  for a in "$@"; do echo "arg=$a"; done
  echo "env.ELECTRON_RENDERER_URL=\${ELECTRON_RENDERER_URL:-}"
  echo "env.NODE_ENV_ELECTRON_VITE=\${NODE_ENV_ELECTRON_VITE:-}"
} > "$rec"
exit 0
`;

export interface ZipEntry {
  name: string;
  data: Buffer | string;
  /** Unix mode, e.g. 0o755 for an executable. */
  mode?: number;
}

/** A zip archive with stored (uncompressed) entries and Unix modes, which is all extract-zip needs. */
export function zipStore(entries: readonly ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const data = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data);
    const name = Buffer.from(e.name);
    const crc = zlib.crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt32LE(0, 10); // time/date
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, so the external attributes carry the mode
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt32LE(0, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(0, 30); // extra, comment lengths
    central.writeUInt32LE(0, 34); // disk, internal attributes
    central.writeUInt32LE(((0o100000 | (e.mode ?? 0o644)) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

/** The release zip of the stand-in, as `electron-v<version>-<platform>-<arch>.zip` is laid out for Linux. */
export function standInZip(version: string): Buffer {
  return zipStore([
    { name: 'electron', data: STAND_IN_SCRIPT, mode: 0o755 },
    { name: 'version', data: version },
    { name: 'LICENSE', data: 'stand-in for tests' },
  ]);
}

/** The stand-in as an unpacked dist folder (electron-builder's `electronDist`). */
export async function writeStandInDist(dir: string, version: string): Promise<string> {
  await mkdir(path.join(dir, 'resources'), { recursive: true });
  await writeFile(path.join(dir, 'electron'), STAND_IN_SCRIPT);
  await chmod(path.join(dir, 'electron'), 0o755);
  await writeFile(path.join(dir, 'version'), version);
  await writeFile(path.join(dir, 'LICENSE'), 'stand-in for tests');
  return dir;
}

export interface Mirror {
  /** Ends with a slash, as ELECTRON_MIRROR expects. */
  url: string;
  /** Paths requested so far. */
  requests: string[];
  close(): Promise<void>;
}

/** Serves the stand-in release at `<url>v<version>/electron-v<version>-<platform>-<arch>.zip` with its checksums. */
export async function startMirror(version: string, platform = process.platform, arch = process.arch): Promise<Mirror> {
  const file = `electron-v${version}-${platform}-${arch}.zip`;
  const zip = standInZip(version);
  const sums = `${createHash('sha256').update(zip).digest('hex')} *${file}\n`;
  const routes = new Map<string, Buffer>([
    [`/v${version}/${file}`, zip],
    [`/v${version}/SHASUMS256.txt`, Buffer.from(sums)],
  ]);
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = routes.get(req.url ?? '');
    if (!body) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
