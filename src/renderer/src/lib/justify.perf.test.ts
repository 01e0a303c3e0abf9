// The grid is laid out on every resize and every page of results: 10,000 tiles must lay out well within a frame budget.
import { describe, expect, it } from 'vitest';
import { justify } from './justify';

describe('justify speed', () => {
  it('lays out 10k items in under 200 ms', () => {
    const aspects = Array.from({ length: 10_000 }, (_, i) => [1.5, 0.67, 1, 1.78][i % 4]);
    justify(aspects, 1200, { targetHeight: 200, spacing: 4 }); // warm the JIT
    const t0 = performance.now();
    justify(aspects, 1200, { targetHeight: 200, spacing: 4 });
    expect(performance.now() - t0).toBeLessThan(200);
  });
});
