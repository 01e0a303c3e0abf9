// The native parts an installer for one platform needs (sharp and libvips, LanceDB, ONNX Runtime, ffmpeg and
// ffprobe), and which of them this node_modules lacks: npm installs only the current platform's optional
// packages, so building another OS's installer here would produce one that crashes at import.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** npm package folders (or files) that must exist under node_modules for `platform`/`arch`. */
export function requiredNatives(platform, arch) {
  const libc = platform === 'linux' ? '-gnu' : platform === 'win32' ? '-msvc' : '';
  const out = [
    `@img/sharp-${platform}-${arch}`,
    `@lancedb/lancedb-${platform}-${arch}${libc}`,
    `@ffmpeg-installer/${platform}-${arch}`,
    `@ffprobe-installer/${platform}-${arch}`,
  ];
  // libvips is a separate package except on Windows, where the sharp package carries its DLLs.
  if (platform !== 'win32') out.push(`@img/sharp-libvips-${platform}-${arch}`);
  return out;
}

/** onnxruntime-node ships every platform's binding in one package; check the one this target loads. */
function onnxBindingPresent(nodeModules, platform, arch) {
  const bin = path.join(nodeModules, 'onnxruntime-node', 'bin');
  if (!existsSync(bin)) return false;
  return readdirSync(bin).some((napi) => existsSync(path.join(bin, napi, platform, arch, 'onnxruntime_binding.node')));
}

/** What is missing to package for `platform`/`arch`; empty when nothing is. */
export function missingNatives(nodeModules, platform, arch) {
  const missing = requiredNatives(platform, arch).filter((p) => !existsSync(path.join(nodeModules, p, 'package.json')));
  if (!onnxBindingPresent(nodeModules, platform, arch)) missing.push(`onnxruntime-node (bin/napi-v*/${platform}/${arch})`);
  return missing;
}

const NAMES = { darwin: 'macOS', win32: 'Windows', linux: 'Linux' };

/** The one sentence `dist` prints before refusing to package; null when nothing is missing. */
export function missingNativesSentence(nodeModules, platform, arch) {
  const missing = missingNatives(nodeModules, platform, arch);
  if (missing.length === 0) return null;
  return (
    `Cannot build the ${NAMES[platform] ?? platform} ${arch} installer here: node_modules lacks ${missing.join(', ')}, ` +
    `so the app would crash at import; build each OS's installer on that OS (npm install && npm run dist), as a CI matrix does.`
  );
}
