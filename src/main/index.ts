// Lifecycle of the desktop app: one instance, paths, then start the library process and create the shell
// (window, protocols, IPC) and wire them; close the library cleanly on quit. Everything else is in ./app.
import { app } from 'electron';
import path from 'node:path';
import { createShell, registerPrivilegedSchemes, shellPaths, startLibraryProcess, type Shell } from './app/shell.js';

// userData is "Soutu" in every build (the package name is lower-case), the same folder the CLI defaults to;
// SOUTU_HOME moves it, as it does for the CLI (tests use this).
app.setName('Soutu');
app.setPath('userData', process.env.SOUTU_HOME ? path.resolve(process.env.SOUTU_HOME) : path.join(app.getPath('appData'), 'Soutu'));
if (process.platform === 'win32') app.setAppUserModelId('app.soutu.desktop');
app.enableSandbox();
registerPrivilegedSchemes();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let shell: Shell | null = null;
  let quitting: 'no' | 'closing' | 'done' = 'no';

  app.on('second-instance', () => void shell?.focus());
  app.on('activate', () => void shell?.focus()); // macOS dock click with no window
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('before-quit', (event) => {
    if (quitting === 'done' || !shell) return;
    event.preventDefault();
    if (quitting === 'closing') return;
    quitting = 'closing';
    // Stop indexing and release the library lock before the process goes away.
    shell
      .close()
      .catch((err: unknown) => process.stderr.write(`[soutu] close: ${(err as Error).message}\n`))
      .finally(() => {
        quitting = 'done';
        app.quit();
      });
  });

  app
    .whenReady()
    .then(async () => {
      const paths = shellPaths();
      let forward: (event: string, payload: unknown) => void = () => {};
      const library = startLibraryProcess(paths, (event, payload) => forward(event, payload));
      shell = await createShell(paths, library);
      forward = shell.forwardEvent;
    })
    .catch((err: unknown) => {
      process.stderr.write(`[soutu] failed to start: ${(err as Error).stack ?? String(err)}\n`);
      app.exit(1);
    });
}
