// Typed engine errors: shells map `code` to their own vocabulary (HTTP status, IPC error code, CLI exit)
// instead of matching message text. The message is always one sentence a person can act on.

export type SoutuErrorCode =
  | 'bad-request'
  | 'not-found'
  | 'model-missing'
  | 'locked'
  | 'busy'
  | 'io'
  | 'unsupported';

export class SoutuError extends Error {
  constructor(
    readonly code: SoutuErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SoutuError';
  }
}

export function errorCode(err: unknown): SoutuErrorCode | null {
  return err instanceof SoutuError ? err.code : null;
}
