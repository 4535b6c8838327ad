// Fulfilment: decide an order's outcome from the Stripe object as Stripe reports it now.
//
// The webhook (for every event type it acts on), reconciliation and the return pages all call
// this; it is idempotent because the store only moves an order forward (see canMoveOrder). An
// event's body is never the evidence: it is a snapshot that may be stale, and a signed body is
// only as trustworthy as every holder of the signing secret. Card display details come from
// the session retrieved with `payment_intent.latest_charge` expanded
// (https://docs.stripe.com/api/expanding_objects), never from the browser.
import type Stripe from 'stripe';
import type { Logger } from 'pino';
import type { CardDisplay, Order, OrderOutcome, OrderStore } from '../store/order-store';

export interface FulfilmentDeps {
  stripe: Stripe;
  store: OrderStore;
  logger: Logger;
}

/** What we take from a Checkout Session: our own small type, never the Stripe object. */
export interface CheckoutSessionSummary {
  sessionId: string;
  orderId: string | null;
  status: 'open' | 'complete' | 'expired' | 'unknown';
  paymentStatus: 'paid' | 'unpaid' | 'no_payment_required' | 'unknown';
  amountTotal: number | null;
  currency: string | null;
  paymentIntentId: string | null;
  /** The session's PaymentIntent reports a failed attempt (a delayed payment that bounced). */
  paymentFailed: boolean;
  card: CardDisplay | null;
}

/** The order for an object, and what the object as Stripe reports it now means for it (null: nothing yet). */
export interface Decision {
  order: Order;
  outcome: OrderOutcome | null;
}

/**
 * A failed attempt: the intent is back to `requires_payment_method` with the error of the
 * attempt. A new intent has that status too, but no `last_payment_error`.
 * https://docs.stripe.com/payments/paymentintents/lifecycle
 */
function hasFailedAttempt(intent: Stripe.PaymentIntent): boolean {
  return intent.status === 'requires_payment_method' && intent.last_payment_error !== null;
}

function toCardDisplay(charge: Stripe.Charge | string | null | undefined): CardDisplay | null {
  if (!charge || typeof charge === 'string') return null;
  const card = charge.payment_method_details?.card;
  if (!card || !card.brand || !card.last4 || !/^\d{4}$/.test(card.last4)) return null;
  return { brand: card.brand, last4: card.last4, expMonth: card.exp_month, expYear: card.exp_year };
}

// Stripe's enums are open (new values may appear); anything we do not know is 'unknown'.
function pickKnown<T extends string>(value: string | null, known: readonly T[]): T | 'unknown' {
  return known.find((candidate) => candidate === value) ?? 'unknown';
}

export function summariseCheckoutSession(session: Stripe.Checkout.Session): CheckoutSessionSummary {
  const paymentIntent = session.payment_intent;
  const status = pickKnown(session.status, ['open', 'complete', 'expired'] as const);
  const paymentStatus = pickKnown(session.payment_status, ['paid', 'unpaid', 'no_payment_required'] as const);
  return {
    sessionId: session.id,
    orderId: session.client_reference_id,
    status,
    paymentStatus,
    amountTotal: session.amount_total,
    currency: session.currency,
    paymentIntentId: typeof paymentIntent === 'string' ? paymentIntent : (paymentIntent?.id ?? null),
    paymentFailed: typeof paymentIntent === 'object' && paymentIntent !== null && hasFailedAttempt(paymentIntent),
    card: typeof paymentIntent === 'object' && paymentIntent !== null ? toCardDisplay(paymentIntent.latest_charge) : null,
  };
}

export async function retrieveCheckoutSummary(stripe: Stripe, sessionId: string): Promise<CheckoutSessionSummary> {
  const session = await stripe.checkout.sessions.retrieve(sessionId, { expand: ['payment_intent.latest_charge'] });
  return summariseCheckoutSession(session);
}

/** Our order for a session: by the session id we stored, cross-checked with client_reference_id. */
export async function findOrderForSession(store: OrderStore, summary: { sessionId: string; orderId: string | null }): Promise<Order | undefined> {
  const order = (await store.findOrderByCheckoutSession(summary.sessionId)) ?? (summary.orderId ? await store.findOrder(summary.orderId) : undefined);
  if (!order) return undefined;
  if (summary.orderId !== null && summary.orderId !== order.id) return undefined;
  if (order.checkoutSessionId !== null && order.checkoutSessionId !== summary.sessionId) return undefined;
  return order;
}

/** The outcome a session implies for its order, or null when there is nothing to do yet. */
export function decideCheckoutOutcome(order: Order, summary: CheckoutSessionSummary, logger: Logger): OrderOutcome | null {
  if (summary.status === 'expired') return { status: 'expired' };
  if (summary.status !== 'complete') return null;
  // A completed session stays `unpaid` while a delayed payment is processing, and after it bounced.
  if (summary.paymentStatus === 'unpaid' && summary.paymentFailed) return { status: 'failed' };
  if (summary.paymentStatus !== 'paid') return null; // delayed methods: wait for the payment to settle
  if (summary.amountTotal !== order.amount || summary.currency !== order.currency) {
    logger.error({ orderId: order.id, sessionId: summary.sessionId }, 'paid session does not match the order amount; not fulfilling');
    return null;
  }
  return { status: 'paid', card: summary.card, paymentIntentId: summary.paymentIntentId };
}

/** Retrieves the session and decides for its order; undefined when no order of ours matches. */
export async function decideFromCheckoutSession(deps: FulfilmentDeps, sessionId: string): Promise<Decision | undefined> {
  const summary = await retrieveCheckoutSummary(deps.stripe, sessionId);
  const order = await findOrderForSession(deps.store, summary);
  return order ? { order, outcome: decideCheckoutOutcome(order, summary, deps.logger) } : undefined;
}

async function applyDecision(deps: FulfilmentDeps, decision: Decision | undefined): Promise<Order | undefined> {
  if (!decision?.outcome) return decision?.order;
  return (await deps.store.applyOutcome(decision.order.id, decision.outcome)).order;
}

/**
 * Retrieves the session and moves its order accordingly. Returns the order afterwards
 * (unchanged when there was nothing to do), or undefined when no order matches.
 */
export async function fulfilCheckoutSession(deps: FulfilmentDeps, sessionId: string): Promise<Order | undefined> {
  return applyDecision(deps, await decideFromCheckoutSession(deps, sessionId));
}

/** What we take from a PaymentIntent (Payment Element flow, or a Checkout Session's intent). */
export interface PaymentIntentSummary {
  paymentIntentId: string;
  orderId: string | null;
  status: 'succeeded' | 'processing' | 'requires_payment_method' | 'requires_action' | 'canceled' | 'unknown';
  amount: number;
  currency: string;
  /** A failed attempt (declined, authentication failed), not yet retried. */
  paymentFailed: boolean;
  card: CardDisplay | null;
}

export function summarisePaymentIntent(intent: Stripe.PaymentIntent): PaymentIntentSummary {
  return {
    paymentIntentId: intent.id,
    orderId: intent.metadata['order_id'] ?? null,
    status: pickKnown(intent.status, ['succeeded', 'processing', 'requires_payment_method', 'requires_action', 'canceled'] as const),
    amount: intent.amount,
    currency: intent.currency,
    paymentFailed: hasFailedAttempt(intent),
    card: toCardDisplay(intent.latest_charge),
  };
}

export async function retrievePaymentIntentSummary(stripe: Stripe, paymentIntentId: string): Promise<PaymentIntentSummary> {
  const intent = await stripe.paymentIntents.retrieve(paymentIntentId, { expand: ['latest_charge'] });
  return summarisePaymentIntent(intent);
}

/**
 * Our order for a PaymentIntent: by the intent id we stored, else by `metadata.order_id`
 * (Checkout Sessions' intents carry it through payment_intent_data), cross-checked so an
 * intent can never settle another order.
 */
export async function findOrderForPaymentIntent(store: OrderStore, summary: { paymentIntentId: string; orderId: string | null }): Promise<Order | undefined> {
  const order = (await store.findOrderByPaymentIntent(summary.paymentIntentId)) ?? (summary.orderId ? await store.findOrder(summary.orderId) : undefined);
  if (!order) return undefined;
  if (summary.orderId !== null && summary.orderId !== order.id) return undefined;
  if (order.paymentIntentId !== null && order.paymentIntentId !== summary.paymentIntentId) return undefined;
  return order;
}

/** `paid` for a succeeded intent whose amount matches the order, `failed` after a failed attempt; null otherwise (wait). */
export function decidePaymentIntentOutcome(order: Order, summary: PaymentIntentSummary, logger: Logger): OrderOutcome | null {
  if (summary.paymentFailed) return { status: 'failed', paymentIntentId: summary.paymentIntentId };
  if (summary.status !== 'succeeded') return null;
  if (summary.amount !== order.amount || summary.currency !== order.currency) {
    logger.error({ orderId: order.id, paymentIntentId: summary.paymentIntentId }, 'succeeded payment does not match the order amount; not fulfilling');
    return null;
  }
  return { status: 'paid', card: summary.card, paymentIntentId: summary.paymentIntentId };
}

/** Retrieves the PaymentIntent and decides for its order; undefined when no order of ours matches. */
export async function decideFromPaymentIntent(deps: FulfilmentDeps, paymentIntentId: string): Promise<Decision | undefined> {
  const summary = await retrievePaymentIntentSummary(deps.stripe, paymentIntentId);
  const order = await findOrderForPaymentIntent(deps.store, summary);
  return order ? { order, outcome: decidePaymentIntentOutcome(order, summary, deps.logger) } : undefined;
}

/** Retrieves the PaymentIntent and moves its order accordingly (the return page's fallback to the webhook). */
export async function fulfilPaymentIntent(deps: FulfilmentDeps, paymentIntentId: string): Promise<Order | undefined> {
  return applyDecision(deps, await decideFromPaymentIntent(deps, paymentIntentId));
}

function idOf(value: string | { id: string } | null | undefined): string | null {
  return typeof value === 'string' ? value : (value?.id ?? null);
}

/**
 * The PaymentIntent of a charge Stripe reports fully refunded now; null while it is not (or
 * only partly: `refunded` is true only for a full refund,
 * https://docs.stripe.com/api/charges/object#charge_object-refunded).
 */
export async function retrieveFullyRefundedPaymentIntent(stripe: Stripe, chargeId: string): Promise<string | null> {
  const charge = await stripe.charges.retrieve(chargeId);
  return charge.refunded ? idOf(charge.payment_intent) : null;
}

/** The PaymentIntent a dispute is about, from the dispute as Stripe reports it (it exists: the charge is disputed). */
export async function retrieveDisputedPaymentIntent(stripe: Stripe, disputeId: string): Promise<string | null> {
  const dispute = await stripe.disputes.retrieve(disputeId);
  return idOf(dispute.payment_intent);
}
