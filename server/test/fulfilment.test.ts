// One fulfilment pipeline: a Checkout Session and a PaymentIntent are each read into one
// ReportedPayment and decided by one function, so the amount check exists once. Stripe is a
// stand-in that answers `retrieve` with the objects given (shaped as the API version answers);
// the store is the real one, on a fresh SQLite file.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger';
import { createOrderId } from '../src/payments/cart';
import { decideOutcome, fulfilPayment } from '../src/payments/fulfilment';
import type { FulfilmentDeps, PaymentSourceKind } from '../src/payments/fulfilment';
import { PAYMENT_SOURCES, reportCheckoutSession, reportPaymentIntent } from '../src/payments/payment-sources';
import type { Stripe } from '../src/payments/stripe-client';
import { createOrderStore } from '../src/store/order-store';
import type { Order, OrderStore } from '../src/store/order-store';
import { createTestDatabase } from './helpers/databases';
import type { TestDatabase } from './helpers/databases';
import { confirmAsPaymentElement, payOnHostedPage } from './helpers/emulator';
import { startEmulatedApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

/** The order every case starts from: a fixture of this file, not the shop's catalog. */
const ORDER = { amount: 2750, currency: 'eur', items: [{ productId: 'fixture-product', quantity: 1 }] };
const CARD = { brand: 'visa', last4: '4242', expMonth: 12, expYear: 2034 };
const KINDS = Object.keys(PAYMENT_SOURCES) as PaymentSourceKind[];
const NOT_FULFILLING = 'does not match the order amount; not fulfilling';

interface Charged {
  amount: number;
  currency: string;
}

function succeededIntent(id: string, orderId: string, { amount, currency }: Charged) {
  return {
    id,
    object: 'payment_intent',
    status: 'succeeded',
    amount,
    currency,
    metadata: { order_id: orderId },
    last_payment_error: null,
    latest_charge: {
      id: `ch_${id.slice(3)}`,
      object: 'charge',
      payment_method_details: {
        type: 'card',
        card: { brand: CARD.brand, last4: CARD.last4, exp_month: CARD.expMonth, exp_year: CARD.expYear },
      },
    },
  } as unknown as Stripe.PaymentIntent;
}

/** A completed, paid session whose intent (expanded, with its charge) charged `charged`. */
function paidSession(id: string, orderId: string, charged: Charged) {
  return {
    id,
    object: 'checkout.session',
    status: 'complete',
    payment_status: 'paid',
    client_reference_id: orderId,
    amount_total: charged.amount,
    currency: charged.currency,
    payment_intent: succeededIntent(`pi_of_${id.slice(8)}`, orderId, charged),
  } as unknown as Stripe.Checkout.Session;
}

/** A Stripe stand-in holding one object; it records what each retrieve asked for. */
function stripeHolding(kind: PaymentSourceKind, object: Stripe.Checkout.Session | Stripe.PaymentIntent, calls: unknown[][]) {
  const retrieve = async (...args: unknown[]) => {
    calls.push(args);
    return object;
  };
  const refuse = async () => {
    throw new Error('not the object under test');
  };
  return {
    checkout: { sessions: { retrieve: kind === 'checkout_session' ? retrieve : refuse } },
    paymentIntents: { retrieve: kind === 'payment_intent' ? retrieve : refuse },
  } as unknown as Stripe;
}

let database: TestDatabase;
let store: OrderStore;
let logLines: string[];

/** A pending order tied to a new object of `kind`, and that object as Stripe would report it after charging `charged`. */
async function orderPaidWith(
  kind: PaymentSourceKind,
  charged: Charged,
): Promise<{ order: Order; deps: FulfilmentDeps; id: string; calls: unknown[][] }> {
  const order = await store.createOrder({ id: createOrderId(), ...ORDER });
  const suffix = randomUUID().replaceAll('-', '');
  const id = kind === 'checkout_session' ? `cs_test_${suffix}` : `pi_${suffix}`;
  if (kind === 'checkout_session') await store.attachCheckoutSession(order.id, id);
  else await store.attachPaymentIntent(order.id, id);
  const object = kind === 'checkout_session' ? paidSession(id, order.id, charged) : succeededIntent(id, order.id, charged);
  const calls: unknown[][] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void logLines.push(line) } });
  return { order, deps: { stripe: stripeHolding(kind, object, calls), store, logger }, id, calls };
}

function refusals(): { msg: string; level: number; orderId: string; stripeObjectId: string }[] {
  return logLines
    .map((line) => JSON.parse(line) as { msg: string; level: number; orderId: string; stripeObjectId: string })
    .filter((line) => line.msg.includes(NOT_FULFILLING));
}

describe('the amount check, once for both objects', () => {
  beforeEach(async () => {
    database = await createTestDatabase('sqlite');
    store = createOrderStore(database.database);
    logLines = [];
  });
  afterEach(async () => {
    await database.drop();
  });

  it.each(KINDS)(
    'a %s that charged the order amount in its currency pays the order, with the card from the latest charge',
    async (kind) => {
      const { order, deps, id, calls } = await orderPaidWith(kind, ORDER);
      const after = await fulfilPayment(deps, kind, id);
      expect(after).toMatchObject({ id: order.id, status: 'paid', card: CARD });
      expect(refusals()).toEqual([]);
      // The card fields come from the charge expanded on retrieval, never from an event body.
      expect(calls).toEqual([[id, { expand: [kind === 'checkout_session' ? 'payment_intent.latest_charge' : 'latest_charge'] }]]);
    },
  );

  const MISMATCHES: [string, Charged][] = [
    ['one minor unit less', { amount: ORDER.amount - 1, currency: ORDER.currency }],
    ['one minor unit more', { amount: ORDER.amount + 1, currency: ORDER.currency }],
    ['the same number in another currency', { amount: ORDER.amount, currency: ORDER.currency === 'usd' ? 'eur' : 'usd' }],
  ];
  const CASES = KINDS.flatMap((kind) => MISMATCHES.map(([name, charged]) => [kind, name, charged] as const));

  it.each(CASES)('a paid %s for %s leaves the order pending, refused by the one check', async (kind, _name, charged) => {
    const { order, deps, id } = await orderPaidWith(kind, charged);
    expect(await fulfilPayment(deps, kind, id)).toMatchObject({ id: order.id, status: 'pending', card: null });
    expect(await store.findOrder(order.id)).toMatchObject({
      status: 'pending',
      card: null,
      paymentIntentId: kind === 'payment_intent' ? id : null,
    });
    // The same line for either object: there is one place that refuses.
    expect(refusals()).toEqual([expect.objectContaining({ level: 50, orderId: order.id, stripeObjectId: id })]);
  });

  it('reads a session and an intent that charged the same into the same payment, and decides them alike', async () => {
    const order = await store.createOrder({ id: createOrderId(), ...ORDER });
    const charged = { amount: ORDER.amount + 100, currency: ORDER.currency };
    const fromSession = reportCheckoutSession(paidSession('cs_test_same', order.id, charged));
    const fromIntent = reportPaymentIntent(succeededIntent('pi_of_same', order.id, charged));
    // Only which object it was differs.
    expect({ ...fromSession, source: fromIntent.source, id: fromIntent.id }).toEqual(fromIntent);
    expect(fromIntent).toEqual({
      source: 'payment_intent',
      id: 'pi_of_same',
      orderId: order.id,
      state: 'paid',
      amount: charged.amount,
      currency: charged.currency,
      paymentIntentId: 'pi_of_same',
      card: CARD,
    });

    const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void logLines.push(line) } });
    expect(decideOutcome(order, fromSession, logger)).toBeNull();
    expect(decideOutcome(order, fromIntent, logger)).toBeNull();
    const messages = refusals().map(({ msg }) => msg);
    expect(messages).toHaveLength(2);
    expect(new Set(messages).size).toBe(1);
    const priced = { ...order, amount: charged.amount };
    expect(decideOutcome(priced, fromSession, logger)).toEqual({ status: 'paid', card: CARD, paymentIntentId: 'pi_of_same' });
    expect(decideOutcome(priced, fromIntent, logger)).toEqual({ status: 'paid', card: CARD, paymentIntentId: 'pi_of_same' });
  });
});

describe('the return pages, with the emulator as Stripe and no webhook', () => {
  let app: TestApp;
  let emulator: Awaited<ReturnType<typeof startEmulatedApp>>['emulator'];
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ app, emulator, stop } = await startEmulatedApp());
  });
  afterAll(async () => {
    await stop();
  });

  const UNDERPAID = { amount: ORDER.amount - 1, currency: ORDER.currency };

  /** Pays, on the emulator, a Checkout Session or a PaymentIntent of UNDERPAID that names the order (as its own would); answers the return page's lookup path. */
  const PAY: Record<PaymentSourceKind, (orderId: string) => Promise<string>> = {
    async checkout_session(orderId) {
      const session = await app.stripe.checkout.sessions.create({
        mode: 'payment',
        ui_mode: 'hosted_page',
        line_items: [
          { quantity: 1, price_data: { currency: UNDERPAID.currency, unit_amount: UNDERPAID.amount, product_data: { name: 'Fixture' } } },
        ],
        client_reference_id: orderId,
        success_url: `${app.url}/success?session_id={CHECKOUT_SESSION_ID}`,
        cancel_url: `${app.url}/cancel`,
      });
      await app.store.attachCheckoutSession(orderId, session.id);
      expect((await payOnHostedPage(emulator, session.url ?? '', '4242 4242 4242 4242')).status).toBe(303);
      return `/api/orders/${session.id}`;
    },
    async payment_intent(orderId) {
      const intent = await app.stripe.paymentIntents.create({
        ...UNDERPAID,
        automatic_payment_methods: { enabled: true },
        metadata: { order_id: orderId },
      });
      await app.store.attachPaymentIntent(orderId, intent.id);
      expect((await confirmAsPaymentElement(emulator, intent.client_secret ?? '', '4242 4242 4242 4242')).status).toBe(200);
      return `/api/orders/by-payment-intent/${intent.id}`;
    },
  };

  it.each(KINDS)('a %s Stripe reports paid for less than the order leaves the order pending', async (kind) => {
    const order = await app.store.createOrder({ id: createOrderId(), ...ORDER });
    const path = await PAY[kind](order.id);
    const res = await app.request(path);
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ status: 'pending', amount: ORDER.amount, currency: ORDER.currency, card: null });
    expect((await app.store.findOrder(order.id))?.status).toBe('pending');
    expect(app.logLines.filter((line) => line.includes(order.id) && line.includes(NOT_FULFILLING))).toHaveLength(1);
  });
});
