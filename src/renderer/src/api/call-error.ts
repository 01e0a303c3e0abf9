// The error every transport throws for a failed call: the contract's code and a sentence fit to show.
export type CallErrorCode = 'bad-request' | 'not-found' | 'forbidden' | 'unsupported' | 'busy' | 'internal' | 'unauthorized' | 'network';

export class CallError extends Error {
  constructor(
    readonly code: CallErrorCode | string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'CallError';
  }
}
