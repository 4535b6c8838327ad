// One card payment attempt on a PaymentIntent, whoever collected the card (the hosted or
// embedded Checkout form, or the Payment Element frame), and what follows it: the 3-D Secure
// challenge, a delayed settlement, a dispute. The card number stops here: only brand, last4,
// expiry and a keyed fingerprint are kept.
import { createHmac } from 'node:crypto';
import type Stripe from 'stripe';
import type { CardInput } from './card-form';
import { nowSeconds, type EmulatorContext } from '../context';
import { invalidRequest } from '../api/errors';
import { createId } from '../ids';
import type { BillingDetailsInput, CardDetails } from '../objects/card-details';
import type { DestinationChargeData } from '../store';
import { buildCharge } from '../objects/charge';
import { recordBalanceTransaction, settleCharge } from './balance';
import { buildDispute } from '../objects/dispute';
import { buildEvent, type EventContext } from '../objects/event';
import { buildCardPaymentMethod } from '../objects/payment-method';
import { findTestCard, NON_TEST_CARD, type CardOutcome } from './test-cards';

export type AttemptResult =
  | { kind: 'succeeded'; intent: Stripe.PaymentIntent }
  | { kind: 'processing'; intent: Stripe.PaymentIntent }
  | { kind: 'requires_action'; intent: Stripe.PaymentIntent; challengeUrl: string }
  | { kind: 'declined'; intent: Stripe.PaymentIntent; code: string; declineCode: string; message: string };

export interface AttemptOptions {
  /** Settle later (Checkout's delayed-payment test path): the intent stays `processing`. */
  delayed?: boolean;
  /** Where the 3-D Secure challenge sends the customer back to, kept in `next_action`. */
  returnUrl?: string | null;
}

// What Stripe says when the customer fails or abandons 3-D Secure:
// https://docs.stripe.com/error-codes/payment-intent-authentication-failure
export const AUTHENTICATION_FAILURE_MESSAGE =
  'We are unable to authenticate your payment method. Please choose a different payment method and try again.';

const CUSTOMER_ACTION: Stripe.Event.Request = { id: null, idempotency_key: null };

export function attemptCardPayment(
  context: EmulatorContext,
  intent: Stripe.PaymentIntent,
  card: CardInput,
  billing: BillingDetailsInput,
  options: AttemptOptions = {},
): AttemptResult {
  // A new attempt while a challenge is open replaces it, as Stripe lets a customer go back and change card.
  if (!['requires_payment_method', 'requires_confirmation', 'requires_action'].includes(intent.status)) {
    throw invalidRequest(
      `You cannot confirm this PaymentIntent because it has a status of ${intent.status}.`,
      undefined,
      'payment_intent_unexpected_state',
    );
  }
  const openChallenge = findChallengeToken(context, intent.id);
  if (openChallenge) context.store.challenges.delete(openChallenge);
  const { details, outcome } = describeCard(context, card);
  const created = nowSeconds(context);
  // Events caused by the customer, not an API call, carry a request with null ids (as Stripe's do).
  const events: EventContext = { created, request: CUSTOMER_ACTION };
  const method = buildCardPaymentMethod({ id: createId('pm'), created, card: details, billing });
  context.store.paymentMethods.set(method.id, method);

  if (outcome.kind === 'declined') return declinePayment(context, intent, method, details, billing, outcome, events);
  if (outcome.kind === 'requires_authentication') return requireAuthentication(context, intent, method, options.returnUrl ?? null, events);
  if (options.delayed) return startDelayedPayment(context, intent, method, details, billing, events);
  return { kind: 'succeeded', intent: succeedPayment(context, intent, method, details, billing, events, outcome) };
}

/** The customer's answer on the 3-D Secure challenge page. */
export function resolveChallenge(context: EmulatorContext, token: string, passed: boolean): Stripe.PaymentIntent {
  const intentId = context.store.challenges.get(token);
  const intent = intentId ? context.store.paymentIntents.get(intentId) : undefined;
  if (!intent || intent.status !== 'requires_action' || typeof intent.payment_method !== 'string') {
    throw invalidRequest('This authentication has already been completed or does not exist.', undefined, 'payment_intent_unexpected_state');
  }
  context.store.challenges.delete(token);
  const method = context.store.paymentMethods.get(intent.payment_method);
  if (!method?.card) throw invalidRequest('The payment method of this PaymentIntent is missing.');
  const events: EventContext = { created: nowSeconds(context), request: CUSTOMER_ACTION };
  if (passed) {
    const details = detailsOfMethod(method);
    return succeedPayment(context, intent, method, details, billingOfMethod(method), events, { kind: 'succeeds' });
  }
  const failed: Stripe.PaymentIntent = {
    ...intent,
    status: 'requires_payment_method',
    next_action: null,
    payment_method: null,
    last_payment_error: {
      code: 'payment_intent_authentication_failure',
      doc_url: 'https://docs.stripe.com/error-codes/payment-intent-authentication-failure',
      message: AUTHENTICATION_FAILURE_MESSAGE,
      payment_method: method,
      type: 'invalid_request_error',
    },
  };
  context.store.paymentIntents.set(failed.id, failed);
  context.emit(buildEvent('payment_intent.payment_failed', failed, events));
  return failed;
}

/** Finds the open challenge of an intent, for pages that show it again. */
export function findChallengeToken(context: EmulatorContext, intentId: string): string | undefined {
  for (const [token, id] of context.store.challenges) if (id === intentId) return token;
  return undefined;
}

function declinePayment(
  context: EmulatorContext,
  intent: Stripe.PaymentIntent,
  method: Stripe.PaymentMethod,
  details: CardDetails,
  billing: BillingDetailsInput,
  failure: Extract<CardOutcome, { kind: 'declined' }>,
  events: EventContext,
): AttemptResult {
  const charge = storeCharge(context, intent, method, details, billing, { failure });
  const failed: Stripe.PaymentIntent = {
    ...intent,
    latest_charge: charge.id,
    payment_method: null,
    next_action: null,
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
  context.emit(buildEvent('charge.failed', charge, events));
  context.emit(buildEvent('payment_intent.payment_failed', failed, events));
  return { kind: 'declined', intent: failed, code: failure.code, declineCode: failure.declineCode, message: failure.message };
}

function requireAuthentication(
  context: EmulatorContext,
  intent: Stripe.PaymentIntent,
  method: Stripe.PaymentMethod,
  returnUrl: string | null,
  events: EventContext,
): AttemptResult {
  const token = createId('tds', 32);
  context.store.challenges.set(token, intent.id);
  const challengeUrl = `${context.origins.hooks}/3d_secure_2/challenge/${token}`;
  const waiting: Stripe.PaymentIntent = {
    ...intent,
    status: 'requires_action',
    payment_method: method.id,
    last_payment_error: null,
    // Stripe.js opens this URL in a modal frame; a redirect integration sends the customer there.
    next_action: { type: 'redirect_to_url', redirect_to_url: { url: challengeUrl, return_url: returnUrl } },
  };
  context.store.paymentIntents.set(waiting.id, waiting);
  context.emit(buildEvent('payment_intent.requires_action', waiting, events));
  return { kind: 'requires_action', intent: waiting, challengeUrl };
}

function startDelayedPayment(
  context: EmulatorContext,
  intent: Stripe.PaymentIntent,
  method: Stripe.PaymentMethod,
  details: CardDetails,
  billing: BillingDetailsInput,
  events: EventContext,
): AttemptResult {
  const charge = storeCharge(context, intent, method, details, billing, { pending: true });
  const processing: Stripe.PaymentIntent = {
    ...intent,
    latest_charge: charge.id,
    payment_method: method.id,
    last_payment_error: null,
    next_action: null,
    status: 'processing',
  };
  context.store.paymentIntents.set(processing.id, processing);
  context.emit(buildEvent('charge.pending', charge, events));
  context.emit(buildEvent('payment_intent.processing', processing, events));
  completeOwningSession(context, processing.id, billing, 'unpaid', events);
  return { kind: 'processing', intent: processing };
}

function succeedPayment(
  context: EmulatorContext,
  intent: Stripe.PaymentIntent,
  method: Stripe.PaymentMethod,
  details: CardDetails,
  billing: BillingDetailsInput,
  events: EventContext,
  outcome: CardOutcome,
): Stripe.PaymentIntent {
  const charge = storeCharge(context, intent, method, details, billing, {});
  const succeeded: Stripe.PaymentIntent = {
    ...intent,
    amount_received: intent.amount,
    last_payment_error: null,
    latest_charge: charge.id,
    next_action: null,
    payment_method: method.id,
    status: 'succeeded',
  };
  context.store.paymentIntents.set(succeeded.id, succeeded);
  // The order Stripe sends them in; webhook consumers must not rely on it.
  context.emit(buildEvent('charge.succeeded', charge, events));
  context.emit(buildEvent('payment_intent.succeeded', succeeded, events));
  completeOwningSession(context, succeeded.id, billing, 'paid', events);
  if (outcome.kind === 'succeeds_then_disputed') disputeCharge(context, charge.id, events);
  return succeeded;
}

/** Opens a fraud dispute on a succeeded charge (test card 4000 0000 0000 0259, or the dashboard). */
export function disputeCharge(context: EmulatorContext, chargeId: string, events: EventContext): Stripe.Dispute {
  const charge = context.store.charges.get(chargeId);
  if (!charge || charge.status !== 'succeeded') throw invalidRequest('Only a succeeded charge can be disputed.', 'charge');
  if (charge.disputed) throw invalidRequest(`Charge ${chargeId} has already been disputed.`, 'charge', 'charge_disputed');
  const id = createId('dp');
  const amount = charge.amount - charge.amount_refunded;
  // The disputed amount leaves the balance when the dispute opens.
  const withdrawal = recordBalanceTransaction(context, {
    created: events.created,
    amount: -amount,
    currency: charge.currency,
    sourceId: id,
    type: 'adjustment',
    reportingCategory: 'dispute',
    description: `Chargeback withdrawal for ${charge.id}`,
  });
  const dispute = buildDispute({
    id,
    created: events.created,
    amount,
    balanceTransactions: [withdrawal],
    currency: charge.currency,
    chargeId: charge.id,
    paymentIntentId: typeof charge.payment_intent === 'string' ? charge.payment_intent : null,
    card: charge.payment_method_details?.card ? { brand: charge.payment_method_details.card.brand ?? 'unknown' } : null,
  });
  context.store.disputes.set(dispute.id, dispute);
  context.store.charges.set(charge.id, { ...charge, disputed: true });
  context.emit(buildEvent('charge.dispute.created', dispute, events));
  return dispute;
}

function completeOwningSession(
  context: EmulatorContext,
  intentId: string,
  billing: BillingDetailsInput,
  paymentStatus: 'paid' | 'unpaid',
  events: EventContext,
): void {
  const session = context.store.findSessionByPaymentIntent(intentId);
  if (!session || session.status !== 'open') return;
  const completed: Stripe.Checkout.Session = {
    ...session,
    payment_status: paymentStatus,
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
  context.emit(buildEvent('checkout.session.completed', completed, events));
}

export function storeCharge(
  context: EmulatorContext,
  intent: Stripe.PaymentIntent,
  method: Stripe.PaymentMethod,
  card: CardDetails,
  billing: BillingDetailsInput,
  state: { failure?: { code: string; declineCode: string; message: string }; pending?: boolean },
): Stripe.Charge {
  const created = nowSeconds(context);
  const built = buildCharge({
    id: createId('ch'),
    created,
    amount: intent.amount,
    currency: intent.currency,
    paymentIntentId: intent.id,
    paymentMethodId: method.id,
    card,
    billing,
    destination: destinationOf(intent),
    ...state,
  });
  const charge = built.status === 'succeeded' ? settleCharge(context, built, created) : built;
  context.store.charges.set(charge.id, charge);
  return charge;
}

/** The destination charge settings an intent was created with, if any. */
export function destinationOf(intent: Stripe.PaymentIntent): DestinationChargeData | null {
  const destination = intent.transfer_data?.destination;
  if (destination === undefined) return null;
  return {
    destination: typeof destination === 'string' ? destination : destination.id,
    applicationFeeAmount: intent.application_fee_amount,
  };
}

export function detailsOfMethod(method: Stripe.PaymentMethod): CardDetails {
  const card = method.card;
  return {
    brand: card?.brand ?? 'unknown',
    funding: card?.funding ?? 'credit',
    country: card?.country ?? 'US',
    last4: card?.last4 ?? '',
    expMonth: card?.exp_month ?? 0,
    expYear: card?.exp_year ?? 0,
    fingerprint: card?.fingerprint ?? '',
  };
}

export function billingOfMethod(method: Stripe.PaymentMethod): BillingDetailsInput {
  return {
    name: method.billing_details.name ?? '',
    email: method.billing_details.email ?? '',
    postalCode: method.billing_details.address?.postal_code ?? null,
  };
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
