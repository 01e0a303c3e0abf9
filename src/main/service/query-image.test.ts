import { describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/contract.js';
import { decodeBase64, MAX_QUERY_IMAGE_BYTES, ReadBudget } from './query-image.js';

describe('ReadBudget', () => {
  it('answers a read that never ends at its deadline, and counts it until it really ends', async () => {
    const budget = new ReadBudget(2, 20);
    let finishFirst!: () => void;
    const never = () => new Promise<void>(() => {});
    const first = budget.run(() => new Promise<void>((r) => (finishFirst = r)));
    await expect(first).rejects.toMatchObject({ code: 'busy' });
    expect(budget.inFlight).toBe(1);
    await expect(budget.run(never)).rejects.toMatchObject({ code: 'busy' });
    expect(budget.inFlight).toBe(2);
    // Two reads stuck in the OS: the next one is refused at once, leaving the rest of the thread pool free.
    const refused = await budget.run(async () => 'read').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).message).toMatch(/not answering/);
    finishFirst();
    await new Promise((r) => setImmediate(r));
    expect(budget.inFlight).toBe(1);
    await expect(budget.run(async () => 'read')).resolves.toBe('read');
  });
});

describe('decodeBase64', () => {
  it('refuses an image over the bound before decoding it', () => {
    const tooBig = 'A'.repeat(Math.ceil(((MAX_QUERY_IMAGE_BYTES + 1024) * 4) / 3));
    expect(() => decodeBase64(tooBig)).toThrow(/larger than 40 MB/);
    expect(decodeBase64(Buffer.from('hello').toString('base64')).toString()).toBe('hello');
    expect(() => decodeBase64('!!!')).toThrow(/base64/);
  });
});
