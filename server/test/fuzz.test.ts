// Hostile input: property-based requests to every route of the real app over
// HTTPS, with the emulator as Stripe. Every answer must be a 4xx (or 429) JSON error or
// the route's valid response: never a 5xx, never a stack trace, a file path or a secret;
// the process keeps serving and stored data changes only where a valid request allows it.
// The seed is fixed so CI is deterministic; fast-check prints it with any counterexample.
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import os from 'node:os';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadActiveCatalog } from '../../test-support/catalog';

const PRODUCTS = loadActiveCatalog().products;
import { startTestEmulator } from './helpers/emulator';
import type { Emulator } from './helpers/emulator';
import { startTestApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

const SEED = 20_261_128;

let emulator: Emulator;
let app: TestApp;
let agent: https.Agent;
beforeAll(async () => {
  emulator = await startTestEmulator();
  app = await startTestApp({ stripeApi: emulator });
  agent = new https.Agent({ keepAlive: true, maxSockets: 8, ca: app.ca });
});
afterAll(async () => {
  agent.destroy();
  await app.close();
  await emulator.close();
});

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

interface FuzzResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** One request on the shared keep-alive agent (or a fresh socket), bounded in time. */
function send(request: FuzzRequest, options: { fresh?: boolean } = {}): Promise<FuzzResponse> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${app.url}${request.path}`,
      {
        method: request.method,
        // Always a Content-Length with a body: without one Node's client sends a GET's body
        // unframed, which the server (rightly) reads as a second, malformed request.
        headers: request.body ? { ...request.headers, 'Content-Length': String(request.body.length) } : request.headers,
        ...(options.fresh ? { agent: false, ca: app.ca } : { agent }),
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${request.method} ${request.path} timed out`)));
    req.on('error', reject);
    req.end(request.body);
  });
}

// ---- what every answer must look like ----------------------------------------------

const LEAKS: readonly RegExp[] = [
  /sk_(test|live)_/,
  /rk_(test|live)_/,
  /whsec_/, // secrets
  /\bat .+:\d+:\d+/,
  /node:internal/,
  /node_modules/, // stack traces
  new RegExp(escapeRegExp(process.cwd())),
  new RegExp(escapeRegExp(os.tmpdir() + '/')),
  /\/server\/src\//, // file paths
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function expectNoLeak(res: FuzzResponse, label: string): void {
  const everything = `${JSON.stringify(res.headers)}\n${res.text}`;
  for (const leak of LEAKS) expect(everything, `${label} leaks ${leak}`).not.toMatch(leak);
}

function expectWellFormed(request: FuzzRequest, res: FuzzResponse): void {
  const label = `${request.method} ${request.path} -> ${res.status} ${res.text.slice(0, 200)}`;
  expect(res.status, label).toBeGreaterThanOrEqual(200);
  expect(res.status, label).toBeLessThan(500);
  expectNoLeak(res, label);
  // Node itself answers an oversized header block, before the app runs, with an empty 431.
  if (res.status >= 400 && request.method !== 'HEAD' && res.status !== 431) {
    expect(res.headers['content-type'], label).toMatch(/^application\/json\b/);
    const body = JSON.parse(res.text) as unknown;
    expect(body, label).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
  }
}

// ---- stored data -----------------------------------------------------------------------

interface Snapshot {
  orders: Map<string, string>;
  processedEvents: Map<string, string>;
}

async function takeSnapshot(): Promise<Snapshot> {
  const index = <Row>(rows: Row[], key: keyof Row) => new Map(rows.map((row) => [String(row[key]), JSON.stringify(row)]));
  const orders = await app.db.db.selectFrom('orders').selectAll().execute();
  const processedEvents = await app.db.db.selectFrom('processed_events').selectAll().execute();
  return { orders: index(orders, 'id'), processedEvents: index(processedEvents, 'event_id') };
}

/** Every row that was there is unchanged; exactly `allowed` rows are new. */
function expectOnlyNewRows(before: Map<string, string>, after: Map<string, string>, allowed: number, table: string): void {
  for (const [key, row] of before) expect(after.get(key), `${table} ${key}`).toBe(row);
  expect(after.size - before.size, `new rows in ${table}`).toBe(allowed);
}

/** Checks the app still answers, nothing is polluted, and no error was logged since `fromLine`. */
async function expectStillServing(fromLine: number): Promise<void> {
  const health = await send({ method: 'GET', path: '/healthz', headers: {} });
  expect(health.status).toBe(200);
  const products = await send({ method: 'GET', path: '/api/products', headers: {} });
  expect(JSON.parse(products.text)).toEqual({ currency: app.catalog.currency, products: app.catalog.products });
  expect(({} as Record<string, unknown>)['polluted'], 'Object.prototype is polluted').toBeUndefined();
  const errors = app.logLines.slice(fromLine).filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
  expect(errors, 'error log lines (a 5xx or a crash)').toEqual([]);
}

// ---- generators ------------------------------------------------------------------------

const ROUTES = [
  '/api/config',
  '/api/products',
  '/api/checkout-sessions',
  '/api/payment-intents',
  '/api/orders/cs_test_a1B2c3',
  '/api/orders/by-payment-intent/pi_a1B2c3',
  '/api/orders/not-an-id',
  '/webhooks/stripe',
  '/csp-reports',
  '/healthz',
  '/',
  '/success',
  '/cancel',
  '/embedded-checkout',
  '/return',
  '/payment',
  '/payment-complete',
  '/index.html',
  '/assets/index-Bx12cd34.js',
  '/assets/style-Cd56ef78.css',
  '/images/enamel-mug.svg',
  '/nope',
  '/api/nope',
  '/.env',
  '/webhooks/other',
] as const;

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND', 'SEARCH'] as const;

const CONTENT_TYPES = [
  undefined,
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/json; charset=nope',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/csp-report',
  'application/reports+json',
  'application/*',
  'a/b/c',
  ';;;',
  '',
] as const;

const hugeNumber = fc.constantFrom(
  '1e999999',
  '-1e999999',
  '123456789012345678901234567890',
  '9007199254740993',
  '-0',
  '0.0000000000000000001',
  '1.5',
  'NaN',
  'Infinity',
);

const pollutionKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__');

/** Objects with prototype-pollution keys, as raw JSON (JSON.stringify would drop `__proto__`). */
const pollutingJson = fc.tuple(pollutionKey, pollutionKey, fc.boolean()).map(([outer, inner, inItems]) => {
  const payload = `{"${inner}":{"polluted":true},"${outer}":{"prototype":{"polluted":true}}}`;
  return inItems ? `{"items":[${payload}]}` : payload;
});

const deepJson = fc
  .tuple(fc.integer({ min: 1, max: 4_000 }), fc.constantFrom(['[', ']'], ['{"a":', '}'], ['{"items":[', ']}']))
  .map(([depth, [open, close]]) => open.repeat(depth) + (open === '[' ? '' : '1') + close.repeat(depth));

/** Checkout-shaped bodies, mostly invalid: unknown products, odd quantities, extra fields. */
const checkoutJson = fc
  .record(
    {
      items: fc.oneof(
        fc.array(
          fc.record(
            {
              productId: fc.oneof(fc.constantFrom(...PRODUCTS.map((product) => product.id)), fc.string({ unit: 'binary', maxLength: 80 })),
              quantity: fc.oneof(fc.integer({ min: -5, max: 15 }), fc.double(), fc.string({ maxLength: 5 }), fc.constant(null)),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 6 },
        ),
        fc.jsonValue({ maxDepth: 2 }),
      ),
      uiMode: fc.option(fc.constantFrom('hosted_page', 'embedded_page', 'popup', ''), { nil: undefined }),
      extra: fc.option(fc.jsonValue({ maxDepth: 1 }), { nil: undefined }),
    },
    { requiredKeys: [] },
  )
  .map((value) => JSON.stringify(value));

const anyJson = fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value));
const unicodeString = fc.string({ unit: 'binary', maxLength: 200 });

const textBody = fc.oneof(
  anyJson,
  checkoutJson,
  pollutingJson,
  deepJson,
  hugeNumber,
  hugeNumber.map((number) => `{"items":[{"productId":"${PRODUCTS[0]?.id ?? 'x'}","quantity":${number}}]}`),
  fc.tuple(anyJson, fc.nat()).map(([json, cut]) => json.slice(0, json.length > 1 ? cut % json.length : 0)), // truncated
  unicodeString,
  unicodeString.map((text) => JSON.stringify({ 'csp-report': { 'document-uri': text, 'blocked-uri': text } })),
);

const body = fc.oneof(
  { weight: 8, arbitrary: textBody.map((text) => Buffer.from(text, 'utf8')) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2_000 }).map((bytes) => Buffer.from(bytes)) },
  { weight: 1, arbitrary: fc.integer({ min: 10_000, max: 700_000 }).map((size) => Buffer.alloc(size, '[')) }, // oversized
);

const pathSuffix = fc.oneof(
  { weight: 6, arbitrary: fc.constant('') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '/',
      '//',
      '/%',
      '/%E0%A4%A',
      '/%00',
      '/..%2F..%2Fetc%2Fpasswd',
      '?a=%',
      '?__proto__[polluted]=1',
      '/%F0%9F%92%B3',
    ),
  },
  { weight: 1, arbitrary: unicodeString.map((text) => `/${encodeURIComponent(text)}`) },
);

const extraHeaders = fc.record({
  origin: fc.constantFrom(undefined, 'https://evil.example', 'null'),
  fetchSite: fc.constantFrom(undefined, 'cross-site', 'same-origin', 'none'),
  encoding: fc.constantFrom(undefined, undefined, undefined, 'gzip', 'deflate', 'br', 'identity', 'x-nope'),
  signature: fc.constantFrom(undefined, 't=1,v1=abc', 'garbage', `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`),
  accept: fc.constantFrom(undefined, 'text/html', '*/*', 'application/json'),
});

const hostileRequest: fc.Arbitrary<FuzzRequest> = fc
  .record({
    method: fc.constantFrom(...METHODS),
    route: fc.constantFrom(...ROUTES),
    suffix: pathSuffix,
    contentType: fc.constantFrom(...CONTENT_TYPES),
    body: fc.option(body, { freq: 4 }),
    extra: extraHeaders,
  })
  .map(({ method, route, suffix, contentType, body: payload, extra }) => {
    const headers: Record<string, string> = {};
    if (contentType !== undefined) headers['Content-Type'] = contentType;
    if (extra.origin) headers['Origin'] = extra.origin;
    if (extra.fetchSite) headers['Sec-Fetch-Site'] = extra.fetchSite;
    if (extra.encoding) headers['Content-Encoding'] = extra.encoding;
    if (extra.signature) headers['Stripe-Signature'] = extra.signature;
    if (extra.accept) headers['Accept'] = extra.accept;
    // Any method may carry a body (GET and DELETE too, as attackers send them), except HEAD here.
    return { method, path: `${route}${suffix}`, headers, ...(payload && method !== 'HEAD' ? { body: payload } : {}) };
  });

/** Requests that get past the parsers, so valid answers (201, 204) are checked too. */
const validItems = fc.array(
  fc.record({ productId: fc.constantFrom(...PRODUCTS.map((product) => product.id)), quantity: fc.integer({ min: 1, max: 10 }) }),
  { minLength: 1, maxLength: 1 },
);
const plausibleRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('/api/checkout-sessions', '/api/payment-intents'),
      fc.oneof(
        checkoutJson,
        validItems.map((items) => JSON.stringify({ items })),
      ),
    )
    .map(([path, text]) => ({ method: 'POST', path, headers: { 'Content-Type': 'application/json' }, body: Buffer.from(text) })),
  fc
    .record(
      { 'document-uri': unicodeString, 'violated-directive': fc.constantFrom('script-src', 'img-src'), 'blocked-uri': unicodeString },
      { requiredKeys: [] },
    )
    .map((report) => ({
      method: 'POST',
      path: '/csp-reports',
      headers: { 'Content-Type': 'application/csp-report' },
      body: Buffer.from(JSON.stringify({ 'csp-report': report })),
    })),
);

/** A valid checkout or payment-intent request creates one order; count those answers. */
function createsOrder(request: FuzzRequest, res: FuzzResponse): boolean {
  return request.method === 'POST' && /^\/api\/(checkout-sessions|payment-intents)\/?$/.test(request.path) && res.status === 201;
}

/** Inputs that once answered 500, kept as regression examples (see server/src/errors.ts). */
const REGRESSIONS: FuzzRequest[][] = [
  // An undecodable %-escape in a route parameter: the router's URIError carries status 400.
  [{ method: 'GET', path: '/api/orders/%E0%A4%A', headers: {} }],
  [{ method: 'GET', path: '/api/orders/by-payment-intent/%', headers: {} }],
  // A body that does not inflate: body-parser's zlib error carries status 400 but no type.
  [
    {
      method: 'POST',
      path: '/api/checkout-sessions',
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
      body: Buffer.from('xxxxxxxx'),
    },
  ],
  [
    {
      method: 'POST',
      path: '/csp-reports',
      headers: { 'Content-Type': 'application/csp-report', 'Content-Encoding': 'deflate' },
      body: Buffer.from('{}'),
    },
  ],
];

// ---- the properties --------------------------------------------------------------------

describe('hostile input', () => {
  it('answers generated requests to every route with a 4xx JSON error or the valid response, changing nothing', async () => {
    const logStart = app.logLines.length;
    const before = await takeSnapshot();
    const statuses = new Set<number>();
    let ordersCreated = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof({ weight: 5, arbitrary: hostileRequest }, { weight: 1, arbitrary: plausibleRequest }), {
          minLength: 1,
          maxLength: 6,
        }),
        async (requests) => {
          // A handful at a time, so the app also sees concurrent hostile requests.
          const answers = await Promise.all(requests.map((request) => send(request)));
          requests.forEach((request, i) => {
            const res = answers[i];
            if (!res) throw new Error('missing answer');
            expectWellFormed(request, res);
            statuses.add(res.status);
            if (createsOrder(request, res)) ordersCreated += 1;
          });
        },
      ),
      { seed: SEED, numRuns: 600, examples: REGRESSIONS.map((requests) => [requests]) },
    );
    // The generators reach past the parsers: pages and assets, refusals of every kind.
    for (const status of [200, 201, 204, 400, 403, 404, 413, 415]) expect(statuses, `some answer was ${status}`).toContain(status);
    const after = await takeSnapshot();
    expectOnlyNewRows(before.orders, after.orders, ordersCreated, 'orders');
    expectOnlyNewRows(before.processedEvents, after.processedEvents, 0, 'processed_events');
    await expectStillServing(logStart);
  });

  it('refuses webhook deliveries whose signature is not ours, whatever the body, and records nothing', async () => {
    const logStart = app.logLines.length;
    const before = await takeSnapshot();
    const now = Math.floor(Date.now() / 1000);
    const event = fc.record({
      id: fc.stringMatching(/^evt_[A-Za-z0-9]{1,30}$/),
      type: fc.constantFrom('checkout.session.completed', 'payment_intent.succeeded', 'charge.refunded'),
      data: fc.record({ object: fc.record({ id: fc.string() }) }),
    });
    await fc.assert(
      fc.asyncProperty(
        event,
        fc.constantFrom('whsec_wrong', 'whsec_'),
        fc.integer({ min: -100_000, max: 100_000 }),
        async (payload, secret, skew) => {
          const raw = JSON.stringify(payload);
          const signature = app.stripe.webhooks.generateTestHeaderString({ payload: raw, secret, timestamp: now + skew });
          const res = await send({
            method: 'POST',
            path: '/webhooks/stripe',
            headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
            body: Buffer.from(raw),
          });
          expectWellFormed({ method: 'POST', path: '/webhooks/stripe', headers: {} }, res);
          expect(res.status).toBe(400);
        },
      ),
      { seed: SEED, numRuns: 150 },
    );
    const after = await takeSnapshot();
    expectOnlyNewRows(before.orders, after.orders, 0, 'orders');
    expectOnlyNewRows(before.processedEvents, after.processedEvents, 0, 'processed_events');
    await expectStillServing(logStart);
  });

  it('answers oversized header blocks with 431 and keeps serving', async () => {
    const logStart = app.logLines.length;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 17_000, max: 80_000 }), fc.constantFrom(...ROUTES), async (size, route) => {
        const request = {
          method: 'POST',
          path: route,
          headers: { 'Content-Type': 'application/json', 'X-Padding': 'a'.repeat(size) },
          body: Buffer.from('{}'),
        };
        const res = await send(request, { fresh: true });
        expectWellFormed(request, res);
        expect(res.status).toBe(431);
      }),
      { seed: SEED, numRuns: 20 },
    );
    await expectStillServing(logStart);
  });

  it('answers bodies trickled over a few seconds like any other body', async () => {
    const logStart = app.logLines.length;
    const before = await takeSnapshot();
    const trickle = (route: string, contentType: string, text: string) =>
      new Promise<FuzzResponse>((resolve, reject) => {
        const bytes = Buffer.from(text);
        const req = https.request(
          `${app.url}${route}`,
          { method: 'POST', agent: false, ca: app.ca, headers: { 'Content-Type': contentType, 'Content-Length': String(bytes.length) } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
            );
          },
        );
        req.on('error', reject);
        const pieces = 8;
        const size = Math.ceil(bytes.length / pieces);
        let sent = 0;
        const timer = setInterval(() => {
          req.write(bytes.subarray(sent, sent + size));
          sent += size;
          if (sent >= bytes.length) {
            clearInterval(timer);
            req.end();
          }
        }, 300);
      });
    const bodies: [string, string, string][] = [
      ['/api/checkout-sessions', 'application/json', '{"items":[{"productId":"nope","quantity":1}]}'],
      ['/api/payment-intents', 'application/json', '{"items":[{"__proto__":{"polluted":true}}]}'],
      ['/webhooks/stripe', 'application/json', '{"id":"evt_slow","type":"checkout.session.completed"}'],
      ['/csp-reports', 'application/csp-report', '{"csp-report":'],
    ];
    const answers = await Promise.all(bodies.map(([route, type, text]) => trickle(route, type, text)));
    answers.forEach((res, i) => {
      const [route] = bodies[i] ?? [''];
      expectWellFormed({ method: 'POST', path: route, headers: {} }, res);
      expect(res.status, route).toBe(400);
    });
    const after = await takeSnapshot();
    expectOnlyNewRows(before.orders, after.orders, 0, 'orders');
    expectOnlyNewRows(before.processedEvents, after.processedEvents, 0, 'processed_events');
    await expectStillServing(logStart);
  });
});
