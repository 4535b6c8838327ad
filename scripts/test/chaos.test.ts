// The chaos run at `npm test` size: 300 payments over every outcome, hostile
// webhook delivery and three SIGKILLs of the real app process; the order table must equal
// the emulator's truth exactly. `npm run test:chaos` runs the same function with 10,000.
// A shorter run does the same under Stripe's test-mode rate limits (`--rate-limit test`).
// The comparison itself is tested first, on hand-made tables, so a broken checker cannot pass.
import { describe, expect, it } from 'vitest';
import type { EmulatorEvent } from '../../emulator/src/index';
import { checkProcessedEvents, checkTransitions, compareOrders, type ExpectedOrder } from '../chaos/ground-truth';
import type { OrderRow, OrderTable, TransitionRow } from '../chaos/order-table';
import { planPayments, OUTCOMES } from '../chaos/payments';
import { createRandom } from '../chaos/prng';
import { runChaos } from '../chaos/run-chaos';
import { createTestDatabase, describeEachEngine } from '../../server/test/helpers/databases';
import { loadActiveCatalog, productAt } from '../../test-support/catalog';

const catalog = loadActiveCatalog();
const PRODUCT_IDS = catalog.products.map((product) => product.id);

const PAID: OrderRow = {
  id: 'ord_paid1',
  status: 'paid',
  amount: productAt(catalog, 0).unitAmount,
  currency: catalog.currency,
  checkout_session_id: 'cs_test_1',
  payment_intent_id: 'pi_1',
  card_brand: 'visa',
  card_last4: '4242',
  card_exp_month: 12,
  card_exp_year: 2034,
};
const EXPIRED: OrderRow = {
  ...PAID,
  id: 'ord_expired1',
  status: 'expired',
  checkout_session_id: 'cs_test_2',
  payment_intent_id: 'pi_2',
  card_brand: null,
  card_last4: null,
  card_exp_month: null,
  card_exp_year: null,
};

function table(
  orders: OrderRow[],
  processedEvents: OrderTable['processedEvents'] = [],
  transitions: OrderTable['transitions'] = null,
): OrderTable {
  return { orders, processedEvents, transitions };
}

function truth(...rows: [OrderRow, boolean][]): Map<string, ExpectedOrder> {
  return new Map(rows.map(([row, paymentIntentIdOptional]) => [row.id, { row, paymentIntentIdOptional }]));
}

function event(id: string, type: string): EmulatorEvent {
  return { id, type, data: { object: { id: 'pi_1' } } } as unknown as EmulatorEvent;
}

describe('the chaos checks', () => {
  it('pass an exact table, and allow a never-paid Checkout order not to know its PaymentIntent', () => {
    expect(compareOrders(truth([PAID, false], [EXPIRED, true]), table([PAID, EXPIRED]))).toEqual([]);
    expect(compareOrders(truth([PAID, false], [EXPIRED, true]), table([PAID, { ...EXPIRED, payment_intent_id: null }]))).toEqual([]);
  });

  it('report a wrong status, card, PaymentIntent, a missing order and an extra one', () => {
    const mismatches = compareOrders(
      truth([PAID, false], [EXPIRED, true]),
      table([
        { ...PAID, status: 'refunded', card_last4: '4444', payment_intent_id: null },
        { ...EXPIRED, id: 'ord_other1', payment_intent_id: 'pi_9' },
      ]),
    );
    expect(mismatches).toEqual([
      'order ord_paid1: status is "refunded", expected "paid" (expected status paid)',
      'order ord_paid1: payment_intent_id is null, expected "pi_1" (expected status paid)',
      'order ord_paid1: card_last4 is "4444", expected "4242" (expected status paid)',
      'order ord_expired1: missing from the order table (expected expired)',
      'order ord_other1: in the order table but not started by this run',
    ]);
    expect(compareOrders(truth([EXPIRED, true]), table([{ ...EXPIRED, payment_intent_id: 'pi_9' }]))).toHaveLength(1);
  });

  it('expect exactly one pending order with no Stripe object per payment start the app refused with 503', () => {
    const unstarted: OrderRow = { ...EXPIRED, id: 'ord_refused1', status: 'pending', checkout_session_id: null, payment_intent_id: null };
    expect(compareOrders(truth([PAID, false]), table([PAID, unstarted]), 1)).toEqual([]);
    expect(compareOrders(truth([PAID, false]), table([PAID, unstarted]), 0)).toEqual([
      '1 pending orders reached no Stripe object, but the app refused 0 payment starts (503)',
    ]);
    expect(compareOrders(truth([PAID, false]), table([PAID]), 1)).toEqual([
      '0 pending orders reached no Stripe object, but the app refused 1 payment starts (503)',
    ]);
    // Anything else not started by this run is still reported, whatever the count.
    expect(compareOrders(truth([PAID, false]), table([PAID, { ...unstarted, status: 'paid' }]), 0)).toEqual([
      'order ord_refused1: in the order table but not started by this run',
    ]);
  });

  it('report a lost event, a forged one, a wrong type, an unrecorded acknowledgement and double processing', () => {
    const events = [event('evt_1', 'payment_intent.succeeded'), event('evt_2', 'charge.refunded'), event('evt_3', 'charge.succeeded')];
    const ok = checkProcessedEvents({
      events,
      handledTypes: ['payment_intent.succeeded', 'charge.refunded'],
      table: table(
        [],
        [
          { event_id: 'evt_1', type: 'payment_intent.succeeded' },
          { event_id: 'evt_2', type: 'charge.refunded' },
        ],
      ),
      acknowledged: new Set(['evt_1']),
      processedByWebhook: new Map([['evt_1', 1]]),
    });
    expect(ok).toEqual([]);
    const problems = checkProcessedEvents({
      events,
      handledTypes: ['payment_intent.succeeded', 'charge.refunded'],
      table: table(
        [],
        [
          { event_id: 'evt_1', type: 'charge.refunded' },
          { event_id: 'evt_forged', type: 'payment_intent.succeeded' },
        ],
        [
          { order_id: 'ord_paid1', from_status: 'pending', to_status: 'paid', event_id: 'evt_1' },
          { order_id: 'ord_paid1', from_status: 'failed', to_status: 'paid', event_id: 'evt_4' },
        ],
      ),
      acknowledged: new Set(['evt_3']),
      processedByWebhook: new Map([['evt_1', 2]]),
    });
    expect(problems).toEqual([
      'event evt_1: recorded as charge.refunded, emitted as payment_intent.succeeded',
      'event evt_forged: processed, but the emulator never emitted it (a forged event got in)',
      'event evt_2 (charge.refunded): lost, never processed',
      'event evt_3: acknowledged with 2xx but not recorded',
      'event evt_1: processed 2 times by webhook deliveries',
      'order ord_paid1: moved to paid 2 times (fulfilled twice)',
    ]);
  });

  it('follow each order through its status changes, when the schema records them', () => {
    const processed = [
      { event_id: 'evt_1', type: 'payment_intent.succeeded' },
      { event_id: 'evt_2', type: 'charge.refunded' },
    ];
    const refunded: OrderRow = { ...PAID, status: 'refunded' };
    const chain: TransitionRow[] = [
      { order_id: PAID.id, from_status: 'pending', to_status: 'failed', event_id: null },
      { order_id: PAID.id, from_status: 'failed', to_status: 'paid', event_id: 'evt_1' },
      { order_id: PAID.id, from_status: 'paid', to_status: 'refunded', event_id: 'evt_2' },
    ];
    expect(checkTransitions(table([refunded, { ...EXPIRED, status: 'pending' as const }], processed, chain))).toEqual([]);
    expect(checkTransitions(table([refunded], processed, null))).toEqual([]);
    expect(
      checkTransitions(
        table(
          [refunded, EXPIRED],
          processed.slice(0, 1),
          [chain[0], chain[2]].filter((t) => t !== undefined),
        ),
      ),
    ).toEqual([
      'order ord_paid1: moved paid -> refunded after pending -> failed',
      'order ord_paid1: changed by evt_2, which is not recorded as processed',
      'order ord_expired1: status expired, but its transitions end at pending',
    ]);
  });

  it('plans every outcome in a small run, the same way for the same seed', () => {
    const plan = planPayments(createRandom(42), 300, PRODUCT_IDS);
    expect(new Set(plan.map((payment) => payment.outcome))).toEqual(new Set(Object.keys(OUTCOMES)));
    expect(new Set(plan.map((payment) => payment.flow))).toEqual(new Set(['hosted_page', 'embedded_page', 'payment_element']));
    expect(planPayments(createRandom(42), 300, PRODUCT_IDS)).toEqual(plan);
    expect(planPayments(createRandom(43), 300, PRODUCT_IDS)).not.toEqual(plan);
  });
});

describeEachEngine('chaos run (300 payments, 3 SIGKILLs)', (engine) => {
  it("ends with the order table equal to the emulator's truth", { timeout: 120_000 }, async () => {
    // A fresh database (a SQLite file, or a PostgreSQL schema) that the app processes share.
    const database = await createTestDatabase(engine);
    const report = await runChaos({ payments: 300, seed: 6, kills: 3, databaseUrl: database.url }).finally(() => database.drop());
    expect(report.mismatches).toEqual([]);
    expect(report.payments).toBe(300);
    expect(report.ordersInTable).toBe(300);
    expect(report.kills).toBe(3);
    // Every outcome and every final status happened, and the chaos really was there.
    expect(Object.keys(report.byOutcome).sort()).toEqual(Object.keys(OUTCOMES).sort());
    for (const count of Object.values(report.byStatus)) expect(count).toBeGreaterThan(0);
    const { delivery } = report;
    expect(delivery.withheld).toBeGreaterThan(0);
    expect(delivery.duplicates).toBeGreaterThan(0);
    expect(delivery.retried).toBeGreaterThan(0);
    for (const [kind, attack] of Object.entries(delivery.attacks)) {
      expect(attack.sent, kind).toBeGreaterThan(0);
      expect(attack.refused, kind).toBe(attack.sent);
    }
    expect(Object.keys(delivery.attackStatuses).sort()).toEqual(['400', '413']);
    // Reconciliation ran at every restart and found what was withheld.
    expect(report.startupReconciles).toHaveLength(4);
    expect(report.startupReconciles.slice(1).reduce((sum, r) => sum + r.processed, 0) + report.finalReconcile.processed).toBeGreaterThan(0);
  });
});

describe("chaos run under Stripe's test-mode rate limits (60 payments, 1 SIGKILL)", () => {
  it("ends with the order table equal to the emulator's truth, after the app met 429s", { timeout: 240_000 }, async () => {
    const database = await createTestDatabase('sqlite');
    const report = await runChaos({ payments: 60, seed: 7, kills: 1, rateLimit: 'test', databaseUrl: database.url }).finally(() =>
      database.drop(),
    );
    expect(report.mismatches).toEqual([]);
    expect(report.ordersInTable).toBe(60);
    expect(report.kills).toBe(1);
    expect(report.rateLimited).toBeGreaterThan(0);
    expect(report.delivery.retried).toBeGreaterThan(0);
  });
});
