// emulator.actions: the customer's and the dashboard's actions without a browser. Each one is
// compared with the page, frame or button it stands for: same outcome, same event types.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  confirmFromBrowser,
  createPaymentIntent,
  createTestSession,
  PAN_3DS_REQUIRED,
  PAN_DISPUTED,
  PAN_GENERIC_DECLINE,
  PAN_INSUFFICIENT_FUNDS,
  PAN_SUCCEEDS,
  payOnHostedPage,
  startTestEmulator,
  type TestEmulator,
} from './helpers';

let t: TestEmulator;
beforeEach(async () => {
  t = await startTestEmulator();
});
afterEach(() => t.close());

/** Event types emitted since `offset`, oldest first, with the object's id. */
function eventsSince(offset: number): { type: string; objectId: string }[] {
  return t.emulator.state.readEvents(offset).map((event) => ({ type: event.type, objectId: event.data.object.id ?? '' }));
}

function typesSince(offset: number): string[] {
  return eventsSince(offset).map((event) => event.type);
}

const eventCount = () => t.emulator.state.readEvents().length;

describe('emulator.actions against the browser paths', () => {
  it('payCheckoutSession emits what the hosted page emits, for a success, a decline and a retry', async () => {
    const viaPage = await createTestSession(t.stripe);
    let start = eventCount();
    expect((await payOnHostedPage(viaPage, { cardNumber: PAN_GENERIC_DECLINE })).status).toBe(402);
    expect((await payOnHostedPage(viaPage, { cardNumber: PAN_SUCCEEDS })).status).toBe(303);
    const pageTypes = typesSince(start);

    const viaAction = await createTestSession(t.stripe);
    start = eventCount();
    const declined = t.emulator.actions.payCheckoutSession(viaAction.id, { number: PAN_GENERIC_DECLINE });
    expect(declined).toMatchObject({ kind: 'declined', code: 'card_declined', declineCode: 'generic_decline' });
    const paid = t.emulator.actions.payCheckoutSession(viaAction.id, { number: PAN_SUCCEEDS });
    expect(paid.kind).toBe('succeeded');
    expect(typesSince(start)).toEqual(pageTypes);
    expect(pageTypes).toEqual([
      'charge.failed',
      'payment_intent.payment_failed',
      'charge.succeeded',
      'payment_intent.succeeded',
      'checkout.session.completed',
    ]);

    const session = await t.stripe.checkout.sessions.retrieve(viaAction.id, { expand: ['payment_intent.latest_charge'] });
    expect(session).toMatchObject({ status: 'complete', payment_status: 'paid', customer_details: { email: 'buyer@example.com' } });
    expect(t.emulator.state.findCheckoutSession(viaAction.id)?.payment_intent).toBe(paid.paymentIntent.id);
    const charge = t.emulator.state.findCharge(String(t.emulator.state.findPaymentIntent(paid.paymentIntent.id)?.latest_charge));
    expect(charge?.payment_method_details?.card).toMatchObject({ brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2034 });
  });

  it('confirmPaymentIntent emits what the Payment Element frame emits', async () => {
    const viaFrame = await createPaymentIntent(t.stripe);
    let start = eventCount();
    expect((await confirmFromBrowser(t.emulator, viaFrame, PAN_INSUFFICIENT_FUNDS)).status).toBe(402);
    expect((await confirmFromBrowser(t.emulator, viaFrame, PAN_SUCCEEDS)).status).toBe(200);
    const frameTypes = typesSince(start);

    const viaAction = await createPaymentIntent(t.stripe);
    start = eventCount();
    expect(t.emulator.actions.confirmPaymentIntent(viaAction.id, { number: PAN_INSUFFICIENT_FUNDS })).toMatchObject({
      kind: 'declined',
      declineCode: 'insufficient_funds',
    });
    expect(t.emulator.actions.confirmPaymentIntent(viaAction.id, { number: PAN_SUCCEEDS }).paymentIntent.status).toBe('succeeded');
    expect(typesSince(start)).toEqual(frameTypes);
    expect(frameTypes).toEqual(['charge.failed', 'payment_intent.payment_failed', 'charge.succeeded', 'payment_intent.succeeded']);
  });

  it('answers 3-D Secure: Complete pays, Fail declines with the authentication error', async () => {
    const session = await createTestSession(t.stripe);
    const waiting = t.emulator.actions.payCheckoutSession(session.id, { number: PAN_3DS_REQUIRED });
    expect(waiting.kind).toBe('requires_action');
    const failed = t.emulator.actions.answerThreeDSecure(waiting.paymentIntent.id, false);
    expect(failed).toMatchObject({
      status: 'requires_payment_method',
      last_payment_error: { code: 'payment_intent_authentication_failure' },
    });
    expect(() => t.emulator.actions.answerThreeDSecure(waiting.paymentIntent.id, true)).toThrow(/no open 3-D Secure challenge/);

    const start = eventCount();
    expect(t.emulator.actions.payCheckoutSession(session.id, { number: PAN_3DS_REQUIRED }).kind).toBe('requires_action');
    expect(t.emulator.actions.answerThreeDSecure(waiting.paymentIntent.id, true).status).toBe('succeeded');
    expect(typesSince(start)).toEqual([
      'payment_intent.requires_action',
      'charge.succeeded',
      'payment_intent.succeeded',
      'checkout.session.completed',
    ]);

    const intent = await createPaymentIntent(t.stripe);
    expect(t.emulator.actions.confirmPaymentIntent(intent.id, { number: PAN_3DS_REQUIRED }).kind).toBe('requires_action');
    expect(t.emulator.actions.answerThreeDSecure(intent.id, true).status).toBe('succeeded');
  });

  it('a +delayed email stays processing until settled; settling emits the async events', async () => {
    const good = await createTestSession(t.stripe);
    expect(t.emulator.actions.payCheckoutSession(good.id, { number: PAN_SUCCEEDS, email: 'buyer+delayed@example.com' }).kind).toBe(
      'processing',
    );
    expect(t.emulator.state.findCheckoutSession(good.id)).toMatchObject({ status: 'complete', payment_status: 'unpaid' });
    let start = eventCount();
    expect(t.emulator.actions.settleDelayedPayment(good.id, 'succeeded').payment_status).toBe('paid');
    expect(typesSince(start)).toEqual(['charge.succeeded', 'payment_intent.succeeded', 'checkout.session.async_payment_succeeded']);

    const bad = await createTestSession(t.stripe);
    t.emulator.actions.payCheckoutSession(bad.id, { number: PAN_SUCCEEDS, email: 'buyer+delayed@example.com' });
    start = eventCount();
    t.emulator.actions.settleDelayedPayment(bad.id, 'failed');
    expect(typesSince(start)).toEqual(['charge.failed', 'payment_intent.payment_failed', 'checkout.session.async_payment_failed']);
    expect(() => t.emulator.actions.settleDelayedPayment(bad.id, 'succeeded')).toThrow(/still processing/);
  });

  it('expires, refunds and disputes as the dashboard buttons do', async () => {
    const open = await createTestSession(t.stripe);
    let start = eventCount();
    expect(t.emulator.actions.expireCheckoutSession(open.id).status).toBe('expired');
    expect(eventsSince(start)).toEqual([{ type: 'checkout.session.expired', objectId: open.id }]);
    expect(() => t.emulator.actions.payCheckoutSession(open.id, { number: PAN_SUCCEEDS })).toThrow(/expired and can no longer be paid/);

    const refunded = await createPaymentIntent(t.stripe);
    t.emulator.actions.confirmPaymentIntent(refunded.id, { number: PAN_SUCCEEDS });
    start = eventCount();
    expect(t.emulator.actions.refundPayment(refunded.id)).toMatchObject({ amount: 1999, status: 'succeeded' });
    expect(typesSince(start)).toEqual(['charge.refunded', 'refund.created']);
    expect(() => t.emulator.actions.refundPayment(refunded.id)).toThrow(/already been refunded/);

    const disputed = await createPaymentIntent(t.stripe);
    t.emulator.actions.confirmPaymentIntent(disputed.id, { number: PAN_SUCCEEDS });
    start = eventCount();
    expect(t.emulator.actions.disputePayment(disputed.id)).toMatchObject({ reason: 'fraudulent', amount: 1999 });
    expect(typesSince(start)).toEqual(['charge.dispute.created']);

    const byCard = await createPaymentIntent(t.stripe);
    start = eventCount();
    t.emulator.actions.confirmPaymentIntent(byCard.id, { number: PAN_DISPUTED });
    expect(typesSince(start)).toEqual(['charge.succeeded', 'payment_intent.succeeded', 'charge.dispute.created']);
    expect(() => t.emulator.actions.disputePayment(byCard.id)).toThrow(/already been disputed/);

    const unpaid = await createPaymentIntent(t.stripe);
    expect(() => t.emulator.actions.disputePayment(unpaid.id)).toThrow(/Only a succeeded payment/);
  });

  it('refuses what the page and the API refuse, and charges nothing', async () => {
    const session = await createTestSession(t.stripe);
    const intent = await createPaymentIntent(t.stripe);
    const start = eventCount();
    expect(() => t.emulator.actions.payCheckoutSession(session.id, { number: '4242 4242 4242 4241' })).toThrow(/card number is invalid/);
    expect(() => t.emulator.actions.payCheckoutSession(session.id, { number: PAN_SUCCEEDS, expiry: '01 / 20' })).toThrow(/in the past/);
    expect(() => t.emulator.actions.confirmPaymentIntent(intent.id, { number: '1234' })).toThrow(/card number is incorrect/);
    expect(() => t.emulator.actions.confirmPaymentIntent('pi_missing', { number: PAN_SUCCEEDS })).toThrow(/No such payment_intent/);
    expect(eventCount()).toBe(start);
    expect(t.emulator.state.findPaymentIntent(intent.id)?.status).toBe('requires_payment_method');
  });

  it('readEvents pages by offset, oldest first, and matches GET /v1/events', async () => {
    const intent = await createPaymentIntent(t.stripe);
    t.emulator.actions.confirmPaymentIntent(intent.id, { number: PAN_SUCCEEDS });
    const all = t.emulator.state.readEvents();
    expect(all.map((event) => event.type)).toEqual(['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded']);
    expect(t.emulator.state.readEvents(1).map((event) => event.id)).toEqual(all.slice(1).map((event) => event.id));
    const listed = await t.stripe.events.list({ limit: 10 });
    expect(listed.data.map((event) => event.id).reverse()).toEqual(all.map((event) => event.id));
  });
});
