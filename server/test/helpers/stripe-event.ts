// The JSON body of a Stripe event as Stripe delivers it (https://docs.stripe.com/api/events/object),
// at the API version the app's client pins, for the webhook tests to sign and post.
import { createId } from '../../../emulator/src/index';
import { STRIPE_API_VERSION } from '../../src/payments/stripe-client';

export interface EventBodyOptions {
  /** Default a new one shaped like Stripe's (base 62): a hex id has 13+ digits in a row often enough to trip the PAN guard. */
  id?: string;
  livemode?: boolean;
}

export function stripeEventBody(type: string, object: object, options: EventBodyOptions = {}): string {
  return JSON.stringify({
    id: options.id ?? createId('evt'),
    object: 'event',
    api_version: STRIPE_API_VERSION,
    created: Math.floor(Date.now() / 1000),
    livemode: options.livemode ?? false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  });
}
