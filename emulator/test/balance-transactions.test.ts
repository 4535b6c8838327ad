// Balance transactions, as Stripe records them: a succeeded charge has one (and a receipt), a
// refund has one, a new dispute lists its withdrawal; each is retrievable and expandable.
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPaymentIntent, createTestSession, decodeHtml, PAN_SUCCEEDS, request, startTestEmulator, type TestEmulator } from './helpers';

let t: TestEmulator;
beforeAll(async () => {
  t = await startTestEmulator();
});
afterAll(() => t.close());

async function rejection(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: Stripe.errors.StripeError) => error,
  );
}

async function paidCharge(paymentMethod = 'pm_card_visa'): Promise<Stripe.Charge> {
  const intent = await createPaymentIntent(t.stripe);
  const paid = await t.stripe.paymentIntents.confirm(intent.id, { payment_method: paymentMethod, expand: ['latest_charge'] });
  return paid.latest_charge as Stripe.Charge;
}

describe('balance transactions', () => {
  it('a succeeded charge has a retrievable, expandable balance transaction and a receipt URL', async () => {
    const charge = await paidCharge();
    expect(charge.balance_transaction).toMatch(/^txn_/);
    const receipt = await request(charge.receipt_url ?? '');
    expect(receipt.status).toBe(200);
    expect(receipt.headers['content-security-policy']).toContain("default-src 'none'");
    const card = charge.payment_method_details?.card;
    expect(decodeHtml(receipt.body)).toContain(`${card?.brand} •••• ${card?.last4}`);
    const transaction = await t.stripe.balanceTransactions.retrieve(String(charge.balance_transaction));
    expect(transaction).toMatchObject({
      object: 'balance_transaction',
      amount: charge.amount,
      currency: charge.currency,
      net: charge.amount - transaction.fee,
      source: charge.id,
      type: 'charge',
      reporting_category: 'charge',
    });
    const expanded = await t.stripe.charges.retrieve(charge.id, { expand: ['balance_transaction'] });
    expect(expanded.balance_transaction).toEqual(transaction);
    expect((await rejection(t.stripe.balanceTransactions.retrieve('txn_missing'))).statusCode).toBe(404);
  });

  it('a declined charge has none; a delayed payment gets one when it settles', async () => {
    const declined = await createPaymentIntent(t.stripe);
    await rejection(t.stripe.paymentIntents.confirm(declined.id, { payment_method: 'pm_card_chargeDeclined' }));
    const failed = await t.stripe.charges.retrieve(String((await t.stripe.paymentIntents.retrieve(declined.id)).latest_charge));
    expect(failed).toMatchObject({ status: 'failed', balance_transaction: null, receipt_url: null });
    expect((await request(`${t.emulator.url}/receipts/payment/${failed.id}`)).status).toBe(404);

    const session = await createTestSession(t.stripe);
    t.emulator.actions.payCheckoutSession(session.id, { number: PAN_SUCCEEDS, email: 'buyer+delayed@example.com' });
    const chargeOf = async () =>
      (
        (await t.stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent.latest_charge'] }))
          .payment_intent as Stripe.PaymentIntent
      ).latest_charge as Stripe.Charge;
    expect(await chargeOf()).toMatchObject({ status: 'pending', balance_transaction: null });
    t.emulator.actions.settleDelayedPayment(session.id, 'succeeded');
    expect((await chargeOf()).balance_transaction).toMatch(/^txn_/);
  });

  it('a refund has a balance transaction taking the amount back out, expandable', async () => {
    const charge = await paidCharge();
    const refund = await t.stripe.refunds.create({ charge: charge.id, amount: 500 });
    expect(refund.balance_transaction).toMatch(/^txn_/);
    const expanded = await t.stripe.refunds.retrieve(refund.id, { expand: ['balance_transaction'] });
    expect(expanded.balance_transaction).toMatchObject({ object: 'balance_transaction', amount: -500, source: refund.id, type: 'refund' });
  });

  it('a new dispute lists the balance transaction of its withdrawal', async () => {
    const charge = await paidCharge('pm_card_createDispute');
    const [event] = (await t.stripe.events.list({ type: 'charge.dispute.created', limit: 1 })).data;
    if (event?.type !== 'charge.dispute.created') throw new Error('no dispute event');
    const dispute = await t.stripe.disputes.retrieve(event.data.object.id);
    expect(dispute.charge).toBe(charge.id);
    expect(dispute.balance_transactions).toHaveLength(1);
    const [withdrawal] = dispute.balance_transactions;
    expect(withdrawal).toMatchObject({ amount: -dispute.amount, source: dispute.id, reporting_category: 'dispute' });
    expect(await t.stripe.balanceTransactions.retrieve(withdrawal?.id ?? '')).toEqual(withdrawal);
  });
});
