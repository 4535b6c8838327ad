// The bench's account of a run's failures: counted once each (autocannon counts a timeout as an
// error too), and described by status with the first answer, so a failed run says what failed.
import { describe, expect, it } from 'vitest';
import type { LoadSummary } from '../../test-support/load/run-load';
import { countFailures, describeFailures, failureEvidence, mergeEvidence } from '../bench/measure';

function summaryOf(statusCodes: Record<string, number>, errors = 0, timeouts = 0): LoadSummary {
  const count = (test: (status: number) => boolean) =>
    Object.entries(statusCodes).reduce((sum, [status, n]) => (test(Number(status)) ? sum + n : sum), 0);
  const answer = (status: number) => ({ request: 'POST /webhooks/stripe', status, headers: {}, body: `{"status":${status}}` });
  return {
    durationSeconds: 1,
    totalRequests: count(() => true),
    requestsPerSecond: count(() => true),
    latencyMs: { p50: 1, p99: 2, max: 3 },
    statusClasses: {
      '2xx': count((status) => status >= 200 && status < 300),
      '3xx': count((status) => status >= 300 && status < 400),
      '4xx': count((status) => status >= 400 && status < 500),
      '429': count((status) => status === 429),
      '5xx': count((status) => status >= 500),
    },
    statusCodes,
    byRequest: { 'POST /webhooks/stripe': statusCodes },
    errors,
    timeouts,
    resets: 0,
    firstResponseByStatus: Object.fromEntries(Object.keys(statusCodes).map((status) => [status, answer(Number(status))])),
  };
}

describe('a run’s failures', () => {
  it('counts each answer that is not 2xx and each connection error once, a timeout included', () => {
    expect(countFailures(summaryOf({ 200: 90 }))).toBe(0);
    expect(countFailures(summaryOf({ 200: 90, 502: 2, 400: 1 }))).toBe(3);
    // autocannon: 3 errors, 2 of which were timeouts.
    expect(countFailures(summaryOf({ 200: 90 }, 3, 2))).toBe(3);
  });

  it('keeps the count and first answer of each failed status, summed over runs', () => {
    const first = failureEvidence(summaryOf({ 200: 90, 502: 2 }));
    const second = failureEvidence(summaryOf({ 200: 80, 502: 1, 503: 4 }, 1, 1));
    expect(first).toEqual({ statusCodes: { 502: 2 }, firstAnswers: [expect.objectContaining({ status: 502 })], errors: 0, timeouts: 0 });
    const merged = mergeEvidence([first, second]);
    expect(merged.statusCodes).toEqual({ 502: 3, 503: 4 });
    expect(merged.firstAnswers.map((answer) => answer.status)).toEqual([502, 503]);
    expect(describeFailures(merged)).toEqual([
      '3 × 502 (POST /webhooks/stripe), the first: {"status":502}',
      '4 × 503 (POST /webhooks/stripe), the first: {"status":503}',
      '1 connection errors, 1 of them timeouts',
    ]);
  });
});
