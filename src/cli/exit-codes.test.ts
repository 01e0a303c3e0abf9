import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../shared/contract.js';
import { SoutuError } from '../main/core/index.js';
import { EXIT, EXIT_CODES_HELP, exitCodeFor } from './exit-codes.js';

describe('exit codes', () => {
  it('follow the error code, never the message', () => {
    expect(exitCodeFor(new SoutuError('bad-request', 'not found anywhere'))).toBe(EXIT.usage);
    expect(exitCodeFor(new SoutuError('not-found', 'bad request'))).toBe(EXIT.notFound);
    expect(exitCodeFor(new SoutuError('locked', 'x'))).toBe(EXIT.busy);
    expect(exitCodeFor(new SoutuError('busy', 'x'))).toBe(EXIT.busy);
    expect(exitCodeFor(new SoutuError('model-missing', 'x'))).toBe(EXIT.modelMissing);
    expect(exitCodeFor(new SoutuError('io', 'x'))).toBe(EXIT.io);
    expect(exitCodeFor(new SoutuError('unsupported', 'x'))).toBe(EXIT.unsupported);
    expect(exitCodeFor(new ApiError('forbidden', 'x'))).toBe(EXIT.usage);
    expect(exitCodeFor(new ApiError('internal', 'x'))).toBe(EXIT.internal);
  });
  it('usage errors are 2, help and version 0, file-system errors 6, anything else 1', () => {
    expect(exitCodeFor(new CommanderError(1, 'commander.missingMandatoryOptionValue', 'x'))).toBe(2);
    expect(exitCodeFor(new CommanderError(0, 'commander.helpDisplayed', 'x'))).toBe(0);
    expect(exitCodeFor(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES', syscall: 'open' }))).toBe(EXIT.io);
    expect(exitCodeFor(Object.assign(new Error('odd'), { code: 'E_SOMETHING' }))).toBe(EXIT.internal);
    expect(exitCodeFor(new TypeError('undefined is not a function'))).toBe(EXIT.internal);
    expect(exitCodeFor('a string')).toBe(EXIT.internal);
  });
  it('are all documented in the help text', () => {
    for (const code of Object.values(EXIT)) expect(EXIT_CODES_HELP).toMatch(new RegExp(`\\n  ${code} +\\S`));
  });
});
