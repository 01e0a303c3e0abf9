// What `soutu` exits with: decided by the error's code (SoutuError from the engine, ApiError from the service,
// commander's own usage errors), never by its message. Documented in `soutu --help` (EXIT_CODES_HELP).
import { CommanderError } from 'commander';
import { ApiError } from '../shared/contract.js';
import { SoutuError } from '../main/core/index.js';

export const EXIT = {
  ok: 0,
  /** A bug or an unexpected failure (SOUTU_DEBUG=1 prints the stack). */
  internal: 1,
  /** Bad usage or a bad argument: unknown option, missing --library, a file that is not an image… */
  usage: 2,
  /** What was named does not exist: no such model, photo, album or folder. */
  notFound: 3,
  /** The library is in use by another Soutu process, or an index run is already going. */
  busy: 4,
  /** The model is not downloaded yet (run "soutu models download <id>"). */
  modelMissing: 5,
  /** Reading, writing or downloading failed (disk, permissions, network). */
  io: 6,
  /** Not supported here, e.g. a library written by a newer Soutu. */
  unsupported: 7,
  /** Interrupted twice with Ctrl+C. */
  interrupted: 130,
} as const;

export const EXIT_CODES_HELP = `
Exit codes:
  0    success
  1    internal error (set SOUTU_DEBUG=1 for the stack trace)
  2    bad usage or argument
  3    not found (model, photo, album or folder)
  4    busy: the library is in use by another Soutu process, or indexing is running
  5    the model is not downloaded yet (soutu models download <id>)
  6    I/O error: disk, permissions or network (a failed download)
  7    not supported (e.g. a library written by a newer Soutu)
  130  interrupted (Ctrl+C twice)`;

function isErrno(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException | null;
  return typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code) && typeof e.syscall === 'string';
}

/** The exit status for an error that ended a command. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  const code = err instanceof SoutuError || err instanceof ApiError ? err.code : null;
  switch (code) {
    case 'bad-request':
    case 'forbidden':
      return EXIT.usage;
    case 'not-found':
      return EXIT.notFound;
    case 'locked':
    case 'busy':
      return EXIT.busy;
    case 'model-missing':
      return EXIT.modelMissing;
    case 'io':
      return EXIT.io;
    case 'unsupported':
      return EXIT.unsupported;
    default:
      return isErrno(err) ? EXIT.io : EXIT.internal;
  }
}
