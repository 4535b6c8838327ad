import { afterEach, describe, expect, it, vi } from 'vitest';
import { ORDER_STATUSES, SELLER_API, SHOP_MODES } from '../../common/api-contract';
import { createAccountSession, parseCatalog, parseConfig, parseOrder, toApiError } from '../src/lib/api';
import type { Catalog } from '../src/lib/api';
import { FIXTURE_CATALOGS, loadActiveCatalog, loadFixtureCatalog } from '../../test-support/catalog';

describe('toApiError', () => {
  it('passes validation messages through', () => {
    const error = toApiError(400, { error: { code: 'validation_error', message: 'Quantities must be between 1 and 10.' } });
    expect(error).toMatchObject({ status: 400, code: 'validation_error', message: 'Quantities must be between 1 and 10.' });
  });

  it('replaces developer-facing messages with friendly ones', () => {
    expect(toApiError(429, { error: { code: 'rate_limited', message: 'Too many requests from 10.0.0.1' } }).message).toMatch(
      /wait a few seconds/i,
    );
    expect(toApiError(429, {}).message).toMatch(/wait a few seconds/i);
    expect(toApiError(400, { error: { code: 'unknown_product', message: 'There is no product "x".' } }).message).toMatch(
      /no longer available/,
    );
  });

  it('never shows a server error or a missing body as-is', () => {
    expect(toApiError(500, { error: { code: 'internal', message: 'TypeError at db.ts:12' } }).message).toMatch(/went wrong on our side/);
    expect(toApiError(502, 'not json').message).toMatch(/went wrong on our side/);
    expect(toApiError(400, null)).toMatchObject({ code: 'unknown_error', message: expect.stringMatching(/went wrong/) });
  });
});

describe('parseConfig', () => {
  it('passes https Stripe.js and Connect.js addresses through', () => {
    const urls = { stripeJsUrl: 'https://localhost:12111/endive/stripe.js', connectJsUrl: 'https://localhost:12111/v1.0/connect.js' };
    expect(parseConfig({ mode: 'emulated', publishableKey: 'pk_test_x', ...urls })).toEqual({
      mode: 'emulated',
      publishableKey: 'pk_test_x',
      ...urls,
    });
  });

  it.each([
    ['null (use @stripe/stripe-js as is)', null],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['plain http', 'http://localhost:12111/endive/stripe.js'],
    ['not a URL', 'stripe.js'],
    ['a number', 42],
    ['absent', undefined],
  ])('never loads script from %s', (_name, url) => {
    const config = parseConfig({ mode: 'test', publishableKey: 'pk_test_x', stripeJsUrl: url, connectJsUrl: url });
    expect(config).toMatchObject({ stripeJsUrl: null, connectJsUrl: null });
  });
});

describe('parseOrder', () => {
  const card = { brand: 'visa', last4: '4242', expMonth: 12, expYear: 2034 };

  it.each(ORDER_STATUSES)('accepts an order the server can answer with: %s', (status) => {
    expect(parseOrder({ status, amount: 1500, currency: 'usd', card })).toEqual({ status, amount: 1500, currency: 'usd', card });
  });

  // The server never produces these: an answer carrying one is broken, and the page says so
  // rather than guessing what it means for somebody's money.
  it.each(['canceled', 'succeeded', 'PAID', '', 7, null])('refuses a status the server does not produce: %s', (status) => {
    expect(parseOrder({ status, amount: 1500, currency: 'usd', card: null })).toBeUndefined();
  });
});

describe('parseConfig modes', () => {
  it.each(SHOP_MODES)('accepts the %s mode', (mode) => {
    expect(parseConfig({ mode, publishableKey: 'pk_test_x', stripeJsUrl: null })?.mode).toBe(mode);
  });

  it('refuses a mode the server does not run in', () => {
    expect(parseConfig({ mode: 'sandbox', publishableKey: 'pk_test_x', stripeJsUrl: null })).toBeUndefined();
  });
});

describe('parseCatalog', () => {
  // What GET /api/products answers: the server's catalog as it is, for any catalog.
  const catalogs: [string, Catalog][] = [
    ['the active catalog', loadActiveCatalog()],
    ...FIXTURE_CATALOGS.map((name): [string, Catalog] => [name, loadFixtureCatalog(name)]),
  ];
  it.each(catalogs)('reads %s as the server sends it', (_name, catalog) => {
    expect(parseCatalog(JSON.parse(JSON.stringify({ currency: catalog.currency, products: catalog.products })))).toEqual(catalog);
  });

  it.each([
    ['a bare list of products', [{ id: 'a', name: 'A', description: '', unitAmount: 100, image: '/images/a.svg' }]],
    ['no currency', { products: [] }],
    ['an uppercase currency', { currency: 'EUR', products: [] }],
    ['a fractional amount', { currency: 'eur', products: [{ id: 'a', name: 'A', unitAmount: 1.5 }] }],
  ])('refuses %s', (_name, body) => {
    expect(parseCatalog(body)).toBeUndefined();
  });
});

describe('createAccountSession', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  function answer(status: number, body: unknown) {
    const fetch = vi.fn(() => Promise.resolve(new Response(JSON.stringify(body), { status })));
    vi.stubGlobal('fetch', fetch);
    return fetch;
  }

  it("posts an empty JSON body to the seller's endpoint and hands back the client secret only", async () => {
    const fetch = answer(200, { clientSecret: 'accs_secret__abc' });
    await expect(createAccountSession()).resolves.toBe('accs_secret__abc');
    expect(fetch).toHaveBeenCalledWith(SELLER_API.accountSession, expect.objectContaining({ method: 'POST', body: '{}' }));
  });

  it('refuses an answer without a client secret, and passes a 401 on as not signed in', async () => {
    answer(200, { clientSecret: '' });
    await expect(createAccountSession()).rejects.toMatchObject({ code: 'invalid_response' });
    answer(401, { error: { code: 'not_signed_in', message: 'Sign in to the seller area first.' } });
    await expect(createAccountSession()).rejects.toMatchObject({ status: 401, code: 'not_signed_in' });
  });
});
