// Creating a Checkout Session for a cart, hosted (redirect to Stripe's page) or embedded
// (Stripe's form in an iframe on our page). A pending order is written first, then the
// session is created with an idempotency key derived from that order, so a retried request
// (ours or the SDK's) never makes a second session for the same order.
// https://docs.stripe.com/api/idempotent_requests
import type Stripe from 'stripe';
import { AppError } from '../errors';
import type { OrderStore } from '../store/order-store';
import { createPendingOrder, priceCart } from './cart';
import { startFailure } from './stripe-client';
import { destinationFor, type DestinationDeps } from './destination-charges';
import type { CartItem } from './cart';
import type { CheckoutUiMode } from '../../../common/api-contract';

import type { Catalog } from './catalog';

export interface CheckoutDeps {
  stripe: Stripe;
  store: OrderStore;
  catalog: Catalog;
  publicUrl: string;
  /** For products a seller sells; absent = such a product cannot be bought. */
  connect?: DestinationDeps;
}

export type CheckoutStart =
  { uiMode: 'hosted_page'; url: string; orderId: string } | { uiMode: 'embedded_page'; clientSecret: string; orderId: string };

export function checkoutIdempotencyKey(orderId: string): string {
  return `checkout-session:${orderId}`;
}

/** Where Stripe sends the customer afterwards: hosted pages have success/cancel, embedded ones a return_url. */
function redirectParams(
  uiMode: CheckoutUiMode,
  publicUrl: string,
): Pick<Stripe.Checkout.SessionCreateParams, 'success_url' | 'cancel_url' | 'return_url'> {
  // Stripe fills in {CHECKOUT_SESSION_ID}; the page looks the order up by it.
  // https://docs.stripe.com/payments/checkout/custom-success-page
  if (uiMode === 'embedded_page') return { return_url: `${publicUrl}/return?session_id={CHECKOUT_SESSION_ID}` };
  return { success_url: `${publicUrl}/success?session_id={CHECKOUT_SESSION_ID}`, cancel_url: `${publicUrl}/cancel` };
}

export async function createCheckoutSession(
  deps: CheckoutDeps,
  items: CartItem[],
  uiMode: CheckoutUiMode = 'hosted_page',
): Promise<CheckoutStart> {
  const destination = await destinationFor(deps.connect, priceCart(deps.catalog, items));
  const { cart, order } = await createPendingOrder(deps.store, deps.catalog, items);

  let session: Stripe.Checkout.Session;
  try {
    session = await deps.stripe.checkout.sessions.create(
      {
        mode: 'payment',
        ui_mode: uiMode,
        line_items: cart.lines.map(({ product, quantity, unitAmount }) => ({
          quantity,
          price_data: {
            currency: cart.currency,
            unit_amount: unitAmount,
            product_data: { name: product.name },
          },
        })),
        client_reference_id: order.id,
        metadata: { order_id: order.id },
        // The session's PaymentIntent carries the order id too, so a
        // payment_intent.payment_failed (which names no session) finds its order.
        payment_intent_data: { metadata: { order_id: order.id }, ...destination },
        ...redirectParams(uiMode, deps.publicUrl),
      },
      { idempotencyKey: checkoutIdempotencyKey(order.id) },
    );
  } catch (error) {
    throw startFailure(error, 'The payment provider could not start checkout. Please try again.');
  }
  if (uiMode === 'embedded_page') {
    if (!session.client_secret) throw new AppError(502, 'payment_provider_error', 'The payment provider returned no embedded checkout.');
    await deps.store.attachCheckoutSession(order.id, session.id);
    return { uiMode, clientSecret: session.client_secret, orderId: order.id };
  }
  if (!session.url) throw new AppError(502, 'payment_provider_error', 'The payment provider returned no checkout page.');
  await deps.store.attachCheckoutSession(order.id, session.id);
  return { uiMode, url: session.url, orderId: order.id };
}
