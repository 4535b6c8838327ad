// Refunds through the SDK, and the delayed-payment test path (`+delayed` email) settled from
// the dashboard, each checked on the webhooks as the app receives them (constructEvent).
import type Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  confirmFromBrowser,
  createPaymentIntent,
  createTestSession,
  PAN_DISPUTED,
  PAN_SUCCEEDS,
  payOnHostedPage,
  pressDashboardButton,
  startTestEmulator,
  startWebhookReceiver,
  waitFor,
  type TestEmulator,
  type WebhookReceiver,
} from './helpers';

const SECRET = 'whsec_refundsAndDelayedTests';
let receiver: WebhookReceiver;
let t: TestEmulator;
beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(() => receiver.close());
beforeEach(async () => {
  receiver.received.length = 0;
  t = await startTestEmulator({ webhookEndpoints: [{ url: receiver.url, secret: SECRET }] });
});
afterEach(() => t.close());

/** Waits until `count` webhooks arrived, and verifies every one of them. */
async function verifiedWebhooks(count: number): Promise<Stripe.Event[]> {
  await waitFor(() => receiver.received.length >= count);
  return receiver.received.map((hook) => t.stripe.webhooks.constructEvent(hook.body, hook.signature, SECRET));
}

async function paidIntent(pan = PAN_SUCCEEDS) {
  const intent = await createPaymentIntent(t.stripe);
  expect((await confirmFromBrowser(t.emulator, intent, pan)).json).toMatchObject({ status: 'succeeded' });
  return intent;
}

describe('POST /v1/refunds', () => {
  it('refunds in part, then the rest, with charge.refunded and refund.created for each', async () => {
    const intent = await paidIntent();
    const partial = await t.stripe.refunds.create({
      payment_intent: intent.id,
      amount: 500,
      reason: 'requested_by_customer',
      metadata: { ticket: 't1' },
    });
    expect(partial).toMatchObject({
      object: 'refund',
      amount: 500,
      currency: 'usd',
      status: 'succeeded',
      payment_intent: intent.id,
      reason: 'requested_by_customer',
      metadata: { ticket: 't1' },
    });
    expect(partial.id).toMatch(/^re_/);
    const rest = await t.stripe.refunds.create({ charge: String(partial.charge) });
    expect(rest.amount).toBe(1499);
    expect(await t.stripe.refunds.retrieve(rest.id)).toMatchObject({ id: rest.id, amount: 1499 });
    // Stripe takes expand[] on every retrieve.
    expect(await t.stripe.refunds.retrieve(rest.id, { expand: ['charge', 'payment_intent'] })).toMatchObject({
      charge: { object: 'charge', id: partial.charge },
      payment_intent: { object: 'payment_intent', id: intent.id },
    });
    expect(await t.stripe.charges.retrieve(String(partial.charge))).toMatchObject({ amount_refunded: 1999, refunded: true });

    const events = await verifiedWebhooks(7);
    const refundEvents = events.filter((event) => event.type === 'charge.refunded' || event.type === 'refund.created');
    expect(refundEvents.map((event) => event.type)).toEqual(['charge.refunded', 'refund.created', 'charge.refunded', 'refund.created']);
    const [firstRefunded, firstCreated, lastRefunded] = refundEvents;
    if (firstRefunded?.type !== 'charge.refunded' || firstCreated?.type !== 'refund.created' || lastRefunded?.type !== 'charge.refunded')
      throw new Error('order');
    expect(firstRefunded.data.object).toMatchObject({ amount_refunded: 500, refunded: false });
    expect(firstCreated.data.object).toMatchObject({ id: partial.id, amount: 500 });
    expect(lastRefunded.data.object).toMatchObject({ amount_refunded: 1999, refunded: true });
    expect(firstRefunded.request).toMatchObject({ id: partial.lastResponse.requestId });
  });

  it.each([
    ['more than is left', async (intentId: string) => ({ payment_intent: intentId, amount: 5000 }), 'amount_too_large'],
    ['an unpaid intent', async () => ({ payment_intent: (await createPaymentIntent(t.stripe)).id }), 'charge_not_refundable'],
    ['no target', async () => ({}), 'parameter_missing'],
  ])('refuses to refund %s and changes nothing', async (_name, makeParams, code) => {
    const intent = await paidIntent();
    const params: Stripe.RefundCreateParams = await makeParams(intent.id);
    await expect(t.stripe.refunds.create(params)).rejects.toMatchObject({ statusCode: 400, code });
    expect((await t.stripe.events.list({ type: 'refund.created' })).data).toHaveLength(0);
    const charge = await t.stripe.charges.retrieve(String((await t.stripe.paymentIntents.retrieve(intent.id)).latest_charge));
    expect(charge.amount_refunded).toBe(0);
  });

  it('refuses to refund a disputed charge', async () => {
    const intent = await paidIntent(PAN_DISPUTED);
    await expect(t.stripe.refunds.create({ payment_intent: intent.id })).rejects.toMatchObject({
      statusCode: 400,
      code: 'charge_disputed',
    });
    const events = await verifiedWebhooks(4);
    expect(events.map((event) => event.type)).toContain('charge.dispute.created');
  });
});

describe('delayed payment (email ending in +delayed)', () => {
  async function completeDelayedSession() {
    const session = await createTestSession(t.stripe);
    const paid = await payOnHostedPage(session, { email: 'buyer+delayed@example.com' });
    expect(paid.status).toBe(303);
    expect(paid.headers.location).toBe(`https://localhost:3000/success?session_id=${session.id}`);
    const completed = await t.stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] });
    expect(completed).toMatchObject({ status: 'complete', payment_status: 'unpaid', payment_intent: { status: 'processing' } });
    const events = await verifiedWebhooks(3);
    expect(events.map((event) => event.type)).toEqual(['charge.pending', 'payment_intent.processing', 'checkout.session.completed']);
    const completedEvent = events[2];
    if (completedEvent?.type !== 'checkout.session.completed') throw new Error('order');
    expect(completedEvent.data.object).toMatchObject({ id: session.id, payment_status: 'unpaid' });
    return session;
  }

  it('settles as paid from the dashboard: checkout.session.async_payment_succeeded', async () => {
    const session = await completeDelayedSession();
    const res = await pressDashboardButton(t.emulator, `/dashboard/checkout-sessions/${session.id}/settle`, { outcome: 'succeeded' });
    expect(res.status).toBe(303);
    const events = await verifiedWebhooks(6);
    expect(events.slice(3).map((event) => event.type)).toEqual([
      'charge.succeeded',
      'payment_intent.succeeded',
      'checkout.session.async_payment_succeeded',
    ]);
    const last = events[5];
    if (last?.type !== 'checkout.session.async_payment_succeeded') throw new Error('order');
    expect(last.data.object).toMatchObject({ id: session.id, status: 'complete', payment_status: 'paid' });
    expect((await t.stripe.checkout.sessions.retrieve(session.id)).payment_status).toBe('paid');
    expect(
      (await pressDashboardButton(t.emulator, `/dashboard/checkout-sessions/${session.id}/settle`, { outcome: 'failed' })).status,
    ).toBe(409);
  });

  it('settles as failed from the dashboard: checkout.session.async_payment_failed', async () => {
    const session = await completeDelayedSession();
    expect(
      (await pressDashboardButton(t.emulator, `/dashboard/checkout-sessions/${session.id}/settle`, { outcome: 'failed' })).status,
    ).toBe(303);
    const events = await verifiedWebhooks(6);
    expect(events.slice(3).map((event) => event.type)).toEqual([
      'charge.failed',
      'payment_intent.payment_failed',
      'checkout.session.async_payment_failed',
    ]);
    const last = events[5];
    if (last?.type !== 'checkout.session.async_payment_failed') throw new Error('order');
    expect(last.data.object).toMatchObject({ id: session.id, payment_status: 'unpaid' });
    expect(await t.stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] })).toMatchObject({
      payment_status: 'unpaid',
      payment_intent: { status: 'requires_payment_method', last_payment_error: { code: 'payment_method_provider_decline' } },
    });
  });

  it('refuses to settle a session that is not waiting for funds', async () => {
    const session = await createTestSession(t.stripe);
    await payOnHostedPage(session);
    expect(
      (await pressDashboardButton(t.emulator, `/dashboard/checkout-sessions/${session.id}/settle`, { outcome: 'succeeded' })).status,
    ).toBe(409);
    expect((await pressDashboardButton(t.emulator, `/dashboard/checkout-sessions/${session.id}/settle`, { outcome: 'later' })).status).toBe(
      409,
    );
  });
});
