// Embedded Checkout over real HTTPS: POST /api/checkout-sessions with uiMode embedded_page,
// the /return page's order lookup, and the Checkout events (including the delayed-payment and
// expiry paths) delivered by the emulator with real signatures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payOnHostedPage, pressDashboardButton, startTestEmulator } from './helpers/emulator';
import type { Emulator } from './helpers/emulator';
import { countRows, startTestApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';
import { waitFor } from './helpers/wait';
import { basketTotal, distinctItems, itemAt, loadActiveCatalog } from '../../test-support/catalog';

const catalog = loadActiveCatalog();
const DEFAULT_ITEMS = [itemAt(catalog, 1)];

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

async function createEmbedded(items: unknown = DEFAULT_ITEMS) {
  const res = await app.request('/api/checkout-sessions', {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify({ items, uiMode: 'embedded_page' }),
  });
  expect(res.status).toBe(201);
  const { clientSecret } = res.json() as { clientSecret: string };
  const sessionId = clientSecret.split('_secret_')[0] ?? '';
  const orderId = (await app.store.findOrderByCheckoutSession(sessionId))?.id ?? '';
  return { res, clientSecret, sessionId, orderId, frameUrl: `${emulator.url}/c/embedded/${sessionId}` };
}

function orderRow(orderId: string) {
  return app.db.db
    .selectFrom('orders')
    .select(['status', 'card_brand', 'card_last4', 'card_exp_month', 'card_exp_year'])
    .where('id', '=', orderId)
    .executeTakeFirst();
}

const waitForStatus = (orderId: string, status: string) =>
  waitFor(
    async () => (await app.store.findOrder(orderId))?.status,
    (value) => value === status,
  );

describe('POST /api/checkout-sessions with uiMode embedded_page', () => {
  it('writes a pending order, then creates an embedded session with a return_url, and answers only the client secret', async () => {
    const before = await countRows(app.db, 'orders');
    const items = distinctItems(catalog, [1, 2]);
    const { res, clientSecret, sessionId, orderId } = await createEmbedded(items);
    expect(Object.keys(res.json() as object)).toEqual(['clientSecret']);
    expect(clientSecret).toMatch(/^cs_test_[A-Za-z0-9]+_secret_[A-Za-z0-9]+$/);
    expect(await countRows(app.db, 'orders')).toBe(before + 1);
    expect(await app.store.findOrder(orderId)).toMatchObject({
      status: 'pending',
      amount: basketTotal(catalog, items),
      currency: catalog.currency,
      checkoutSessionId: sessionId,
      paymentIntentId: null,
    });

    const session = await app.stripe.checkout.sessions.retrieve(sessionId);
    expect(session).toMatchObject({
      ui_mode: 'embedded_page',
      return_url: `${app.url}/return?session_id={CHECKOUT_SESSION_ID}`,
      success_url: null,
      cancel_url: null,
      client_reference_id: orderId,
      metadata: { order_id: orderId },
      amount_total: basketTotal(catalog, items),
      currency: catalog.currency,
      mode: 'payment',
    });
  });

  it('still answers { url } for a hosted session, whose PaymentIntent also names the order (a decline finds it)', async () => {
    const res = await app.request('/api/checkout-sessions', {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({ items: [itemAt(catalog, 0)], uiMode: 'hosted_page' }),
    });
    expect(res.status).toBe(201);
    expect(Object.keys(res.json() as object)).toEqual(['url']);
    const { url } = res.json() as { url: string };
    const orderId = (await app.store.findOrderByCheckoutSession(url.split('/').at(-1) ?? ''))?.id ?? '';
    expect((await payOnHostedPage(emulator, url, '4000 0000 0000 0002')).status).toBe(402);
    await waitForStatus(orderId, 'failed');
    expect(await orderRow(orderId)).toMatchObject({ status: 'failed', card_last4: null });
  });

  it.each([
    ['uiMode elements', { uiMode: 'elements' }],
    ['uiMode as a number', { uiMode: 1 }],
    ['a returnUrl from the browser', { uiMode: 'embedded_page', returnUrl: 'https://evil.example/return' }],
  ])('refuses %s with a JSON error and writes nothing', async (_name, extra) => {
    const before = await countRows(app.db, 'orders');
    const res = await app.request('/api/checkout-sessions', {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({ items: [itemAt(catalog, 0)], ...extra }),
    });
    expect(res.status).toBe(400);
    expect((res.json() as { error: { code: string } }).error.code).toBe('invalid_request');
    expect(await countRows(app.db, 'orders')).toBe(before);
  });
});

describe('embedded Checkout outcomes', () => {
  it('pays with 4242: order paid with the card display columns, also through GET /api/orders/:sessionId', async () => {
    const { sessionId, orderId, frameUrl } = await createEmbedded();
    const paid = await payOnHostedPage(emulator, frameUrl, '4242 4242 4242 4242');
    expect(paid.status).toBe(200);
    await waitForStatus(orderId, 'paid');
    expect(await orderRow(orderId)).toEqual({
      status: 'paid',
      card_brand: 'visa',
      card_last4: '4242',
      card_exp_month: 12,
      card_exp_year: 2034,
    });
    const res = await app.request(`/api/orders/${sessionId}`);
    expect(res.json()).toEqual({
      status: 'paid',
      amount: basketTotal(catalog, DEFAULT_ITEMS),
      currency: catalog.currency,
      card: { brand: 'visa', last4: '4242', expMonth: 12, expYear: 2034 },
    });
  });

  it('a decline marks the order failed through the PaymentIntent metadata, and a retry pays it', async () => {
    const { orderId, frameUrl, sessionId } = await createEmbedded();
    expect((await payOnHostedPage(emulator, frameUrl, '4000 0000 0000 0002')).status).toBe(402);
    await waitForStatus(orderId, 'failed');
    const session = await app.stripe.checkout.sessions.retrieve(sessionId, { expand: ['payment_intent'] });
    const intent = session.payment_intent;
    expect(typeof intent === 'object' && intent !== null ? intent.metadata : null).toEqual({ order_id: orderId });
    expect(await orderRow(orderId)).toMatchObject({ status: 'failed', card_last4: null });

    expect((await payOnHostedPage(emulator, frameUrl, '4242 4242 4242 4242')).status).toBe(200);
    await waitForStatus(orderId, 'paid');
    expect(await orderRow(orderId)).toMatchObject({ status: 'paid', card_last4: '4242' });
  });

  it('a delayed payment stays pending on completed/unpaid, then async_payment_succeeded pays it', async () => {
    const { orderId, frameUrl, sessionId } = await createEmbedded();
    expect((await payOnHostedPage(emulator, frameUrl, '4242 4242 4242 4242', 'buyer+delayed@example.com')).status).toBe(200);
    await waitFor(() => app.logLines.some((line) => line.includes('"type":"checkout.session.completed"')), Boolean);
    expect((await app.store.findOrder(orderId))?.status).toBe('pending');
    // The order is ours and the event is done (nothing to change yet): no "matches no order" warning.
    const completed = app.logLines.filter((line) => line.includes('"type":"checkout.session.completed"'));
    expect(completed.some((line) => line.includes('"result":"processed"'))).toBe(true);
    expect(app.logLines.some((line) => line.includes('matches no order of ours'))).toBe(false);
    expect(
      (await pressDashboardButton(emulator, `/dashboard/checkout-sessions/${sessionId}/settle`, { outcome: 'succeeded' })).status,
    ).toBe(303);
    await waitForStatus(orderId, 'paid');
    expect(await orderRow(orderId)).toMatchObject({ status: 'paid', card_last4: '4242' });
  });

  it('a delayed payment that bounces (async_payment_failed) marks the order failed', async () => {
    const { orderId, frameUrl, sessionId } = await createEmbedded();
    await payOnHostedPage(emulator, frameUrl, '4242 4242 4242 4242', 'buyer+delayed@example.com');
    expect((await pressDashboardButton(emulator, `/dashboard/checkout-sessions/${sessionId}/settle`, { outcome: 'failed' })).status).toBe(
      303,
    );
    await waitForStatus(orderId, 'failed');
    expect(await orderRow(orderId)).toMatchObject({ status: 'failed', card_last4: null });
  });

  it('expiry (checkout.session.expired) marks an unpaid order expired', async () => {
    const { orderId, sessionId } = await createEmbedded();
    await app.stripe.checkout.sessions.expire(sessionId);
    await waitForStatus(orderId, 'expired');
    expect((await app.request(`/api/orders/${sessionId}`)).json()).toMatchObject({ status: 'expired' });
  });

  it('a refund from the dashboard moves the paid order to refunded', async () => {
    const { orderId, frameUrl } = await createEmbedded();
    await payOnHostedPage(emulator, frameUrl, '4242 4242 4242 4242');
    await waitForStatus(orderId, 'paid');
    const paymentIntentId = (await app.store.findOrder(orderId))?.paymentIntentId ?? '';
    expect((await pressDashboardButton(emulator, `/dashboard/payment-intents/${paymentIntentId}/refund`)).status).toBe(303);
    await waitForStatus(orderId, 'refunded');
    expect(await orderRow(orderId)).toMatchObject({ status: 'refunded', card_last4: '4242' });
  });

  it('a disputed payment (0259) moves the order to disputed', async () => {
    const { orderId, frameUrl } = await createEmbedded();
    await payOnHostedPage(emulator, frameUrl, '4000 0000 0000 0259');
    await waitForStatus(orderId, 'disputed');
    expect(await orderRow(orderId)).toMatchObject({ status: 'disputed', card_last4: '0259' });
  });
});
