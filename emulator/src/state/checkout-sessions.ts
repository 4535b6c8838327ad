// Checkout Session lifecycle: create, expire (on request or when `expires_at` passes).
// https://docs.stripe.com/api/checkout/sessions
import type Stripe from 'stripe';
import { nowSeconds, type EmulatorContext } from '../context';
import { invalidRequest, resourceMissing } from '../api/errors';
import { createClientSecret, createId } from '../ids';
import { buildCheckoutSession } from '../objects/checkout-session';
import { buildEvent } from '../objects/event';
import { buildLineItem } from '../objects/line-item';
import type { DestinationChargeData } from '../store';

export interface CreateCheckoutSessionInput {
  lineItems: { currency: string; unitAmount: number; quantity: number; productName: string }[];
  uiMode: 'hosted_page' | 'embedded_page';
  successUrl: string | null;
  cancelUrl: string | null;
  returnUrl: string | null;
  clientReferenceId: string | null;
  customerEmail: string | null;
  metadata: Record<string, string>;
  expiresAt: number | null;
  /** `payment_intent_data`: metadata and description for the session's PaymentIntent. */
  paymentIntentData?: { metadata: Record<string, string>; description: string | null; destination: DestinationChargeData | null };
}

// Stripe's bounds for `expires_at`: https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-expires_at
const MIN_LIFETIME_S = 30 * 60;
const MAX_LIFETIME_S = 24 * 60 * 60;

export function createCheckoutSession(context: EmulatorContext, input: CreateCheckoutSessionInput): Stripe.Checkout.Session {
  const created = nowSeconds(context);
  const expiresAt = input.expiresAt ?? created + MAX_LIFETIME_S;
  if (expiresAt < created + MIN_LIFETIME_S || expiresAt > created + MAX_LIFETIME_S) {
    throw invalidRequest(
      'The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.',
      'expires_at',
      'parameter_invalid_integer',
    );
  }
  const currency = input.lineItems[0]?.currency ?? 'usd';
  input.lineItems.forEach((item, index) => {
    if (item.currency !== currency) {
      throw invalidRequest('All line items must use the same currency.', `line_items[${index}][price_data][currency]`, 'parameter_invalid');
    }
  });
  const lineItems = input.lineItems.map((item) => buildLineItem({ ...item, created }));
  const id = createId('cs_test', 58);
  const embedded = input.uiMode === 'embedded_page';
  const session = buildCheckoutSession({
    id,
    created,
    expiresAt,
    currency,
    amountTotal: lineItems.reduce((sum, item) => sum + item.amount_total, 0),
    uiMode: input.uiMode,
    successUrl: input.successUrl,
    cancelUrl: input.cancelUrl,
    returnUrl: input.returnUrl,
    clientSecret: embedded ? createClientSecret(id) : null,
    clientReferenceId: input.clientReferenceId,
    customerEmail: input.customerEmail,
    metadata: input.metadata,
    url: embedded ? null : `${context.origins.checkout}/c/pay/${id}`,
  });
  context.store.sessions.set(id, session);
  context.store.lineItems.set(id, lineItems);
  if (input.paymentIntentData) context.store.sessionIntentData.set(id, input.paymentIntentData);
  return session;
}

export function findCheckoutSession(context: EmulatorContext, id: string): Stripe.Checkout.Session {
  const session = context.store.sessions.get(id);
  if (!session) throw resourceMissing('checkout.session', id, 'session');
  return session;
}

export function expireCheckoutSession(context: EmulatorContext, id: string, request: Stripe.Event.Request): Stripe.Checkout.Session {
  const session = findCheckoutSession(context, id);
  if (session.status !== 'open') {
    throw invalidRequest(
      `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.status}".`,
      undefined,
      'checkout_session_not_open',
    );
  }
  return markExpired(context, session, request);
}

/** Expires every open session whose `expires_at` has passed, as Stripe does on its own. */
export function expireDueCheckoutSessions(context: EmulatorContext): void {
  const now = nowSeconds(context);
  for (const session of context.store.sessions.values()) {
    if (session.status === 'open' && session.expires_at <= now) markExpired(context, session, { id: null, idempotency_key: null });
  }
}

function markExpired(context: EmulatorContext, session: Stripe.Checkout.Session, request: Stripe.Event.Request): Stripe.Checkout.Session {
  const expired: Stripe.Checkout.Session = { ...session, status: 'expired', url: null };
  context.store.sessions.set(expired.id, expired);
  context.emit(buildEvent('checkout.session.expired', expired, { created: nowSeconds(context), request }));
  return expired;
}
