// Electron smoke test: launches the built desktop app with Playwright's _electron on a throw-away userData
// holding a library indexed with the toy-color model, then checks that it starts, that a search through the
// real UI finds the red photo first, and that the window is locked down (isolation, sandbox, no Node, no
// navigation, no foreign media). Where the Electron binary is absent it FAILS, unless SOUTU_ELECTRON_SMOKE=skip
// says this environment cannot have one; then it prints a SKIPPED line naming that setting.
// Run: npm run test:electron (tsx e2e/electron-smoke.ts). Screenshots go to artifacts/electron/.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronInstall } from '../scripts/electron-app.mjs';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ARTIFACTS = path.join(REPO_ROOT, 'artifacts', 'electron');

function log(line: string): void {
  process.stdout.write(line + '\n');
}

/**
 * The Electron executable: SOUTU_ELECTRON, or the one `npm run app` fetched into node_modules/electron (found
 * as the launcher finds it, without requiring the package, which would start a download).
 */
export function electronExecutable(): { path: string } | { missing: string } {
  if (process.env.SOUTU_ELECTRON) {
    return existsSync(process.env.SOUTU_ELECTRON) ? { path: process.env.SOUTU_ELECTRON } : { missing: `SOUTU_ELECTRON=${process.env.SOUTU_ELECTRON} does not exist` };
  }
  const found = electronInstall(REPO_ROOT);
  return found.installed ? { path: found.exe } : { missing: 'node_modules/electron has no binary (run `npm run app` once to fetch it, or set SOUTU_ELECTRON)' };
}

const results: { name: string; ok: boolean; error?: string }[] = [];

async function step(name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
    results.push({ name, ok: true });
    log(`  ✓ ${name}`);
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n').slice(0, 6).join('\n    ') : String(err);
    results.push({ name, ok: false, error: msg });
    log(`  ✗ ${name}\n    ${msg}`);
  }
}

function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

async function main(): Promise<number> {
  const exe = electronExecutable();
  if ('missing' in exe) {
    // Only an explicit setting may turn a missing binary into a skip; CI that expects Electron fails here.
    if (process.env.SOUTU_ELECTRON_SMOKE === 'skip') {
      log(`SKIPPED (SOUTU_ELECTRON_SMOKE=skip): ${exe.missing}. The real Electron window was NOT tested here.`);
      return 0;
    }
    log(`FAILED: no Electron binary: ${exe.missing}. Set SOUTU_ELECTRON_SMOKE=skip only where Electron cannot be installed.`);
    return 1;
  }
  log(`electron-smoke: running the real Electron binary ${exe.path}`);
  const built = ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html'].every((f) => existsSync(path.join(REPO_ROOT, f)));
  if (!built) {
    log('electron-smoke: building the app (electron-vite build)…');
    const r = spawnSync('npx', ['electron-vite', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
    if (r.status !== 0) {
      log('0 passed, 1 failed (build)');
      return 1;
    }
  }

  // Loaded only now, so that a skip needs none of the engine's native modules.
  const { _electron } = await import('playwright-core');
  const { Library } = await import('../src/main/core/library/library.js');
  const { writeColourImages } = await import('../src/main/core/testing/fixtures.js');
  const { makeTestModel } = await import('../src/main/core/testing/test-models.js');

  await rm(ARTIFACTS, { recursive: true, force: true });
  await mkdir(ARTIFACTS, { recursive: true });
  const home = await mkdtemp(path.join(os.tmpdir(), 'soutu-electron-'));
  const photos = path.join(home, 'photos');
  const libraryDir = path.join(home, 'library');
  log(`electron-smoke: indexing generated photos with the toy-color model in ${home}`);
  const toy = path.join(home, 'models', 'local__toy');
  await makeTestModel('toy-color', toy);
  await writeColourImages(photos, { size: 128 });
  const lib = await Library.open(libraryDir, { model: toy, device: 'cpu' });
  await lib.index({ roots: [photos] });
  await lib.close();

  const args = [path.join(REPO_ROOT, 'out', 'main', 'index.js')];
  // Chromium refuses to start as root without this; the renderer's webPreferences.sandbox is still checked below.
  if (process.getuid?.() === 0) args.unshift('--no-sandbox');
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) args.unshift('--ozone-platform=headless');
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  env.SOUTU_HOME = home;
  delete env.ELECTRON_RUN_AS_NODE;

  const app = await _electron.launch({ executablePath: exe.path, args, env, cwd: REPO_ROOT, timeout: 60_000 });
  const problems: string[] = [];
  try {
    const page = await app.firstWindow({ timeout: 60_000 });
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (/Content.Security.Policy|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`);
    });

    await step('launches and loads the UI from app://', async () => {
      await page.waitForLoadState('domcontentloaded');
      assert(page.url().startsWith('app://soutu/'), `the window shows ${page.url()}`);
      await page.getByRole('searchbox').waitFor();
      await page.screenshot({ path: path.join(ARTIFACTS, '01-launch.png') });
    });

    await step('window webPreferences: contextIsolation, sandbox, no nodeIntegration', async () => {
      // getLastWebPreferences is undocumented but present in Electron's WebContents binding.
      const prefs = await app.evaluate(({ BrowserWindow }) => {
        const wc = BrowserWindow.getAllWindows()[0]?.webContents as unknown as { getLastWebPreferences?: () => Record<string, unknown> } | undefined;
        const p = wc?.getLastWebPreferences?.();
        return p ? (JSON.parse(JSON.stringify(p)) as Record<string, unknown>) : null;
      });
      assert(prefs, 'webContents.getLastWebPreferences() is not available in this Electron; read the preferences another way');
      assert(prefs.contextIsolation === true, `contextIsolation is ${prefs.contextIsolation}`);
      assert(prefs.sandbox === true, `sandbox is ${prefs.sandbox}`);
      assert(prefs.nodeIntegration === false, `nodeIntegration is ${prefs.nodeIntegration}`);
      assert(prefs.webviewTag !== true, 'webviewTag is on');
      assert(prefs.webSecurity !== false, 'webSecurity is off');
    });

    await step('the page has window.soutu and nothing of Node or IPC', async () => {
      const seen = await page.evaluate(() => ({
        require: typeof (globalThis as { require?: unknown }).require,
        process: typeof (globalThis as { process?: unknown }).process,
        transport: window.soutu && (window.soutu as { transport?: string }).transport,
        keys: window.soutu ? Object.keys(window.soutu).sort() : [],
      }));
      assert(seen.require === 'undefined' && seen.process === 'undefined', `Node is visible to the page: ${JSON.stringify(seen)}`);
      assert(seen.transport === 'electron', 'window.soutu is missing');
      assert(!seen.keys.some((k) => /ipc|invoke|send$/i.test(k)), `window.soutu exposes ${seen.keys.join(', ')}`);
    });

    await step('searching 红色 in the UI shows the red photo first, with its thumbnail', async () => {
      await page.getByRole('searchbox').fill('红色');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.querySelector('[data-path]')?.getAttribute('data-path')?.endsWith('red.jpg') === true, undefined, { timeout: 30_000 });
      await page.waitForFunction(() => {
        const img = document.querySelector<HTMLImageElement>('[data-path] img');
        return !!img && img.complete && img.naturalWidth > 0;
      });
      await page.screenshot({ path: path.join(ARTIFACTS, '02-search.png') });
    });

    await step('IPC refuses unknown calls and bad arguments', async () => {
      const r = await page.evaluate(async () => {
        const api = window.soutu as unknown as { call(n: string, a: unknown): Promise<unknown> };
        const out: string[] = [];
        for (const [n, a] of [
          ['shell:exec', {}],
          ['photo:get', { id: '../../etc/passwd' }],
          ['search:text', { text: '' }],
        ] as const) {
          try {
            await api.call(n, a);
            out.push(`${n}: accepted`);
          } catch (e) {
            out.push(`${n}: ${(e as Error).message.slice(0, 40)}`);
          }
        }
        return out;
      });
      assert(r.every((line) => !line.endsWith('accepted')), r.join('; '));
    });

    await step('media protocol: no unknown ids, no paths; navigation and pop-ups denied', async () => {
      const r = await page.evaluate(async () => {
        const status = async (u: string) => {
          try {
            return (await fetch(u)).status;
          } catch {
            return 'blocked';
          }
        };
        return {
          unknown: await status('soutu-media://full/ffffffffffffffff'),
          traversal: await status('soutu-media://full/..%2f..%2f..%2fetc%2fpasswd'),
          file: await status('file:///etc/passwd'),
          popup: window.open('https://example.com/') === null,
        };
      });
      assert(r.unknown === 404, `unknown id gave ${r.unknown}`);
      assert(r.traversal === 400 || r.traversal === 404 || r.traversal === 'blocked', `traversal gave ${r.traversal}`);
      assert(r.file === 'blocked', `file: gave ${r.file}`);
      assert(r.popup, 'window.open was allowed');
      await page.evaluate(() => {
        location.href = 'https://example.com/';
      });
      await page.waitForTimeout(500);
      assert(page.url().startsWith('app://soutu/'), `navigated to ${page.url()}`);
      assert(app.windows().length === 1, `${app.windows().length} windows are open`);
    });

    await step('no CSP violations or page errors', async () => {
      assert(problems.length === 0, problems.slice(0, 5).join('\n'));
    });
  } finally {
    await app.close().catch(() => {});
  }
  await step('the library lock is released on quit', async () => {
    assert(!existsSync(path.join(libraryDir, 'soutu.lock')), 'soutu.lock is still there');
  });
  if (process.env.SOUTU_E2E_KEEP !== '1') await rm(home, { recursive: true, force: true });
  const failed = results.filter((r) => !r.ok).length;
  log(`${results.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`electron-smoke: ${(err as Error).stack ?? String(err)}`);
    log('0 passed, 1 failed');
    process.exit(1);
  },
);
