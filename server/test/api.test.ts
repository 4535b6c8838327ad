// The JSON API over real HTTPS: every refusal is a clear 4xx JSON error that changes
// nothing; checkout goes through the emulator with the real SDK.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG } from '../src/payments/catalog';
import { startTestEmulator } from './helpers/emulator';
import type { Emulator } from './helpers/emulator';
import { countRows, startTestApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

let emulator: Emulator;
let app: TestApp;
beforeAll(async () => {
  emulator = await startTestEmulator();
  app = await startTestApp({ stripeApi: emulator });
});
afterAll(async () => {
  await app.close();
  await emulator.close();
});

const JSON_HEADERS = { 'Content-Type': 'application/json' };

function postCheckout(body: string, headers: Record<string, string> = JSON_HEADERS) {
  return app.request('/api/checkout-sessions', { method: 'POST', headers, body });
}

describe('GET /api/config and /api/products', () => {
  it('returns the publishable key and mode, nothing else', async () => {
    const res = await app.request('/api/config');
    // Stripe's own origins here (the test app's default): the client uses @stripe/stripe-js as is.
    expect(res.json()).toEqual({ publishableKey: 'pk_test_emulated', mode: 'emulated', stripeJsUrl: null });
  });

  it('returns the server-side catalog', async () => {
    const res = await app.request('/api/products');
    expect(res.json()).toEqual({ products: CATALOG });
    for (const product of CATALOG) {
      expect(Object.keys(product).sort()).toEqual(['currency', 'description', 'id', 'image', 'name', 'unitAmount']);
    }
  });
});

describe('POST /api/checkout-sessions', () => {
  it('writes a pending order, then creates a hosted session priced from the catalog', async () => {
    const before = await countRows(app.db, 'orders');
    const res = await postCheckout(JSON.stringify({ items: [{ productId: 'enamel-mug', quantity: 2 }, { productId: 'dot-notebook', quantity: 1 }] }), {
      ...JSON_HEADERS,
      Origin: app.url,
      'Sec-Fetch-Site': 'same-origin',
    });
    expect(res.status).toBe(201);
    const { url } = res.json() as { url: string };
    expect(Object.keys(res.json() as object)).toEqual(['url']);
    expect(url).toMatch(new RegExp(`^${emulator.url}/c/pay/cs_test_`));
    expect(await countRows(app.db, 'orders')).toBe(before + 1);

    const sessionId = url.split('/').at(-1) ?? '';
    const order = await app.store.findOrderByCheckoutSession(sessionId);
    expect(order).toMatchObject({ status: 'pending', amount: 2 * 1800 + 1500, currency: 'usd', card: null });
    expect(order?.id).toMatch(/^ord_[a-z]{20}$/);

    const session = await app.stripe.checkout.sessions.retrieve(sessionId);
    expect(session).toMatchObject({
      client_reference_id: order?.id,
      amount_total: 5100,
      currency: 'usd',
      success_url: `${app.url}/success?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${app.url}/cancel`,
      mode: 'payment',
    });
  });

  it('uses an idempotency key derived from the order', async () => {
    const res = await postCheckout(JSON.stringify({ items: [{ productId: 'canvas-tote', quantity: 1 }] }));
    const sessionId = ((res.json() as { url: string }).url.split('/').at(-1)) ?? '';
    const order = await app.store.findOrderByCheckoutSession(sessionId);
    // Replaying the same key with the same parameters returns the same session (Stripe's rule).
    const again = await app.stripe.checkout.sessions.create(
      {
        mode: 'payment',
        ui_mode: 'hosted_page',
        line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 2400, product_data: { name: 'Canvas tote bag' } } }],
        client_reference_id: order?.id ?? '',
        metadata: { order_id: order?.id ?? '' },
        payment_intent_data: { metadata: { order_id: order?.id ?? '' } },
        success_url: `${app.url}/success?session_id={CHECKOUT_SESSION_ID}`,
        cancel_url: `${app.url}/cancel`,
      },
      { idempotencyKey: `checkout-session:${order?.id ?? ''}` },
    );
    expect(again.id).toBe(sessionId);
  });

  const refusals: [string, string, Record<string, string>, number, string][] = [
    ['an unknown product', JSON.stringify({ items: [{ productId: 'gold-bar', quantity: 1 }] }), JSON_HEADERS, 400, 'unknown_product'],
    ['quantity 0', JSON.stringify({ items: [{ productId: 'enamel-mug', quantity: 0 }] }), JSON_HEADERS, 400, 'invalid_request'],
    ['quantity 11', JSON.stringify({ items: [{ productId: 'enamel-mug', quantity: 11 }] }), JSON_HEADERS, 400, 'invalid_request'],
    ['a fractional quantity', JSON.stringify({ items: [{ productId: 'enamel-mug', quantity: 1.5 }] }), JSON_HEADERS, 400, 'invalid_request'],
    ['a quantity as a string', JSON.stringify({ items: [{ productId: 'enamel-mug', quantity: '1' }] }), JSON_HEADERS, 400, 'invalid_request'],
    ['a client-supplied price', JSON.stringify({ items: [{ productId: 'enamel-mug', quantity: 1, unitAmount: 1 }] }), JSON_HEADERS, 400, 'invalid_request'],
    ['an extra top-level field', JSON.stringify({ items: [{ productId: 'enamel-mug', quantity: 1 }], amount: 1 }), JSON_HEADERS, 400, 'invalid_request'],
    ['an empty cart', JSON.stringify({ items: [] }), JSON_HEADERS, 400, 'invalid_request'],
    ['the same product twice', JSON.stringify({ items: [{ productId: 'enamel-mug', quantity: 1 }, { productId: 'enamel-mug', quantity: 1 }] }), JSON_HEADERS, 400, 'duplicate_product'],
    ['a JSON array body', JSON.stringify([1]), JSON_HEADERS, 400, 'invalid_request'],
    ['malformed JSON', '{"items": [', JSON_HEADERS, 400, 'invalid_json'],
    ['a form-encoded body', 'items=1', { 'Content-Type': 'application/x-www-form-urlencoded' }, 415, 'unsupported_media_type'],
    ['a text/plain body (a "simple" cross-site request)', JSON.stringify({ items: [{ productId: 'enamel-mug', quantity: 1 }] }), { 'Content-Type': 'text/plain' }, 415, 'unsupported_media_type'],
    ['a body over 10 KB', JSON.stringify({ items: [{ productId: 'x'.repeat(11 * 1024), quantity: 1 }] }), JSON_HEADERS, 413, 'body_too_large'],
    ['another Origin', JSON.stringify({ items: [{ productId: 'enamel-mug', quantity: 1 }] }), { ...JSON_HEADERS, Origin: 'https://evil.example' }, 403, 'cross_site_request'],
    ['Sec-Fetch-Site: cross-site', JSON.stringify({ items: [{ productId: 'enamel-mug', quantity: 1 }] }), { ...JSON_HEADERS, 'Sec-Fetch-Site': 'cross-site' }, 403, 'cross_site_request'],
    ['Sec-Fetch-Site: same-site', JSON.stringify({ items: [{ productId: 'enamel-mug', quantity: 1 }] }), { ...JSON_HEADERS, 'Sec-Fetch-Site': 'same-site' }, 403, 'cross_site_request'],
  ];

  it.each(refusals)('refuses %s with a JSON error and writes nothing', async (_name, body, headers, status, code) => {
    const before = await countRows(app.db, 'orders');
    const res = await postCheckout(body, headers);
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const error = (res.json() as { error: { code: string; message: string } }).error;
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(5);
    expect(Object.keys(res.json() as object)).toEqual(['error']);
    expect(await countRows(app.db, 'orders')).toBe(before);
  });

  it('rate-limits checkout per client', async () => {
    const limited = await startTestApp({ stripeApi: emulator, rateLimits: { windowMs: 60_000, api: 100, checkout: 2, orders: 100, cspReports: 100 } });
    try {
      const body = JSON.stringify({ items: [{ productId: 'enamel-mug', quantity: 1 }] });
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        statuses.push((await limited.request('/api/checkout-sessions', { method: 'POST', headers: JSON_HEADERS, body })).status);
      }
      expect(statuses).toEqual([201, 201, 429]);
      const last = await limited.request('/api/checkout-sessions', { method: 'POST', headers: JSON_HEADERS, body });
      expect(last.json()).toEqual({ error: { code: 'rate_limited', message: 'Too many requests. Please wait a minute and try again.' } });
      expect(last.headers['retry-after']).toBeDefined();
      expect(await countRows(limited.db, 'orders')).toBe(2);
    } finally {
      await limited.close();
    }
  });
});

describe('GET /api/orders/:checkoutSessionId', () => {
  it('answers status, amount, currency and card, nothing more', async () => {
    const created = await postCheckout(JSON.stringify({ items: [{ productId: 'dot-notebook', quantity: 3 }] }));
    const sessionId = (created.json() as { url: string }).url.split('/').at(-1) ?? '';
    const res = await app.request(`/api/orders/${sessionId}`);
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ status: 'pending', amount: 4500, currency: 'usd', card: null });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it.each([
    ['a malformed id', '/api/orders/not-a-session', 400, 'invalid_session_id'],
    ['an id with a path trick', '/api/orders/cs_test_abc%2F..', 400, 'invalid_session_id'],
    ['an unknown session', '/api/orders/cs_test_doesnotexist', 404, 'order_not_found'],
  ])('refuses %s', async (_name, path, status, code) => {
    const res = await app.request(path);
    expect(res.status).toBe(status);
    expect((res.json() as { error: { code: string } }).error.code).toBe(code);
  });
});

describe('when Stripe fails', () => {
  it('answers 502 with a generic message and logs the cause', async () => {
    const offline = await startTestApp();
    try {
      const res = await offline.request('/api/checkout-sessions', {
        method: 'POST',
        headers: JSON_HEADERS,
        body: JSON.stringify({ items: [{ productId: 'enamel-mug', quantity: 1 }] }),
      });
      expect(res.status).toBe(502);
      expect(res.json()).toEqual({
        error: { code: 'payment_provider_error', message: 'The payment provider could not start checkout. Please try again.' },
      });
      const logged = offline.logLines.map((line) => JSON.parse(line) as { msg: string; level: number; err?: { message?: string } });
      expect(logged.find((line) => line.msg === 'request failed')).toMatchObject({ level: 50, err: { message: expect.stringContaining('provider') } });
      // The order written first stays pending, without a session: nothing was charged.
      const orders = await offline.db.db.selectFrom('orders').select(['status', 'checkout_session_id']).execute();
      expect(orders).toEqual([{ status: 'pending', checkout_session_id: null }]);
    } finally {
      await offline.close();
    }
  });
});

describe('GET /healthz', () => {
  it('answers ok', async () => {
    const res = await app.request('/healthz');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });
});
