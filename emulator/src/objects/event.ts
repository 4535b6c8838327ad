// Events carry a snapshot of the object at the moment they happened, like Stripe's:
// https://docs.stripe.com/api/events/object. `Stripe.Event` is a discriminated union in
// stripe-node v23, so there is one small builder per event type we emit.
import Stripe from 'stripe';
import { createId } from '../ids';

export type EmulatorEvent =
  | Stripe.CheckoutSessionCompletedEvent
  | Stripe.CheckoutSessionExpiredEvent
  | Stripe.CheckoutSessionAsyncPaymentSucceededEvent
  | Stripe.CheckoutSessionAsyncPaymentFailedEvent
  | Stripe.PaymentIntentCreatedEvent
  | Stripe.PaymentIntentProcessingEvent
  | Stripe.PaymentIntentRequiresActionEvent
  | Stripe.PaymentIntentSucceededEvent
  | Stripe.PaymentIntentPaymentFailedEvent
  | Stripe.ChargePendingEvent
  | Stripe.ChargeSucceededEvent
  | Stripe.ChargeFailedEvent
  | Stripe.ChargeRefundedEvent
  | Stripe.RefundCreatedEvent
  | Stripe.ChargeDisputeCreatedEvent;

export interface EventContext {
  created: number;
  /** The API request that caused the event; ids are `null` for the hosted page and timers. */
  request: Stripe.Event.Request;
}

function buildEventBase(context: EventContext): Omit<Stripe.EventBase, 'type' | 'data'> {
  return {
    id: createId('evt'),
    object: 'event',
    api_version: Stripe.API_VERSION,
    created: context.created,
    livemode: false,
    pending_webhooks: 0,
    request: context.request,
  };
}

export function buildCheckoutSessionCompletedEvent(
  session: Stripe.Checkout.Session,
  context: EventContext,
): Stripe.CheckoutSessionCompletedEvent {
  return { ...buildEventBase(context), type: 'checkout.session.completed', data: { object: session } };
}

export function buildCheckoutSessionExpiredEvent(
  session: Stripe.Checkout.Session,
  context: EventContext,
): Stripe.CheckoutSessionExpiredEvent {
  return { ...buildEventBase(context), type: 'checkout.session.expired', data: { object: session } };
}

export function buildPaymentIntentSucceededEvent(
  paymentIntent: Stripe.PaymentIntent,
  context: EventContext,
): Stripe.PaymentIntentSucceededEvent {
  return { ...buildEventBase(context), type: 'payment_intent.succeeded', data: { object: paymentIntent } };
}

export function buildPaymentIntentPaymentFailedEvent(
  paymentIntent: Stripe.PaymentIntent,
  context: EventContext,
): Stripe.PaymentIntentPaymentFailedEvent {
  return { ...buildEventBase(context), type: 'payment_intent.payment_failed', data: { object: paymentIntent } };
}

export function buildChargeSucceededEvent(charge: Stripe.Charge, context: EventContext): Stripe.ChargeSucceededEvent {
  return { ...buildEventBase(context), type: 'charge.succeeded', data: { object: charge } };
}

export function buildChargeFailedEvent(charge: Stripe.Charge, context: EventContext): Stripe.ChargeFailedEvent {
  return { ...buildEventBase(context), type: 'charge.failed', data: { object: charge } };
}

export function buildCheckoutSessionAsyncPaymentSucceededEvent(
  session: Stripe.Checkout.Session,
  context: EventContext,
): Stripe.CheckoutSessionAsyncPaymentSucceededEvent {
  return { ...buildEventBase(context), type: 'checkout.session.async_payment_succeeded', data: { object: session } };
}

export function buildCheckoutSessionAsyncPaymentFailedEvent(
  session: Stripe.Checkout.Session,
  context: EventContext,
): Stripe.CheckoutSessionAsyncPaymentFailedEvent {
  return { ...buildEventBase(context), type: 'checkout.session.async_payment_failed', data: { object: session } };
}

export function buildPaymentIntentCreatedEvent(
  paymentIntent: Stripe.PaymentIntent,
  context: EventContext,
): Stripe.PaymentIntentCreatedEvent {
  return { ...buildEventBase(context), type: 'payment_intent.created', data: { object: paymentIntent } };
}

export function buildPaymentIntentProcessingEvent(
  paymentIntent: Stripe.PaymentIntent,
  context: EventContext,
): Stripe.PaymentIntentProcessingEvent {
  return { ...buildEventBase(context), type: 'payment_intent.processing', data: { object: paymentIntent } };
}

export function buildPaymentIntentRequiresActionEvent(
  paymentIntent: Stripe.PaymentIntent,
  context: EventContext,
): Stripe.PaymentIntentRequiresActionEvent {
  return { ...buildEventBase(context), type: 'payment_intent.requires_action', data: { object: paymentIntent } };
}

export function buildChargePendingEvent(charge: Stripe.Charge, context: EventContext): Stripe.ChargePendingEvent {
  return { ...buildEventBase(context), type: 'charge.pending', data: { object: charge } };
}

export function buildChargeRefundedEvent(charge: Stripe.Charge, context: EventContext): Stripe.ChargeRefundedEvent {
  return { ...buildEventBase(context), type: 'charge.refunded', data: { object: charge } };
}

export function buildRefundCreatedEvent(refund: Stripe.Refund, context: EventContext): Stripe.RefundCreatedEvent {
  return { ...buildEventBase(context), type: 'refund.created', data: { object: refund } };
}

export function buildChargeDisputeCreatedEvent(dispute: Stripe.Dispute, context: EventContext): Stripe.ChargeDisputeCreatedEvent {
  return { ...buildEventBase(context), type: 'charge.dispute.created', data: { object: dispute } };
}
