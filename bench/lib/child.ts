// Bench tasks run in child processes: each has its own memory peak, thread pools and cold caches. A task file
// calls taskMain(fn); the parent calls runTask(file, args) and gets the object fn returned.
// Tasks run as plain Node on an esbuild bundle, the form the CLI ships in (packages external, as in
// scripts/build-cli.mjs): under a TypeScript loader the process holds ~150 MB more (the loader's own compiler and
// source maps), which would be measured as the product's memory.
import { spawn } from 'node:child_process';
import { build } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROCESS_ENV, V8_FLAGS } from '../../src/shared/process-flags.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const BENCH_DIR = path.resolve(here, '..');

export function taskMain<A, R extends object>(fn: (args: A) => Promise<R>): void {
  const [argJson, outFile] = process.argv.slice(2);
  fn(JSON.parse(argJson) as A)
    .then(async (result) => {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(outFile, JSON.stringify(result));
      process.exit(0);
    })
    .catch((err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(1);
    });
}

export interface RunOptions {
  nodeArgs?: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
  log?: (s: string) => void;
}

const built = new Map<string, Promise<string>>();

/** Bundles bench/tasks/<name>.ts once per bench run into .cache/bench/tasks/<name>.mjs. */
function bundledTask(name: string): Promise<string> {
  let p = built.get(name);
  if (!p) {
    const outfile = path.resolve(BENCH_DIR, '..', '.cache', 'bench', 'tasks', `${name}.mjs`);
    p = build({
      entryPoints: [path.join(BENCH_DIR, 'tasks', `${name}.ts`)],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'warning',
    }).then(() => outfile);
    built.set(name, p);
  }
  return p;
}

/** Runs bench/tasks/<name>.ts, bundled, in a fresh Node process and returns its result. */
export async function runTask<R>(name: string, args: unknown, opts: RunOptions = {}): Promise<R> {
  const out = path.join(os.tmpdir(), `soutu-bench-${process.pid}-${name}-${Date.now()}.json`);
  const file = await bundledTask(name);
  // With the V8 flags and environment the product's own processes run with (src/shared/process-flags.ts).
  const child = spawn(process.execPath, [...V8_FLAGS, ...(opts.nodeArgs ?? []), file, JSON.stringify(args), out], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...PROCESS_ENV, ...process.env, ...opts.env },
  });
  const lines: string[] = [];
  const collect = (buf: Buffer) => {
    for (const l of buf.toString().split('\n')) {
      if (!l.trim() || /Unknown project config/.test(l)) continue;
      lines.push(l);
      opts.log?.(`  [${name}] ${l}`);
    }
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : null;
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (timer) clearTimeout(timer);
  if (code !== 0) throw new Error(`bench task ${name} failed (exit ${code}): ${lines.slice(-8).join('\n')}`);
  const result = JSON.parse(await readFile(out, 'utf8')) as R;
  await rm(out, { force: true });
  return result;
}
