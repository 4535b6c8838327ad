// Creating a PaymentIntent for the Payment Element: server-side prices, a pending order
// first, and an idempotency key derived from the order. Only the client secret goes to the
// browser (https://docs.stripe.com/payments/accept-a-payment?platform=web&ui=elements).
import type Stripe from 'stripe';
import { AppError } from '../errors';
import type { OrderStore } from '../store/order-store';
import { createPendingOrder, priceCart } from './cart';
import { startFailure } from './stripe-client';
import { destinationFor, type DestinationDeps } from './destination-charges';
import type { CartItem } from './cart';
import type { Catalog } from './catalog';

export interface PaymentIntentDeps {
  stripe: Stripe;
  store: OrderStore;
  catalog: Catalog;
  /** For products a seller sells; absent = such a product cannot be bought. */
  connect?: DestinationDeps;
}

export function paymentIntentIdempotencyKey(orderId: string): string {
  return `payment-intent:${orderId}`;
}

export async function createPaymentIntent(deps: PaymentIntentDeps, items: CartItem[]): Promise<{ clientSecret: string; orderId: string }> {
  const destination = await destinationFor(deps.connect, priceCart(deps.catalog, items));
  const { cart, order } = await createPendingOrder(deps.store, deps.catalog, items);
  let intent: Stripe.PaymentIntent;
  try {
    intent = await deps.stripe.paymentIntents.create(
      {
        amount: cart.amount,
        currency: cart.currency,
        // The payment methods come from the Dashboard settings, not from code.
        // https://docs.stripe.com/payments/payment-methods/dynamic-payment-methods
        automatic_payment_methods: { enabled: true },
        metadata: { order_id: order.id },
        ...destination,
      },
      { idempotencyKey: paymentIntentIdempotencyKey(order.id) },
    );
  } catch (error) {
    throw startFailure(error, 'The payment provider could not start the payment. Please try again.');
  }
  if (!intent.client_secret) throw new AppError(502, 'payment_provider_error', 'The payment provider returned no client secret.');
  await deps.store.attachPaymentIntent(order.id, intent.id);
  return { clientSecret: intent.client_secret, orderId: order.id };
}
