// Paying a Checkout Session (hosted or embedded page) with a card. The session's PaymentIntent
// is made on the first attempt; each attempt then goes through `attemptCardPayment`.
// https://docs.stripe.com/payments/checkout
import type Stripe from 'stripe';
import { attemptCardPayment } from './card-payments';
import type { CardInput } from './card-form';
import { findCheckoutSession } from './checkout-sessions';
import { settleCharge } from './balance';
import { nowSeconds, type EmulatorContext } from '../context';
import { invalidRequest } from '../api/errors';
import { createClientSecret, createId } from '../ids';
import type { BillingDetailsInput } from '../objects/card-details';
import { buildEvent } from '../objects/event';
import { buildPaymentIntent } from '../objects/payment-intent';

export type PaymentResult =
  | { kind: 'succeeded'; redirectUrl: string }
  | { kind: 'requires_action'; challengeUrl: string }
  | { kind: 'declined'; code: string; declineCode: string; message: string };

/**
 * The emulator's delayed-payment test path: an email whose local part ends in `+delayed`
 * (`buyer+delayed@example.com`) completes the session with `payment_status: unpaid`, as a
 * bank debit would, until the dashboard settles it (https://docs.stripe.com/payments/checkout/fulfill-orders#delayed-notification).
 */
export function isDelayedPaymentEmail(email: string): boolean {
  return /\+delayed@/i.test(email);
}

export function payCheckoutSession(
  context: EmulatorContext,
  sessionId: string,
  card: CardInput,
  billing: BillingDetailsInput,
): PaymentResult {
  const session = findCheckoutSession(context, sessionId);
  if (session.status !== 'open') {
    throw invalidRequest(
      `This Checkout Session is ${session.status ?? 'not open'} and can no longer be paid.`,
      undefined,
      'checkout_session_not_open',
    );
  }
  const intent = findOrCreatePaymentIntent(context, session, billing.email);
  const result = attemptCardPayment(context, intent, card, billing, { delayed: isDelayedPaymentEmail(billing.email) });
  if (result.kind === 'declined') return result;
  if (result.kind === 'requires_action') return { kind: 'requires_action', challengeUrl: result.challengeUrl };
  return { kind: 'succeeded', redirectUrl: completionUrl(session) };
}

/** success_url (hosted) or return_url (embedded), with `{CHECKOUT_SESSION_ID}` filled in. */
export function completionUrl(session: Stripe.Checkout.Session): string {
  return (session.success_url ?? session.return_url ?? '').replaceAll('{CHECKOUT_SESSION_ID}', session.id);
}

/** Settles a delayed payment: the funds arrive (`succeeded`) or the debit bounces (`failed`). */
export function settleDelayedPayment(
  context: EmulatorContext,
  sessionId: string,
  outcome: 'succeeded' | 'failed',
): Stripe.Checkout.Session {
  const session = findCheckoutSession(context, sessionId);
  const intent = typeof session.payment_intent === 'string' ? context.store.paymentIntents.get(session.payment_intent) : undefined;
  const chargeId = typeof intent?.latest_charge === 'string' ? intent.latest_charge : undefined;
  const charge = chargeId ? context.store.charges.get(chargeId) : undefined;
  if (session.status !== 'complete' || session.payment_status !== 'unpaid' || !intent || intent.status !== 'processing' || !charge) {
    throw invalidRequest(
      'Only a completed Checkout Session whose payment is still processing can be settled.',
      undefined,
      'checkout_session_not_processing',
    );
  }
  const events = { created: nowSeconds(context), request: { id: null, idempotency_key: null } };
  if (outcome === 'succeeded') {
    const paidCharge = settleCharge(
      context,
      { ...charge, status: 'succeeded', paid: true, captured: true, amount_captured: charge.amount },
      events.created,
    );
    const paidIntent: Stripe.PaymentIntent = { ...intent, status: 'succeeded', amount_received: intent.amount };
    const paidSession: Stripe.Checkout.Session = { ...session, payment_status: 'paid' };
    context.store.charges.set(paidCharge.id, paidCharge);
    context.store.paymentIntents.set(paidIntent.id, paidIntent);
    context.store.sessions.set(paidSession.id, paidSession);
    context.emit(buildEvent('charge.succeeded', paidCharge, events));
    context.emit(buildEvent('payment_intent.succeeded', paidIntent, events));
    context.emit(buildEvent('checkout.session.async_payment_succeeded', paidSession, events));
    return paidSession;
  }
  const message = 'The customer’s bank account could not be debited.';
  const failedCharge: Stripe.Charge = {
    ...charge,
    status: 'failed',
    failure_code: 'payment_method_provider_decline',
    failure_message: message,
  };
  const method = typeof intent.payment_method === 'string' ? context.store.paymentMethods.get(intent.payment_method) : undefined;
  const failedIntent: Stripe.PaymentIntent = {
    ...intent,
    status: 'requires_payment_method',
    payment_method: null,
    last_payment_error: { charge: charge.id, code: 'payment_method_provider_decline', message, payment_method: method, type: 'card_error' },
  };
  context.store.charges.set(failedCharge.id, failedCharge);
  context.store.paymentIntents.set(failedIntent.id, failedIntent);
  context.emit(buildEvent('charge.failed', failedCharge, events));
  context.emit(buildEvent('payment_intent.payment_failed', failedIntent, events));
  context.emit(buildEvent('checkout.session.async_payment_failed', session, events));
  return session;
}

function findOrCreatePaymentIntent(context: EmulatorContext, session: Stripe.Checkout.Session, email: string): Stripe.PaymentIntent {
  const existing = typeof session.payment_intent === 'string' ? context.store.paymentIntents.get(session.payment_intent) : undefined;
  if (existing) return existing;
  const id = createId('pi');
  const intentData = context.store.sessionIntentData.get(session.id);
  const intent = buildPaymentIntent({
    id,
    created: nowSeconds(context),
    amount: session.amount_total ?? 0,
    currency: session.currency ?? 'usd',
    metadata: intentData?.metadata ?? {},
    description: intentData?.description ?? null,
    destination: intentData?.destination ?? null,
    receiptEmail: email,
    clientSecret: createClientSecret(id),
  });
  context.store.paymentIntents.set(intent.id, intent);
  context.store.sessions.set(session.id, { ...session, payment_intent: intent.id });
  return intent;
}
