// Creating a hosted Checkout Session for a cart: a pending order is written first, then
// the session is created with an idempotency key derived from that order, so a retried
// request (ours or the SDK's) never makes a second session for the same order.
// https://docs.stripe.com/api/idempotent_requests
import { randomInt } from 'node:crypto';
import type Stripe from 'stripe';
import { AppError } from '../errors';
import type { OrderItem, OrderStore } from '../store/order-store';
import { findProduct } from './catalog';

export interface CheckoutDeps {
  stripe: Stripe;
  store: OrderStore;
  publicUrl: string;
}

const ORDER_ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz';

/** `ord_` + 20 random letters (94 bits). Letters only, so an id never looks like a card number. */
export function createOrderId(): string {
  let id = 'ord_';
  for (let i = 0; i < 20; i++) id += ORDER_ID_ALPHABET[randomInt(ORDER_ID_ALPHABET.length)];
  return id;
}

export function checkoutIdempotencyKey(orderId: string): string {
  return `checkout-session:${orderId}`;
}

export async function createCheckoutSession(deps: CheckoutDeps, items: OrderItem[]): Promise<{ url: string; orderId: string }> {
  const seen = new Set<string>();
  const lines = items.map((item) => {
    const product = findProduct(item.productId);
    if (!product) throw new AppError(400, 'unknown_product', `There is no product "${item.productId}".`);
    if (seen.has(product.id)) throw new AppError(400, 'duplicate_product', `"${product.id}" appears twice; send one line with a quantity.`);
    seen.add(product.id);
    return { product, quantity: item.quantity };
  });
  const currencies = new Set(lines.map((line) => line.product.currency));
  const currency = lines[0]?.product.currency;
  if (!currency || currencies.size !== 1) throw new AppError(400, 'invalid_cart', 'A cart needs at least one product, all in one currency.');
  const amount = lines.reduce((sum, line) => sum + line.product.unitAmount * line.quantity, 0);

  const order = deps.store.createOrder({ id: createOrderId(), amount, currency, items });

  let session: Stripe.Checkout.Session;
  try {
    session = await deps.stripe.checkout.sessions.create(
      {
        mode: 'payment',
        ui_mode: 'hosted_page',
        line_items: lines.map(({ product, quantity }) => ({
          quantity,
          price_data: {
            currency: product.currency,
            unit_amount: product.unitAmount,
            product_data: { name: product.name },
          },
        })),
        client_reference_id: order.id,
        metadata: { order_id: order.id },
        // Stripe fills in {CHECKOUT_SESSION_ID}; the success page looks the order up by it.
        success_url: `${deps.publicUrl}/success?session_id={CHECKOUT_SESSION_ID}`,
        cancel_url: `${deps.publicUrl}/cancel`,
      },
      { idempotencyKey: checkoutIdempotencyKey(order.id) },
    );
  } catch (error) {
    throw new AppError(502, 'payment_provider_error', 'The payment provider could not start checkout. Please try again.', { cause: error });
  }
  if (!session.url) {
    throw new AppError(502, 'payment_provider_error', 'The payment provider returned no checkout page.');
  }
  deps.store.attachCheckoutSession(order.id, session.id);
  return { url: session.url, orderId: order.id };
}
