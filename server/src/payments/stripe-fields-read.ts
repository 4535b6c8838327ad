// Every field of a Stripe answer the app reads, per SDK call (stripe-permissions.ts lists the
// calls) and per handled event type (webhook-events.ts): what the app depends on Stripe sending.
// The contract check (test-support/stripe-contract) records these fields' JSON types from Stripe
// and holds the emulator's answers to them; a test runs the app's own creates and readers on
// answers behind a proxy that records each field they touch, so a field read without being
// listed here (or listed and no longer read) fails it (scripts/test/stripe-contract.test.ts).
// Paths are dotted; `[]` is each element of an array; an expanded object's fields follow its key
// (`latest_charge.payment_method_details…`, retrieved with `expand: ['latest_charge']`).
import { APP_STRIPE_PERMISSIONS } from './stripe-permissions';
import { HANDLED_EVENT_TYPES } from './webhook-events';

const CARD_DISPLAY = ['brand', 'last4', 'exp_month', 'exp_year'].map((field) => `payment_method_details.card.${field}`);
const CHARGE_CARD = ['payment_method_details', 'payment_method_details.card', ...CARD_DISPLAY];
/** What fulfilment reads of a PaymentIntent retrieved with its latest charge expanded (payment-sources.ts). */
const INTENT_READ = ['id', 'status', 'last_payment_error', 'latest_charge', ...CHARGE_CARD.map((field) => `latest_charge.${field}`)];

export const STRIPE_CALL_FIELDS_READ = {
  'checkout.sessions.create': ['id', 'url', 'client_secret'],
  'checkout.sessions.retrieve': [
    'id',
    'status',
    'payment_status',
    'client_reference_id',
    'amount_total',
    'currency',
    'payment_intent',
    ...INTENT_READ.map((field) => `payment_intent.${field}`),
  ],
  'paymentIntents.create': ['id', 'client_secret'],
  'paymentIntents.retrieve': [...INTENT_READ, 'metadata', 'metadata.order_id', 'amount', 'currency'],
  'charges.retrieve': ['refunded', 'payment_intent'],
  'disputes.retrieve': ['payment_intent'],
  // Connect: the seller's account (connected-accounts.ts, destination-charges.ts) and its components' session.
  'accounts.create': ['id'],
  'accounts.retrieve': ['charges_enabled'],
  'accountSessions.create': ['client_secret'],
  // The SDK's auto-pagination reads `has_more` and the last id; handleStripeEvent the event's own fields.
  'events.list': ['has_more', 'data', 'data[].id', 'data[].type', 'data[].created', 'data[].livemode', 'data[].data.object.id'],
} as const satisfies Record<string, readonly string[]>;

/** Of an event (a webhook's body, or one listed): its own fields and the id of the object it names. */
const EVENT_READ = ['id', 'type', 'created', 'livemode', 'data.object.id'] as const;

export type StripeCall = keyof typeof STRIPE_CALL_FIELDS_READ;
export type HandledEventType = (typeof HANDLED_EVENT_TYPES)[number];

/** One answer the app reads: an SDK call's, or an event's (named `event:<type>`). */
export type StripeAnswerName = StripeCall | `event:${HandledEventType}`;

function eventFieldsRead(): Record<`event:${HandledEventType}`, readonly string[]> {
  const fields = {} as Record<`event:${HandledEventType}`, readonly string[]>;
  for (const type of HANDLED_EVENT_TYPES) fields[`event:${type}`] = EVENT_READ;
  return fields;
}

export const STRIPE_FIELDS_READ: Readonly<Record<StripeAnswerName, readonly string[]>> = {
  ...STRIPE_CALL_FIELDS_READ,
  ...eventFieldsRead(),
};

/** The calls of stripe-permissions.ts, so a call added there without its fields fails the contract test. */
export const APP_STRIPE_CALLS: readonly string[] = APP_STRIPE_PERMISSIONS.flatMap((permission) => permission.calls);
