import { describe, expect, it } from 'vitest';
import { computeBackoffDelays, pollUntil } from '../src/lib/poll';

describe('computeBackoffDelays', () => {
  it('grows by the factor, is capped, and stays within the timeout', () => {
    const delays = computeBackoffDelays({ firstDelayMs: 500, factor: 1.5, maxDelayMs: 4_000, timeoutMs: 45_000 });
    expect(delays.slice(0, 4)).toEqual([500, 750, 1125, 1688]);
    expect(Math.max(...delays)).toBe(4_000);
    expect(delays.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(45_000);
  });
});

describe('pollUntil', () => {
  it('stops at the first settled answer', async () => {
    let calls = 0;
    const result = await pollUntil(async () => (++calls === 3 ? 'paid' : undefined), { firstDelayMs: 1, maxDelayMs: 1, timeoutMs: 100 });
    expect(result).toBe('paid');
    expect(calls).toBe(3);
  });

  it('gives up when the delays run out', async () => {
    let calls = 0;
    const result = await pollUntil(
      async () => {
        calls++;
        return undefined;
      },
      { firstDelayMs: 1, factor: 1, maxDelayMs: 1, timeoutMs: 5 },
    );
    expect(result).toBeUndefined();
    expect(calls).toBe(6);
  });
});
