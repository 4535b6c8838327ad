// PaymentIntents created by the server (`POST /v1/payment_intents`, secret key) and confirmed
// from the browser by the Payment Element (`POST /v1/payment_intents/:id/confirm`, publishable
// key + client secret), as Stripe.js does: https://docs.stripe.com/payments/payment-intents
import { timingSafeEqual } from 'node:crypto';
import type { PaymentIntent as BrowserPaymentIntent } from '@stripe/stripe-js';
import type Stripe from 'stripe';
import { attemptCardPayment, type AttemptResult } from './card-payments';
import type { CardInput } from './card-form';
import { nowSeconds, type EmulatorContext } from '../context';
import { cardDeclined, invalidRequest, resourceMissing, StripeError } from '../api/errors';
import { createClientSecret, createId } from '../ids';
import type { BillingDetailsInput } from '../objects/card-details';
import { buildEvent } from '../objects/event';
import { buildPaymentIntent } from '../objects/payment-intent';
import { findTestPaymentMethod, isLuhnValid } from './test-cards';
import type { DestinationChargeData } from '../store';

export interface CreatePaymentIntentInput {
  amount: number;
  currency: string;
  metadata: Record<string, string>;
  description: string | null;
  receiptEmail: string | null;
  automaticPaymentMethods: Stripe.PaymentIntent.AutomaticPaymentMethods | null;
  destination: DestinationChargeData | null;
}

export function createPaymentIntent(
  context: EmulatorContext,
  input: CreatePaymentIntentInput,
  request: Stripe.Event.Request,
): Stripe.PaymentIntent {
  const id = createId('pi');
  const intent = buildPaymentIntent({
    id,
    created: nowSeconds(context),
    amount: input.amount,
    currency: input.currency,
    metadata: input.metadata,
    receiptEmail: input.receiptEmail,
    description: input.description,
    automaticPaymentMethods: input.automaticPaymentMethods,
    destination: input.destination,
    clientSecret: createClientSecret(id),
  });
  context.store.paymentIntents.set(id, intent);
  context.emit(buildEvent('payment_intent.created', intent, { created: intent.created, request }));
  return intent;
}

export function findPaymentIntent(context: EmulatorContext, id: string): Stripe.PaymentIntent {
  const intent = context.store.paymentIntents.get(id);
  if (!intent) throw resourceMissing('payment_intent', id, 'intent');
  return intent;
}

/**
 * With a publishable key the client secret is the credential: it must be this intent's.
 * Stripe answers a mismatch as if the intent did not exist.
 */
export function findPaymentIntentForBrowser(context: EmulatorContext, id: string, clientSecret: string | undefined): Stripe.PaymentIntent {
  if (!clientSecret)
    throw invalidRequest('A client_secret is required when using a publishable key.', 'client_secret', 'parameter_missing');
  const intent = context.store.paymentIntents.get(id);
  if (!intent?.client_secret || !sameSecret(intent.client_secret, clientSecret)) {
    throw resourceMissing('payment_intent', id, 'intent');
  }
  return intent;
}

function sameSecret(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The card as Stripe.js posts it: `payment_method_data[card][number|exp_month|exp_year|cvc]`. */
export interface BrowserCardInput {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
  postalCode: string | null;
}

export function confirmPaymentIntentFromBrowser(
  context: EmulatorContext,
  intent: Stripe.PaymentIntent,
  card: BrowserCardInput,
  returnUrl: string | null,
): BrowserPaymentIntent {
  const checked = checkCard(card, new Date(context.now()));
  return confirmWithCard(context, intent, checked, card.postalCode, returnUrl, toBrowserPaymentIntent);
}

/**
 * A server's confirmation (secret key) with one of Stripe's test PaymentMethods, answered with
 * the whole intent: https://docs.stripe.com/api/payment_intents/confirm. Stripe allows it
 * (a server-side flow, or a test); card numbers themselves it refuses from a secret key.
 */
export function confirmPaymentIntentFromServer(
  context: EmulatorContext,
  intent: Stripe.PaymentIntent,
  paymentMethod: string,
  returnUrl: string | null,
): Stripe.PaymentIntent {
  const number = findTestPaymentMethod(paymentMethod);
  if (number === undefined) throw resourceMissing('PaymentMethod', paymentMethod, 'payment_method');
  const card: CardInput = { number, expMonth: 12, expYear: new Date(context.now()).getUTCFullYear() + 1, cvc: '123' };
  return confirmWithCard(context, intent, card, null, returnUrl, (confirmed) => confirmed);
}

/** One payment attempt, answered through `view` (what the caller's key may see), a decline as Stripe's 402 with the intent inside. */
function confirmWithCard<T>(
  context: EmulatorContext,
  intent: Stripe.PaymentIntent,
  card: CardInput,
  postalCode: string | null,
  returnUrl: string | null,
  view: (intent: Stripe.PaymentIntent) => T,
): T {
  if (context.store.findSessionByPaymentIntent(intent.id)) {
    throw invalidRequest(
      'This PaymentIntent belongs to a Checkout Session and is confirmed by Checkout.',
      undefined,
      'payment_intent_unexpected_state',
    );
  }
  const billing: BillingDetailsInput = { name: '', email: '', postalCode };
  const result: AttemptResult = attemptCardPayment(context, intent, card, billing, { returnUrl });
  if (result.kind === 'declined') {
    // Stripe answers a decline with 402 and the intent inside the error.
    const error = cardDeclined(result.message, result.declineCode, result.code);
    throw new StripeError(error.status, error.type, error.message, {
      ...error.details,
      paymentIntent: view(result.intent),
    });
  }
  return view(result.intent);
}

/** Stripe checks the card before any attempt; these fail with `card_error` and change nothing. */
function checkCard(card: BrowserCardInput, now: Date): CardInput {
  const number = card.number.replace(/[\s-]/g, '');
  if (!/^\d+$/.test(number) || !isLuhnValid(number)) {
    throw new StripeError(402, 'card_error', 'Your card number is incorrect.', {
      code: 'incorrect_number',
      param: 'payment_method_data[card][number]',
    });
  }
  const thisYear = now.getUTCFullYear();
  if (card.expMonth < 1 || card.expMonth > 12) {
    throw new StripeError(402, 'card_error', "Your card's expiration month is invalid.", {
      code: 'invalid_expiry_month',
      param: 'payment_method_data[card][exp_month]',
    });
  }
  if (card.expYear < thisYear || (card.expYear === thisYear && card.expMonth < now.getUTCMonth() + 1) || card.expYear > thisYear + 50) {
    throw new StripeError(402, 'card_error', "Your card's expiration year is invalid.", {
      code: 'invalid_expiry_year',
      param: 'payment_method_data[card][exp_year]',
    });
  }
  if (!/^\d{3,4}$/.test(card.cvc)) {
    throw new StripeError(402, 'card_error', "Your card's security code is invalid.", {
      code: 'invalid_cvc',
      param: 'payment_method_data[card][cvc]',
    });
  }
  return { number, expMonth: card.expMonth, expYear: card.expYear, cvc: card.cvc };
}

/**
 * What a publishable key may see of a PaymentIntent: the fields of @stripe/stripe-js's own
 * `PaymentIntent` type (https://docs.stripe.com/api/payment_intents/object: "publishable key").
 */
export function toBrowserPaymentIntent(intent: Stripe.PaymentIntent): BrowserPaymentIntent {
  const error = intent.last_payment_error;
  const redirect = intent.next_action?.type === 'redirect_to_url' ? intent.next_action.redirect_to_url : undefined;
  return {
    id: intent.id,
    object: 'payment_intent',
    amount: intent.amount,
    canceled_at: intent.canceled_at,
    cancellation_reason: null, // the emulator never cancels an intent
    capture_method: 'automatic',
    client_secret: intent.client_secret,
    confirmation_method: 'automatic',
    created: intent.created,
    currency: intent.currency,
    description: intent.description,
    last_payment_error: error
      ? {
          type: pickKnown(ERROR_TYPES, error.type, 'api_error'),
          ...(error.code ? { code: error.code } : {}),
          ...(error.decline_code ? { decline_code: error.decline_code } : {}),
          ...(error.doc_url ? { doc_url: error.doc_url } : {}),
          ...(error.message ? { message: error.message } : {}),
          ...(typeof error.charge === 'string' ? { charge: error.charge } : {}),
        }
      : null,
    livemode: false,
    next_action: redirect?.url
      ? { type: 'redirect_to_url', redirect_to_url: { url: redirect.url, return_url: redirect.return_url ?? '' } }
      : null,
    payment_method: typeof intent.payment_method === 'string' ? intent.payment_method : (intent.payment_method?.id ?? null),
    payment_method_types: intent.payment_method_types,
    receipt_email: intent.receipt_email,
    setup_future_usage: null,
    shipping: null,
    status: pickKnown(STATUSES, intent.status, 'requires_payment_method'),
  };
}

type BrowserStatus = BrowserPaymentIntent['status'];
type BrowserErrorType = NonNullable<BrowserPaymentIntent['last_payment_error']>['type'];
const STATUSES: readonly BrowserStatus[] = [
  'canceled',
  'processing',
  'requires_action',
  'requires_capture',
  'requires_confirmation',
  'requires_payment_method',
  'succeeded',
];
const ERROR_TYPES: readonly BrowserErrorType[] = [
  'api_connection_error',
  'api_error',
  'authentication_error',
  'card_error',
  'idempotency_error',
  'invalid_request_error',
  'rate_limit_error',
];

/** Narrows the server SDK's open string unions to the browser type's closed ones, without a cast. */
function pickKnown<T extends string>(known: readonly T[], value: string, fallback: T): T {
  return known.find((candidate) => candidate === value) ?? fallback;
}
