// The JSON API over real HTTPS: every refusal is a clear 4xx JSON error that changes
// nothing; checkout goes through the emulator with the real SDK. The whole suite runs against
// the active catalog and two fixture catalogs (EUR with two products, JPY with one), with
// every id, price and currency taken from the catalog under test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PRODUCTS, MAX_PRODUCT_ID_LENGTH, checkCatalog } from '../../common/catalog';
import type { Catalog } from '../../common/catalog';
import { UNKNOWN_PRODUCT_ID, basketTotal, distinctItems, itemAt, loadActiveCatalog, loadFixtureCatalog } from '../../test-support/catalog';
import { startTestEmulator } from './helpers/emulator';
import type { Emulator } from './helpers/emulator';
import { MAX_QUANTITY } from '../../common/api-contract';
import { countRows, startTestApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

const JSON_HEADERS = { 'Content-Type': 'application/json' };

const CATALOGS: [string, Catalog][] = [
  ['the active catalog', loadActiveCatalog()],
  ['the EUR two-product fixture', loadFixtureCatalog('eur-two')],
  ['the JPY one-product fixture', loadFixtureCatalog('jpy-one')],
];

describe.each(CATALOGS)('the API selling %s', (_label, catalog) => {
  let emulator: Emulator;
  let app: TestApp;
  beforeAll(async () => {
    emulator = await startTestEmulator();
    app = await startTestApp({ stripeApi: emulator, catalog });
  });
  afterAll(async () => {
    await app.close();
    await emulator.close();
  });

  function postCheckout(body: string, headers: Record<string, string> = JSON_HEADERS) {
    return app.request('/api/checkout-sessions', { method: 'POST', headers, body });
  }

  const one = JSON.stringify({ items: [itemAt(catalog, 0)] });
  const withItem = (extra: Record<string, unknown>) => JSON.stringify({ items: [{ ...itemAt(catalog, 0), ...extra }] });

  describe('GET /api/config and /api/products', () => {
    it('returns the publishable key and mode, nothing else', async () => {
      const res = await app.request('/api/config');
      // Stripe's own origins here (the test app's default): the client uses @stripe/stripe-js and @stripe/connect-js as they are.
      expect(res.json()).toEqual({ publishableKey: 'pk_test_emulated', mode: 'emulated', stripeJsUrl: null, connectJsUrl: null });
    });

    it('returns the server-side catalog', async () => {
      const res = await app.request('/api/products');
      expect(res.json()).toEqual({ currency: catalog.currency, products: catalog.products });
      expect(Object.keys(res.json() as object)).toEqual(['currency', 'products']);
      for (const product of (res.json() as { products: object[] }).products) {
        expect(Object.keys(product).sort()).toEqual(['description', 'id', 'image', 'name', 'unitAmount']);
      }
    });
  });

  describe('POST /api/checkout-sessions', () => {
    it('writes a pending order, then creates a hosted session priced from the catalog', async () => {
      const before = await countRows(app.db, 'orders');
      const items = distinctItems(catalog, [2, 1]);
      const total = basketTotal(catalog, items);
      const res = await postCheckout(JSON.stringify({ items }), {
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
      expect(order).toMatchObject({ status: 'pending', amount: total, currency: catalog.currency, card: null });
      expect(order?.id).toMatch(/^ord_[a-z]{20}$/);

      const session = await app.stripe.checkout.sessions.retrieve(sessionId);
      expect(session).toMatchObject({
        client_reference_id: order?.id,
        // The catalog's minor units go to Stripe as they are: no scaling for any currency.
        amount_total: total,
        currency: catalog.currency,
        success_url: `${app.url}/success?session_id={CHECKOUT_SESSION_ID}`,
        cancel_url: `${app.url}/cancel`,
        mode: 'payment',
      });
    });

    it('uses an idempotency key derived from the order', async () => {
      const product = catalog.products.at(-1) ?? catalog.products[0];
      const res = await postCheckout(JSON.stringify({ items: [{ productId: product?.id, quantity: 1 }] }));
      const sessionId = (res.json() as { url: string }).url.split('/').at(-1) ?? '';
      const order = await app.store.findOrderByCheckoutSession(sessionId);
      // Replaying the same key with the same parameters returns the same session (Stripe's rule).
      const again = await app.stripe.checkout.sessions.create(
        {
          mode: 'payment',
          ui_mode: 'hosted_page',
          line_items: [
            {
              quantity: 1,
              price_data: { currency: catalog.currency, unit_amount: product?.unitAmount, product_data: { name: product?.name ?? '' } },
            },
          ],
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
      [
        'an unknown product',
        JSON.stringify({ items: [{ productId: UNKNOWN_PRODUCT_ID, quantity: 1 }] }),
        JSON_HEADERS,
        400,
        'unknown_product',
      ],
      ['quantity 0', withItem({ quantity: 0 }), JSON_HEADERS, 400, 'invalid_request'],
      ['quantity 11', withItem({ quantity: 11 }), JSON_HEADERS, 400, 'invalid_request'],
      ['a fractional quantity', withItem({ quantity: 1.5 }), JSON_HEADERS, 400, 'invalid_request'],
      ['a quantity as a string', withItem({ quantity: '1' }), JSON_HEADERS, 400, 'invalid_request'],
      ['a client-supplied price', withItem({ unitAmount: 1 }), JSON_HEADERS, 400, 'invalid_request'],
      ['an extra top-level field', JSON.stringify({ items: [itemAt(catalog, 0)], amount: 1 }), JSON_HEADERS, 400, 'invalid_request'],
      ['an empty cart', JSON.stringify({ items: [] }), JSON_HEADERS, 400, 'invalid_request'],
      [
        'more lines than the catalog has products',
        JSON.stringify({ items: catalog.products.concat(catalog.products[0] ?? []).map((p) => ({ productId: p.id, quantity: 1 })) }),
        JSON_HEADERS,
        400,
        'invalid_request',
      ],
      [
        'the same product twice',
        JSON.stringify({ items: [itemAt(catalog, 0), itemAt(catalog, 0)] }),
        JSON_HEADERS,
        400,
        catalog.products.length >= 2 ? 'duplicate_product' : 'invalid_request',
      ],
      ['a JSON array body', JSON.stringify([1]), JSON_HEADERS, 400, 'invalid_request'],
      ['malformed JSON', '{"items": [', JSON_HEADERS, 400, 'invalid_json'],
      ['a form-encoded body', 'items=1', { 'Content-Type': 'application/x-www-form-urlencoded' }, 415, 'unsupported_media_type'],
      ['a text/plain body (a "simple" cross-site request)', one, { 'Content-Type': 'text/plain' }, 415, 'unsupported_media_type'],
      [
        'a body over 10 KB',
        JSON.stringify({ items: [{ productId: 'x'.repeat(11 * 1024), quantity: 1 }] }),
        JSON_HEADERS,
        413,
        'body_too_large',
      ],
      ['another Origin', one, { ...JSON_HEADERS, Origin: 'https://evil.example' }, 403, 'cross_site_request'],
      ['Sec-Fetch-Site: cross-site', one, { ...JSON_HEADERS, 'Sec-Fetch-Site': 'cross-site' }, 403, 'cross_site_request'],
      ['Sec-Fetch-Site: same-site', one, { ...JSON_HEADERS, 'Sec-Fetch-Site': 'same-site' }, 403, 'cross_site_request'],
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
      const limited = await startTestApp({
        stripeApi: emulator,
        catalog,
        rateLimits: { windowMs: 60_000, api: 100, checkout: 2, orders: 100, cspReports: 100, sellerAuth: 100, accountSessions: 100 },
      });
      try {
        const body = one;
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
      const items = [itemAt(catalog, 2, 3)];
      const created = await postCheckout(JSON.stringify({ items }));
      const sessionId = (created.json() as { url: string }).url.split('/').at(-1) ?? '';
      const res = await app.request(`/api/orders/${sessionId}`);
      expect(res.status).toBe(200);
      expect(res.json()).toEqual({ status: 'pending', amount: basketTotal(catalog, items), currency: catalog.currency, card: null });
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
      const offline = await startTestApp({ catalog });
      try {
        const res = await offline.request('/api/checkout-sessions', {
          method: 'POST',
          headers: JSON_HEADERS,
          body: one,
        });
        expect(res.status).toBe(502);
        expect(res.json()).toEqual({
          error: { code: 'payment_provider_error', message: 'The payment provider could not start checkout. Please try again.' },
        });
        const logged = offline.logLines.map((line) => JSON.parse(line) as { msg: string; level: number; err?: { message?: string } });
        expect(logged.find((line) => line.msg === 'request failed')).toMatchObject({
          level: 50,
          err: { message: expect.stringContaining('provider') },
        });
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
});

describe('a catalog of the largest size', () => {
  // MAX_PRODUCTS products with the longest ids: a basket of every product passes the body
  // limit and the schema, and reaches Stripe (unreachable here, hence 502 after pricing).
  const largest = checkCatalog({
    currency: 'usd',
    products: Array.from({ length: MAX_PRODUCTS }, (_, i) => ({
      id: `p${String(i).padStart(3, '0')}-${'x'.repeat(MAX_PRODUCT_ID_LENGTH - 5)}`,
      name: `Product ${i}`,
      description: 'One of many.',
      unitAmount: 100 + i,
      image: '/images/placeholder.svg',
    })),
  });

  it('accepts a basket of every product, each at the maximum quantity', async () => {
    if (!largest.ok) throw new Error(largest.problems.join('\n'));
    const offline = await startTestApp({ catalog: largest.catalog });
    try {
      const items = largest.catalog.products.map((p) => ({ productId: p.id, quantity: MAX_QUANTITY }));
      const res = await offline.request('/api/checkout-sessions', {
        method: 'POST',
        headers: JSON_HEADERS,
        body: JSON.stringify({ items, uiMode: 'embedded_page' }),
      });
      expect(res.json()).toEqual({
        error: { code: 'payment_provider_error', message: 'The payment provider could not start checkout. Please try again.' },
      });
      const orders = await offline.db.db.selectFrom('orders').select(['amount', 'currency']).execute();
      expect(orders).toEqual([{ amount: basketTotal(largest.catalog, items), currency: 'usd' }]);
    } finally {
      await offline.close();
    }
  });
});
