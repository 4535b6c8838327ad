// The basket: quantities per product, kept in memory for the page's lifetime. Pure logic.

/** The API accepts 1–10 of each product; 0 means "not in the basket". */
export const MAX_QUANTITY = 10;

export type Quantities = ReadonlyMap<string, number>;

/** Turns whatever was typed into a whole number in 0..MAX_QUANTITY. */
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
