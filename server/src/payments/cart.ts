// Prices a cart from the server-side catalog: the browser sends product ids and quantities,
// never amounts (https://docs.stripe.com/payments/accept-a-payment#create-intent), and the
// pending order is written before Stripe is asked for anything.
import { randomInt } from 'node:crypto';
import { AppError } from '../errors';
import type { Order, OrderItem, OrderStore } from '../store/order-store';
import { findProduct } from './catalog';
import type { Catalog, Product } from './catalog';

export interface PricedLine {
  product: Product;
  quantity: number;
  /** What one costs: the catalog's price (only the lab, with `server-prices` off, takes the browser's). */
  unitAmount: number;
}

/**
 * A cart line as the API parsed it. `browserUnitAmount` exists only in lab mode with the
 * `server-prices` control off (routes/api.ts accepts it only then): the naive shop that
 * believes the price the browser sent, to show what tampering with it does.
 */
export interface CartItem extends OrderItem {
  browserUnitAmount?: number;
}

export interface PricedCart {
  lines: PricedLine[];
  amount: number;
  currency: string;
}

const ORDER_ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz';

/** `ord_` + 20 random letters (94 bits). Letters only, so an id never looks like a card number. */
export function createOrderId(): string {
  let id = 'ord_';
  for (let i = 0; i < 20; i++) id += ORDER_ID_ALPHABET[randomInt(ORDER_ID_ALPHABET.length)];
  return id;
}

export function priceCart(catalog: Catalog, items: CartItem[]): PricedCart {
  const seen = new Set<string>();
  const lines = items.map((item) => {
    const product = findProduct(catalog, item.productId);
    if (!product) throw new AppError(400, 'unknown_product', `There is no product "${item.productId}".`);
    if (seen.has(product.id)) throw new AppError(400, 'duplicate_product', `"${product.id}" appears twice; send one line with a quantity.`);
    seen.add(product.id);
    return { product, quantity: item.quantity, unitAmount: item.browserUnitAmount ?? product.unitAmount };
  });
  if (lines.length === 0) throw new AppError(400, 'invalid_cart', 'A cart needs at least one product.');
  // unitAmount is already in the minor unit Stripe takes (cents, or yen for JPY): no scaling anywhere.
  const amount = lines.reduce((sum, line) => sum + line.unitAmount * line.quantity, 0);
  return { lines, amount, currency: catalog.currency };
}

/** Prices the cart and writes the pending order it becomes. */
export async function createPendingOrder(
  store: OrderStore,
  catalog: Catalog,
  items: CartItem[],
): Promise<{ cart: PricedCart; order: Order }> {
  const cart = priceCart(catalog, items);
  const order = await store.createOrder({
    id: createOrderId(),
    amount: cart.amount,
    currency: cart.currency,
    items: items.map(({ productId, quantity }) => ({ productId, quantity })),
  });
  return { cart, order };
}
