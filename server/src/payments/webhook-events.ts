// Stripe webhook events: verify, then handle each event id once.
//
// Verification needs the exact bytes Stripe signed, so the route hands us the raw body
// (https://docs.stripe.com/webhooks#verify-official-libraries). The tolerance is passed
// explicitly: in stripe-node v23 a tolerance of 0 disables the timestamp check.
// Deliveries are at least once and unordered: the event id is recorded in the same
// transaction as its change, and the store only moves orders forward.
// An event only says which object to look at: every change is decided from that object
// retrieved from Stripe now (fulfilment.ts), never from the event body.
import type Stripe from 'stripe';
import { z } from 'zod';
import type { Mode } from '../config';
import { AppError } from '../errors';
import type { OrderChange } from '../store/order-store';
import type { Decision, FulfilmentDeps } from './fulfilment';
import { isRateLimitError, isStripeError } from './stripe-client';
import { decidePayment, decideReportedPayment, retrieveDisputedPaymentIntent, retrieveFullyRefundedPaymentIntent } from './fulfilment';
import { reportCheckoutSession, reportPaymentIntent } from './payment-sources';
import { controlOn } from '../lab/controls';
import type { LabControls } from '../lab/controls';

export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** What handling an event needs: fulfilment's, and the mode of our keys (events of the other mode are refused). */
export interface EventDeps extends FulfilmentDeps {
  mode: Mode;
  /** Lab mode's switches (`webhook-signature`, `webhook-dedupe`); absent everywhere else. */
  lab?: LabControls | null;
}

/** A JSON object (not an array, not null). */
function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// constructEvent proves who sent the bytes, not that they are an event: a correctly signed
// body of another shape (a test tool, a misconfigured forwarder) is refused, not half-processed.
// `data.object` is only checked to be an object: a z.record would visit each of its fields (a
// PaymentIntent has about 50) on every delivery, and what fulfilment reads is read from Stripe.
const EventShapeSchema = z.object({
  id: z.string().startsWith('evt_').max(255),
  type: z.string().min(1).max(100),
  created: z.number().int(),
  livemode: z.boolean(),
  data: z.object({ object: z.custom<Record<string, unknown>>(isJsonObject) }),
});

/** The signed timestamp `t`, read as stripe-node reads it (the last `t=` element); NaN if there is none. */
function signedTimestamp(signature: string): number {
  let timestamp = Number.NaN;
  for (const element of signature.split(',')) {
    const [key, value = ''] = element.split('=');
    if (key === 't') timestamp = /^\d{1,12}$/.test(value) ? Number(value) : Number.NaN;
  }
  return timestamp;
}

/**
 * constructEvent with each secret in turn: while the endpoint's secret is rolled, Stripe signs
 * with both (https://docs.stripe.com/webhooks#roll-endpoint-secrets), and a delivery queued
 * before the roll carries only the old one's signature. Any one secret verifying is enough.
 */
function constructWithAnySecret(stripe: Stripe, rawBody: Buffer, signature: string, secrets: readonly string[]): Stripe.Event {
  let cause: unknown;
  for (const secret of secrets) {
    try {
      return stripe.webhooks.constructEvent(rawBody, signature, secret, WEBHOOK_TOLERANCE_SECONDS);
    } catch (error) {
      cause = error;
    }
  }
  throw new AppError(400, 'invalid_signature', 'The webhook signature is not valid.', { cause });
}

export function verifyStripeEvent(
  stripe: Stripe,
  rawBody: Buffer,
  signature: string | undefined,
  secrets: readonly string[],
): Stripe.Event {
  if (!signature) throw new AppError(400, 'missing_signature', 'The Stripe-Signature header is missing.');
  const event = constructWithAnySecret(stripe, rawBody, signature, secrets);
  // constructEvent refuses only a timestamp too far in the past (now - t > tolerance): a
  // future one passes, so a signed body dated ahead would stay replayable until then.
  // The tolerance bounds clock skew both ways (https://docs.stripe.com/webhooks#replay-attacks).
  const aheadSeconds = signedTimestamp(signature) - Math.floor(Date.now() / 1000);
  if (!(aheadSeconds <= WEBHOOK_TOLERANCE_SECONDS)) throw new AppError(400, 'invalid_signature', 'The webhook signature is not valid.');
  if (!EventShapeSchema.safeParse(event).success) throw new AppError(400, 'invalid_event', 'The webhook body is not a Stripe event.');
  return event;
}

/**
 * Lab mode with `webhook-signature` off only (routes/webhooks.ts): the naive handler that parses
 * whatever was posted, with no signature and no timestamp check.
 */
export function readUnverifiedEvent(rawBody: Buffer): Stripe.Event {
  let event: unknown;
  try {
    event = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new AppError(400, 'invalid_event', 'The webhook body is not a Stripe event.');
  }
  if (!EventShapeSchema.safeParse(event).success) throw new AppError(400, 'invalid_event', 'The webhook body is not a Stripe event.');
  return event as Stripe.Event;
}

export type EventResult = 'processed' | 'duplicate' | 'ignored';

/** What handling an event did, and to which order: null when it acted on none (a processed event then matched no order of ours). */
export interface HandledEvent {
  result: EventResult;
  orderId: string | null;
}

/** Worth a look: a handled event type for an object no order of ours matches (another integration on the account, a test tool). */
export function matchedNoOrder(handled: HandledEvent): boolean {
  return handled.result === 'processed' && handled.orderId === null;
}

/**
 * A refund or dispute of a payment whose success we have not recorded yet (events in any
 * order): record the payment first, from the PaymentIntent as Stripe reports it now, so the
 * reversal is never lost and the order never skips a step.
 */
async function planReversal(
  deps: FulfilmentDeps,
  paymentIntentId: string | null,
  status: 'refunded' | 'disputed',
): Promise<OrderChange | null> {
  if (!paymentIntentId) return null;
  const decision = await decidePayment(deps, 'payment_intent', paymentIntentId);
  if (!decision) return null;
  const paid = decision.order.status === 'paid' ? null : decision.outcome;
  return { orderId: decision.order.id, outcomes: [...(paid ? [paid] : []), { status }] };
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

function isHandledEventType(type: string): boolean {
  return (HANDLED_EVENT_TYPES as readonly string[]).includes(type);
}

/** The order's change; no outcome yet (a delayed payment's completed session): the order is ours, the event is done. */
function toChange(decision: Decision | undefined): OrderChange | null {
  return decision ? { orderId: decision.order.id, outcomes: decision.outcome ? [decision.outcome] : [] } : null;
}

/**
 * Works out (with Stripe calls) what an event changes, before any write. The event names the
 * object; its state is the one Stripe reports now. So an `expired` event for a session Stripe
 * reports paid pays the order (money that moved is the truth), and a `charge.refunded` event
 * for a charge Stripe does not report refunded changes nothing.
 */
async function planChange(deps: EventDeps, event: Stripe.Event): Promise<OrderChange | null | 'ignored'> {
  // The lab's naive handler (`webhook-signature` off) also believes the event's own snapshot,
  // as integrations without a signature check usually do: a forged body then pays an order.
  const believeBody = !controlOn(deps.lab, 'webhook-signature');
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
    case 'checkout.session.async_payment_failed':
    case 'checkout.session.expired':
      if (believeBody) return toChange(await decideReportedPayment(deps, reportCheckoutSession(event.data.object)));
      // Retrieved with the charge expanded: the card display fields come with it.
      return toChange(await decidePayment(deps, 'checkout_session', event.data.object.id));
    case 'payment_intent.succeeded':
    case 'payment_intent.payment_failed':
      if (believeBody) return toChange(await decideReportedPayment(deps, reportPaymentIntent(event.data.object)));
      // Payment Element flow (and the intent behind a Checkout Session).
      return toChange(await decidePayment(deps, 'payment_intent', event.data.object.id));
    case 'charge.refunded': {
      // Only a full refund makes the order refunded; a partial one leaves it paid.
      const paymentIntentId = await retrieveFullyRefundedPaymentIntent(deps.stripe, event.data.object.id);
      return paymentIntentId ? planReversal(deps, paymentIntentId, 'refunded') : 'ignored';
    }
    case 'charge.dispute.created':
      return planReversal(deps, await retrieveDisputedPaymentIntent(deps.stripe, event.data.object.id), 'disputed');
    default:
      return 'ignored';
  }
}

/**
 * A Stripe read that failed, as the answer to the delivery: nothing was recorded, and a 5xx
 * makes Stripe deliver the event again later (https://docs.stripe.com/webhooks#retries).
 * Stripe's rate limit, still hit after the client's retries (stripe-client.ts), is a 503.
 */
function unreadable(error: unknown): unknown {
  if (isRateLimitError(error))
    return new AppError(503, 'payment_provider_error', 'The payment provider is rate limiting us; deliver the event again later.', {
      cause: error,
    });
  if (isStripeError(error))
    return new AppError(502, 'payment_provider_error', 'The payment provider could not be read; deliver the event again later.', {
      cause: error,
    });
  return error;
}

export async function handleStripeEvent(deps: EventDeps, event: Stripe.Event): Promise<HandledEvent> {
  // An endpoint of one mode gets only that mode's events: one of the other mode is a
  // misconfigured endpoint or forwarder, or a replay, and is refused before anything else.
  // https://docs.stripe.com/api/events/object#event_object-livemode
  if (event.livemode !== (deps.mode === 'live')) {
    throw new AppError(
      400,
      'livemode_mismatch',
      `This event is from Stripe's ${event.livemode ? 'live' : 'test'} mode; this server uses ${deps.mode === 'live' ? 'live' : 'test'}-mode keys.`,
    );
  }
  // The lookup spares a duplicate the Stripe calls. A type we do not act on makes none, and
  // processEventOnce's insert tells its duplicate apart by itself: one statement instead of two.
  // The lab's `webhook-dedupe` off: every delivery is handled, a replayed one as if it were new.
  const dedupe = controlOn(deps.lab, 'webhook-dedupe');
  if (dedupe && isHandledEventType(event.type) && (await deps.store.hasProcessedEvent(event.id)))
    return { result: 'duplicate', orderId: null };
  // Stripe calls happen here, outside any transaction; the transaction is only the writes.
  const plan = await planChange(deps, event).catch((error: unknown) => {
    throw unreadable(error);
  });
  const recorded = await deps.store.processEventOnce(event, plan === 'ignored' ? null : plan, { dedupe });
  if (!recorded) return { result: 'duplicate', orderId: null };
  return plan === 'ignored' ? { result: 'ignored', orderId: null } : { result: 'processed', orderId: plan?.orderId ?? null };
}
