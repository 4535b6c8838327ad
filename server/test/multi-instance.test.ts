// Two app processes sharing one database, as behind a load balancer: the same Stripe event
// delivered to both at once, many times, is processed exactly once (the database's primary
// key and transactions decide, not memory), and the checkout rate limit counts one client
// across both instances (RATE_LIMIT_STORE=database). Two processes moving the same orders at
// once, one as the return page does and one as a webhook does, never fail on each other.
import type Stripe from 'stripe';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createOrderId } from '../src/payments/cart';
import { createStripeClient } from '../src/payments/stripe-client';
import { createOrderStore } from '../src/store/order-store';
import { HANDLED_EVENT_TYPES } from '../src/payments/webhook-events';
import { launchApp, spawnScript, type LaunchedApp } from '../../test-support/app-launcher';
import { createTestDatabase, describeEachEngine } from './helpers/databases';
import type { TestDatabase } from './helpers/databases';
import { payOnHostedPage, startTestEmulator } from './helpers/emulator';
import type { Emulator } from './helpers/emulator';
import { httpsRequest } from './helpers/https-request';
import { waitFor } from './helpers/wait';
import type { TestRequestOptions } from './helpers/https-request';
import { FIXTURE_CLIENT_DIR } from './helpers/test-app';
import { basketTotal, itemAt, loadActiveCatalog } from '../../test-support/catalog';

const catalog = loadActiveCatalog();
const ONE_ITEM = [itemAt(catalog, 0)];

const WEBHOOK_SECRET = 'whsec_multi_instance_test_secret';
const COPIES_PER_INSTANCE = 4;

describeEachEngine('two app instances sharing one database', (engine) => {
  let emulator: Emulator;
  let test: TestDatabase;
  let instances: LaunchedApp[] = [];
  let stripe: Stripe;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    test = await createTestDatabase(engine);
    stripe = createStripeClient({ secretKey: 'sk_test_emulated', apiUrl: new URL(emulator.url), ca: emulator.ca });
    const env = {
      STRIPE_SECRET_KEY: 'sk_test_emulated',
      STRIPE_PUBLISHABLE_KEY: 'pk_test_emulated',
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_URL: emulator.url,
      CHECKOUT_RATE_LIMIT: '3',
      RATE_LIMIT_STORE: 'database',
    };
    const launch = () => launchApp({ env, databaseUrl: test.url, clientDistDir: FIXTURE_CLIENT_DIR, ca: emulator.ca });
    instances = await Promise.all([launch(), launch()]);
  }, 60_000);

  afterAll(async () => {
    const exits = await Promise.all(instances.map((instance) => instance.stop()));
    for (const instance of instances) instance.remove();
    await emulator.close();
    await test.drop();
    expect(exits).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
  });

  const request = (instance: LaunchedApp, pathname: string, options: Omit<TestRequestOptions, 'ca'> = {}) =>
    httpsRequest(`${instance.url}${pathname}`, { ...options, ca: emulator.ca });

  const startCheckout = (instance: LaunchedApp) =>
    request(instance, '/api/checkout-sessions', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ items: ONE_ITEM }),
    });

  it('shares the checkout rate limit: the fourth checkout from one client is refused, whichever instance gets it', async () => {
    const [a, b] = instances;
    if (!a || !b) throw new Error('two instances expected');
    const answers = [];
    for (const instance of [a, b, a, b]) answers.push(await startCheckout(instance));
    expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201, 429]);
    expect(answers[3]?.json()).toEqual({
      error: { code: 'rate_limited', message: 'Too many requests. Please wait a minute and try again.' },
    });
    // Pay the three checkouts at "Stripe", with no webhook endpoint: the events wait to be delivered.
    for (const answer of answers.slice(0, 3)) {
      expect((await payOnHostedPage(emulator, (answer.json() as { url: string }).url, '4242 4242 4242 4242')).status).toBe(303);
    }
  });

  it('processes each event exactly once when both instances receive it concurrently, many times', async () => {
    const events: Stripe.Event[] = [];
    for await (const event of stripe.events.list({ types: [...HANDLED_EVENT_TYPES], limit: 100 })) events.push(event);
    expect(events.map((event) => event.type).sort()).toEqual([
      ...Array(3).fill('checkout.session.completed'),
      ...Array(3).fill('payment_intent.succeeded'),
    ]);

    const deliveries = events.flatMap((event) => {
      const payload = JSON.stringify(event);
      const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
      return instances.flatMap((instance) =>
        Array.from({ length: COPIES_PER_INSTANCE }, () =>
          request(instance, '/webhooks/stripe', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
            body: payload,
          }),
        ),
      );
    });
    const answers = await Promise.all(deliveries);
    expect(answers.map((answer) => answer.status)).toEqual(Array(answers.length).fill(200));

    // Across both processes' logs, each event was "processed" once and a "duplicate" every other time.
    // A request's line is written when its response has closed, and read from the other process's
    // log file: wait until every delivery's line is there, then check what they say.
    const webhookLines = () => instances.flatMap((instance) => instance.logLines().filter((line) => line['msg'] === 'webhook event'));
    const results = await waitFor(webhookLines, (lines) => lines.length >= answers.length);
    for (const event of events) {
      const forEvent = results.filter((line) => line['eventId'] === event.id).map((line) => line['result']);
      expect(forEvent).toHaveLength(2 * COPIES_PER_INSTANCE);
      expect(forEvent.filter((result) => result === 'processed')).toHaveLength(1);
    }

    const { db } = test.database;
    const processed = await db.selectFrom('processed_events').select('event_id').orderBy('event_id').execute();
    expect(processed.map((row) => row.event_id)).toEqual(events.map((event) => event.id).sort());
    const orders = await db.selectFrom('orders').select(['id', 'status', 'card_last4']).execute();
    expect(orders.map((order) => ({ status: order.status, card_last4: order.card_last4 }))).toEqual(
      Array(3).fill({ status: 'paid', card_last4: '4242' }),
    );
    // Fulfilled once each: one pending → paid move per order, whichever event got there first.
    const moves = await db.selectFrom('order_transitions').select(['order_id', 'from_status', 'to_status']).execute();
    expect(moves.map((move) => move.order_id).sort()).toEqual(orders.map((order) => order.id).sort());
    expect(moves.every((move) => move.from_status === 'pending' && move.to_status === 'paid')).toBe(true);
  });
});

describeEachEngine('two instances moving the same orders at once', (engine) => {
  const ORDERS = 300;

  it('never fail on each other: each order moves once, by whichever instance gets there first', async () => {
    const test = await createTestDatabase(engine);
    try {
      const store = createOrderStore(test.database);
      const orderIds = Array.from({ length: ORDERS }, () => createOrderId());
      for (const id of orderIds)
        await store.createOrder({ id, amount: basketTotal(catalog, ONE_ITEM), currency: catalog.currency, items: ONE_ITEM });
      // The return page's sync reads the order, then writes; a webhook writes first. On SQLite a
      // transaction that read and then finds another process's newer commit cannot write
      // (SQLITE_BUSY at once, no busy wait) unless it took the write lock when it began.
      const startAt = String(Date.now() + 2_000);
      const workers = ['return-page', 'webhook'].map((role) =>
        runStoreWorker({ DATABASE_URL: test.url, ORDER_IDS: orderIds.join(','), ROLE: role, START_AT: startAt }),
      );
      expect(await Promise.all(workers)).toEqual([
        { role: 'return-page', errors: [] },
        { role: 'webhook', errors: [] },
      ]);
      const moves = await test.database.db.selectFrom('order_transitions').select(['order_id', 'from_status', 'to_status']).execute();
      expect(moves.map((move) => move.order_id).sort()).toEqual([...orderIds].sort());
      expect(moves.every((move) => move.from_status === 'pending' && move.to_status === 'paid')).toBe(true);
      const statuses = await test.database.db.selectFrom('orders').select('status').distinct().execute();
      expect(statuses).toEqual([{ status: 'paid' }]);
    } finally {
      await test.drop();
    }
  }, 60_000);
});

/** Runs server/test/fixtures/store-race-worker.ts as its own process; resolves with its JSON result. */
async function runStoreWorker(env: Record<string, string>): Promise<unknown> {
  const worker = spawnScript({ script: 'server/test/fixtures/store-race-worker.ts', env });
  try {
    const exit = await worker.exited;
    if (exit.code !== 0) throw new Error(`store worker exited with ${exit.code ?? exit.signal}:\n${worker.output()}`);
    return worker.logLines().at(-1);
  } finally {
    worker.remove();
  }
}
