// Paying a Checkout Session with a card from the hosted page. Each attempt makes a
// PaymentMethod and a Charge; the session's PaymentIntent is made on the first attempt.
// The card number stops here: only brand, last4, expiry and a keyed fingerprint are kept.
import { createHmac } from 'node:crypto';
import type Stripe from 'stripe';
import type { CardInput } from './card-form';
import { findCheckoutSession } from './checkout-sessions';
import { nowSeconds, type EmulatorContext } from './context';
import { invalidRequest } from './errors';
import { createId } from './ids';
import type { BillingDetailsInput, CardDetails } from './objects/card-details';
import { buildCharge } from './objects/charge';
import {
  buildChargeFailedEvent,
  buildChargeSucceededEvent,
  buildCheckoutSessionCompletedEvent,
  buildPaymentIntentPaymentFailedEvent,
  buildPaymentIntentSucceededEvent,
} from './objects/event';
import { buildPaymentIntent } from './objects/payment-intent';
import { buildCardPaymentMethod } from './objects/payment-method';
import { findTestCard, NON_TEST_CARD, type CardOutcome } from './test-cards';

export type PaymentResult =
  | { kind: 'succeeded'; redirectUrl: string }
  | { kind: 'declined'; code: string; declineCode: string; message: string };

export function payCheckoutSession(
  context: EmulatorContext,
  sessionId: string,
  card: CardInput,
  billing: BillingDetailsInput,
): PaymentResult {
  const session = findCheckoutSession(context, sessionId);
  if (session.status !== 'open') {
    throw invalidRequest(`This Checkout Session is ${session.status ?? 'not open'} and can no longer be paid.`, undefined, 'checkout_session_not_open');
  }
  const { details, outcome } = describeCard(context, card);
  const created = nowSeconds(context);
  // Events caused by the customer, not an API call, carry a request with null ids (as Stripe's do).
  const eventContext = { created, request: { id: null, idempotency_key: null } };
  const intent = findOrCreatePaymentIntent(context, session, billing.email);
  const method = buildCardPaymentMethod({ id: createId('pm'), created, card: details, billing });
  context.store.paymentMethods.set(method.id, method);
  const failure = outcome.kind === 'declined' ? outcome : undefined;
  const charge = buildCharge({
    id: createId('ch'),
    created,
    amount: intent.amount,
    currency: intent.currency,
    paymentIntentId: intent.id,
    paymentMethodId: method.id,
    card: details,
    billing,
    failure,
  });
  context.store.charges.set(charge.id, charge);

  if (failure) {
    const failed: Stripe.PaymentIntent = {
      ...intent,
      latest_charge: charge.id,
      payment_method: null,
      status: 'requires_payment_method',
      last_payment_error: {
        charge: charge.id,
        code: failure.code,
        decline_code: failure.declineCode,
        doc_url: `https://docs.stripe.com/error-codes/${failure.code.replaceAll('_', '-')}`,
        message: failure.message,
        payment_method: method,
        type: 'card_error',
      },
    };
    context.store.paymentIntents.set(failed.id, failed);
    context.emit(buildChargeFailedEvent(charge, eventContext));
    context.emit(buildPaymentIntentPaymentFailedEvent(failed, eventContext));
    return { kind: 'declined', code: failure.code, declineCode: failure.declineCode, message: failure.message };
  }

  const succeeded: Stripe.PaymentIntent = {
    ...intent,
    amount_received: intent.amount,
    last_payment_error: null,
    latest_charge: charge.id,
    payment_method: method.id,
    status: 'succeeded',
  };
  context.store.paymentIntents.set(succeeded.id, succeeded);
  const completed: Stripe.Checkout.Session = {
    ...session,
    payment_intent: succeeded.id,
    payment_status: 'paid',
    status: 'complete',
    url: null,
    customer_details: {
      address: { city: null, country: null, line1: null, line2: null, postal_code: billing.postalCode, state: null },
      business_name: null,
      email: billing.email,
      individual_name: null,
      name: billing.name,
      phone: null,
      tax_exempt: 'none',
      tax_ids: [],
    },
  };
  context.store.sessions.set(completed.id, completed);
  // The order Stripe sends them in; webhook consumers must not rely on it.
  context.emit(buildChargeSucceededEvent(charge, eventContext));
  context.emit(buildPaymentIntentSucceededEvent(succeeded, eventContext));
  context.emit(buildCheckoutSessionCompletedEvent(completed, eventContext));
  return { kind: 'succeeded', redirectUrl: (session.success_url ?? '').replaceAll('{CHECKOUT_SESSION_ID}', session.id) };
}

function findOrCreatePaymentIntent(context: EmulatorContext, session: Stripe.Checkout.Session, email: string): Stripe.PaymentIntent {
  const existing = typeof session.payment_intent === 'string' ? context.store.paymentIntents.get(session.payment_intent) : undefined;
  if (existing) return existing;
  const intent = buildPaymentIntent({
    id: createId('pi'),
    created: nowSeconds(context),
    amount: session.amount_total ?? 0,
    currency: session.currency ?? 'usd',
    metadata: {},
    receiptEmail: email,
  });
  context.store.paymentIntents.set(intent.id, intent);
  context.store.sessions.set(session.id, { ...session, payment_intent: intent.id });
  return intent;
}

function describeCard(context: EmulatorContext, card: CardInput): { details: CardDetails; outcome: CardOutcome } {
  const profile = findTestCard(card.number);
  const details: CardDetails = {
    brand: profile?.brand ?? guessBrand(card.number),
    funding: profile?.funding ?? 'credit',
    country: profile?.country ?? 'US',
    last4: card.number.slice(-4),
    expMonth: card.expMonth,
    expYear: card.expYear,
    fingerprint: createHmac('sha256', context.fingerprintKey).update(card.number).digest('base64url').slice(0, 16),
  };
  return { details, outcome: profile?.outcome ?? NON_TEST_CARD };
}

/** Brand from the leading digits (IIN ranges), for numbers that are not test cards. */
function guessBrand(number: string): string {
  if (number.startsWith('4')) return 'visa';
  if (/^(5[1-5]|2(2[2-9]|[3-6]\d|7[01]|720))/.test(number)) return 'mastercard';
  if (/^3[47]/.test(number)) return 'amex';
  if (/^(6011|65)/.test(number)) return 'discover';
  return 'unknown';
}
