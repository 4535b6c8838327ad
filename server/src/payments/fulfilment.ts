// Fulfilment: decide an order's outcome from the Stripe object as Stripe reports it now.
//
// The webhook (for every event type it acts on), reconciliation and the return pages all call
// this; it is idempotent because the store only moves an order forward (see canMoveOrder). An
// event's body is never the evidence: it is a snapshot that may be stale, and a signed body is
// only as trustworthy as every holder of the signing secret. Whether the object is a Checkout
// Session or a PaymentIntent, it is read into one ReportedPayment (payment-sources.ts) and
// decided here once: one order match, one amount check, one set of outcomes.
import type Stripe from 'stripe';
import type { Logger } from 'pino';
import type { Order, OrderOutcome, OrderStore } from '../store/order-store';
import { PAYMENT_SOURCES } from './payment-sources';
import type { PaymentSourceKind, ReportedPayment } from './payment-sources';

export type { PaymentSourceKind, ReportedPayment } from './payment-sources';

export interface FulfilmentDeps {
  stripe: Stripe;
  store: OrderStore;
  logger: Logger;
}

/** The order for an object, and what the object as Stripe reports it now means for it (null: nothing yet). */
export interface Decision {
  order: Order;
  outcome: OrderOutcome | null;
}

/** The order that stored this id (a Checkout Session's or a PaymentIntent's), if any. */
export function findOrderByStripeId(store: OrderStore, kind: PaymentSourceKind, id: string): Promise<Order | undefined> {
  return PAYMENT_SOURCES[kind].findOrder(store, id);
}

/**
 * Our order for a payment: by the object id we stored, else by the order id it names
 * (Checkout Sessions' intents carry it through payment_intent_data), cross-checked both ways
 * so an object can never settle another order.
 */
export async function findOrderForPayment(store: OrderStore, payment: ReportedPayment): Promise<Order | undefined> {
  const source = PAYMENT_SOURCES[payment.source];
  const order = (await source.findOrder(store, payment.id)) ?? (payment.orderId ? await store.findOrder(payment.orderId) : undefined);
  if (!order) return undefined;
  if (payment.orderId !== null && payment.orderId !== order.id) return undefined;
  const storedId = source.storedId(order);
  if (storedId !== null && storedId !== payment.id) return undefined;
  return order;
}

/**
 * The outcome a payment implies for its order, or null when there is nothing to do yet.
 * The one amount check: money that moved pays the order only if it is the order's amount in
 * the order's currency (what we priced on the server), whichever object reports it.
 */
export function decideOutcome(order: Order, payment: ReportedPayment, logger: Logger): OrderOutcome | null {
  switch (payment.state) {
    case 'expired':
      return { status: 'expired' };
    case 'failed':
      // A failed intent ties its order to that intent; a failed session leaves its order tied
      // to the session (the intent is recorded when it is paid).
      return payment.source === 'payment_intent' ? { status: 'failed', paymentIntentId: payment.id } : { status: 'failed' };
    case 'paid':
      if (payment.amount !== order.amount || payment.currency !== order.currency) {
        logger.error(
          { orderId: order.id, stripeObjectId: payment.id },
          'Stripe reports a payment that does not match the order amount; not fulfilling',
        );
        return null;
      }
      return { status: 'paid', card: payment.card, paymentIntentId: payment.paymentIntentId };
    case 'waiting':
      return null; // open, processing (delayed methods), authenticating: wait for the payment to settle
  }
}

/** Retrieves the object and decides for its order; undefined when no order of ours matches. */
export async function decidePayment(deps: FulfilmentDeps, kind: PaymentSourceKind, id: string): Promise<Decision | undefined> {
  return decideReportedPayment(deps, await PAYMENT_SOURCES[kind].retrieve(deps.stripe, id));
}

/** Decides for the order of a payment already read (retrieved by decidePayment; the lab's naive webhook handler passes an event's snapshot). */
export async function decideReportedPayment(deps: FulfilmentDeps, payment: ReportedPayment): Promise<Decision | undefined> {
  const order = await findOrderForPayment(deps.store, payment);
  return order ? { order, outcome: decideOutcome(order, payment, deps.logger) } : undefined;
}

/**
 * Retrieves the object and moves its order accordingly (the return pages' fallback to the
 * webhook). Returns the order afterwards (unchanged when there was nothing to do), or
 * undefined when no order matches. The store guards every value it writes against card numbers.
 */
export async function fulfilPayment(deps: FulfilmentDeps, kind: PaymentSourceKind, id: string): Promise<Order | undefined> {
  const decision = await decidePayment(deps, kind, id);
  if (!decision?.outcome) return decision?.order;
  return (await deps.store.applyOutcome(decision.order.id, decision.outcome)).order;
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
