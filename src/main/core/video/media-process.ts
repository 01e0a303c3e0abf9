// Runs ffmpeg/ffprobe under a time bound and a memory bound, in their own process group, killed as a group on
// timeout, cancel and shutdown; each live process leaves a pid file so that reapOrphans() can end it after a crash.
//
// Bounds per platform:
// - Linux: `ulimit -v` (address space) set by a /bin/sh wrapper that then execs the binary: a hard limit, allocation
//   fails inside ffmpeg and it exits. The group is killed with kill(-pgid).
// - macOS: the kernel accepts but does not enforce RLIMIT_AS, so the resident size is polled with ps(1) each second
//   and the group is killed above the bound.
// - Windows: no process groups and no rlimits; the time bound and cancel hold (taskkill /T /F kills the tree), the
//   memory bound does not (it would need a Job Object from a native addon).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';

export type KillReason = 'timeout' | 'stalled' | 'memory' | 'cancel' | 'shutdown' | 'done';

/** Default address-space bound of one process: room for 4K HEVC frame threads, far below the machine. */
export const DEFAULT_MEMORY_BYTES = 2 * 2 ** 30;
const STDERR_KEEP = 16 * 1024;
const POLL_MS = 200;
const RSS_POLL_MS = 1000;

export interface MediaLimits {
  /** Wall-clock bound while the process is working (time the caller holds it back does not count). */
  timeoutMs: number;
  /** Killed when it has printed nothing for this long (a hang); default: no stall bound. */
  stallMs?: number;
  /** Memory bound; default DEFAULT_MEMORY_BYTES. */
  memoryBytes?: number;
  signal?: AbortSignal;
  /** Folder for pid files (reapOrphans reads it at the next start); none: no pid file. */
  runDir?: string;
}

export interface MediaOptions extends MediaLimits {
  /** Each stderr line; return true to keep it out of the stored stderr tail (lines the caller consumed). */
  onStderrLine?: (line: string) => boolean | void;
}

export interface MediaExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why we killed it, when we did. */
  killedFor: KillReason | null;
  /** The last lines it printed on stderr (the ones not consumed by onStderrLine). */
  stderr: string;
  wallMs: number;
  /** The process could not be started at all. */
  spawnError?: Error;
}

export interface MediaProcess {
  readonly pid: number;
  readonly stdout: Readable;
  /** Resolves when the process has gone and its streams are closed; never rejects. */
  readonly exited: Promise<MediaExit>;
  kill(reason: KillReason): void;
  /** The caller stops reading (e.g. hands a frame to a slow consumer): the bounds stop counting until release(). */
  hold(): void;
  release(): void;
}

interface PidRecord {
  pid: number;
  bin: string;
  owner: number;
  startedAt: number;
  /** Linux: start time in clock ticks from /proc/<pid>/stat, which tells a reused pid apart. */
  startTicks?: number;
  ownerStartTicks?: number;
}

const live = new Set<{ kill(reason: KillReason): void }>();
let exitHookInstalled = false;

/** Kills every ffmpeg/ffprobe this process started and that still runs (call on shutdown). */
export function killAllMediaProcesses(): void {
  for (const p of [...live]) p.kill('shutdown');
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: process.kill is.
  process.once('exit', killAllMediaProcesses);
}

export function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

function killGroup(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined) return;
  if (process.platform === 'win32') {
    execFile('taskkill', ['/pid', String(pid), '/T', '/F'], { windowsHide: true }, () => undefined);
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
    return;
  }
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
}

function procStat(pid: number): { pgrp: number; startTicks: number } | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // Fields after "pid (comm)": state ppid pgrp session ... starttime is field 22 overall.
    return { pgrp: Number(rest[2]), startTicks: Number(rest[19]) };
  } catch {
    return null;
  }
}

function pidFile(runDir: string, pid: number): string {
  return path.join(runDir, `media-${pid}.json`);
}

/** Starts `bin args` under the bounds. Throws the signal's reason if it is already aborted. */
export function startMedia(bin: string, args: string[], opts: MediaOptions): MediaProcess {
  if (opts.signal?.aborted) throw abortError(opts.signal);
  const memoryBytes = opts.memoryBytes ?? DEFAULT_MEMORY_BYTES;
  const env = { ...process.env, AV_LOG_FORCE_NOCOLOR: '1' };
  let child: ChildProcess;
  if (process.platform === 'win32') {
    child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true, env });
  } else {
    // $0 is the binary, "$@" its arguments: nothing is parsed by the shell. A failing ulimit (a platform that
    // refuses it) must not stop the run, hence no `&&`.
    const kib = Math.max(65536, Math.floor(memoryBytes / 1024));
    const script = process.platform === 'linux' ? `ulimit -v ${kib} 2>/dev/null; exec "$0" "$@"` : 'exec "$0" "$@"';
    child = spawn('/bin/sh', ['-c', script, bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env });
  }
  const started = performance.now();
  const pid = child.pid ?? -1;

  let record: string | null = null;
  if (opts.runDir && pid > 0) {
    const rec: PidRecord = { pid, bin, owner: process.pid, startedAt: Date.now() };
    if (process.platform === 'linux') {
      rec.startTicks = procStat(pid)?.startTicks;
      rec.ownerStartTicks = procStat(process.pid)?.startTicks;
    }
    try {
      record = pidFile(opts.runDir, pid);
      writeFileSync(record, JSON.stringify(rec));
    } catch {
      record = null; // a missing run dir only costs the crash cleanup, not the work
    }
  }

  let killedFor: KillReason | null = null;
  let heldSince: number | null = null;
  let deadline = started + opts.timeoutMs;
  let lastActivity = started;
  let lastRssCheck = started;
  let stderrTail = '';
  let partial = '';
  const onLine = (line: string) => {
    if (opts.onStderrLine?.(line) === true) return;
    stderrTail += `${line}\n`;
    if (stderrTail.length > STDERR_KEEP * 2) stderrTail = stderrTail.slice(-STDERR_KEEP);
  };
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (s: string) => {
    lastActivity = performance.now();
    const lines = (partial + s).split(/\r?\n|\r/);
    partial = lines.pop() ?? '';
    for (const l of lines) if (l) onLine(l);
  });
  child.stdout?.on('data', () => {
    lastActivity = performance.now();
  });

  const handle = {
    kill(reason: KillReason) {
      if (killedFor === null) killedFor = reason;
      killGroup(child);
    },
  };
  live.add(handle);
  installExitHook();

  const onAbort = () => handle.kill('cancel');
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  const timer = setInterval(() => {
    const now = performance.now();
    if (heldSince !== null) return;
    if (now > deadline) handle.kill('timeout');
    else if (opts.stallMs !== undefined && now - lastActivity > opts.stallMs) handle.kill('stalled');
    else if (process.platform === 'darwin' && now - lastRssCheck >= RSS_POLL_MS) {
      lastRssCheck = now;
      execFile('ps', ['-o', 'rss=', '-p', String(pid)], (err, out) => {
        if (!err && Number(out.trim()) * 1024 > memoryBytes) handle.kill('memory');
      });
    }
  }, POLL_MS);
  timer.unref();

  const exited = new Promise<MediaExit>((resolve) => {
    let spawnError: Error | undefined;
    child.once('error', (e) => {
      spawnError = e;
    });
    child.once('close', (code, signal) => {
      clearInterval(timer);
      live.delete(handle);
      opts.signal?.removeEventListener('abort', onAbort);
      if (partial) onLine(partial);
      if (record) rmSync(record, { force: true });
      if (killedFor === null && code !== 0 && /cannot allocate memory|out of memory/i.test(stderrTail)) {
        killedFor = 'memory';
      }
      resolve({ code, signal, killedFor, stderr: stderrTail.slice(-STDERR_KEEP), wallMs: performance.now() - started, spawnError });
    });
  });

  return {
    pid,
    stdout: child.stdout as Readable,
    exited,
    kill: handle.kill,
    hold() {
      if (heldSince === null) heldSince = performance.now();
    },
    release() {
      if (heldSince === null) return;
      const now = performance.now();
      deadline += now - heldSince;
      lastActivity = now;
      heldSince = null;
    },
  };
}

export interface CollectedRun extends MediaExit {
  stdout: Buffer;
  /** stdout went past maxStdoutBytes and the process was stopped. */
  overflow: boolean;
}

/** Runs to the end and collects stdout (bounded). Throws only for an abort; everything else is in the result. */
export async function runMedia(bin: string, args: string[], opts: MediaOptions & { maxStdoutBytes?: number }): Promise<CollectedRun> {
  const max = opts.maxStdoutBytes ?? 64 * 2 ** 20;
  let proc: MediaProcess;
  try {
    proc = startMedia(bin, args, opts);
  } catch (e) {
    if (opts.signal?.aborted) throw e;
    return { code: null, signal: null, killedFor: null, stderr: '', wallMs: 0, spawnError: e as Error, stdout: Buffer.alloc(0), overflow: false };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let overflow = false;
  proc.stdout?.on('data', (b: Buffer) => {
    if (overflow) return;
    size += b.length;
    if (size > max) {
      overflow = true;
      proc.kill('done');
      return;
    }
    chunks.push(b);
  });
  const exit = await proc.exited;
  if (exit.killedFor === 'cancel' && opts.signal?.aborted) throw abortError(opts.signal);
  return { ...exit, stdout: Buffer.concat(chunks), overflow };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function execText(cmd: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(cmd, args, { windowsHide: true, timeout: 5000 }, (err, out) => resolve(err ? null : String(out)));
  });
}

/** True only when `pid` is still the process the record describes: our binary, started when we started it. */
async function isOurProcess(rec: PidRecord): Promise<boolean> {
  if (process.platform === 'linux') {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${rec.pid}/cmdline`, 'utf8').split('\0');
    } catch {
      return false;
    }
    // Before the wrapper's exec the command line is `/bin/sh -c <script> <bin> ...`, after it `<bin> ...`.
    if (!argv.includes(rec.bin)) return false;
    const st = procStat(rec.pid);
    return !!st && (rec.startTicks === undefined || st.startTicks === rec.startTicks);
  }
  if (process.platform === 'win32') {
    const out = await execText('tasklist', ['/FI', `PID eq ${rec.pid}`, '/FO', 'CSV', '/NH']);
    return !!out && out.toLowerCase().includes(`"${path.basename(rec.bin).toLowerCase()}"`);
  }
  const out = await execText('ps', ['-o', 'command=', '-p', String(rec.pid)]);
  return !!out && out.includes(rec.bin);
}

async function ownerAlive(rec: PidRecord): Promise<boolean> {
  if (rec.owner === process.pid) return false;
  if (!isAlive(rec.owner)) return false;
  if (process.platform === 'linux' && rec.ownerStartTicks !== undefined) return procStat(rec.owner)?.startTicks === rec.ownerStartTicks;
  return true;
}

/**
 * Ends media processes left by an earlier run that died without cleaning up (SIGKILL, crash, power loss), reading
 * the pid files in `runDir`. A process is killed only if it is still our binary (checked against its command line
 * and, on Linux, its start time) and its owner is gone; stale records are removed. Call once at start.
 */
export async function reapOrphans(runDir: string): Promise<{ killed: number[]; removed: number }> {
  await mkdir(runDir, { recursive: true });
  const killed: number[] = [];
  let removed = 0;
  for (const name of readdirSync(runDir)) {
    if (!/^media-\d+\.json$/.test(name)) continue;
    const file = path.join(runDir, name);
    let rec: PidRecord | null;
    try {
      rec = JSON.parse(readFileSync(file, 'utf8')) as PidRecord;
    } catch {
      rec = null; // torn write during a crash: nothing to verify against
    }
    if (rec && Number.isInteger(rec.pid) && rec.pid > 1 && typeof rec.bin === 'string') {
      if (await ownerAlive(rec)) continue; // another live instance still runs it
      if (isAlive(rec.pid) && (await isOurProcess(rec))) {
        if (process.platform === 'win32') {
          await execText('taskkill', ['/pid', String(rec.pid), '/T', '/F']);
        } else {
          const group = process.platform === 'linux' ? procStat(rec.pid)?.pgrp === rec.pid : true;
          try {
            process.kill(group ? -rec.pid : rec.pid, 'SIGKILL');
          } catch {
            try { process.kill(rec.pid, 'SIGKILL'); } catch { /* gone meanwhile */ }
          }
        }
        killed.push(rec.pid);
      }
    }
    rmSync(file, { force: true });
    removed++;
  }
  return { killed, removed };
}
