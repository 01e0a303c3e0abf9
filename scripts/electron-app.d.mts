// Types of scripts/electron-app.mjs (plain JS so that it runs, and speaks, on an old Node).
export function nodeTooOld(version: string): string | null;
export function electronInstall(fromDir?: string): { pkgDir: string; version: string; exe: string; installed: boolean };
export function downloadFailureReason(stderr: string): string;
export function ensureElectron(fromDir?: string): Promise<string | null>;
