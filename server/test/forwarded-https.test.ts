// TLS_MODE=proxy: the app listens plain HTTP behind a TLS-terminating proxy. A request the
// client did not send over https (as the trusted proxy reports it) is redirected to PUBLIC_URL
// before any route runs, GET or POST, path and query kept, never to the Host header's origin;
// /healthz answers as is; X-Forwarded-* from beyond the trusted hops are ignored, for the
// protocol and for the webhook sender's address alike.
import { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createId } from '../../emulator/src/index';
import { createForwardedHttpsCheck, forwardedProtocol } from '../src/security/forwarded-https';
import { EVERY_RESPONSE_HEADERS } from '../src/security/headers';
import { readStripeWebhookIps } from '../src/security/webhook-sources';
import { itemAt } from '../../test-support/catalog';
import type { TestResponse } from './helpers/https-request';
import { countRows, startTestApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

/** What app mode's redirect server answers, to PUBLIC_URL (the proxy's origin here) plus the request target. */
function expectRedirect(res: TestResponse, app: TestApp, target: string) {
  expect(res.status, target).toBe(308);
  expect(res.headers.location, target).toBe(`${app.url}${target}`);
  expect(res.headers['content-length'], target).toBe('0');
  expect(res.text, target).toBe('');
}

describe('TLS_MODE=proxy, one trusted proxy (TRUST_PROXY=1)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ tlsMode: 'proxy' });
  });
  afterAll(async () => {
    await app.close();
  });

  it('serves what the proxy forwards from https, with every security header', async () => {
    const res = await app.request('/api/products');
    expect(res.status).toBe(200);
    for (const name of EVERY_RESPONSE_HEADERS) expect(res.headers[name], name).toBeDefined();
    expect(res.headers['strict-transport-security']).toBe('max-age=63072000; includeSubDomains');
  });

  it.each([
    ['forwarded as http', { 'X-Forwarded-Proto': 'http' }],
    ['with no X-Forwarded-Proto (the app reached directly)', {}],
    ['with an empty X-Forwarded-Proto', { 'X-Forwarded-Proto': '' }],
    ["with the client's own https left of the proxy's http", { 'X-Forwarded-Proto': 'https, http' }],
  ])('redirects a GET %s to PUBLIC_URL, path and query kept, whatever the Host header says', async (_name, forwarded) => {
    for (const target of [
      '/',
      '/payment?items=1&note=a%2Fb',
      '/api/products?limit=1',
      '/healthzz',
      '/api/products?/healthz',
      '//evil.example/x',
    ]) {
      const res = await app.requestApp(target, { headers: { ...forwarded, Host: 'evil.example' } });
      expectRedirect(res, app, target);
    }
  });

  it('redirects a POST (308 keeps the method) without running the route: no order, no Stripe call', async () => {
    const before = await countRows(app.db, 'orders');
    const target = '/api/checkout-sessions?from=form';
    const res = await app.requestApp(target, {
      method: 'POST',
      headers: { 'X-Forwarded-Proto': 'http', 'Content-Type': 'application/json' },
      body: JSON.stringify({ items: [itemAt(app.catalog, 0)] }),
    });
    expectRedirect(res, app, target);
    expect(res.headers.connection).toBe('close');
    expect(await countRows(app.db, 'orders')).toBe(before);
  });

  it('redirects a signed webhook that did not come over https, recording nothing', async () => {
    const body = JSON.stringify({
      id: createId('evt'),
      type: 'customer.created',
      created: 1,
      livemode: false,
      data: { object: { id: 'cus_1' } },
    });
    const signature = app.stripe.webhooks.generateTestHeaderString({ payload: body, secret: app.webhookSecret });
    const res = await app.requestApp('/webhooks/stripe', {
      method: 'POST',
      headers: { 'X-Forwarded-Proto': 'http', 'Content-Type': 'application/json', 'Stripe-Signature': signature },
      body,
    });
    expectRedirect(res, app, '/webhooks/stripe');
    expect(await countRows(app.db, 'processed_events')).toBe(0);
  });

  it.each(['/healthz', '/healthz?probe=1'])(
    'answers %s over plain HTTP with no forwarded headers (the platform health check)',
    async (target) => {
      for (const headers of [{}, { 'X-Forwarded-Proto': 'http' }] as Record<string, string>[]) {
        const res = await app.requestApp(target, { headers });
        expect(res.status).toBe(200);
        expect(res.json()).toEqual({ status: 'ok' });
        expect(res.headers.location).toBeUndefined();
        for (const name of EVERY_RESPONSE_HEADERS) expect(res.headers[name], name).toBeDefined();
      }
    },
  );

  it("believes the trusted proxy's https even when the client wrote http further left, in any case", async () => {
    for (const proto of ['http, https', 'HTTPS', 'http,https']) {
      const res = await app.requestApp('/api/products', { headers: { 'X-Forwarded-Proto': proto } });
      expect(res.status, proto).toBe(200);
    }
  });
});

describe('TLS_MODE=proxy, two trusted proxies (TRUST_PROXY=2)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ tlsMode: 'proxy', trustProxyHops: 2 });
  });
  afterAll(async () => {
    await app.close();
  });

  it("takes the outer proxy's entry, the second from the right, and ignores anything further left", async () => {
    const cases: [string, number][] = [
      ['https, http', 200], // outer proxy: https; inner hop: http
      ['https', 200], // the inner proxy passed the outer one's value on
      ['http, https', 308], // the outer proxy saw http; the inner hop's https does not count
      ['https, http, https', 308], // the client's own https, then the outer proxy's http
    ];
    for (const [proto, status] of cases) {
      const res = await app.requestApp('/api/products', { headers: { 'X-Forwarded-Proto': proto } });
      expect(res.status, proto).toBe(status);
    }
  });
});

describe('the check on raw node:http objects (it runs before any router)', () => {
  function rawRequest(url: string, headers: Record<string, string>) {
    const req = new IncomingMessage(new Socket());
    req.url = url;
    req.headers = headers;
    return { req, res: new ServerResponse(req) };
  }
  const check = createForwardedHttpsCheck({ publicUrl: 'https://shop.example.com', trustProxyHops: 1 });

  it('answers a plain-http request itself and says so', () => {
    const { req, res } = rawRequest('/cart?x=1', { 'x-forwarded-proto': 'http', host: 'evil.example' });
    const writeHead = vi.spyOn(res, 'writeHead');
    expect(check(req, res)).toBe(true);
    expect(writeHead).toHaveBeenCalledWith(308, expect.objectContaining({ Location: 'https://shop.example.com/cart?x=1' }));
  });

  it('leaves an https request and /healthz untouched for the next handler', () => {
    for (const [url, headers] of [
      ['/cart', { 'x-forwarded-proto': 'https' }],
      ['/healthz', {}],
    ] as const) {
      const { req, res } = rawRequest(url, headers);
      expect(check(req, res), url).toBe(false);
      expect(res.headersSent, url).toBe(false);
      expect(res.getHeaderNames(), url).toEqual([]);
    }
  });

  it('believes no forwarded header without a trusted hop', () => {
    expect(forwardedProtocol(rawRequest('/', { 'x-forwarded-proto': 'https' }).req, 0)).toBe('http');
  });

  it.each([
    [{ publicUrl: 'https://shop.example.com', trustProxyHops: 0 }, /TRUST_PROXY of at least 1/],
    [{ publicUrl: 'http://shop.example.com', trustProxyHops: 1 }, /PUBLIC_URL must be https:\/\//],
  ])('refuses to be built with %o', (options, message) => {
    expect(() => createForwardedHttpsCheck(options)).toThrow(message);
  });
});

describe('TLS_MODE=proxy with STRIPE_WEBHOOK_IPS: the sender is the address the proxy saw', () => {
  const stripeAddress = readStripeWebhookIps().addresses[0] ?? '';
  // Loopback has room for a second address: the "sender" connects to the proxy from 127.0.0.2,
  // while the proxy itself reaches the app from 127.0.0.1.
  const SENDER = '127.0.0.2';
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ tlsMode: 'proxy', webhookSources: { stripe: true, extra: [SENDER] } });
  });
  afterAll(async () => {
    await app.close();
  });

  function deliverThroughProxy(from: string, extraHeaders: Record<string, string> = {}): Promise<number> {
    const body = JSON.stringify({
      id: createId('evt'),
      object: 'event',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      type: 'customer.created',
      data: { object: { id: 'cus_1', object: 'customer' } },
    });
    const signature = app.stripe.webhooks.generateTestHeaderString({ payload: body, secret: app.webhookSecret });
    return new Promise((resolve, reject) => {
      const req = https.request(
        `${app.url}/webhooks/stripe`,
        {
          method: 'POST',
          ca: app.ca,
          agent: false,
          localAddress: from,
          headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature, ...extraHeaders },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  it('accepts a delivery from an allowed sender through the proxy', async () => {
    expect(await deliverThroughProxy(SENDER)).toBe(200);
  });

  it('refuses one from elsewhere, whatever X-Forwarded-For the sender wrote (the proxy, 127.0.0.1, is not allowed either)', async () => {
    const before = await countRows(app.db, 'processed_events');
    expect(await deliverThroughProxy('127.0.0.1')).toBe(403);
    expect(await deliverThroughProxy('127.0.0.1', { 'X-Forwarded-For': SENDER })).toBe(403);
    expect(await deliverThroughProxy('127.0.0.1', { 'X-Forwarded-For': stripeAddress })).toBe(403);
    expect(await countRows(app.db, 'processed_events')).toBe(before);
  });
});
