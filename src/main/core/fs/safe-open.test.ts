import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/temp';
import { NotAFileError, openRegularFile, TimeoutError, withDeadline } from './safe-open';

describe.runIf(process.platform !== 'win32')('openRegularFile', () => {
  let cleanup: (() => Promise<void>) | null = null;
  afterEach(async () => {
    await cleanup?.();
    cleanup = null;
  });

  it('opens regular files and refuses a FIFO (without a writer, at once), a socket, a device and a folder', async () => {
    const t = await tempDir('soutu-safe-open-');
    cleanup = t.cleanup;
    const file = path.join(t.dir, 'a.jpg');
    await writeFile(file, 'hello');
    const ok = await openRegularFile(file);
    expect(ok.size).toBe(5);
    await ok.handle.close();

    const fifo = path.join(t.dir, 'pipe.jpg');
    execFileSync('mkfifo', [fifo]);
    const t0 = Date.now();
    const err = await openRegularFile(fifo).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotAFileError);
    expect((err as NotAFileError).kind).toBe('fifo');
    expect(Date.now() - t0).toBeLessThan(5000);

    const sock = path.join(t.dir, 'sock.jpg');
    const server = net.createServer().listen(sock);
    await new Promise((r) => server.once('listening', r));
    // A socket cannot be opened at all (ENXIO) or is refused as a socket: either way it is never read.
    const s = await openRegularFile(sock).catch((e: unknown) => e);
    expect(s instanceof NotAFileError ? s.kind : (s as NodeJS.ErrnoException).code).toMatch(/socket|ENXIO/);
    server.close();

    expect(((await openRegularFile('/dev/zero').catch((e: unknown) => e)) as NotAFileError).kind).toBe('device');
    await mkdir(path.join(t.dir, 'dir.jpg'));
    expect(((await openRegularFile(path.join(t.dir, 'dir.jpg')).catch((e: unknown) => e)) as NotAFileError).kind).toBe('directory');
  });
});

describe('withDeadline', () => {
  it('abandons work that does not finish in time, and passes through work that does', async () => {
    await expect(withDeadline(new Promise(() => {}), 50, 'Reading x')).rejects.toBeInstanceOf(TimeoutError);
    await expect(withDeadline(Promise.resolve(7), 1000, 'Reading x')).resolves.toBe(7);
    const ac = new AbortController();
    const p = withDeadline(new Promise(() => {}), 10_000, 'Reading x', ac.signal);
    ac.abort(new Error('cancelled'));
    await expect(p).rejects.toThrow('cancelled');
  });
});
