// The server keeps the contract in common/api-contract.ts: the order routes take exactly the
// ids its patterns take (the client checks the same patterns before it asks), and every error
// code it answers with is one the contract names.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ERROR_CODES, isCheckoutSessionId, isPaymentIntentId } from '../../common/api-contract';
import { createId } from '../../emulator/src/index';
import { AppError } from '../src/errors';
import { startTestApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.close();
});

// Ids as Stripe (and the emulator, which makes them the same way) writes them, and near misses;
// the last group are ones an earlier client-side pattern let through.
const CANDIDATES = [
  createId('cs_test'),
  `cs_live_${'a1B2'.repeat(10)}`,
  createId('pi'),
  'pi_3MtwBwLkdIwHu7ix28a3tqPa',
  'cs_test_',
  'pi_abc_secret_def',
  'cs_test_abc%2F..',
  'not-an-id',
  'cs_abc',
  'cs_test_abc_def',
  `cs_test_${'a'.repeat(201)}`,
];

async function errorCodeOf(path: string): Promise<{ status: number; code: string | undefined }> {
  const res = await app.request(path);
  return { status: res.status, code: (res.json() as { error?: { code?: string } }).error?.code };
}

describe('the order routes and the contract', () => {
  it('has candidates both patterns accept and refuse', () => {
    expect(CANDIDATES.filter(isCheckoutSessionId).length).toBeGreaterThanOrEqual(2);
    expect(CANDIDATES.filter(isPaymentIntentId).length).toBeGreaterThanOrEqual(2);
    expect(CANDIDATES.filter((id) => !isCheckoutSessionId(id) && !isPaymentIntentId(id)).length).toBeGreaterThanOrEqual(5);
  });

  it.each(CANDIDATES)('looks up %s by Checkout Session only if the contract calls it one', async (id) => {
    expect(await errorCodeOf(`/api/orders/${id}`)).toEqual(
      isCheckoutSessionId(id) ? { status: 404, code: 'order_not_found' } : { status: 400, code: 'invalid_session_id' },
    );
  });

  it.each(CANDIDATES)('looks up %s by PaymentIntent only if the contract calls it one', async (id) => {
    expect(await errorCodeOf(`/api/orders/by-payment-intent/${id}`)).toEqual(
      isPaymentIntentId(id) ? { status: 404, code: 'order_not_found' } : { status: 400, code: 'invalid_payment_intent_id' },
    );
  });

  it('answers only with error codes the contract names', async () => {
    const bad = await errorCodeOf('/api/orders/not-an-id');
    expect(API_ERROR_CODES).toContain(bad.code);
    // The compiler holds every AppError to the contract (npm run typecheck covers this file).
    // @ts-expect-error 'no_such_code' is not an ApiErrorCode
    expect(new AppError(400, 'no_such_code', 'x').code).toBe('no_such_code');
  });
});
