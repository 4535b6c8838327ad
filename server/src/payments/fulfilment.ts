// Fulfilment: decide an order's outcome from the Checkout Session as Stripe reports it now.
//
// Both the webhook and the success page (by session id) call this; it is idempotent
// because the store only moves an order forward (see canMoveOrder). Card display
// details come from the session retrieved with `payment_intent.latest_charge` expanded
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
  card: CardDisplay | null;
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
  if (summary.status !== 'complete' || summary.paymentStatus !== 'paid') return null; // delayed methods: wait for async_payment_*
  if (summary.amountTotal !== order.amount || summary.currency !== order.currency) {
    logger.error({ orderId: order.id, sessionId: summary.sessionId }, 'paid session does not match the order amount; not fulfilling');
    return null;
  }
  return { status: 'paid', card: summary.card, paymentIntentId: summary.paymentIntentId };
}

/**
 * Retrieves the session and moves its order accordingly. Returns the order afterwards
 * (unchanged when there was nothing to do), or undefined when no order matches.
 */
export async function fulfilCheckoutSession(deps: FulfilmentDeps, sessionId: string): Promise<Order | undefined> {
  const summary = await retrieveCheckoutSummary(deps.stripe, sessionId);
  const order = await findOrderForSession(deps.store, summary);
  if (!order) return undefined;
  const outcome = decideCheckoutOutcome(order, summary, deps.logger);
  if (!outcome) return order;
  return (await deps.store.applyOutcome(order.id, outcome)).order;
}

/** What we take from a PaymentIntent (Payment Element flow, or a Checkout Session's intent). */
export interface PaymentIntentSummary {
  paymentIntentId: string;
  orderId: string | null;
  status: 'succeeded' | 'processing' | 'requires_payment_method' | 'requires_action' | 'canceled' | 'unknown';
  amount: number;
  currency: string;
  card: CardDisplay | null;
}

export function summarisePaymentIntent(intent: Stripe.PaymentIntent): PaymentIntentSummary {
  return {
    paymentIntentId: intent.id,
    orderId: intent.metadata['order_id'] ?? null,
    status: pickKnown(intent.status, ['succeeded', 'processing', 'requires_payment_method', 'requires_action', 'canceled'] as const),
    amount: intent.amount,
    currency: intent.currency,
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

/** `paid` for a succeeded intent whose amount matches the order; null otherwise (wait). */
export function decidePaymentIntentOutcome(order: Order, summary: PaymentIntentSummary, logger: Logger): OrderOutcome | null {
  if (summary.status !== 'succeeded') return null;
  if (summary.amount !== order.amount || summary.currency !== order.currency) {
    logger.error({ orderId: order.id, paymentIntentId: summary.paymentIntentId }, 'succeeded payment does not match the order amount; not fulfilling');
    return null;
  }
  return { status: 'paid', card: summary.card, paymentIntentId: summary.paymentIntentId };
}

/** Retrieves the PaymentIntent and moves its order accordingly (the return page's fallback to the webhook). */
export async function fulfilPaymentIntent(deps: FulfilmentDeps, paymentIntentId: string): Promise<Order | undefined> {
  const summary = await retrievePaymentIntentSummary(deps.stripe, paymentIntentId);
  const order = await findOrderForPaymentIntent(deps.store, summary);
  if (!order) return undefined;
  const outcome = decidePaymentIntentOutcome(order, summary, deps.logger);
  if (!outcome) return order;
  return (await deps.store.applyOutcome(order.id, outcome)).order;
}
