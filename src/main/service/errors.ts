// One place where errors become the contract's: the engine's SoutuError keeps its meaning (by code, never by
// message text), an ApiError passes as it is, and anything untyped is an internal error: logged with its stack,
// answered with its first line only.
import { ApiError, type ApiErrorCode } from '../../shared/contract.js';
import { SoutuError, type SoutuErrorCode } from '../core/index.js';

const ENGINE_CODES: Record<SoutuErrorCode, ApiErrorCode> = {
  'bad-request': 'bad-request',
  'not-found': 'not-found',
  'model-missing': 'not-found',
  locked: 'busy',
  busy: 'busy',
  io: 'internal',
  unsupported: 'unsupported',
};

/** A message safe to show: its first line, bounded, and never a stack. */
export function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return (msg.split('\n')[0] ?? '').slice(0, 500) || 'Something went wrong.';
}

/**
 * The contract's error for anything thrown. Untyped errors are internal (a 500 over HTTP, never a 400): the full
 * error goes to `log`, the caller sees its first line.
 */
export function toApiError(err: unknown, log?: (line: string) => void, context = 'call'): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof SoutuError) return new ApiError(ENGINE_CODES[err.code] ?? 'internal', err.message);
  log?.(`${context} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return new ApiError('internal', firstLine(err));
}
