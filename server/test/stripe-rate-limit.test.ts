// Stripe's rate limit (the emulator's limiter, on with test mode's limits and a clock the test
// moves): the app's Stripe client waits and retries a 429, and a webhook whose re-read is still
// refused answers 503, records nothing, and is processed exactly once when Stripe delivers it again;
// a payment start still refused answers 503 with Retry-After.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RATE_LIMIT_PROFILES } from '../../emulator/src/index';
import { RATE_LIMIT_RETRY, START_RETRY_AFTER_SECONDS, rateLimitDelayMs, retryRateLimited } from '../src/payments/stripe-client';
import type { Stripe } from '../src/payments/stripe-client';
import { confirmAsPaymentElement, startTestEmulator } from './helpers/emulator';
import type { Emulator } from './helpers/emulator';
import { httpsRequest } from './helpers/https-request';
import { itemAt } from '../../test-support/catalog';
import { countRows, startPaymentIntent, startTestApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

describe('retrying a 429', () => {
  it('waits twice as long each time, with jitter, and about 3.5 s at most in all by default', () => {
    const options = { retries: 4, initialDelayMs: 500, maxDelayMs: 4_000 };
    const bounds = [0, 1, 2, 3, 6].map((retry) => [rateLimitDelayMs(options, retry, () => 0), rateLimitDelayMs(options, retry, () => 1)]);
    expect(bounds).toEqual([
      [500, 500],
      [500, 1_000],
      [1_000, 2_000],
      [2_000, 4_000],
      [2_000, 4_000],
    ]);
    const worst = Array.from({ length: RATE_LIMIT_RETRY.retries }, (_, retry) => rateLimitDelayMs(RATE_LIMIT_RETRY, retry, () => 1));
    expect(worst.reduce((sum, ms) => sum + ms, 0)).toBe(3_500);
  });

  it('sends the request again while the answer is 429, up to the number of retries, and hands back the last answer', async () => {
    const run = async (statuses: number[], retries: number) => {
      const sent: number[] = [];
      const inner: Stripe.HttpClient = {
        getClientName: () => 'fake',
        makeRequest: () => {
          const status = statuses[sent.length] ?? 200;
          sent.push(status);
          return Promise.resolve({
            getStatusCode: () => status,
            getHeaders: () => ({}),
            getRawResponse: () => undefined,
            toStream: () => undefined,
            toJSON: () => Promise.resolve({}),
          });
        },
      };
      const client = retryRateLimited(inner, { retries, initialDelayMs: 1, maxDelayMs: 2 });
      const response = await client.makeRequest('localhost', '443', '/v1/x', 'GET', {}, '', 'https', 1_000);
      return { status: response.getStatusCode(), sent };
    };
    expect(await run([429, 429, 200], 3)).toEqual({ status: 200, sent: [429, 429, 200] });
    expect(await run([429, 429, 429, 200], 2)).toEqual({ status: 429, sent: [429, 429, 429] });
    expect(await run([500, 200], 3)).toEqual({ status: 500, sent: [500] });
  });
});

describe('webhooks and payment starts under Stripe rate limits', () => {
  let now = Date.now();
  let emulator: Emulator;
  let app: TestApp;
  beforeAll(async () => {
    emulator = await startTestEmulator({ rateLimit: 'test', clock: () => now });
    app = await startTestApp({ stripeApi: emulator, rateLimitRetry: { retries: 3, initialDelayMs: 50, maxDelayMs: 200 } });
  });
  afterAll(async () => {
    await app.close();
    await emulator.close();
  });

  /** An order paid with the Payment Element, and the signed-body of its payment_intent.succeeded event. */
  async function paidIntent() {
    now += 1_000;
    const { clientSecret, paymentIntentId, orderId } = await startPaymentIntent(app);
    expect((await confirmAsPaymentElement(emulator, clientSecret, '4242 4242 4242 4242')).status).toBe(200);
    const event = emulator.state
      .readEvents()
      .find((candidate) => candidate.type === 'payment_intent.succeeded' && candidate.data.object.id === paymentIntentId);
    if (!event) throw new Error(`no payment_intent.succeeded for ${paymentIntentId}`);
    now += 1_000;
    return { orderId, eventId: event.id, body: JSON.stringify(event) };
  }

  /** Spends the second's whole allowance, as a burst of other calls on the account would. */
  async function exhaustAllowance() {
    const before = emulator.rateLimited();
    for (let i = 0; i < RATE_LIMIT_PROFILES.test.globalPerSecond; i += 1)
      await httpsRequest(`${emulator.url}/v1/charges/ch_burst${i}`, { ca: emulator.ca });
    expect(emulator.rateLimited()).toBe(before);
  }

  function deliver(body: string) {
    const header = app.stripe.webhooks.generateTestHeaderString({ payload: body, secret: app.webhookSecret });
    return app.request('/webhooks/stripe', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Stripe-Signature': header },
      body,
    });
  }

  async function paidMoves(orderId: string) {
    return (
      await app.db.db
        .selectFrom('order_transitions')
        .select('event_id')
        .where('order_id', '=', orderId)
        .where('to_status', '=', 'paid')
        .execute()
    ).map((row) => row.event_id);
  }

  it('fulfils an event whose re-read was refused once: the client waited and retried', async () => {
    const { orderId, eventId, body } = await paidIntent();
    await exhaustAllowance();
    const limited = emulator.rateLimited();
    // A second passes as soon as Stripe has refused the re-read (before the client's first retry).
    const clock = setInterval(() => {
      if (emulator.rateLimited() > limited) {
        now += 1_000;
        clearInterval(clock);
      }
    }, 5);
    try {
      const res = await deliver(body);
      expect(res.status).toBe(200);
    } finally {
      clearInterval(clock);
    }
    expect(emulator.rateLimited()).toBeGreaterThan(limited);
    expect((await app.store.findOrder(orderId))?.status).toBe('paid');
    expect(await paidMoves(orderId)).toEqual([eventId]);
  });

  it('answers 503 while the re-read stays refused, records nothing, and fulfils once when Stripe delivers again', async () => {
    const { orderId, eventId, body } = await paidIntent();
    const events = await countRows(app.db, 'processed_events');
    await exhaustAllowance();
    const limited = emulator.rateLimited();
    const refused = await deliver(body);
    expect(refused.status).toBe(503);
    expect(refused.json()).toEqual({ error: { code: 'payment_provider_error', message: expect.stringContaining('later') } });
    // The first read and each of the three retries were refused.
    expect(emulator.rateLimited() - limited).toBe(4);
    expect(await app.store.hasProcessedEvent(eventId)).toBe(false);
    expect(await countRows(app.db, 'processed_events')).toBe(events);
    expect((await app.store.findOrder(orderId))?.status).toBe('pending');

    now += 1_000; // Stripe's next attempt comes later
    expect((await deliver(body)).status).toBe(200);
    expect((await deliver(body)).status).toBe(200);
    expect(await app.store.hasProcessedEvent(eventId)).toBe(true);
    expect((await app.store.findOrder(orderId))?.status).toBe('paid');
    expect(await paidMoves(orderId)).toEqual([eventId]);
  });

  it.each([
    ['/api/payment-intents', {}],
    ['/api/checkout-sessions', { uiMode: 'hosted_page' }],
  ] as const)(
    'answers %s 503 with Retry-After while Stripe still refuses the start, and starts it when Stripe takes calls again',
    async (path, extra) => {
      now += 1_000;
      const items = JSON.stringify({ items: [itemAt(app.catalog, 0)], ...extra });
      const post = () => app.request(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: items });
      await exhaustAllowance();
      const refused = await post();
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe(String(START_RETRY_AFTER_SECONDS));
      expect(refused.json()).toEqual({ error: { code: 'payment_provider_error', message: expect.stringContaining('try again') } });

      now += START_RETRY_AFTER_SECONDS * 1_000;
      const started = await post();
      expect(started.status).toBe(201);
      expect(started.headers['retry-after']).toBeUndefined();
    },
  );
});
