// The basket: quantities per product, kept in memory for the page's lifetime. Pure logic.
import { MAX_QUANTITY } from '../../../common/api-contract';

export type Quantities = ReadonlyMap<string, number>;

/** Turns whatever was typed into a whole number in 0..MAX_QUANTITY (the API's 1..MAX_QUANTITY; 0 means "not in the basket"). */
export function clampQuantity(value: number | string): number {
  const n = typeof value === 'number' ? value : Number.parseInt(value, 10);
  if (!Number.isFinite(n)) return 0;
  return Math.min(MAX_QUANTITY, Math.max(0, Math.trunc(n)));
}

export function listBasketItems(quantities: Quantities): { productId: string; quantity: number }[] {
  return [...quantities].filter(([, quantity]) => quantity > 0).map(([productId, quantity]) => ({ productId, quantity }));
}

export function countBasketItems(quantities: Quantities): number {
  return [...quantities.values()].reduce((sum, quantity) => sum + quantity, 0);
}

export function totalBasket(quantities: Quantities, unitAmounts: ReadonlyMap<string, number>): number {
  return [...quantities].reduce((sum, [id, quantity]) => sum + quantity * (unitAmounts.get(id) ?? 0), 0);
}

const BASKET_KEY = 'basket';

/**
 * Hands the basket to the embedded Checkout or Payment Element page (same tab only). The
 * page sends it to our server, which prices it; nothing here is trusted for money.
 */
export function saveBasket(storage: Pick<Storage, 'setItem'>, items: { productId: string; quantity: number }[]): void {
  storage.setItem(BASKET_KEY, JSON.stringify(items));
}

/** The saved basket, or [] when there is none or it does not look like one. */
export function loadBasket(storage: Pick<Storage, 'getItem'>): { productId: string; quantity: number }[] {
  let value: unknown;
  try {
    value = JSON.parse(storage.getItem(BASKET_KEY) ?? '[]');
  } catch {
    return [];
  }
  if (!Array.isArray(value)) return [];
  return value.flatMap((item: unknown) =>
    typeof item === 'object' &&
    item !== null &&
    'productId' in item &&
    'quantity' in item &&
    typeof item.productId === 'string' &&
    typeof item.quantity === 'number' &&
    clampQuantity(item.quantity) === item.quantity &&
    item.quantity > 0
      ? [{ productId: item.productId, quantity: item.quantity }]
      : [],
  );
}
