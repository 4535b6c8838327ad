import { describe, expect, it } from 'vitest';
import { MAX_QUANTITY, clampQuantity, countBasketItems, listBasketItems, totalBasket } from '../src/lib/basket';

describe('clampQuantity', () => {
  it.each([
    ['3', 3],
    [4.7, 4],
    ['-2', 0],
    ['99', MAX_QUANTITY],
    ['', 0],
    ['abc', 0],
    [Number.NaN, 0],
  ])('turns %j into %i', (input, expected) => {
    expect(clampQuantity(input)).toBe(expected);
  });
});

describe('basket', () => {
  const quantities = new Map([
    ['mug', 2],
    ['tote', 0],
    ['notebook', 1],
  ]);

  it('sends only products with a quantity, as the API expects', () => {
    expect(listBasketItems(quantities)).toEqual([
      { productId: 'mug', quantity: 2 },
      { productId: 'notebook', quantity: 1 },
    ]);
  });

  it('counts items and totals them in minor units', () => {
    expect(countBasketItems(quantities)).toBe(3);
    expect(totalBasket(quantities, new Map([['mug', 1800], ['tote', 2400], ['notebook', 1500]]))).toBe(5100);
  });
});
