import { describe, expect, it } from 'vitest';
import { toApiError } from '../src/lib/api';

describe('toApiError', () => {
  it('passes validation messages through', () => {
    const error = toApiError(400, { error: { code: 'validation_error', message: 'Quantities must be between 1 and 10.' } });
    expect(error).toMatchObject({ status: 400, code: 'validation_error', message: 'Quantities must be between 1 and 10.' });
  });

  it('replaces developer-facing messages with friendly ones', () => {
    expect(toApiError(429, { error: { code: 'rate_limited', message: 'Too many requests from 10.0.0.1' } }).message).toMatch(/wait a few seconds/i);
    expect(toApiError(429, {}).message).toMatch(/wait a few seconds/i);
    expect(toApiError(400, { error: { code: 'unknown_product', message: 'There is no product "x".' } }).message).toMatch(/no longer available/);
  });

  it('never shows a server error or a missing body as-is', () => {
    expect(toApiError(500, { error: { code: 'internal', message: 'TypeError at db.ts:12' } }).message).toMatch(/went wrong on our side/);
    expect(toApiError(502, 'not json').message).toMatch(/went wrong on our side/);
    expect(toApiError(400, null)).toMatchObject({ code: 'unknown_error', message: expect.stringMatching(/went wrong/) });
  });
});
