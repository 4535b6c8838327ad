// Reconciliation through the real emulator: events Stripe never delivered to us (the
// emulator starts without webhook endpoints) are listed with GET /v1/events and processed
// through the same idempotent path as webhooks.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mode } from '../src/config';
import { createCheckoutSession } from '../src/payments/checkout';
import { reconcileMissedEvents } from '../src/payments/reconcile';
import { HANDLED_EVENT_TYPES } from '../src/payments/webhook-events';
import type { ReconcileOptions } from '../src/payments/reconcile';
import { createLogger } from '../src/logger';
import { createStripeClient } from '../src/payments/stripe-client';
import { openDatabase } from '../src/store/database';
import { createOrderStore } from '../src/store/order-store';
import { createReconcileCursor } from '../src/store/reconcile-cursor';
import { spawnScript } from '../../test-support/app-launcher';
import { confirmAsPaymentElement, payOnHostedPage, startTestEmulator } from './helpers/emulator';
import type { Emulator } from './helpers/emulator';
import { countRows, FIXTURE_CLIENT_DIR, startEmulatedApp, startPaymentIntent, startTestApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';
import { waitFor } from './helpers/wait';
import { basketTotal, itemAt, loadActiveCatalog } from '../../test-support/catalog';

const catalog = loadActiveCatalog();
const ONE_ITEM = [itemAt(catalog, 0)];

/** `mode` is the mode of the keys the run believes it has (the emulator's events are test mode). */
function reconcile(app: TestApp, options: ReconcileOptions = {}, mode: Mode = 'emulated') {
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void app.logLines.push(line) } });
  return reconcileMissedEvents({ stripe: app.stripe, store: app.store, logger, mode, cursor: createReconcileCursor(app.db) }, options);
}

async function checkout(app: TestApp) {
  const res = await app.request('/api/checkout-sessions', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ items: ONE_ITEM }),
  });
  expect(res.status).toBe(201);
  const url = (res.json() as { url: string }).url;
  const sessionId = url.split('/').at(-1) ?? '';
  return { url, sessionId, orderId: (await app.store.findOrderByCheckoutSession(sessionId))?.id ?? '' };
}

async function paidCheckout(app: TestApp, emulator: Emulator) {
  const session = await checkout(app);
  expect((await payOnHostedPage(emulator, session.url, '4242 4242 4242 4242')).status).toBe(303);
  return session;
}

async function paymentIntent(app: TestApp, emulator: Emulator, cardNumber: string) {
  const { clientSecret, paymentIntentId, orderId } = await startPaymentIntent(app);
  await confirmAsPaymentElement(emulator, clientSecret, cardNumber);
  return { paymentIntentId, orderId };
}

function orderRows(app: TestApp) {
  return app.db.db.selectFrom('orders').selectAll().orderBy('id').execute();
}

function orderRow(app: TestApp, orderId: string) {
  return app.db.db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirst();
}

function eventRows(app: TestApp) {
  return app.db.db.selectFrom('processed_events').selectAll().orderBy('event_id').execute();
}

function cardColumns(app: TestApp, orderId: string) {
  return app.db.db
    .selectFrom('orders')
    .select(['status', 'card_brand', 'card_last4', 'card_exp_month', 'card_exp_year'])
    .where('id', '=', orderId)
    .executeTakeFirst();
}

const VISA_4242 = { card_brand: 'visa', card_last4: '4242', card_exp_month: 12, card_exp_year: 2034 };
const NO_CARD = { card_brand: null, card_last4: null, card_exp_month: null, card_exp_year: null };

describe('events that were never delivered', () => {
  let emulator: Emulator;
  let app: TestApp;
  let stop: () => Promise<void>;
  beforeAll(async () => ({ emulator, app, stop } = await startEmulatedApp()));
  afterAll(() => stop());

  it('has nothing to do before the first order', async () => {
    expect(await reconcile(app)).toEqual({ since: null, listed: 0, processed: 0, duplicate: 0, ignored: 0, failed: 0 });
  });

  it('brings every order to its final state, and a second run changes nothing', async () => {
    const paid = await paidCheckout(app, emulator);
    const refunded = await paymentIntent(app, emulator, '4242 4242 4242 4242');
    await app.stripe.refunds.create({ payment_intent: refunded.paymentIntentId });
    const disputed = await paymentIntent(app, emulator, '4000 0000 0000 0259');
    const declined = await paymentIntent(app, emulator, '4000 0000 0000 0002');
    const expired = await checkout(app);
    await app.stripe.checkout.sessions.expire(expired.sessionId);
    const open = await checkout(app);

    // Nothing reached us: every order is still pending.
    expect(await countRows(app.db, 'processed_events')).toBe(0);
    for (const { orderId } of [paid, refunded, disputed, declined, expired, open])
      expect(await cardColumns(app, orderId)).toEqual({ status: 'pending', ...NO_CARD });

    const first = await reconcile(app);
    expect(first.failed).toBe(0);
    expect(first.processed).toBeGreaterThanOrEqual(6);
    expect(first.listed).toBe(first.processed + first.duplicate + first.ignored);
    expect(await cardColumns(app, paid.orderId)).toEqual({ status: 'paid', ...VISA_4242 });
    expect(await cardColumns(app, refunded.orderId)).toEqual({ status: 'refunded', ...VISA_4242 });
    expect(await cardColumns(app, disputed.orderId)).toEqual({
      status: 'disputed',
      card_brand: 'visa',
      card_last4: '0259',
      card_exp_month: 12,
      card_exp_year: 2034,
    });
    expect(await cardColumns(app, declined.orderId)).toEqual({ status: 'failed', ...NO_CARD });
    expect(await cardColumns(app, expired.orderId)).toEqual({ status: 'expired', ...NO_CARD });
    expect(await cardColumns(app, open.orderId)).toEqual({ status: 'pending', ...NO_CARD });

    // Exactly the listed events of the types the webhook handler acts on were recorded.
    const events = await app.stripe.events.list({ limit: 100 });
    const handled = events.data.filter((event) => (HANDLED_EVENT_TYPES as readonly string[]).includes(event.type));
    expect(events.data.length).toBeGreaterThan(handled.length);
    expect((await eventRows(app)).map((row) => row.event_id)).toEqual(handled.map((event) => event.id).sort());
    expect(first.listed).toBe(handled.length);

    const orders = await orderRows(app);
    const processed = await eventRows(app);
    const second = await reconcile(app);
    // The first run started at the oldest order; this one an overlap before the newest processed event.
    expect(second).toEqual({
      since: expect.any(Number),
      listed: first.listed,
      processed: 0,
      duplicate: first.listed,
      ignored: 0,
      failed: 0,
    });
    expect(await orderRows(app)).toEqual(orders);
    expect(await eventRows(app)).toEqual(processed);
    expect(app.logLines.join('')).not.toMatch(/4242 ?4242 ?4242 ?4242|4000 ?0000 ?0000 ?0(259|002)/);
  });

  it('lists from an overlap before the newest processed event', async () => {
    const row = await app.db.db
      .selectFrom('processed_events')
      .select((eb) => eb.fn.max('processed_at').as('newest'))
      .executeTakeFirst();
    const newest = row?.newest ?? 0;
    expect(newest).toBeGreaterThan(0);
    expect((await reconcile(app, { overlapSeconds: 60 })).since).toBe(newest - 60);
    expect((await reconcile(app)).since).toBe(newest - 3 * 24 * 60 * 60);
  });

  it('stops between events when aborted, and the next run finishes the job', async () => {
    const late = await paidCheckout(app, emulator);
    const stop = new AbortController();
    stop.abort();
    expect(await reconcile(app, { signal: stop.signal })).toMatchObject({ processed: 0, failed: 0 });
    expect(await cardColumns(app, late.orderId)).toMatchObject({ status: 'pending' });
    expect(await reconcile(app)).toMatchObject({ processed: 2, failed: 0 });
    expect(await cardColumns(app, late.orderId)).toEqual({ status: 'paid', ...VISA_4242 });
  });
});

describe('when Stripe cannot be reached', () => {
  it('rejects (the caller logs it) and records nothing', async () => {
    const app = await startTestApp();
    try {
      await app.store.createOrder({
        id: 'ord_unreachable1',
        amount: basketTotal(catalog, ONE_ITEM),
        currency: catalog.currency,
        items: ONE_ITEM,
      });
      await expect(reconcile(app)).rejects.toThrow();
      expect(await countRows(app.db, 'processed_events')).toBe(0);
      expect(await cardColumns(app, 'ord_unreachable1')).toEqual({ status: 'pending', ...NO_CARD });
    } finally {
      await app.close();
    }
  });
});

describe('when Stripe fails part-way through a run', () => {
  let emulator: Emulator;
  let app: TestApp;
  let stop: () => Promise<void>;
  beforeAll(async () => ({ emulator, app, stop } = await startEmulatedApp()));
  afterAll(() => stop());

  it('counts the event that failed, leaves it unrecorded, and the next run processes it', async () => {
    const first = await paidCheckout(app, emulator);
    const second = await paidCheckout(app, emulator);
    // Stripe answers 500 (every retry too) when the first session is retrieved: its
    // checkout.session.completed cannot be planned. Everything else goes through.
    emulator.faults.fail({ method: 'GET', path: new RegExp(`^/v1/checkout/sessions/${first.sessionId}$`) });
    const failedRun = await reconcile(app);
    expect(failedRun).toMatchObject({ listed: 4, processed: 3, duplicate: 0, ignored: 0, failed: 1 });
    expect(emulator.faults.injected).toBeGreaterThan(0);
    const failedLine = app.logLines.find((line) => line.includes('reconcile: event could not be processed'));
    const failedEventId = failedLine ? (JSON.parse(failedLine) as { eventId: string }).eventId : '';
    expect(failedLine).toContain('"type":"checkout.session.completed"');
    expect((await eventRows(app)).map((row) => row.event_id)).not.toContain(failedEventId);
    // The first order was still paid, by its payment_intent.succeeded; the second by both events.
    expect(await cardColumns(app, first.orderId)).toEqual({ status: 'paid', ...VISA_4242 });
    expect(await cardColumns(app, second.orderId)).toEqual({ status: 'paid', ...VISA_4242 });

    emulator.faults.clear();
    expect(await reconcile(app)).toMatchObject({ listed: 4, processed: 1, duplicate: 3, failed: 0 });
    expect((await eventRows(app)).map((row) => row.event_id)).toContain(failedEventId);
    expect(await countRows(app.db, 'processed_events')).toBe(4);
  });
});

describe('events of the other mode than our keys', () => {
  let emulator: Emulator;
  let app: TestApp;
  let stop: () => Promise<void>;
  beforeAll(async () => ({ emulator, app, stop } = await startEmulatedApp()));
  afterAll(() => stop());

  it('are refused: counted as failed, not recorded, no order moved; with keys of their mode they go through', async () => {
    const paid = await paidCheckout(app, emulator);
    // The emulator's events are test mode; this run believes it holds live-mode keys.
    const refused = await reconcile(app, {}, 'live');
    expect(refused).toMatchObject({ listed: 2, processed: 0, duplicate: 0, ignored: 0, failed: 2 });
    expect(await countRows(app.db, 'processed_events')).toBe(0);
    expect(await cardColumns(app, paid.orderId)).toEqual({ status: 'pending', ...NO_CARD });
    const failures = app.logLines.filter((line) => line.includes('reconcile: event could not be processed'));
    expect(failures).toHaveLength(2);
    for (const line of failures) expect(line).toContain('"code":"livemode_mismatch"');

    expect(await reconcile(app)).toMatchObject({ listed: 2, processed: 2, failed: 0 });
    expect(await cardColumns(app, paid.orderId)).toEqual({ status: 'paid', ...VISA_4242 });
  });
});

describe('events a webhook already delivered', () => {
  let emulator: Emulator;
  let app: TestApp;
  let stop: () => Promise<void>;
  beforeAll(async () => ({ emulator, app, stop } = await startEmulatedApp()));
  afterAll(() => stop());

  it('are not applied again; only the missed ones are processed', async () => {
    const missed = await paidCheckout(app, emulator);
    emulator.addWebhookEndpoint({ url: `${app.url}/webhooks/stripe`, secret: app.webhookSecret });
    const delivered = await paymentIntent(app, emulator, '4242 4242 4242 4242');
    await waitFor(
      () => cardColumns(app, delivered.orderId),
      (row) => row?.status === 'paid',
    );
    // Let every delivery of the payment settle (charge.succeeded etc. are recorded as ignored).
    const settled = await waitFor(
      () => countRows(app.db, 'processed_events'),
      (n) => n >= 3,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await countRows(app.db, 'processed_events')).toBe(settled);
    const byWebhook = await eventRows(app);
    const deliveredOrder = await orderRow(app, delivered.orderId);
    expect(await cardColumns(app, missed.orderId)).toMatchObject({ status: 'pending' });

    const summary = await reconcile(app);
    // payment_intent.succeeded came by webhook; the missed session's two events did not.
    expect(summary).toMatchObject({ processed: 2, duplicate: 1, ignored: 0, failed: 0 });
    expect(await cardColumns(app, missed.orderId)).toEqual({ status: 'paid', ...VISA_4242 });
    expect(await orderRow(app, delivered.orderId)).toEqual(deliveredOrder);
    const after = await eventRows(app);
    for (const row of byWebhook) expect(after).toContainEqual(row);
    expect(after).toHaveLength(byWebhook.length + 2);
  });
});

describe('npm run reconcile and startup, as processes', () => {
  let emulator: Emulator;
  let dir: string;
  let dbFile: string;
  beforeAll(async () => {
    emulator = await startTestEmulator();
    dir = mkdtempSync(path.join(os.tmpdir(), 'sss-reconcile-'));
    dbFile = path.join(dir, 'app.sqlite');
  });
  afterAll(async () => {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A hosted Checkout order paid at the emulator while no app was there to hear about it. */
  async function payWhileDown(): Promise<string> {
    const db = await openDatabase({ engine: 'sqlite', file: dbFile });
    try {
      const stripe = createStripeClient({ secretKey: 'sk_test_emulated', apiUrl: new URL(emulator.url), ca: emulator.ca });
      const started = await createCheckoutSession(
        { stripe, store: createOrderStore(db), catalog, publicUrl: 'https://localhost:4242' },
        ONE_ITEM,
      );
      if (started.uiMode !== 'hosted_page') throw new Error('expected a hosted Checkout Session');
      expect((await payOnHostedPage(emulator, started.url, '4242 4242 4242 4242')).status).toBe(303);
      return started.orderId;
    } finally {
      await db.close();
    }
  }

  async function statusOf(orderId: string): Promise<unknown> {
    const db = await openDatabase({ engine: 'sqlite', file: dbFile });
    try {
      return await db.db.selectFrom('orders').select('status').where('id', '=', orderId).executeTakeFirst();
    } finally {
      await db.close();
    }
  }

  const run = (script: string, env: Record<string, string>) =>
    spawnScript({
      script: `server/src/${script}`,
      dir,
      env: { PORT: '0', HTTP_PORT: '0', CLIENT_DIST_DIR: FIXTURE_CLIENT_DIR, DATABASE_URL: `file:${dbFile}`, ...env },
    });

  const testMode = () => ({
    STRIPE_SECRET_KEY: 'sk_test_emulated',
    STRIPE_PUBLISHABLE_KEY: 'pk_test_emulated',
    STRIPE_WEBHOOK_SECRET: 'whsec_reconcile_test_secret',
    STRIPE_API_URL: emulator.url,
  });

  it('npm run reconcile processes what was missed, then exits 0', async () => {
    const orderId = await payWhileDown();
    expect(await statusOf(orderId)).toEqual({ status: 'pending' });
    const cli = run('reconcile-cli.ts', testMode());
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.output()).toMatch(/"processed":2,"duplicate":0,"ignored":0,"failed":0\}.*"msg":"reconciled missed Stripe events"/);
    expect(await statusOf(orderId)).toEqual({ status: 'paid' });
  });

  it('npm run reconcile in emulated mode says how to point it at a Stripe', async () => {
    const cli = run('reconcile-cli.ts', {});
    expect(await cli.exited).toEqual({ code: 1, signal: null });
    expect(cli.output()).toContain('npm run reconcile needs a Stripe to ask');
  });

  it('the server reconciles after it starts listening, and logs the outcome', async () => {
    const orderId = await payWhileDown();
    const server = run('main.ts', testMode());
    try {
      const done = await waitFor(
        () => server.output(),
        (output) => output.includes('reconciled missed Stripe events'),
        20_000,
      );
      expect(done.indexOf('"msg":"listening"')).toBeGreaterThan(-1);
      expect(done.indexOf('"msg":"listening"')).toBeLessThan(done.indexOf('reconciled missed Stripe events'));
      // The first order's two events were processed by the CLI run above: duplicates now.
      expect(done).toMatch(/"processed":2,"duplicate":2,"ignored":0,"failed":0\}/);
      expect(await statusOf(orderId)).toEqual({ status: 'paid' });
    } finally {
      expect(await server.stop()).toEqual({ code: 0, signal: null });
    }
  });
});
