// The API through the real stripe SDK: create, retrieve with each expansion, parameter
// errors, keys, API version, 404s and idempotency.
import tls from 'node:tls';
import Stripe from 'stripe';
import { ensureDevCertificate } from '../../common/dev-certs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStripeClient, createTestSession, payOnHostedPage, request, startTestEmulator, TEST_KEY, type TestEmulator } from './helpers';

let t: TestEmulator;
beforeAll(async () => {
  t = await startTestEmulator();
});
afterAll(() => t.close());

async function rejection(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('checkout sessions', () => {
  it('creates an open hosted session with the parameters it was given', async () => {
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    const session = await createTestSession(t.stripe, { customer_email: 'buyer@example.com', expires_at: expiresAt });
    expect(session).toMatchObject({
      object: 'checkout.session',
      mode: 'payment',
      ui_mode: 'hosted_page',
      status: 'open',
      payment_status: 'unpaid',
      amount_total: 5000,
      amount_subtotal: 5000,
      currency: 'usd',
      client_reference_id: 'order_123',
      metadata: { order_id: 'order_123' },
      customer_email: 'buyer@example.com',
      expires_at: expiresAt,
      livemode: false,
      payment_intent: null,
      success_url: 'https://localhost:3000/success?session_id={CHECKOUT_SESSION_ID}',
      cancel_url: 'https://localhost:3000/cancel',
    });
    expect(session.id).toMatch(/^cs_test_[A-Za-z0-9]+$/);
    expect(session.url).toBe(`${t.emulator.url}/c/pay/${session.id}`);
    expect(session.lastResponse.headers['stripe-version']).toBe(Stripe.API_VERSION);
  });

  it('retrieves a session, its line items, and each expansion after payment', async () => {
    const session = await createTestSession(t.stripe);
    expect((await t.stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
    await payOnHostedPage(session);

    const plain = await t.stripe.checkout.sessions.retrieve(session.id);
    expect(plain).toMatchObject({ status: 'complete', payment_status: 'paid' });
    expect(plain.payment_intent).toMatch(/^pi_/);

    const withIntent = await t.stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] });
    const intent = withIntent.payment_intent;
    if (typeof intent !== 'object' || intent === null) throw new Error('payment_intent not expanded');
    expect(intent).toMatchObject({ id: plain.payment_intent, status: 'succeeded', amount: 5000, amount_received: 5000, currency: 'usd' });
    expect(intent.latest_charge).toMatch(/^ch_/);
    expect(intent.payment_method).toMatch(/^pm_/);

    const withCharge = await t.stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent.latest_charge'] });
    if (typeof withCharge.payment_intent !== 'object' || withCharge.payment_intent === null) throw new Error('not expanded');
    const charge = withCharge.payment_intent.latest_charge;
    if (typeof charge !== 'object' || charge === null) throw new Error('latest_charge not expanded');
    expect(charge).toMatchObject({ status: 'succeeded', paid: true, amount: 5000, payment_intent: intent.id });
    expect(charge.payment_method_details?.card).toMatchObject({
      brand: 'visa',
      last4: '4242',
      exp_month: 12,
      exp_year: 2034,
      funding: 'credit',
      country: 'US',
    });

    const withMethod = await t.stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent.payment_method'] });
    if (typeof withMethod.payment_intent !== 'object' || withMethod.payment_intent === null) throw new Error('not expanded');
    const method = withMethod.payment_intent.payment_method;
    if (typeof method !== 'object' || method === null) throw new Error('payment_method not expanded');
    expect(method.card).toMatchObject({ brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2034, funding: 'credit', country: 'US' });
    expect(method.billing_details).toMatchObject({ name: 'Ada Lovelace', email: 'buyer@example.com' });

    const lineItems = await t.stripe.checkout.sessions.listLineItems(session.id);
    expect(lineItems.data).toHaveLength(1);
    expect(lineItems.data[0]).toMatchObject({
      object: 'item',
      description: 'Workshop T-shirt',
      quantity: 2,
      amount_total: 5000,
      currency: 'usd',
    });
    expect(lineItems.data[0]?.price).toMatchObject({ unit_amount: 2500, currency: 'usd', type: 'one_time' });

    expect(await t.stripe.paymentIntents.retrieve(intent.id)).toMatchObject({ id: intent.id, status: 'succeeded' });
    const retrievedCharge = await t.stripe.charges.retrieve(charge.id, { expand: ['payment_intent'] });
    expect(retrievedCharge.payment_intent).toMatchObject({ id: intent.id });
  });

  it('expires an open session and refuses to expire it twice', async () => {
    const session = await createTestSession(t.stripe);
    const expired = await t.stripe.checkout.sessions.expire(session.id);
    expect(expired).toMatchObject({ id: session.id, status: 'expired', url: null });
    const again = await rejection(t.stripe.checkout.sessions.expire(session.id));
    expect(again.statusCode).toBe(400);
    expect(again.type).toBe('StripeInvalidRequestError');
  });
});

describe('parameter errors', () => {
  const cases: [string, Record<string, unknown>, string, string][] = [
    ['an unknown parameter', { colour: 'red' }, 'colour', 'Received unknown parameter: colour'],
    [
      'an unknown nested parameter',
      { line_items: [{ price_data: { currency: 'usd', unit_amount: 1, product_data: { name: 'x' }, tax: 1 }, quantity: 1 }] },
      'line_items[0][price_data][tax]',
      'Received unknown parameter',
    ],
    [
      'a missing line item field',
      { line_items: [{ price_data: { unit_amount: 100, product_data: { name: 'x' } }, quantity: 1 }] },
      'line_items[0][price_data][currency]',
      'Missing required param',
    ],
    [
      'a non-integer amount',
      { line_items: [{ price_data: { currency: 'usd', unit_amount: 'ten', product_data: { name: 'x' } }, quantity: 1 }] },
      'line_items[0][price_data][unit_amount]',
      'Invalid integer',
    ],
    [
      'a zero quantity',
      { line_items: [{ price_data: { currency: 'usd', unit_amount: 100, product_data: { name: 'x' } }, quantity: 0 }] },
      'line_items[0][quantity]',
      'greater than or equal to 1',
    ],
    ['a bad success_url', { success_url: 'javascript:alert(1)' }, 'success_url', 'Not a valid URL'],
    ['an unsupported mode', { mode: 'subscription' }, 'mode', 'mode=payment'],
    ['an unsupported ui_mode', { ui_mode: 'elements' }, 'ui_mode', 'hosted_page or embedded_page'],
    ['an embedded session without return_url', { ui_mode: 'embedded_page' }, 'return_url', 'return_url'],
    ['a hosted session with return_url', { return_url: 'https://localhost:3000/return' }, 'return_url', 'embedded_page'],
    ['expires_at too soon', { expires_at: Math.floor(Date.now() / 1000) + 60 }, 'expires_at', '30 minutes'],
    [
      'mixed currencies',
      {
        line_items: [
          { price_data: { currency: 'usd', unit_amount: 100, product_data: { name: 'a' } }, quantity: 1 },
          { price_data: { currency: 'eur', unit_amount: 100, product_data: { name: 'b' } }, quantity: 1 },
        ],
      },
      'line_items[1][price_data][currency]',
      'same currency',
    ],
  ];

  it.each(cases)('answers 400 with param for %s, and creates nothing', async (_name, override, param, message) => {
    const before = (await t.stripe.events.list({ limit: 100 })).data.length;
    const error = await rejection(createTestSession(t.stripe, override));
    expect(error.statusCode).toBe(400);
    expect(error.type).toBe('StripeInvalidRequestError');
    expect(error.param).toBe(param);
    expect(error.message).toContain(message);
    expect((await t.stripe.events.list({ limit: 100 })).data.length).toBe(before);
  });

  it('answers 400 for a missing required parameter', async () => {
    const error = await rejection(t.stripe.checkout.sessions.create({ mode: 'payment', success_url: 'https://localhost:3000/s' }));
    expect(error).toMatchObject({ statusCode: 400, param: 'line_items', code: 'parameter_missing' });
    expect(error.message).toBe('Missing required param: line_items.');
  });

  it('refuses an expansion that does not exist', async () => {
    const session = await createTestSession(t.stripe);
    const error = await rejection(t.stripe.checkout.sessions.retrieve(session.id, { expand: ['customer.invoice'] }));
    expect(error.statusCode).toBe(400);
    expect(error.message).toContain('cannot be expanded');
  });

  it('answers 404 resource_missing for unknown ids', async () => {
    // Thunks, not promises: a promise made before its turn could reject unobserved (an
    // unhandled rejection on a slow machine).
    for (const call of [
      () => t.stripe.checkout.sessions.retrieve('cs_test_nope'),
      () => t.stripe.paymentIntents.retrieve('pi_nope'),
      () => t.stripe.charges.retrieve('ch_nope'),
      () => t.stripe.events.retrieve('evt_nope'),
    ]) {
      const error = await rejection(call());
      expect(error.statusCode).toBe(404);
      expect(error.code).toBe('resource_missing');
    }
  });

  it('answers 404 in Stripe shape for an unknown API path', async () => {
    const res = await request(`${t.emulator.url}/v1/customers`, { headers: { authorization: `Bearer ${TEST_KEY}` } });
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toEqual({
      error: { type: 'invalid_request_error', message: 'Unrecognized request URL (GET: /v1/customers).' },
    });
  });
});

describe('response headers', () => {
  it('marks API answers and pages no-store, with a Request-Id and no ETag (nothing revalidates a no-store answer)', async () => {
    const session = await createTestSession(t.stripe);
    const apiAnswer = await request(`${t.emulator.url}/v1/checkout/sessions/${session.id}`, {
      headers: { authorization: `Bearer ${TEST_KEY}` },
    });
    const dashboard = await request(`${t.emulator.url}/`);
    for (const res of [apiAnswer, dashboard]) {
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers).not.toHaveProperty('etag');
    }
    expect(apiAnswer.headers['request-id']).toMatch(/^req_[A-Za-z0-9]{14}$/);
    expect(dashboard.headers).not.toHaveProperty('request-id');
  });
});

describe('TLS', () => {
  it('serves a certificate from the shared development CA, over TLS 1.2 too', async () => {
    expect(t.emulator.ca).toBe((await ensureDevCertificate()).ca);
    const protocol = await new Promise<string | null>((resolve, reject) => {
      const socket = tls.connect(
        { host: 'localhost', port: t.emulator.port, ca: t.emulator.ca, maxVersion: 'TLSv1.2', servername: 'localhost' },
        () => {
          resolve(socket.getProtocol());
          socket.end();
        },
      );
      socket.on('error', reject);
    });
    expect(protocol).toBe('TLSv1.2');
  });
});

describe('API keys and versions', () => {
  it.each([
    ['a live secret key', 'sk_live_abcdefghijklmnop', 'test-mode keys'],
    ['a publishable key', 'pk_test_abcdefghijklmnop', 'publishable API key'],
    ['a malformed key', 'wrong_abcdefghijklmnopqrstu', 'Invalid API Key provided: wrong_'],
  ])('answers 401 to %s', async (_name, key, message) => {
    const error = await rejection(createTestSession(createStripeClient(t.emulator, key)));
    expect(error.statusCode).toBe(401);
    expect(error.type).toBe('StripeAuthenticationError');
    expect(error.message).toContain(message);
    expect(error.message).not.toContain(key.slice(8, 14));
  });

  it('answers 401 to a missing key, with Stripe error shape', async () => {
    const res = await request(`${t.emulator.url}/v1/events`);
    expect(res.status).toBe(401);
    const body: unknown = JSON.parse(res.body);
    expect(body).toMatchObject({
      error: { type: 'invalid_request_error', message: expect.stringContaining('did not provide an API key') },
    });
  });

  it('accepts Basic auth as curl sends it', async () => {
    const res = await request(`${t.emulator.url}/v1/events?limit=1`, {
      headers: { authorization: `Basic ${Buffer.from(`${TEST_KEY}:`).toString('base64')}` },
    });
    expect(res.status).toBe(200);
  });

  it('accepts only the configured keys when secretKeys is set', async () => {
    const strict = await startTestEmulator({ secretKeys: ['sk_test_onlyThisOne1'] });
    try {
      const wrong = await rejection(strict.stripe.events.list());
      expect(wrong.statusCode).toBe(401);
      expect(wrong.message).toContain('Invalid API Key provided: sk_test_');
      const right = createStripeClient(strict.emulator, 'sk_test_onlyThisOne1');
      expect((await right.events.list()).object).toBe('list');
    } finally {
      await strict.close();
    }
  });

  it('answers an older released API version, and refuses a malformed or later one', async () => {
    for (const version of ['2020-08-27', '2025-03-31.basil']) {
      const res = await request(`${t.emulator.url}/v1/events`, {
        headers: { authorization: `Bearer ${TEST_KEY}`, 'stripe-version': version },
      });
      expect(res.status, version).toBe(200);
    }
    for (const version of ['2099-01-01', 'endive', '2026-13-45']) {
      const res = await request(`${t.emulator.url}/v1/events`, {
        headers: { authorization: `Bearer ${TEST_KEY}`, 'stripe-version': version },
      });
      expect(res.status, version).toBe(400);
      expect(res.body).toContain(Stripe.API_VERSION);
    }
  });
});

describe('idempotency', () => {
  it('replays the first response for the same key and parameters', async () => {
    const key = `idem-${Date.now()}-same`;
    const a = await t.stripe.checkout.sessions.create(
      {
        mode: 'payment',
        line_items: [{ price_data: { currency: 'usd', unit_amount: 100, product_data: { name: 'a' } }, quantity: 1 }],
        success_url: 'https://localhost:3000/s',
      },
      { idempotencyKey: key },
    );
    const b = await t.stripe.checkout.sessions.create(
      {
        mode: 'payment',
        line_items: [{ price_data: { currency: 'usd', unit_amount: 100, product_data: { name: 'a' } }, quantity: 1 }],
        success_url: 'https://localhost:3000/s',
      },
      { idempotencyKey: key },
    );
    expect(b.id).toBe(a.id);
    expect(b.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(a.lastResponse.headers['idempotent-replayed']).toBeUndefined();
  });

  it('answers idempotency_error for the same key with other parameters', async () => {
    const key = `idem-${Date.now()}-conflict`;
    const params = {
      mode: 'payment' as const,
      line_items: [{ price_data: { currency: 'usd', unit_amount: 100, product_data: { name: 'a' } }, quantity: 1 }],
      success_url: 'https://localhost:3000/s',
    };
    await t.stripe.checkout.sessions.create(params, { idempotencyKey: key });
    const error = await rejection(
      t.stripe.checkout.sessions.create({ ...params, client_reference_id: 'different' }, { idempotencyKey: key }),
    );
    expect(error.statusCode).toBe(400);
    expect(error.type).toBe('StripeIdempotencyError');
    expect(error.message).toContain(key);
  });

  it('gives different keys different sessions', async () => {
    const a = await createTestSession(t.stripe);
    const b = await createTestSession(t.stripe);
    expect(a.id).not.toBe(b.id);
  });
});

describe('payment_intent_data', () => {
  it("puts the session's metadata and description on the PaymentIntent Checkout makes", async () => {
    const session = await createTestSession(t.stripe, {
      payment_intent_data: { metadata: { order_id: 'order_pid_1' }, description: 'Order order_pid_1' },
    });
    await payOnHostedPage(session, { cardNumber: '4000 0000 0000 0002' });
    const { payment_intent: intent } = await t.stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] });
    if (typeof intent !== 'object' || intent === null) throw new Error('no intent');
    expect(intent).toMatchObject({
      metadata: { order_id: 'order_pid_1' },
      description: 'Order order_pid_1',
      status: 'requires_payment_method',
    });
    const [failed] = (await t.stripe.events.list({ type: 'payment_intent.payment_failed', limit: 1 })).data;
    if (failed?.type !== 'payment_intent.payment_failed') throw new Error('no payment_failed event');
    expect(failed.data.object).toMatchObject({ id: intent.id, metadata: { order_id: 'order_pid_1' } });
    const error = await rejection(createTestSession(t.stripe, { payment_intent_data: { capture_method: 'manual' } }));
    expect(error.param).toBe('payment_intent_data[capture_method]');
  });
});
