// Lifecycle: SIGTERM while the server is under load. In-flight requests (busy
// keep-alive connections, webhook bodies still being streamed when the signal lands) get
// their normal answers; connections opened after the signal are refused; the process exits
// 0; and every webhook that got a 2xx has its effect in the database (opened after exit),
// while none that was refused does. The app runs in Stripe test mode against an emulator we
// start, so we hold the webhook secret and sign our own deliveries with the real SDK.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequestMix } from '../../test-support/load/request-mix';
import { runLoad } from '../../test-support/load/run-load';
import { launchApp, type LaunchedApp } from '../../test-support/app-launcher';
import { createStripeClient } from '../src/payments/stripe-client';
import type { Stripe } from '../src/payments/stripe-client';
import { payOnHostedPage, startTestEmulator } from './helpers/emulator';
import type { Emulator } from './helpers/emulator';
import { httpsRequest } from './helpers/https-request';
import { FIXTURE_CLIENT_DIR } from './helpers/test-app';
import { itemAt, loadActiveCatalog } from '../../test-support/catalog';

const catalog = loadActiveCatalog();

const WEBHOOK_SECRET = 'whsec_shutdown_under_load_test';
const SLOW_WEBHOOKS = 3;
const LOOPED_SESSIONS = 6;
const KEEP_ALIVE_CLIENTS = 4;
/** Well under main.ts's 10 s force-close: draining must not wait for it. */
const MAX_DRAIN_MS = 5_000;

let emulator: Emulator;
let app: LaunchedApp;
let stripe: Stripe;
beforeAll(async () => {
  emulator = await startTestEmulator();
  stripe = createStripeClient({ secretKey: 'sk_test_emulated', apiUrl: new URL(emulator.url), ca: emulator.ca });
  app = await launchApp({
    clientDistDir: FIXTURE_CLIENT_DIR,
    ca: emulator.ca,
    env: {
      STRIPE_SECRET_KEY: 'sk_test_emulated',
      STRIPE_PUBLISHABLE_KEY: 'pk_test_emulated',
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_URL: emulator.url,
      CHECKOUT_RATE_LIMIT: '1000',
    },
  });
});
afterAll(async () => {
  await app?.stop();
  app?.remove();
  await emulator?.close();
});

/**
 * The only database access in this file (the store is becoming async; this reads the file
 * the stopped app left): which of `eventIds` are recorded, and each session's order status.
 */
function readWebhookEffects(databaseFile: string, eventIds: string[], sessionIds: string[]) {
  const db = new Database(databaseFile, { readonly: true });
  try {
    const processed = new Set(
      eventIds.filter((id) => db.prepare('SELECT 1 FROM processed_events WHERE event_id = ?').get(id) !== undefined),
    );
    const statuses = new Map(
      sessionIds.map((id) => [
        id,
        (db.prepare('SELECT status FROM orders WHERE checkout_session_id = ?').get(id) as { status: string } | undefined)?.status,
      ]),
    );
    return { processed, statuses };
  } finally {
    db.close();
  }
}

async function createPaidSession(): Promise<string> {
  const created = await httpsRequest(`${app.url}/api/checkout-sessions`, {
    ca: emulator.ca,
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: app.url },
    body: JSON.stringify({ items: [itemAt(catalog, 0)] }),
  });
  expect(created.status).toBe(201);
  const url = (created.json() as { url: string }).url;
  expect((await payOnHostedPage(emulator, url, '4242 4242 4242 4242')).status).toBe(303);
  return url.split('/').at(-1) ?? '';
}

/** Letters only: a long digit run in an id would (rightly) trip the store's card-number guard. */
function uniqueLetters(): string {
  return Array.from(randomBytes(12), (byte) => String.fromCharCode(97 + (byte % 26))).join('');
}

interface Delivery {
  eventId: string;
  sessionId: string;
  body: string;
  signature: string;
}

function signedCompletion(eventId: string, sessionId: string): Delivery {
  const body = JSON.stringify({
    id: eventId,
    object: 'event',
    type: 'checkout.session.completed',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    data: { object: { id: sessionId, object: 'checkout.session' } },
  });
  return { eventId, sessionId, body, signature: stripe.webhooks.generateTestHeaderString({ payload: body, secret: WEBHOOK_SECRET }) };
}

type Outcome =
  | { status: number; body: string; connection: string | undefined; sentAfterSignal: boolean }
  | { error: string; reusedSocket: boolean; sentAfterSignal: boolean };

interface SendOptions {
  path: string;
  method?: string;
  headers?: Record<string, string>;
  /** A keep-alive agent; without one, a fresh connection. */
  agent?: https.Agent;
  body?: string;
}

/**
 * One request; resolves with the answer or the connection error's code, never rejects.
 * With `trickle`, half the body is written now and the rest when `trickle` resolves, so the
 * request is in flight (headers read by the server) for as long as the caller wants.
 */
function send(options: SendOptions, signalled: () => boolean, trickle?: Promise<void>): Promise<Outcome> {
  // When the connection is opened, not when the request is made: a fresh connection first looks
  // `localhost` up, and under load the signal can land in between, so a request made just before
  // it may still be refused (the listener is already closed when it connects).
  let sentAfterSignal = signalled();
  return new Promise((resolve) => {
    const bytes = Buffer.from(options.body ?? '');
    const req = https.request(
      `${app.url}${options.path}`,
      {
        method: options.method ?? 'GET',
        headers: { ...options.headers, ...(options.body === undefined ? {} : { 'Content-Length': String(bytes.length) }) },
        ...(options.agent ? { agent: options.agent } : { agent: false, ca: emulator.ca }),
        timeout: 15_000,
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, connection: res.headers.connection, sentAfterSignal }));
        res.on('error', (error: NodeJS.ErrnoException) =>
          resolve({ error: error.code ?? error.message, reusedSocket: req.reusedSocket, sentAfterSignal }),
        );
      },
    );
    req.on('socket', (socket) => socket.once('lookup', () => (sentAfterSignal = signalled())));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ error: error.code ?? error.message, reusedSocket: req.reusedSocket, sentAfterSignal }),
    );
    if (!trickle) {
      req.end(bytes);
      return;
    }
    const half = Math.floor(bytes.length / 2);
    req.write(bytes.subarray(0, half));
    void trickle.then(() => req.end(bytes.subarray(half)));
  });
}

function postWebhook(delivery: Delivery, agent?: https.Agent): SendOptions {
  return {
    path: '/webhooks/stripe',
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Stripe-Signature': delivery.signature },
    body: delivery.body,
    ...(agent ? { agent } : {}),
  };
}

async function waitForLogLine(pattern: RegExp, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(app.output())) {
    if (Date.now() > deadline) throw new Error(`no log line ${pattern} within ${timeoutMs} ms:\n${app.output().slice(-3_000)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('SIGTERM under load', () => {
  it(
    'finishes in-flight requests, refuses new connections, exits 0, and acknowledges no webhook without its effect',
    { timeout: 120_000 },
    async () => {
      const slowSessions = [];
      for (let i = 0; i < SLOW_WEBHOOKS; i++) slowSessions.push(await createPaidSession());
      const loopSessions = [];
      for (let i = 0; i < LOOPED_SESSIONS; i++) loopSessions.push(await createPaidSession());

      let signalledAt = 0;
      const signalled = () => signalledAt > 0;

      // 1. Load from another process, for longer than the app will live.
      const background = runLoad({
        url: app.url,
        ca: emulator.ca,
        durationSeconds: 6,
        connections: 4,
        requests: createRequestMix(app.url, catalog),
      });

      // 2. Our own keep-alive clients, each sending one request after another on its connection.
      const agent = new https.Agent({ keepAlive: true, maxSockets: KEEP_ALIVE_CLIENTS, ca: emulator.ca });
      const keepAliveOutcomes: Outcome[] = [];
      let stopClients = false;
      const clients = Array.from({ length: KEEP_ALIVE_CLIENTS }, async (_, i) => {
        while (!stopClients) {
          const outcome = await send({ path: i % 2 === 0 ? '/api/products' : '/', agent }, signalled);
          keepAliveOutcomes.push(outcome);
          if ('error' in outcome) await new Promise((resolve) => setTimeout(resolve, 20));
        }
      });

      // 3. Webhooks on keep-alive connections, each with half its body on the wire when the
      //    signal lands (the connection is busy, not idle), and a stream of quick ones.
      let releaseSlowBodies: () => void = () => {};
      const slowBodiesReleased = new Promise<void>((resolve) => (releaseSlowBodies = resolve));
      const slow = await Promise.all(
        slowSessions.map(async (sessionId, i) => {
          const slowAgent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: emulator.ca });
          // One quick request first, so the webhook goes out on a reused keep-alive connection.
          expect(await send({ path: '/healthz', agent: slowAgent }, signalled)).toMatchObject({ status: 200, connection: 'keep-alive' });
          const delivery = signedCompletion(`evt_slow${i}${uniqueLetters()}`, sessionId);
          return { delivery, agent: slowAgent, answer: send(postWebhook(delivery, slowAgent), signalled, slowBodiesReleased) };
        }),
      );
      const looped: { delivery: Delivery; outcome: Outcome }[] = [];
      let stopWebhooks = false;
      const webhookLoop = (async () => {
        for (let n = 0; !stopWebhooks; n++) {
          const delivery = signedCompletion(`evt_loop${n}${uniqueLetters()}`, loopSessions[n % loopSessions.length] ?? '');
          const outcome = await send(postWebhook(delivery), signalled);
          looped.push({ delivery, outcome });
          await new Promise((resolve) => setTimeout(resolve, 30));
        }
      })();

      // 4. The signal lands while all of that is running (the load generator's forged webhooks
      //    are being refused, so it is up and sending).
      await waitForLogLine(/"code":"invalid_signature"/);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const before = { keepAlive: keepAliveOutcomes.length, webhooks: looped.length };
      process.kill(app.pid, 'SIGTERM');
      signalledAt = Date.now();
      await waitForLogLine(/shutting down/);
      // The app logs that line just before close() in the same synchronous step; allow for the
      // OS descheduling it in between (two cores, three busy processes).
      await new Promise((resolve) => setTimeout(resolve, 100));

      // New connections are refused, on the HTTPS port and the redirect port alike.
      const fresh = await send({ path: '/healthz' }, signalled);
      expect(fresh).toEqual({ error: 'ECONNREFUSED', reusedSocket: false, sentAfterSignal: true });
      const redirect = await new Promise<string>((resolve) => {
        http
          .get({ host: 'localhost', port: app.httpPort, path: '/' }, (res) => resolve(`answered ${res.statusCode}`))
          .on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      });
      expect(redirect).toBe('ECONNREFUSED');

      // The slow webhooks' bodies complete after the signal: handled and acknowledged as usual,
      // and the answer closes the keep-alive connection, so the client's next request needs a
      // new connection, which is refused (not served on the old one).
      await new Promise((resolve) => setTimeout(resolve, 300));
      releaseSlowBodies();
      for (const { answer, agent: slowAgent } of slow) {
        expect(await answer).toMatchObject({ status: 200, body: '{"received":true}', sentAfterSignal: false });
        const next = await send({ path: '/healthz', agent: slowAgent }, signalled);
        expect(next, 'a connection busy at the signal went on serving').toEqual({
          error: 'ECONNREFUSED',
          reusedSocket: false,
          sentAfterSignal: true,
        });
        slowAgent.destroy();
      }

      const exit = await app.exited;
      const drainMs = Date.now() - signalledAt;
      stopClients = true;
      stopWebhooks = true;
      await Promise.all([...clients, webhookLoop]);
      agent.destroy();
      const load = await background;

      expect(exit).toEqual({ code: 0, signal: null });
      expect(drainMs, 'shutdown waited for the force-close timeout').toBeLessThan(MAX_DRAIN_MS);
      expect(app.output()).toContain('"msg":"stopped"');
      expect(app.output()).not.toContain('did not finish in time');
      expect(app.output()).not.toMatch(/"level":(50|60)/);

      // Keep-alive clients: every request got its normal answer, or after the signal a refused
      // new connection, or the race every keep-alive client must retry (Node's docs, "reusedSocket"):
      // the request went out on a connection the server was closing as idle, so it was never read.
      expect(before.keepAlive).toBeGreaterThan(0);
      const answered = keepAliveOutcomes.filter((outcome) => 'status' in outcome);
      const failed = keepAliveOutcomes.filter((outcome) => 'error' in outcome);
      for (const outcome of answered) expect('status' in outcome && outcome.status, JSON.stringify(outcome)).toBeOneOf([200, 429]);
      for (const outcome of failed) {
        expect(outcome, 'a request failed before the signal, or was cut on a fresh connection').toBeOneOf([
          { error: 'ECONNREFUSED', reusedSocket: false, sentAfterSignal: true },
          { error: 'ECONNRESET', reusedSocket: true, sentAfterSignal: true },
        ]);
      }
      expect(failed.length, 'the clients went on until the server was gone').toBeGreaterThan(0);
      // The load generator in its own process saw no 5xx either.
      expect(load.statusClasses['5xx']).toBe(0);
      expect(load.totalRequests).toBeGreaterThan(0);

      // Webhooks: acknowledged => committed; refused => not committed.
      const acked = [
        ...slow.map(({ delivery }) => delivery),
        ...looped.filter(({ outcome }) => 'status' in outcome && outcome.status === 200).map(({ delivery }) => delivery),
      ];
      const refused = looped.filter(({ outcome }) => 'error' in outcome).map(({ delivery }) => delivery);
      // A delivery whose connection was accepted, but had sent no request yet, when the signal
      // landed is closed as idle (ECONNRESET): no answer, so Stripe retries it; either way it
      // was not acknowledged, which is what matters here.
      const reset = looped.filter(({ outcome }) => 'error' in outcome && outcome.error === 'ECONNRESET');
      expect(reset.length, 'more than the one delivery that can be caught at the signal was reset').toBeLessThanOrEqual(1);
      for (const { outcome } of looped) {
        if ('status' in outcome) expect(outcome.status, outcome.body).toBe(200);
        else if (outcome.error !== 'ECONNRESET')
          expect(outcome, 'a webhook failed other than refused').toEqual({
            error: 'ECONNREFUSED',
            reusedSocket: false,
            sentAfterSignal: true,
          });
      }
      expect(before.webhooks).toBeGreaterThan(0);
      expect(refused.length).toBeGreaterThan(0);
      const effects = readWebhookEffects(
        app.sqliteFile(),
        [...acked, ...refused].map(({ eventId }) => eventId),
        [...slowSessions, ...loopSessions],
      );
      for (const { eventId, sessionId } of acked) {
        expect(effects.processed.has(eventId), `${eventId} acknowledged but not recorded`).toBe(true);
        expect(effects.statuses.get(sessionId), `${sessionId} acknowledged but not paid`).toBe('paid');
      }
      for (const { eventId } of refused) expect(effects.processed.has(eventId), `${eventId} refused but recorded`).toBe(false);
      console.warn(
        `shutdown under load: exited ${drainMs} ms after SIGTERM; keep-alive clients ${answered.length} answered ` +
          `(${answered.filter((outcome) => outcome.sentAfterSignal).length} after the signal), ${failed.length} refused or reset after it; ` +
          `webhooks ${acked.length} acknowledged and recorded (${slow.length} half-sent at the signal), ${refused.length} refused, ${reset.length} reset; ` +
          `autocannon ${load.totalRequests} answers, ${load.errors} connection errors once the app was gone`,
      );
    },
  );
});
