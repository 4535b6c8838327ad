// The test helper every webhook-driven test waits with: it must fail at its deadline, or an
// event that never arrives would leave the following assertions checking an unchanged state.
import { describe, expect, it } from 'vitest';
import { waitFor } from './helpers/wait';

describe('waitFor', () => {
  it('returns the first value that is done', async () => {
    let reads = 0;
    expect(
      await waitFor(
        () => ++reads,
        (n) => n >= 3,
      ),
    ).toBe(3);
  });

  it('awaits an async read', async () => {
    expect(
      await waitFor(
        () => Promise.resolve('paid'),
        (status) => status === 'paid',
      ),
    ).toBe('paid');
  });

  it('throws at its deadline, naming the last value it read', async () => {
    const started = Date.now();
    await expect(
      waitFor(
        () => Promise.resolve({ status: 'pending' }),
        (row) => row.status === 'paid',
        100,
      ),
    ).rejects.toThrow(/not done after 100 ms.*status: 'pending'/s);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });
});
