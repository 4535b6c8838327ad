// Simulated outages: matching API requests get Stripe's 500 api_error, as many times as asked,
// and nothing else is affected.
import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestSession, startTestEmulator, type TestEmulator } from './helpers';

let t: TestEmulator;
beforeEach(async () => {
  t = await startTestEmulator();
});
afterEach(() => t.close());

describe('faults', () => {
  it("fails matching requests the given number of times with Stripe's api_error, then serves them", async () => {
    const session = await createTestSession(t.stripe);
    const other = await createTestSession(t.stripe);
    t.emulator.faults.fail({ method: 'GET', path: new RegExp(`^/v1/checkout/sessions/${session.id}$`), times: 2 });
    for (let i = 0; i < 2; i++) {
      const error: unknown = await t.stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
      expect(error).toMatchObject({ statusCode: 500, type: 'StripeAPIError' });
    }
    // Another object and another method are served throughout.
    expect((await t.stripe.checkout.sessions.retrieve(other.id)).id).toBe(other.id);
    expect((await t.stripe.checkout.sessions.retrieve(session.id)).id).toBe(session.id);
    expect(t.emulator.faults.injected).toBe(2);
  });

  it('fails every matching request until cleared', async () => {
    t.emulator.faults.fail({ method: 'POST', path: /^\/v1\/checkout\/sessions$/ });
    await expect(createTestSession(t.stripe)).rejects.toMatchObject({ statusCode: 500 });
    await expect(createTestSession(t.stripe)).rejects.toMatchObject({ statusCode: 500 });
    t.emulator.faults.clear();
    expect((await createTestSession(t.stripe)).object).toBe('checkout.session');
  });
});
