// Stripe's API rate limits, opt-in: a burst over a mode's limit gets Stripe's 429 `rate_limit`
// error (which stripe-node raises as StripeRateLimitError), traffic under it never does, and
// the limit refills with time. The clock is frozen, so the counts are exact.
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { RATE_LIMIT_PROFILES } from '../src/index';
import { endpointOf } from '../src/api/rate-limit';
import { readCliOptions } from '../src/cli-options';
import { createTestSession, request, startTestEmulator, TEST_KEY, type TestEmulator } from './helpers';

let t: TestEmulator | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

function settle<T>(calls: readonly Promise<T>[]) {
  return Promise.all(
    calls.map((call) =>
      call.then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
    ),
  );
}

describe('rate limits', () => {
  for (const profile of ['test', 'live'] as const) {
    it(`in ${profile} mode, answers a burst over the limit with Stripe's 429 rate_limit error, and nothing under it`, async () => {
      let now = 1_800_000_000_000;
      t = await startTestEmulator({ rateLimit: profile, clock: () => now });
      const limits = RATE_LIMIT_PROFILES[profile];
      const sessions = await settle(
        Array.from({ length: Math.min(limits.globalPerSecond, limits.endpointPerSecond) }, () => createTestSession(t!.stripe)),
      );
      expect(sessions.filter((call) => !call.ok)).toEqual([]);
      now += 1_000; // a second later: the allowance is whole again

      // Over the limit: reads of one endpoint, as many as its allowance and five more.
      const id = sessions[0]?.ok ? sessions[0].value.id : '';
      const burst = await settle(Array.from({ length: limits.endpointPerSecond + 5 }, () => t!.stripe.checkout.sessions.retrieve(id)));
      const refused = burst.flatMap((call) => (call.ok ? [] : [call.error]));
      expect(refused).toHaveLength(5);
      for (const error of refused) {
        expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
        expect(error).toMatchObject({
          statusCode: 429,
          type: 'StripeRateLimitError',
          code: 'rate_limit',
          rawType: 'invalid_request_error',
        });
      }
      expect(t.emulator.rateLimited()).toBe(5);
      now += 1_000;
      expect((await t.stripe.checkout.sessions.retrieve(id)).id).toBe(id);
    });
  }

  it('counts every endpoint against the global limit, and sends the body and headers Stripe sends', async () => {
    let now = 1_800_000_000_000;
    t = await startTestEmulator({ rateLimit: 'test', clock: () => now });
    const { globalPerSecond } = RATE_LIMIT_PROFILES.test;
    const session = await createTestSession(t.stripe);
    // Reads and writes of several endpoints share one allowance.
    const calls = await settle(
      Array.from({ length: globalPerSecond - 1 }, (_, i) =>
        i % 2 === 0
          ? t!.stripe.checkout.sessions.retrieve(session.id).then(() => 'read')
          : t!.stripe.paymentIntents.create({ amount: 100, currency: 'usd' }).then(() => 'write'),
      ),
    );
    expect(calls.filter((call) => !call.ok)).toEqual([]);
    const answer = await request(`${t.emulator.url}/v1/checkout/sessions/${session.id}`, {
      headers: { authorization: `Bearer ${TEST_KEY}` },
    });
    expect(answer.status).toBe(429);
    expect(JSON.parse(answer.body)).toEqual({
      error: {
        type: 'invalid_request_error',
        code: 'rate_limit',
        doc_url: 'https://docs.stripe.com/error-codes/rate-limit',
        message: expect.stringContaining('rate limit'),
      },
    });
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    // Stripe marks only lock timeouts retryable, not rate limits.
    expect(answer.headers['stripe-should-retry']).toBeUndefined();
    now += 1_000;
    expect(
      (await request(`${t.emulator.url}/v1/checkout/sessions/${session.id}`, { headers: { authorization: `Bearer ${TEST_KEY}` } })).status,
    ).toBe(200);
  });

  it('is off by default: a burst far over every limit is served', async () => {
    t = await startTestEmulator({ clock: () => 1_800_000_000_000 });
    const session = await createTestSession(t.stripe);
    const burst = await settle(
      Array.from({ length: RATE_LIMIT_PROFILES.live.globalPerSecond + 20 }, () => t!.stripe.checkout.sessions.retrieve(session.id)),
    );
    expect(burst.filter((call) => !call.ok)).toEqual([]);
    expect(t.emulator.rateLimited()).toBe(0);
  });

  it('names an endpoint by its operation, whatever the object id', () => {
    expect(endpointOf('GET', '/v1/payment_intents/pi_3Abc123')).toBe('GET /v1/payment_intents/{id}');
    expect(endpointOf('POST', '/v1/payment_intents/pi_3Abc123/confirm')).toBe('POST /v1/payment_intents/{id}/confirm');
    expect(endpointOf('GET', '/v1/checkout/sessions/cs_test_a1')).toBe('GET /v1/checkout/sessions/{id}');
    expect(endpointOf('POST', '/v1/payment_intents')).toBe('POST /v1/payment_intents');
  });

  it('is switched on by --rate-limit or EMULATOR_RATE_LIMIT, and refuses another value', () => {
    expect(readCliOptions(['--rate-limit', 'live'], {}).options.rateLimit).toBe('live');
    expect(readCliOptions([], { EMULATOR_RATE_LIMIT: 'test' }).options.rateLimit).toBe('test');
    expect(readCliOptions([], {}).options.rateLimit).toBeUndefined();
    expect(() => readCliOptions(['--rate-limit', 'fast'], {})).toThrow(/EMULATOR_RATE_LIMIT \/ --rate-limit must be 'test' or 'live'/);
  });
});
