// Stripe webhook events: verify, then handle each event id once.
//
// Verification needs the exact bytes Stripe signed, so the route hands us the raw body
// (https://docs.stripe.com/webhooks#verify-official-libraries). The tolerance is passed
// explicitly: in stripe-node v23 a tolerance of 0 disables the timestamp check.
// Deliveries are at least once and unordered: the event id is recorded in the same
// transaction as its change, and the store only moves orders forward.
import type Stripe from 'stripe';
import { z } from 'zod';
import { AppError } from '../errors';
import type { OrderChange } from '../store/order-store';
import type { FulfilmentDeps } from './fulfilment';
import {
  decideCheckoutOutcome,
  decidePaymentIntentOutcome,
  findOrderForPaymentIntent,
  findOrderForSession,
  retrieveCheckoutSummary,
  retrievePaymentIntentSummary,
} from './fulfilment';

export const WEBHOOK_TOLERANCE_SECONDS = 300;

// constructEvent proves who sent the bytes, not that they are an event: a correctly signed
// body of another shape (a test tool, a misconfigured forwarder) is refused, not half-processed.
const EventShapeSchema = z.object({
  id: z.string().startsWith('evt_').max(255),
  type: z.string().min(1).max(100),
  created: z.number().int(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});

export function verifyStripeEvent(stripe: Stripe, rawBody: Buffer, signature: string | undefined, secret: string): Stripe.Event {
  if (!signature) throw new AppError(400, 'missing_signature', 'The Stripe-Signature header is missing.');
  let event: Stripe.Event;
  try {
    event = stripe.webhooks.constructEvent(rawBody, signature, secret, WEBHOOK_TOLERANCE_SECONDS);
  } catch (error) {
    throw new AppError(400, 'invalid_signature', 'The webhook signature is not valid.', { cause: error });
  }
  if (!EventShapeSchema.safeParse(event).success) throw new AppError(400, 'invalid_event', 'The webhook body is not a Stripe event.');
  return event;
}

export type EventResult = 'processed' | 'duplicate' | 'ignored';

function idOf(value: string | { id: string } | null | undefined): string | null {
  return typeof value === 'string' ? value : (value?.id ?? null);
}

/**
 * A refund or dispute of a payment whose success we have not recorded yet (events in any
 * order): record the payment first, from the PaymentIntent as Stripe reports it now, so the
 * reversal is never lost and the order never skips a step.
 */
async function planReversal(deps: FulfilmentDeps, paymentIntentId: string | null, status: 'refunded' | 'disputed'): Promise<OrderChange | null> {
  if (!paymentIntentId) return null;
  const summary = await retrievePaymentIntentSummary(deps.stripe, paymentIntentId);
  const order = await findOrderForPaymentIntent(deps.store, summary);
  if (!order) return null;
  const paid = order.status === 'paid' ? null : decidePaymentIntentOutcome(order, summary, deps.logger);
  return { orderId: order.id, outcomes: [...(paid ? [paid] : []), { status }] };
}

/** The event types planChange acts on (keep in step with its cases); reconciliation lists only these. */
export const HANDLED_EVENT_TYPES = [
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'checkout.session.expired',
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'charge.refunded',
  'charge.dispute.created',
] as const satisfies readonly Stripe.Event.Type[];

/** Works out (with Stripe calls if needed) what an event changes, before any write. */
async function planChange(deps: FulfilmentDeps, event: Stripe.Event): Promise<OrderChange | null | 'ignored'> {
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded': {
      // The event's snapshot may be stale and carries no card details: ask Stripe for
      // the session as it is now, with the charge expanded.
      const summary = await retrieveCheckoutSummary(deps.stripe, event.data.object.id);
      const order = await findOrderForSession(deps.store, summary);
      if (!order) return null;
      // Nothing yet (a delayed payment's completed session): the order is ours, the event is done.
      const outcome = decideCheckoutOutcome(order, summary, deps.logger);
      return { orderId: order.id, outcomes: outcome ? [outcome] : [] };
    }
    case 'checkout.session.async_payment_failed':
    case 'checkout.session.expired': {
      const session = event.data.object;
      const order = await findOrderForSession(deps.store, { sessionId: session.id, orderId: session.client_reference_id });
      const status = event.type === 'checkout.session.expired' ? 'expired' : 'failed';
      return order ? { orderId: order.id, outcomes: [{ status }] } : null;
    }
    case 'payment_intent.succeeded': {
      // Payment Element flow (and the intent behind a Checkout Session): fulfil from the
      // intent retrieved with latest_charge expanded, for the card display fields.
      const summary = await retrievePaymentIntentSummary(deps.stripe, event.data.object.id);
      const order = await findOrderForPaymentIntent(deps.store, summary);
      if (!order) return null;
      const outcome = decidePaymentIntentOutcome(order, summary, deps.logger);
      return { orderId: order.id, outcomes: outcome ? [outcome] : [] };
    }
    case 'payment_intent.payment_failed': {
      const paymentIntent = event.data.object;
      const order = await findOrderForPaymentIntent(deps.store, { paymentIntentId: paymentIntent.id, orderId: paymentIntent.metadata['order_id'] ?? null });
      return order ? { orderId: order.id, outcomes: [{ status: 'failed', paymentIntentId: paymentIntent.id }] } : null;
    }
    case 'charge.refunded': {
      // Only a full refund makes the order refunded; a partial one leaves it paid.
      // https://docs.stripe.com/api/charges/object#charge_object-refunded
      const charge = event.data.object;
      if (!charge.refunded) return 'ignored';
      return planReversal(deps, idOf(charge.payment_intent), 'refunded');
    }
    case 'charge.dispute.created':
      return planReversal(deps, idOf(event.data.object.payment_intent), 'disputed');
    default:
      return 'ignored';
  }
}

export async function handleStripeEvent(deps: FulfilmentDeps, event: Stripe.Event): Promise<EventResult> {
  if (await deps.store.hasProcessedEvent(event.id)) return 'duplicate';
  // Stripe calls happen here, outside any transaction; the transaction is only the writes.
  const plan = await planChange(deps, event);
  const recorded = await deps.store.processEventOnce(event, plan === 'ignored' ? null : plan);
  if (!recorded) return 'duplicate';
  if (plan === null) deps.logger.warn({ eventId: event.id, type: event.type }, 'webhook event matches no order of ours');
  return plan === 'ignored' ? 'ignored' : 'processed';
}
