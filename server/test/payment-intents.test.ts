// The Payment Element flow over real HTTPS: POST /api/payment-intents, the return page's
// order lookup, and the PaymentIntent events delivered by the emulator with real signatures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmAsPaymentElement, startTestEmulator } from './helpers/emulator';
import type { Emulator } from './helpers/emulator';
import { countRows, startPaymentIntent, startTestApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';
import { waitFor } from './helpers/wait';
import { UNKNOWN_PRODUCT_ID, basketTotal, distinctItems, itemAt, loadActiveCatalog, productAt } from '../../test-support/catalog';

const catalog = loadActiveCatalog();
const DEFAULT_ITEMS = [itemAt(catalog, 0, 2)];

let emulator: Emulator;
let app: TestApp;
beforeAll(async () => {
  emulator = await startTestEmulator();
  app = await startTestApp({ stripeApi: emulator });
  emulator.addWebhookEndpoint({ url: `${app.url}/webhooks/stripe`, secret: app.webhookSecret });
});
afterAll(async () => {
  await app.close();
  await emulator.close();
});

const JSON_HEADERS = { 'Content-Type': 'application/json' };

const createIntent = (items: unknown = DEFAULT_ITEMS, target: TestApp = app) => startPaymentIntent(target, items);

function orderRow(orderId: string) {
  return app.db.db
    .selectFrom('orders')
    .select(['status', 'payment_intent_id', 'card_brand', 'card_last4', 'card_exp_month', 'card_exp_year'])
    .where('id', '=', orderId)
    .executeTakeFirst();
}

const waitForStatus = (orderId: string, status: string) =>
  waitFor(
    async () => (await app.store.findOrder(orderId))?.status,
    (value) => value === status,
  );

describe('POST /api/payment-intents', () => {
  it('writes a pending order, then creates a PaymentIntent priced from the catalog, and answers only the client secret', async () => {
    const before = await countRows(app.db, 'orders');
    const items = distinctItems(catalog, [2, 1]);
    const { res, clientSecret, paymentIntentId, orderId } = await createIntent(items);
    expect(Object.keys(res.json() as object)).toEqual(['clientSecret']);
    expect(clientSecret).toMatch(/^pi_[A-Za-z0-9]+_secret_[A-Za-z0-9]+$/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(await countRows(app.db, 'orders')).toBe(before + 1);
    expect(orderId).toMatch(/^ord_[a-z]{20}$/);
    expect(await app.store.findOrder(orderId)).toMatchObject({
      status: 'pending',
      amount: basketTotal(catalog, items),
      currency: catalog.currency,
      paymentIntentId,
      checkoutSessionId: null,
      card: null,
    });

    const intent = await app.stripe.paymentIntents.retrieve(paymentIntentId);
    expect(intent).toMatchObject({
      amount: basketTotal(catalog, items),
      currency: catalog.currency,
      metadata: { order_id: orderId },
      automatic_payment_methods: { enabled: true },
      status: 'requires_payment_method',
    });
  });

  it('uses the idempotency key payment-intent:<orderId>', async () => {
    const { paymentIntentId, orderId } = await createIntent([itemAt(catalog, 1)]);
    const again = await app.stripe.paymentIntents.create(
      {
        amount: productAt(catalog, 1).unitAmount,
        currency: catalog.currency,
        automatic_payment_methods: { enabled: true },
        metadata: { order_id: orderId },
      },
      { idempotencyKey: `payment-intent:${orderId}` },
    );
    expect(again.id).toBe(paymentIntentId);
  });

  it.each([
    ['an unknown product', { items: [{ productId: UNKNOWN_PRODUCT_ID, quantity: 1 }] }, JSON_HEADERS, 400, 'unknown_product'],
    ['a client-supplied amount', { items: [itemAt(catalog, 0)], amount: 1 }, JSON_HEADERS, 400, 'invalid_request'],
    ['a uiMode (Checkout only)', { items: [itemAt(catalog, 0)], uiMode: 'embedded_page' }, JSON_HEADERS, 400, 'invalid_request'],
    ['quantity 11', { items: [itemAt(catalog, 0, 11)] }, JSON_HEADERS, 400, 'invalid_request'],
    ['a text/plain body', { items: [itemAt(catalog, 0)] }, { 'Content-Type': 'text/plain' }, 415, 'unsupported_media_type'],
    ['another Origin', { items: [itemAt(catalog, 0)] }, { ...JSON_HEADERS, Origin: 'https://evil.example' }, 403, 'cross_site_request'],
    [
      'Sec-Fetch-Site: cross-site',
      { items: [itemAt(catalog, 0)] },
      { ...JSON_HEADERS, 'Sec-Fetch-Site': 'cross-site' },
      403,
      'cross_site_request',
    ],
  ])('refuses %s with a JSON error and writes nothing', async (_name, body, headers, status, code) => {
    const before = await countRows(app.db, 'orders');
    const res = await app.request('/api/payment-intents', { method: 'POST', headers, body: JSON.stringify(body) });
    expect(res.status).toBe(status);
    expect(Object.keys(res.json() as object)).toEqual(['error']);
    expect((res.json() as { error: { code: string } }).error.code).toBe(code);
    expect(await countRows(app.db, 'orders')).toBe(before);
  });

  it('shares the checkout rate limit', async () => {
    const limited = await startTestApp({
      stripeApi: emulator,
      rateLimits: { windowMs: 60_000, api: 100, checkout: 2, orders: 100, cspReports: 100, sellerAuth: 100, accountSessions: 100 },
    });
    try {
      const body = JSON.stringify({ items: [itemAt(catalog, 0)] });
      const statuses: number[] = [];
      for (const path of ['/api/payment-intents', '/api/checkout-sessions', '/api/payment-intents']) {
        statuses.push((await limited.request(path, { method: 'POST', headers: JSON_HEADERS, body })).status);
      }
      expect(statuses).toEqual([201, 201, 429]);
      expect(await countRows(limited.db, 'orders')).toBe(2);
    } finally {
      await limited.close();
    }
  });

  it('answers 502 with a generic message when Stripe is unreachable, leaving the order pending without an intent', async () => {
    const offline = await startTestApp();
    try {
      const res = await offline.request('/api/payment-intents', {
        method: 'POST',
        headers: JSON_HEADERS,
        body: JSON.stringify({ items: [itemAt(catalog, 0)] }),
      });
      expect(res.status).toBe(502);
      expect(res.json()).toEqual({
        error: { code: 'payment_provider_error', message: 'The payment provider could not start the payment. Please try again.' },
      });
      expect(await offline.db.db.selectFrom('orders').select(['status', 'payment_intent_id']).execute()).toEqual([
        { status: 'pending', payment_intent_id: null },
      ]);
    } finally {
      await offline.close();
    }
  });
});

describe('GET /api/orders/by-payment-intent/:id', () => {
  it('answers status, amount, currency and card, nothing more', async () => {
    const items = [itemAt(catalog, 2, 3)];
    const { paymentIntentId } = await createIntent(items);
    const res = await app.request(`/api/orders/by-payment-intent/${paymentIntentId}`);
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ status: 'pending', amount: basketTotal(catalog, items), currency: catalog.currency, card: null });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it.each([
    ['a Checkout Session id', '/api/orders/by-payment-intent/cs_test_abc', 400, 'invalid_payment_intent_id'],
    ['a client secret', '/api/orders/by-payment-intent/pi_abc_secret_def', 400, 'invalid_payment_intent_id'],
    ['a path trick', '/api/orders/by-payment-intent/pi_abc%2F..', 400, 'invalid_payment_intent_id'],
    ['an unknown intent', '/api/orders/by-payment-intent/pi_doesnotexist', 404, 'order_not_found'],
  ])('refuses %s', async (_name, path, status, code) => {
    const res = await app.request(path);
    expect(res.status).toBe(status);
    expect((res.json() as { error: { code: string } }).error.code).toBe(code);
  });

  it('fulfils from Stripe when the webhook has not arrived yet, never from the URL', async () => {
    const quiet = await startTestApp({ stripeApi: emulator });
    try {
      const { clientSecret, paymentIntentId, orderId } = await createIntent(undefined, quiet);
      expect((await confirmAsPaymentElement(emulator, clientSecret, '4242 4242 4242 4242')).status).toBe(200);
      // No webhook endpoint points at `quiet`: only the lookup can have paid the order.
      const res = await quiet.request(`/api/orders/by-payment-intent/${paymentIntentId}?redirect_status=failed`);
      expect(res.json()).toEqual({
        status: 'paid',
        amount: basketTotal(catalog, DEFAULT_ITEMS),
        currency: catalog.currency,
        card: { brand: 'visa', last4: '4242', expMonth: 12, expYear: 2034 },
      });
      expect((await quiet.store.findOrder(orderId))?.status).toBe('paid');
    } finally {
      await quiet.close();
    }
  });
});

describe('PaymentIntent events delivered by the emulator', () => {
  it('payment_intent.succeeded marks the order paid with exactly the card display columns', async () => {
    const { clientSecret, paymentIntentId, orderId } = await createIntent();
    const confirmed = await confirmAsPaymentElement(emulator, clientSecret, '4242 4242 4242 4242');
    expect((confirmed.json() as { status: string }).status).toBe('succeeded');
    await waitForStatus(orderId, 'paid');
    expect(await orderRow(orderId)).toEqual({
      status: 'paid',
      payment_intent_id: paymentIntentId,
      card_brand: 'visa',
      card_last4: '4242',
      card_exp_month: 12,
      card_exp_year: 2034,
    });
  });

  it('a decline (0002) marks the order failed without card fields, and a retry with 4242 pays it', async () => {
    const { clientSecret, orderId } = await createIntent();
    const declined = await confirmAsPaymentElement(emulator, clientSecret, '4000 0000 0000 0002');
    expect(declined.status).toBe(402);
    expect((declined.json() as { error: { decline_code: string } }).error.decline_code).toBe('generic_decline');
    await waitForStatus(orderId, 'failed');
    expect(await orderRow(orderId)).toMatchObject({ status: 'failed', card_brand: null, card_last4: null });

    await confirmAsPaymentElement(emulator, clientSecret, '4242 4242 4242 4242');
    await waitForStatus(orderId, 'paid');
    expect(await orderRow(orderId)).toMatchObject({ status: 'paid', card_last4: '4242' });
  });

  it('insufficient funds (9995) leaves the order failed', async () => {
    const { clientSecret, orderId } = await createIntent();
    const declined = await confirmAsPaymentElement(emulator, clientSecret, '4000 0000 0000 9995');
    expect((declined.json() as { error: { decline_code: string } }).error.decline_code).toBe('insufficient_funds');
    await waitForStatus(orderId, 'failed');
    expect(await orderRow(orderId)).toMatchObject({ status: 'failed', card_last4: null });
  });

  it('a 3-D Secure card (3155) leaves the order pending until the customer authenticates', async () => {
    const { clientSecret, orderId, paymentIntentId } = await createIntent();
    const confirmed = await confirmAsPaymentElement(emulator, clientSecret, '4000 0025 0000 3155');
    expect((confirmed.json() as { status: string }).status).toBe('requires_action');
    const res = await app.request(`/api/orders/by-payment-intent/${paymentIntentId}`);
    expect((res.json() as { status: string }).status).toBe('pending');
    expect((await app.store.findOrder(orderId))?.status).toBe('pending');
  });

  it('a full refund moves a paid order to refunded, keeping its card display fields', async () => {
    const { clientSecret, paymentIntentId, orderId } = await createIntent();
    await confirmAsPaymentElement(emulator, clientSecret, '4242 4242 4242 4242');
    await waitForStatus(orderId, 'paid');
    await app.stripe.refunds.create({ payment_intent: paymentIntentId });
    await waitForStatus(orderId, 'refunded');
    expect(await orderRow(orderId)).toEqual({
      status: 'refunded',
      payment_intent_id: paymentIntentId,
      card_brand: 'visa',
      card_last4: '4242',
      card_exp_month: 12,
      card_exp_year: 2034,
    });
  });

  it('a partial refund leaves the order paid', async () => {
    const { clientSecret, paymentIntentId, orderId } = await createIntent();
    await confirmAsPaymentElement(emulator, clientSecret, '4242 4242 4242 4242');
    await waitForStatus(orderId, 'paid');
    await app.stripe.refunds.create({ payment_intent: paymentIntentId, amount: 100 });
    // Wait until our server has processed this refund's charge.refunded event, then check nothing moved.
    const events = await app.stripe.events.list({ types: ['charge.refunded'], limit: 100 });
    const refunded = events.data.find((event) => event.type === 'charge.refunded' && event.data.object.payment_intent === paymentIntentId);
    expect(refunded).toBeDefined();
    await waitFor(() => app.store.hasProcessedEvent(refunded?.id ?? ''), Boolean);
    expect((await app.store.findOrder(orderId))?.status).toBe('paid');
  });

  it('a disputed payment (0259) moves the order to disputed', async () => {
    const { clientSecret, orderId } = await createIntent();
    await confirmAsPaymentElement(emulator, clientSecret, '4000 0000 0000 0259');
    await waitForStatus(orderId, 'disputed');
    expect(await orderRow(orderId)).toMatchObject({ status: 'disputed', card_last4: '0259' });
  });
});
