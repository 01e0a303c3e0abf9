import { describe, expect, it } from 'vitest';
import { Channel } from './channel.js';

describe('Channel', () => {
  it('delivers in order and blocks producers at capacity', async () => {
    const ch = new Channel<number>(2);
    let pushed = 0;
    const producer = (async () => {
      for (let i = 0; i < 10; i++) {
        await ch.push(i);
        pushed++;
      }
      ch.close();
    })();
    await new Promise((r) => setTimeout(r, 10));
    expect(pushed).toBeLessThanOrEqual(3);
    const got: number[] = [];
    for await (const x of ch) got.push(x);
    await producer;
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
