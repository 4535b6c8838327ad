// The two Stripe objects an order can be paid through, each read into one neutral type.
//
// A Checkout Session and a PaymentIntent say the same things in different fields: whose
// order (client_reference_id / metadata.order_id), how much, and whether the money moved.
// Each adapter here maps its object, retrieved from Stripe now, to a `ReportedPayment`; from
// there on fulfilment.ts decides once, whichever object it was. Card display details come
// from the latest charge, expanded on retrieval (https://docs.stripe.com/api/expanding_objects).
import type Stripe from 'stripe';
import type { CardDisplay, Order, OrderStore } from '../store/order-store';

/** Which Stripe object an id names (Stripe's own object names). */
export type PaymentSourceKind = 'checkout_session' | 'payment_intent';

/** A payment as Stripe reports it now, whichever object it came from: our own small type. */
export interface ReportedPayment {
  source: PaymentSourceKind;
  /** The object's id (`cs_…` or `pi_…`). */
  id: string;
  /** The order it names (client_reference_id, or metadata.order_id); null when it names none. */
  orderId: string | null;
  /**
   * `paid`: the money moved; `failed`: an attempt failed and was not retried yet; `expired`:
   * it can no longer be paid; `waiting`: anything else (open, processing, authenticating).
   */
  state: 'paid' | 'failed' | 'expired' | 'waiting';
  amount: number | null;
  currency: string | null;
  /** The PaymentIntent behind it (the object itself for an intent); null before one exists. */
  paymentIntentId: string | null;
  card: CardDisplay | null;
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

/**
 * A completed session stays `unpaid` while a delayed payment is processing, and after it
 * bounced (its intent then reports the failed attempt).
 * https://docs.stripe.com/checkout/fulfillment
 */
function sessionState(session: Stripe.Checkout.Session, intent: Stripe.PaymentIntent | null): ReportedPayment['state'] {
  if (session.status === 'expired') return 'expired';
  if (session.status !== 'complete') return 'waiting';
  if (session.payment_status === 'paid') return 'paid';
  if (session.payment_status === 'unpaid' && intent !== null && hasFailedAttempt(intent)) return 'failed';
  return 'waiting';
}

/** The session, retrieved with `payment_intent.latest_charge` expanded, as a ReportedPayment. */
export function reportCheckoutSession(session: Stripe.Checkout.Session): ReportedPayment {
  const paymentIntent = session.payment_intent;
  const intent = typeof paymentIntent === 'object' ? paymentIntent : null;
  return {
    source: 'checkout_session',
    id: session.id,
    orderId: session.client_reference_id,
    state: sessionState(session, intent),
    amount: session.amount_total,
    currency: session.currency,
    paymentIntentId: typeof paymentIntent === 'string' ? paymentIntent : (intent?.id ?? null),
    card: intent ? toCardDisplay(intent.latest_charge) : null,
  };
}

function intentState(intent: Stripe.PaymentIntent): ReportedPayment['state'] {
  if (hasFailedAttempt(intent)) return 'failed';
  return intent.status === 'succeeded' ? 'paid' : 'waiting';
}

/** The PaymentIntent (Payment Element flow, or a session's), retrieved with `latest_charge` expanded, as a ReportedPayment. */
export function reportPaymentIntent(intent: Stripe.PaymentIntent): ReportedPayment {
  return {
    source: 'payment_intent',
    id: intent.id,
    orderId: intent.metadata['order_id'] ?? null,
    state: intentState(intent),
    amount: intent.amount,
    currency: intent.currency,
    paymentIntentId: intent.id,
    card: toCardDisplay(intent.latest_charge),
  };
}

/** What fulfilment needs to know of each kind of object: how to read it, and how our orders refer to it. */
export interface PaymentSource {
  retrieve(stripe: Stripe, id: string): Promise<ReportedPayment>;
  /** The order that stored this object's id when it was created. */
  findOrder(store: OrderStore, id: string): Promise<Order | undefined>;
  /** The id of this kind the order stored (null: none yet). */
  storedId(order: Order): string | null;
}

export const PAYMENT_SOURCES: Readonly<Record<PaymentSourceKind, PaymentSource>> = {
  checkout_session: {
    retrieve: async (stripe, id) =>
      reportCheckoutSession(await stripe.checkout.sessions.retrieve(id, { expand: ['payment_intent.latest_charge'] })),
    findOrder: (store, id) => store.findOrderByCheckoutSession(id),
    storedId: (order) => order.checkoutSessionId,
  },
  payment_intent: {
    retrieve: async (stripe, id) => reportPaymentIntent(await stripe.paymentIntents.retrieve(id, { expand: ['latest_charge'] })),
    findOrder: (store, id) => store.findOrderByPaymentIntent(id),
    storedId: (order) => order.paymentIntentId,
  },
};
