// POST /webhooks/stripe as HTTP: which requests reach it (method, path, case, trailing slash,
// query), and the exact answers it gives (status, JSON body, every header) for a delivery
// accepted, refused, too large, failing on Stripe's side and failing on ours, and the one log
// line of each. These pinned what the route answered when Express served it (they passed on that
// code); the route now answers in front of Express (request-listener.ts), the same but for the
// ETag, whose absence shows Express's `res.json` is not in the way any more.
import { stripeEventBody } from './helpers/stripe-event';
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createId } from '../../emulator/src/index';
import { everyResponseHeaders } from '../src/security/headers';
import { startTestApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';
import { waitFor } from './helpers/wait';

const SECURITY = { profile: 'production', hstsPreload: false } as const;
const WEBHOOK_BODY_LIMIT = 512 * 1024;

let app: TestApp;
beforeAll(async () => {
  // Stripe is unreachable (the helper's default): a handled event type then fails on Stripe's side.
  app = await startTestApp();
});
afterAll(async () => {
  await app.close();
});

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** One request with the target exactly as given (no normalisation by a URL parser). */
function send(method: string, target: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: 'localhost', port: app.port, method, path: target, ca: app.ca, agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function eventBody(type: string, id = createId('evt')): string {
  return stripeEventBody(type, { id: 'cs_test_a1B2c3', object: 'checkout.session' }, { id });
}

function signed(body: string): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'Stripe-Signature': app.stripe.webhooks.generateTestHeaderString({ payload: body, secret: app.webhookSecret }),
  };
}

/** The error code of a JSON error answer, or what else came back. */
function outcome(answer: Answer): [number, string] {
  if (answer.status === 200 && answer.text === 'POST') return [200, 'Allow: POST'];
  try {
    const parsed = JSON.parse(answer.text) as { error?: { code?: string } };
    return [answer.status, parsed.error?.code ?? answer.text];
  } catch {
    return [answer.status, answer.text];
  }
}

/** Exactly these headers: the common ones, a JSON type (unless `extra` says otherwise) and length, and what Node adds. ETag is left out (see below). */
function expectAnswerHeaders(res: Answer, extra: Record<string, string> = {}) {
  const expected: Record<string, string> = Object.fromEntries(
    everyResponseHeaders(SECURITY).map(([name, value]) => [name.toLowerCase(), value]),
  );
  expected['content-type'] = 'application/json; charset=utf-8';
  expected['content-length'] = String(Buffer.byteLength(res.text));
  // The client asks for no keep-alive (agent: false).
  expected['connection'] = 'close';
  expected['date'] = String(res.headers['date']);
  Object.assign(expected, extra);
  const received = { ...res.headers };
  delete received.etag;
  expect(received).toEqual(expected);
}

describe('which requests reach the webhook route', () => {
  // Reached: 400 missing_signature (nothing signed them). Not reached: the app's JSON 404.
  const cases: [method: string, target: string, expected: [number, string]][] = [
    ['POST', '/webhooks/stripe', [400, 'missing_signature']],
    ['POST', '/webhooks/stripe/', [400, 'missing_signature']],
    ['POST', '/WEBHOOKS/Stripe', [400, 'missing_signature']],
    ['POST', '/Webhooks/STRIPE/', [400, 'missing_signature']],
    ['POST', '/webhooks/stripe?x=1', [400, 'missing_signature']],
    ['POST', '/webhooks/stripe/?x=1&y', [400, 'missing_signature']],
    ['POST', '/webhooks/stripe?', [400, 'missing_signature']],
    ['POST', '/webhooks/stripe//', [400, 'missing_signature']],
    ['POST', '/webhooks/stripe///', [404, 'not_found']],
    ['POST', '/webhooks/stripe//?x=1', [400, 'missing_signature']],
    ['POST', '/webhooks/stripe/%2F', [404, 'not_found']],
    ['POST', '/webhooks/stripe/.', [404, 'not_found']],
    ['POST', '/webhooks/stripe;x', [404, 'not_found']],
    ['POST', '/webhooks/stripe#x', [400, 'missing_signature']],
    ['POST', 'https://localhost/WEBHOOKS/stripe/?x=1', [400, 'missing_signature']],
    ['POST', '*', [404, 'not_found']],
    ['POST', 'https://localhost/webhooks/./stripe', [404, 'not_found']],
    ['POST', 'https://localhost/webhooks/x/../stripe', [404, 'not_found']],
    ['POST', 'https://localhost/webhooks/%2e/stripe', [404, 'not_found']],
    ['POST', 'https://localhost', [404, 'not_found']],
    ['POST', 'https://localhost/webhooks/stripe/..', [404, 'not_found']],
    ['POST', '/webhooks\\stripe', [404, 'not_found']],
    ['POST', '/webhooks/stripe\\', [404, 'not_found']],
    ['POST', '/webhooks/stripe|', [404, 'not_found']],
    ['POST', 'https://localhost/webhooks\\stripe', [400, 'missing_signature']],
    ['POST', 'HTTPS://localhost:1/webhooks/stripe', [400, 'missing_signature']],
    ['POST', 'http://other.example/webhooks/stripe', [400, 'missing_signature']],
    ['POST', '/webhooks/stripe/x', [404, 'not_found']],
    ['POST', '/webhooks/stripex', [404, 'not_found']],
    ['POST', '/webhooks//stripe', [404, 'not_found']],
    ['POST', '/webhooks/%73tripe', [404, 'not_found']],
    ['POST', '/webhooks/stripe%2F', [404, 'not_found']],
    ['POST', '/webhooks', [404, 'not_found']],
    ['POST', '//webhooks/stripe', [404, 'not_found']],
    ['POST', 'https://localhost/webhooks/stripe', [400, 'missing_signature']],
    ['GET', '/webhooks/stripe', [404, 'not_found']],
    ['HEAD', '/webhooks/stripe', [404, '']],
    ['HEAD', '/webhooks/stripe/', [404, '']],
    ['PUT', '/webhooks/stripe', [404, 'not_found']],
    ['PATCH', '/webhooks/stripe', [404, 'not_found']],
    ['DELETE', '/webhooks/stripe', [404, 'not_found']],
    ['OPTIONS', '/webhooks/stripe', [200, 'Allow: POST']],
    ['OPTIONS', '/webhooks/stripe/?x=1', [200, 'Allow: POST']],
    ['OPTIONS', '/webhooks/stripe/x', [404, 'not_found']],
    ['post', '/webhooks/stripe', [400, 'missing_signature']],
  ];

  it('answers as Express routed them', async () => {
    const answers: [string, string, [number, string]][] = [];
    for (const [method, target] of cases) {
      const body = method === 'GET' || method === 'HEAD' ? undefined : '{}';
      answers.push([method, target, outcome(await send(method, target, {}, body))]);
    }
    expect(answers).toEqual(cases);
  });

  it('answers OPTIONS with the one allowed method and the common headers', async () => {
    const res = await send('OPTIONS', '/webhooks/stripe');
    expect(res.text).toBe('POST');
    expectAnswerHeaders(res, { allow: 'POST', 'content-type': 'text/plain' });
  });
});

describe('the answers of the webhook route', () => {
  it("go out without passing through the Express app: no ETag, which the app's `res.json` adds to its JSON answers", async () => {
    // The app's own JSON answer has one (Express's `etag` setting), so its absence is no accident of the test.
    expect((await send('GET', '/api/products')).headers['etag']).toMatch(/^W\/"/);
    const body = eventBody('customer.created');
    const answers = [
      await send('POST', '/webhooks/stripe', signed(body), body),
      await send('POST', '/webhooks/stripe', {}, '{}'),
      await send('POST', '/webhooks/stripe', {}, Buffer.alloc(WEBHOOK_BODY_LIMIT + 1, 'a')),
      await send('OPTIONS', '/webhooks/stripe'),
    ];
    expect(answers.map((res) => res.status)).toEqual([200, 400, 413, 200]);
    for (const res of answers) expect(res.headers).not.toHaveProperty('etag');
  });

  /**
   * The request lines with this status since `from`. A line is written when the connection
   * closes, which may be after the client has its answer: an earlier test's line may still come
   * in, hence the status to tell them apart.
   */
  async function linesFrom(from: number, status: number) {
    const read = () =>
      app.logLines
        .slice(from)
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line['method'] === 'POST' && line['status'] === status && typeof line['ms'] === 'number');
    await waitFor(read, (found) => found.length > 0);
    // Long enough for a second line, were one written.
    await new Promise((resolve) => setTimeout(resolve, 50));
    return read();
  }

  it('200 {"received":true} for an accepted delivery, with one info line', async () => {
    const body = eventBody('customer.created');
    const from = app.logLines.length;
    const res = await send('POST', '/webhooks/stripe?attempt=1', signed(body), body);
    expect(res.status).toBe(200);
    expect(res.text).toBe('{"received":true}');
    expectAnswerHeaders(res);
    const lines = await linesFrom(from, 200);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 30,
        msg: 'webhook event',
        method: 'POST',
        path: '/webhooks/stripe',
        status: 200,
        eventId: JSON.parse(body).id,
        type: 'customer.created',
        result: 'ignored',
        orderId: null,
      }),
    ]);
    expect(lines[0]).not.toHaveProperty('aborted');
    expect(lines[0]).not.toHaveProperty('problem');
  });

  it('400 for a body whatever its content type (none, odd, form), as the signature check decides', async () => {
    for (const type of [undefined, 'text/plain', 'application/x-www-form-urlencoded', ';;;']) {
      const body = eventBody('customer.created');
      const headers = { ...signed(body), ...(type === undefined ? {} : { 'Content-Type': type }) };
      if (type === undefined) delete headers['Content-Type'];
      // Signed: accepted whatever the type says.
      expect((await send('POST', '/webhooks/stripe', headers, body)).status, String(type)).toBe(200);
    }
    const from = app.logLines.length;
    const res = await send('POST', '/webhooks/stripe', { 'Content-Type': 'text/plain', 'Stripe-Signature': 't=1,v1=00' }, 'hello');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toEqual({ error: { code: 'invalid_signature', message: 'The webhook signature is not valid.' } });
    expectAnswerHeaders(res);
    expect(await linesFrom(from, 400)).toEqual([
      expect.objectContaining({ level: 30, msg: 'request refused', path: '/webhooks/stripe', status: 400, code: 'invalid_signature' }),
    ]);
  });

  it('413 for a body over 512 kB, declared or not, and the connection still serves', async () => {
    const from = app.logLines.length;
    const big = Buffer.alloc(WEBHOOK_BODY_LIMIT + 1, 'a');
    const res = await send('POST', '/webhooks/stripe', { 'Content-Type': 'application/json', 'Stripe-Signature': 't=1,v1=00' }, big);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text)).toEqual({ error: { code: 'body_too_large', message: 'The request body is too large.' } });
    expectAnswerHeaders(res);
    expect(await linesFrom(from, 413)).toEqual([
      expect.objectContaining({ level: 30, msg: 'request refused', path: '/webhooks/stripe', status: 413, code: 'body_too_large' }),
    ]);
    // Exactly the limit is read, and refused by the signature check only.
    const atLimit = await send('POST', '/webhooks/stripe', { 'Stripe-Signature': 't=1,v1=00' }, Buffer.alloc(WEBHOOK_BODY_LIMIT, 'a'));
    expect(outcome(atLimit)).toEqual([400, 'invalid_signature']);
  });

  it('502 when Stripe cannot be read, with the cause logged and not sent', async () => {
    const body = eventBody('checkout.session.completed');
    const from = app.logLines.length;
    const res = await send('POST', '/webhooks/stripe', signed(body), body);
    expect(res.status).toBe(502);
    expect(JSON.parse(res.text)).toEqual({
      error: { code: 'payment_provider_error', message: 'The payment provider could not be read; deliver the event again later.' },
    });
    expectAnswerHeaders(res);
    const lines = await linesFrom(from, 502);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 50,
        msg: 'request failed',
        method: 'POST',
        path: '/webhooks/stripe',
        status: 502,
        code: 'payment_provider_error',
        err: expect.objectContaining({ type: 'AppError' }),
      }),
    ]);
  });

  it('500 internal_error for a failure of ours, with the cause logged and not sent', async () => {
    // The store refuses an id with a card-number-like digit run (store/pan-guard.ts): not an AppError.
    const body = eventBody('customer.created', 'evt_4242424242424242');
    const from = app.logLines.length;
    const res = await send('POST', '/webhooks/stripe', signed(body), body);
    expect(res.status).toBe(500);
    expect(JSON.parse(res.text)).toEqual({
      error: { code: 'internal_error', message: 'Something went wrong on our side. Please try again.' },
    });
    expectAnswerHeaders(res);
    const lines = await linesFrom(from, 500);
    expect(lines).toEqual([
      expect.objectContaining({ level: 50, msg: 'request failed', path: '/webhooks/stripe', status: 500, err: expect.any(Object) }),
    ]);
    expect(lines[0]).not.toHaveProperty('code');
    expect(res.text).not.toContain('4242');
  });

  it('logs a delivery whose sender went away mid-body once, as aborted, and records nothing', async () => {
    const from = app.logLines.length;
    await new Promise<void>((resolve) => {
      const req = https.request({
        host: 'localhost',
        port: app.port,
        method: 'POST',
        path: '/webhooks/stripe',
        ca: app.ca,
        agent: false,
        headers: { 'Content-Type': 'application/json', 'Stripe-Signature': 't=1,v1=00', 'Content-Length': '1000' },
      });
      req.on('error', () => resolve());
      req.write('{"id":"evt_');
      setTimeout(() => req.destroy(), 200);
    });

    const lines = await linesFrom(from, 200);
    // Logged when the connection closed, before any answer: the status is Node's default.
    expect(lines).toEqual([
      expect.objectContaining({ level: 30, msg: 'request', method: 'POST', path: '/webhooks/stripe', status: 200, aborted: true }),
    ]);
  });
});
