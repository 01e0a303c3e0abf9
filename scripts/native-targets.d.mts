// Types of scripts/native-targets.mjs (used by the electron-builder config and by scripts/dist.mjs).
export function requiredNatives(platform: string, arch: string): string[];
export function missingNatives(nodeModules: string, platform: string, arch: string): string[];
export function missingNativesSentence(nodeModules: string, platform: string, arch: string): string | null;
