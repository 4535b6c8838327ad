// Events carry a snapshot of the object at the moment they happened, like Stripe's:
// https://docs.stripe.com/api/events/object. `Stripe.Event` is a discriminated union in
// stripe-node v23: `buildEvent` takes the type and the object, and the compiler checks at each
// call that the object is the one that type carries.
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
  | Stripe.ChargeDisputeCreatedEvent
  | Stripe.AccountUpdatedEvent
  | Stripe.TransferCreatedEvent
  | Stripe.TransferReversedEvent
  | Stripe.ApplicationFeeCreatedEvent
  | Stripe.ApplicationFeeRefundedEvent;

export interface EventContext {
  created: number;
  /** The API request that caused the event; ids are `null` for the hosted page and timers. */
  request: Stripe.Event.Request;
  /** The connected account the event happened on; only Connect endpoints receive these. */
  account?: string;
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
    ...(context.account === undefined ? {} : { account: context.account }),
  };
}

type EventOf<T extends EmulatorEvent['type']> = Extract<EmulatorEvent, { type: T }>;

/** An event of `type` with a snapshot of `object`, as Stripe sends it. */
export function buildEvent<T extends EmulatorEvent['type']>(
  type: T,
  object: EventOf<T>['data']['object'],
  context: EventContext,
): EventOf<T> {
  // TypeScript cannot narrow a generic union member from its `type`; the signature above is
  // what keeps type and object paired at every call.
  return { ...buildEventBase(context), type, data: { object } } as EventOf<T>;
}
