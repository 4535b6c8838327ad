// POST /webhooks/stripe over real HTTPS, with payloads signed by the SDK's own
// generateTestHeaderString and Stripe objects from the emulator. In both TLS modes: the app's
// own HTTPS, and plain HTTP behind a TLS-terminating proxy (where Stripe posts to the proxy).
import { stripeEventBody } from './helpers/stripe-event';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TlsMode } from '../src/config';
import type { Stripe } from '../src/payments/stripe-client';
import type { DatabaseEngine } from '../src/store/database';
import { confirmAsPaymentElement, payOnHostedPage, startTestEmulator } from './helpers/emulator';
import type { Emulator } from './helpers/emulator';
import { createTestDatabase, describeEachEngine } from './helpers/databases';
import { TLS_MODES, countRows, startPaymentIntent, startTestApp } from './helpers/test-app';
import { waitFor } from './helpers/wait';
import type { TestApp } from './helpers/test-app';
import { basketTotal, itemAt, loadActiveCatalog, productAt } from '../../test-support/catalog';

const catalog = loadActiveCatalog();

// One emulator for the whole file; one app per engine (set by the engine's beforeAll below,
// so the helpers here always talk to the app of the block that is running).
let emulator: Emulator;
let app: TestApp;
beforeAll(async () => {
  emulator = await startTestEmulator();
});
afterAll(async () => {
  await emulator.close();
});

async function checkout(target: TestApp = app, productId = productAt(catalog, 0).id, quantity = 1) {
  const res = await target.request('/api/checkout-sessions', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ items: [{ productId, quantity }] }),
  });
  expect(res.status).toBe(201);
  const url = (res.json() as { url: string }).url;
  const sessionId = url.split('/').at(-1) ?? '';
  const orderId = (await target.store.findOrderByCheckoutSession(sessionId))?.id ?? '';
  return { url, sessionId, orderId };
}

function eventOf(type: string, object: object, livemode = false): string {
  return stripeEventBody(type, object, { livemode });
}

async function deliver(body: string, options: { secret?: string; timestamp?: number; header?: string | null; target?: TestApp } = {}) {
  const target = options.target ?? app;
  const header =
    options.header === undefined
      ? target.stripe.webhooks.generateTestHeaderString({
          payload: body,
          secret: options.secret ?? target.webhookSecret,
          timestamp: options.timestamp,
        })
      : options.header;
  const res = await target.request('/webhooks/stripe', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...(header === null ? {} : { 'Stripe-Signature': header }) },
    body,
  });
  // No delivery here should ever be a server error: if one is, say why (the app's error lines).
  if (res.status >= 500)
    throw new Error(
      `webhook answered ${res.status}; the app logged:\n${target.logLines.filter((line) => line.includes('"level":50')).join('\n')}`,
    );
  return res;
}

function cardColumns(orderId: string) {
  return app.db.db
    .selectFrom('orders')
    .select(['status', 'card_brand', 'card_last4', 'card_exp_month', 'card_exp_year'])
    .where('id', '=', orderId)
    .executeTakeFirst();
}

async function paidSession(): Promise<{ sessionId: string; orderId: string; session: Stripe.Checkout.Session }> {
  const { url, sessionId, orderId } = await checkout();
  const paid = await payOnHostedPage(emulator, url, '4242 4242 4242 4242');
  expect(paid.status).toBe(303);
  expect(paid.headers.location).toBe(`${app.url}/success?session_id=${sessionId}`);
  const session = await app.stripe.checkout.sessions.retrieve(sessionId);
  return { sessionId, orderId, session };
}

/** Every webhook test, against an app in one TLS mode on one database engine. */
const defineWebhookSuite = (tlsMode: TlsMode) => (engine: DatabaseEngine) => {
  beforeAll(async () => {
    app = await startTestApp({ stripeApi: emulator, database: await createTestDatabase(engine), tlsMode });
  });
  afterAll(async () => {
    await app.close();
  });

  describe('webhook signature checks', () => {
    const refusals: [string, (body: string) => Promise<Awaited<ReturnType<typeof deliver>>>, string][] = [
      ['a missing signature', (body) => deliver(body, { header: null }), 'missing_signature'],
      ['a signature made with another secret', (body) => deliver(body, { secret: 'whsec_not_our_secret_at_all' }), 'invalid_signature'],
      ['a stale signature (301 s old)', (body) => deliver(body, { timestamp: Math.floor(Date.now() / 1000) - 301 }), 'invalid_signature'],
      // stripe-node checks only the age (now - t), so a future t passed it: we bound both sides.
      ['a signature dated 301 s ahead', (body) => deliver(body, { timestamp: Math.floor(Date.now() / 1000) + 301 }), 'invalid_signature'],
      [
        'a signature dated a year ahead',
        (body) => deliver(body, { timestamp: Math.floor(Date.now() / 1000) + 365 * 24 * 60 * 60 }),
        'invalid_signature',
      ],
      [
        'a live-mode event (our keys are test-mode keys)',
        (body) => deliver(body.replace('"livemode":false', '"livemode":true')),
        'livemode_mismatch',
      ],
      ['a garbage header', (body) => deliver(body, { header: 't=1,v1=deadbeef' }), 'invalid_signature'],
      [
        'a body changed after signing',
        async (body) => {
          const header = app.stripe.webhooks.generateTestHeaderString({ payload: body, secret: app.webhookSecret });
          return deliver(body.replace('"livemode":false', '"livemode":true'), { header });
        },
        'invalid_signature',
      ],
    ];

    it.each(refusals)('refuses %s with 400 and changes nothing', async (_name, send, code) => {
      const { session, orderId } = await paidSession();
      const before = { events: await countRows(app.db, 'processed_events'), order: await cardColumns(orderId) };
      const res = await send(eventOf('checkout.session.completed', session));
      expect(res.status).toBe(400);
      expect((res.json() as { error: { code: string } }).error.code).toBe(code);
      expect(await countRows(app.db, 'processed_events')).toBe(before.events);
      expect(await cardColumns(orderId)).toEqual(before.order);
      expect(before.order).toMatchObject({ status: 'pending' });
    });

    it.each([
      ['an event without its object', '{"id":"evt_3","type":"charge.refunded","created":1,"data":{}}'],
      ['an event whose object is a list', '{"id":"evt_3","type":"charge.refunded","created":1,"livemode":false,"data":{"object":[]}}'],
      ['an event whose object is null', '{"id":"evt_3","type":"charge.refunded","created":1,"livemode":false,"data":{"object":null}}'],
      ['a JSON array', '[]'],
      ['an object that is no event', '{"hello":"world"}'],
      ['an id that is not an event id', '{"id":"cs_1","type":"checkout.session.completed","created":1,"data":{"object":{}}}'],
    ])('refuses a correctly signed body that is not a Stripe event (%s) with 400, recording nothing', async (_name, body) => {
      const before = await countRows(app.db, 'processed_events');
      const res = await deliver(body);
      expect(res.status).toBe(400);
      expect((res.json() as { error: { code: string } }).error.code).toBe('invalid_event');
      expect(await countRows(app.db, 'processed_events')).toBe(before);
    });

    it.each([
      ['299 s old', -299],
      ['299 s ahead (clock skew)', 299],
    ])('accepts a signature %s (tolerance 300 s)', async (_name, offset) => {
      const { session, orderId } = await paidSession();
      const res = await deliver(eventOf('checkout.session.completed', session), { timestamp: Math.floor(Date.now() / 1000) + offset });
      expect(res.status).toBe(200);
      expect(await cardColumns(orderId)).toMatchObject({ status: 'paid' });
    });

    it('with live-mode keys, refuses a test-mode event and accepts a live-mode one', async () => {
      const live = await startTestApp({ stripeApi: emulator, mode: 'live', database: await createTestDatabase(engine), tlsMode });
      try {
        const { sessionId, orderId } = await checkout(live);
        expect((await payOnHostedPage(emulator, `${emulator.url}/c/pay/${sessionId}`, '4242 4242 4242 4242')).status).toBe(303);
        const session = await live.stripe.checkout.sessions.retrieve(sessionId);
        const refused = await deliver(eventOf('checkout.session.completed', session, false), { target: live });
        expect(refused.status).toBe(400);
        expect(refused.json()).toEqual({
          error: { code: 'livemode_mismatch', message: "This event is from Stripe's test mode; this server uses live-mode keys." },
        });
        expect(await countRows(live.db, 'processed_events')).toBe(0);
        expect((await live.store.findOrder(orderId))?.status).toBe('pending');
        // The same event from live mode goes through: the check follows the keys' mode.
        expect((await deliver(eventOf('checkout.session.completed', session, true), { target: live })).status).toBe(200);
        expect((await live.store.findOrder(orderId))?.status).toBe('paid');
      } finally {
        await live.close();
      }
    });

    it('refuses a signed body that is not JSON', async () => {
      const res = await deliver('not json');
      expect(res.status).toBe(400);
    });

    describe('while the signing secret is rolled (STRIPE_WEBHOOK_SECRET=old,new)', () => {
      const OLD = `whsec_${randomBytes(24).toString('hex')}`;
      const NEW = `whsec_${randomBytes(24).toString('hex')}`;
      let rolling: TestApp;
      beforeAll(async () => {
        rolling = await startTestApp({
          stripeApi: emulator,
          webhookSecrets: [OLD, NEW],
          database: await createTestDatabase(engine),
          tlsMode,
        });
      });
      afterAll(async () => {
        await rolling.close();
      });

      async function pendingPaidOrder() {
        const { url, sessionId, orderId } = await checkout(rolling);
        expect((await payOnHostedPage(emulator, url, '4242 4242 4242 4242')).status).toBe(303);
        return { orderId, session: await rolling.stripe.checkout.sessions.retrieve(sessionId) };
      }

      it.each([
        ['the old secret', OLD],
        ['the new secret', NEW],
      ])('accepts an event signed with %s', async (_name, secret) => {
        const { orderId, session } = await pendingPaidOrder();
        const res = await deliver(eventOf('checkout.session.completed', session), { target: rolling, secret });
        expect(res.status).toBe(200);
        expect((await rolling.store.findOrder(orderId))?.status).toBe('paid');
      });

      it('refuses an event signed with neither with 400, and changes nothing', async () => {
        const { orderId, session } = await pendingPaidOrder();
        const before = await countRows(rolling.db, 'processed_events');
        const res = await deliver(eventOf('checkout.session.completed', session), {
          target: rolling,
          secret: `whsec_${randomBytes(24).toString('hex')}`,
        });
        expect(res.status).toBe(400);
        expect(res.json()).toEqual({ error: { code: 'invalid_signature', message: 'The webhook signature is not valid.' } });
        expect(await countRows(rolling.db, 'processed_events')).toBe(before);
        expect((await rolling.store.findOrder(orderId))?.status).toBe('pending');
      });
    });
  });

  describe('webhook events', () => {
    it('marks the order paid on checkout.session.completed, with exactly the card display columns', async () => {
      const { session, orderId, sessionId } = await paidSession();
      const res = await deliver(eventOf('checkout.session.completed', session));
      expect(res.status).toBe(200);
      expect(res.json()).toEqual({ received: true });
      expect(await cardColumns(orderId)).toEqual({
        status: 'paid',
        card_brand: 'visa',
        card_last4: '4242',
        card_exp_month: 12,
        card_exp_year: 2034,
      });
      const order = await app.request(`/api/orders/${sessionId}`);
      expect(order.json()).toEqual({
        status: 'paid',
        amount: basketTotal(catalog, [itemAt(catalog, 0)]),
        currency: catalog.currency,
        card: { brand: 'visa', last4: '4242', expMonth: 12, expYear: 2034 },
      });
    });

    it('logs each delivery as one line: the full path, the event, what it did and to which order', async () => {
      const { session, orderId } = await paidSession();
      const body = eventOf('checkout.session.completed', session);
      const eventId = (JSON.parse(body) as { id: string }).id;
      const from = app.logLines.length;
      expect((await deliver(body)).status).toBe(200);
      const refusedFrom = app.logLines.length;
      expect((await deliver(body, { secret: 'whsec_not_our_secret_at_all' })).status).toBe(400);
      const lines = await waitFor(
        () => app.logLines.slice(from).map((line) => JSON.parse(line) as Record<string, unknown>),
        (read) => read.length >= 2,
      );
      expect(lines).toEqual([
        expect.objectContaining({ level: 30, msg: 'webhook event', method: 'POST', path: '/webhooks/stripe', status: 200 }),
        expect.objectContaining({ level: 30, msg: 'request refused', method: 'POST', path: '/webhooks/stripe', status: 400 }),
      ]);
      expect(lines[0]).toMatchObject({ eventId, type: 'checkout.session.completed', result: 'processed', orderId });
      expect(lines[1]).toMatchObject({ code: 'invalid_signature' });
      expect(app.logLines.slice(refusedFrom).join('')).not.toContain(eventId);
    });

    it('acknowledges a duplicate delivery without processing it again', async () => {
      const { session, orderId } = await paidSession();
      const body = eventOf('checkout.session.completed', session);
      expect((await deliver(body)).status).toBe(200);
      const events = await countRows(app.db, 'processed_events');
      const updatedAt = (await app.store.findOrder(orderId))?.updatedAt;
      expect((await deliver(body)).status).toBe(200);
      expect(await countRows(app.db, 'processed_events')).toBe(events);
      expect((await app.store.findOrder(orderId))?.updatedAt).toBe(updatedAt);
      const eventId = (JSON.parse(body) as { id: string }).id;
      const results = app.logLines.filter((line) => line.includes(eventId)).map((line) => (JSON.parse(line) as { result?: string }).result);
      expect(results).toEqual(['processed', 'duplicate']);
    });

    it('never moves a paid order back when expired arrives after completed', async () => {
      const { session, orderId } = await paidSession();
      await deliver(eventOf('checkout.session.completed', session));
      const res = await deliver(eventOf('checkout.session.expired', { ...session, status: 'expired' }));
      expect(res.status).toBe(200);
      expect(await cardColumns(orderId)).toMatchObject({ status: 'paid', card_last4: '4242' });
    });

    it('never fails a paid order, whatever order completed and payment_intent.payment_failed arrive in', async () => {
      const { session, orderId } = await paidSession();
      const paymentIntentId = typeof session.payment_intent === 'string' ? session.payment_intent : '';
      const paymentIntent = await app.stripe.paymentIntents.retrieve(paymentIntentId);
      const failedBody = {
        ...paymentIntent,
        status: 'requires_payment_method',
        last_payment_error: { type: 'card_error', code: 'card_declined' },
        metadata: { order_id: orderId },
      };
      // Stripe reports the intent succeeded: the failure in the body is not the truth, the payment is.
      await deliver(eventOf('payment_intent.payment_failed', failedBody));
      expect(await cardColumns(orderId)).toMatchObject({ status: 'paid', card_last4: '4242' });
      await deliver(eventOf('checkout.session.completed', session));
      await deliver(eventOf('payment_intent.payment_failed', failedBody));
      expect(await cardColumns(orderId)).toMatchObject({ status: 'paid', card_last4: '4242' });
    });

    it('does not mark paid from a completed event whose session Stripe reports unpaid', async () => {
      const { sessionId, orderId } = await checkout();
      const session = await app.stripe.checkout.sessions.retrieve(sessionId);
      // A forged-looking snapshot claiming "paid": we trust the session retrieved from Stripe.
      const res = await deliver(eventOf('checkout.session.completed', { ...session, status: 'complete', payment_status: 'paid' }));
      expect(res.status).toBe(200);
      expect(await cardColumns(orderId)).toMatchObject({ status: 'pending', card_last4: null });
    });

    it('moves an order to expired on checkout.session.expired', async () => {
      const { sessionId, orderId } = await checkout();
      const expired = await app.stripe.checkout.sessions.expire(sessionId);
      await deliver(eventOf('checkout.session.expired', expired));
      expect(await cardColumns(orderId)).toMatchObject({ status: 'expired' });
    });

    it('moves an order to failed on checkout.session.async_payment_failed, and to paid on async_payment_succeeded', async () => {
      const failed = await checkout();
      expect((await payOnHostedPage(emulator, failed.url, '4242 4242 4242 4242', 'buyer+delayed@example.com')).status).toBe(303);
      const pending = await app.stripe.checkout.sessions.retrieve(failed.sessionId);
      // Completed but unpaid while the delayed payment is processing: nothing to do yet.
      await deliver(eventOf('checkout.session.completed', pending));
      expect(await cardColumns(failed.orderId)).toMatchObject({ status: 'pending' });
      const bounced = emulator.actions.settleDelayedPayment(failed.sessionId, 'failed');
      await deliver(eventOf('checkout.session.async_payment_failed', bounced));
      expect(await cardColumns(failed.orderId)).toMatchObject({ status: 'failed', card_last4: null });

      const { session, orderId } = await paidSession();
      await deliver(eventOf('checkout.session.async_payment_succeeded', session));
      expect(await cardColumns(orderId)).toMatchObject({ status: 'paid', card_brand: 'visa' });
    });

    it('acknowledges and ignores other event types', async () => {
      const { orderId } = await checkout();
      const before = await cardColumns(orderId);
      const res = await deliver(eventOf('customer.created', { id: 'cus_123', object: 'customer' }));
      expect(res.status).toBe(200);
      expect(await cardColumns(orderId)).toEqual(before);
    });

    it('lets the success page fulfil by session id when the webhook has not arrived', async () => {
      const item = itemAt(catalog, 1, 2);
      const { sessionId, orderId } = await checkout(app, item.productId, item.quantity);
      const { url } = { url: `${emulator.url}/c/pay/${sessionId}` };
      expect((await payOnHostedPage(emulator, url, '4242424242424242')).status).toBe(303);
      const res = await app.request(`/api/orders/${sessionId}`);
      expect(res.json()).toEqual({
        status: 'paid',
        amount: basketTotal(catalog, [item]),
        currency: catalog.currency,
        card: { brand: 'visa', last4: '4242', expMonth: 12, expYear: 2034 },
      });
      expect(await cardColumns(orderId)).toMatchObject({ status: 'paid' });
    });

    it('keeps a declined card off the order and out of the logs', async () => {
      const { url, sessionId, orderId } = await checkout();
      const declined = await payOnHostedPage(emulator, url, '4000 0000 0000 0002');
      expect(declined.status).not.toBe(303);
      const res = await app.request(`/api/orders/${sessionId}`);
      expect((res.json() as { status: string }).status).not.toBe('paid');
      expect(await cardColumns(orderId)).toMatchObject({ card_last4: null });
      expect(app.logLines.join('')).not.toMatch(/4000 ?0000 ?0000 ?0002|4242 ?4242 ?4242 ?4242/);
    });
  });

  describe('PaymentIntent, refund and dispute events, in any order', () => {
    /** A Payment Element order paid at the emulator, with no webhook delivered to us yet. */
    async function paidIntent(cardNumber = '4242 4242 4242 4242') {
      const { clientSecret, paymentIntentId, orderId } = await startPaymentIntent(app);
      await confirmAsPaymentElement(emulator, clientSecret, cardNumber);
      const intent = await app.stripe.paymentIntents.retrieve(paymentIntentId);
      const chargeId = typeof intent.latest_charge === 'string' ? intent.latest_charge : '';
      return { paymentIntentId, orderId, intent, chargeId };
    }

    it('fulfils payment_intent.succeeded from the intent Stripe reports, not from the event body', async () => {
      const { orderId, intent } = await paidIntent();
      // A forged-looking snapshot (wrong amount, no charge) changes nothing: the server retrieves the intent.
      expect((await deliver(eventOf('payment_intent.succeeded', { ...intent, amount: 1, latest_charge: null }))).status).toBe(200);
      expect(await cardColumns(orderId)).toEqual({
        status: 'paid',
        card_brand: 'visa',
        card_last4: '4242',
        card_exp_month: 12,
        card_exp_year: 2034,
      });
    });

    it('ignores payment_intent.succeeded while Stripe says the intent has not succeeded', async () => {
      const { orderId, intent } = await paidIntent('4000 0025 0000 3155'); // waiting for 3-D Secure
      await deliver(eventOf('payment_intent.succeeded', { ...intent, status: 'succeeded' }));
      expect(await cardColumns(orderId)).toMatchObject({ status: 'pending', card_last4: null });
    });

    it('keeps a paid order paid when payment_intent.payment_failed arrives late', async () => {
      const { orderId, intent } = await paidIntent();
      await deliver(eventOf('payment_intent.succeeded', intent));
      expect(await cardColumns(orderId)).toMatchObject({ status: 'paid' });
      expect((await deliver(eventOf('payment_intent.payment_failed', { ...intent, status: 'requires_payment_method' }))).status).toBe(200);
      expect(await cardColumns(orderId)).toMatchObject({ status: 'paid', card_last4: '4242' });
    });

    it('records the payment, then the refund, when charge.refunded arrives before payment_intent.succeeded', async () => {
      const { orderId, intent, chargeId, paymentIntentId } = await paidIntent();
      await app.stripe.refunds.create({ payment_intent: paymentIntentId });
      const charge = await app.stripe.charges.retrieve(chargeId);
      expect((await deliver(eventOf('charge.refunded', charge))).status).toBe(200);
      expect(await cardColumns(orderId)).toEqual({
        status: 'refunded',
        card_brand: 'visa',
        card_last4: '4242',
        card_exp_month: 12,
        card_exp_year: 2034,
      });
      // The late success changes nothing any more.
      await deliver(eventOf('payment_intent.succeeded', intent));
      expect(await cardColumns(orderId)).toMatchObject({ status: 'refunded' });
    });

    it('moves a paid order to disputed on charge.dispute.created, found by payment intent id', async () => {
      const { orderId, intent, paymentIntentId } = await paidIntent();
      await deliver(eventOf('payment_intent.succeeded', intent));
      const dispute = emulator.actions.disputePayment(paymentIntentId);
      const res = await deliver(eventOf('charge.dispute.created', dispute));
      expect(res.status).toBe(200);
      expect(await cardColumns(orderId)).toMatchObject({ status: 'disputed', card_last4: '4242' });
    });

    it('never refunds or disputes an order whose payment Stripe does not report as succeeded', async () => {
      const { orderId, chargeId, paymentIntentId } = await paidIntent('4000 0000 0000 9995');
      expect(chargeId).toMatch(/^ch_/); // the declined charge: Stripe reports it not refunded
      await deliver(eventOf('charge.refunded', { id: chargeId, object: 'charge', refunded: true, payment_intent: paymentIntentId }));
      const elsewhere = await disputedPaymentNotOurs();
      await deliver(eventOf('charge.dispute.created', { ...elsewhere.dispute, payment_intent: paymentIntentId }));
      expect(await cardColumns(orderId)).toMatchObject({ status: 'pending', card_last4: null });
    });

    /** A payment made at Stripe without an order of ours, then disputed (test card 0259). */
    async function disputedPaymentNotOurs() {
      const intent = await app.stripe.paymentIntents.create({ amount: 500, currency: 'usd' });
      await confirmAsPaymentElement(emulator, intent.client_secret ?? '', '4000 0000 0000 0259');
      const events = await app.stripe.events.list({ types: ['charge.dispute.created'], limit: 100 });
      const event = events.data.find(
        (candidate) => candidate.type === 'charge.dispute.created' && candidate.data.object.payment_intent === intent.id,
      );
      if (event?.type !== 'charge.dispute.created') throw new Error(`no dispute event for ${intent.id}`);
      return { paymentIntentId: intent.id, dispute: event.data.object };
    }

    it('acknowledges a dispute for a payment that is not ours', async () => {
      const { dispute } = await disputedPaymentNotOurs();
      const body = eventOf('charge.dispute.created', dispute);
      const res = await deliver(body);
      expect(res.status).toBe(200);
      const eventId = (JSON.parse(body) as { id: string }).id;
      const lines = await waitFor(
        () => app.logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line['eventId'] === eventId),
        (read) => read.length > 0,
      );
      expect(lines).toEqual([
        expect.objectContaining({
          level: 40,
          msg: 'webhook event',
          path: '/webhooks/stripe',
          result: 'processed',
          orderId: null,
          problem: 'matches no order of ours',
        }),
      ]);
    });

    // A signed body is only as trustworthy as every holder of the signing secret, and may be a
    // stale snapshot: each event type is re-read from Stripe, and the object Stripe reports decides.
    describe('a signed body claiming what Stripe does not report', () => {
      it('checkout.session.expired for a session Stripe reports open changes nothing', async () => {
        const { sessionId, orderId } = await checkout();
        const session = await app.stripe.checkout.sessions.retrieve(sessionId);
        const body = eventOf('checkout.session.expired', { ...session, status: 'expired', url: null });
        expect((await deliver(body)).status).toBe(200);
        expect(await app.store.hasProcessedEvent((JSON.parse(body) as { id: string }).id)).toBe(true);
        expect(await cardColumns(orderId)).toEqual({
          status: 'pending',
          card_brand: null,
          card_last4: null,
          card_exp_month: null,
          card_exp_year: null,
        });
      });

      it('checkout.session.expired for a session Stripe reports paid never expires the order: it is paid', async () => {
        const { session, orderId } = await paidSession();
        await deliver(eventOf('checkout.session.expired', { ...session, status: 'expired', payment_status: 'unpaid' }));
        expect(await cardColumns(orderId)).toEqual({
          status: 'paid',
          card_brand: 'visa',
          card_last4: '4242',
          card_exp_month: 12,
          card_exp_year: 2034,
        });
      });

      it('checkout.session.async_payment_failed for a session Stripe reports open changes nothing', async () => {
        const { sessionId, orderId } = await checkout();
        const session = await app.stripe.checkout.sessions.retrieve(sessionId);
        await deliver(eventOf('checkout.session.async_payment_failed', { ...session, status: 'complete', payment_status: 'unpaid' }));
        expect(await cardColumns(orderId)).toMatchObject({ status: 'pending' });
      });

      it('payment_intent.payment_failed for an intent Stripe reports never attempted changes nothing', async () => {
        const { paymentIntentId, orderId } = await startPaymentIntent(app);
        const intent = await app.stripe.paymentIntents.retrieve(paymentIntentId);
        await deliver(
          eventOf('payment_intent.payment_failed', { ...intent, last_payment_error: { type: 'card_error', code: 'card_declined' } }),
        );
        expect(await cardColumns(orderId)).toMatchObject({ status: 'pending' });
      });

      it('charge.refunded in full for a charge Stripe reports not refunded leaves the order paid', async () => {
        const { orderId, intent, chargeId } = await paidIntent();
        await deliver(eventOf('payment_intent.succeeded', intent));
        const charge = await app.stripe.charges.retrieve(chargeId);
        await deliver(eventOf('charge.refunded', { ...charge, refunded: true, amount_refunded: charge.amount }));
        expect(await cardColumns(orderId)).toMatchObject({ status: 'paid', card_last4: '4242' });
      });

      it('charge.dispute.created naming our payment, for a dispute Stripe reports on another, leaves the order paid', async () => {
        const { orderId, intent, paymentIntentId, chargeId } = await paidIntent();
        await deliver(eventOf('payment_intent.succeeded', intent));
        const { dispute } = await disputedPaymentNotOurs();
        await deliver(eventOf('charge.dispute.created', { ...dispute, charge: chargeId, payment_intent: paymentIntentId }));
        expect(await cardColumns(orderId)).toMatchObject({ status: 'paid', card_last4: '4242' });
      });
    });
  });

  describe('webhooks delivered by the emulator', () => {
    it('marks the order paid after a hosted payment, end to end', async () => {
      const secret = `whsec_${randomBytes(24).toString('hex')}`;
      const delivering = await startTestEmulator();
      const target = await startTestApp({
        stripeApi: delivering,
        webhookSecrets: [secret],
        database: await createTestDatabase(engine),
        tlsMode,
      });
      try {
        delivering.addWebhookEndpoint({ url: `${target.url}/webhooks/stripe`, secret });
        const { url, orderId } = await checkout(target);
        expect((await payOnHostedPage(delivering, url, '4242 4242 4242 4242')).status).toBe(303);
        for (let i = 0; i < 100 && (await target.store.findOrder(orderId))?.status !== 'paid'; i++) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        expect(await target.store.findOrder(orderId)).toMatchObject({
          status: 'paid',
          card: { brand: 'visa', last4: '4242', expMonth: 12, expYear: 2034 },
        });
        // charge.succeeded, payment_intent.succeeded and checkout.session.completed, each recorded once.
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(await countRows(target.db, 'processed_events')).toBe(3);
      } finally {
        await target.close();
        await delivering.close();
      }
    });
  });
};

for (const tlsMode of TLS_MODES) describeEachEngine(`webhooks (TLS_MODE=${tlsMode})`, defineWebhookSuite(tlsMode));
