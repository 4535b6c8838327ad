import { describe, expect, it } from 'vitest';
import { MAX_QUANTITY } from '../../common/api-contract';
import { clampQuantity, countBasketItems, listBasketItems, loadBasket, saveBasket, totalBasket } from '../src/lib/basket';

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
    expect(
      totalBasket(
        quantities,
        new Map([
          ['mug', 1800],
          ['tote', 2400],
          ['notebook', 1500],
        ]),
      ),
    ).toBe(5100);
  });
});

describe('saveBasket / loadBasket (handing the basket to the embedded Checkout and Payment Element pages)', () => {
  function memoryStorage(initial?: string) {
    const values = new Map<string, string>(initial === undefined ? [] : [['basket', initial]]);
    return { getItem: (key: string) => values.get(key) ?? null, setItem: (key: string, value: string) => void values.set(key, value) };
  }

  it('round-trips the items', () => {
    const storage = memoryStorage();
    saveBasket(storage, [{ productId: 'any-product', quantity: 2 }]);
    expect(loadBasket(storage)).toEqual([{ productId: 'any-product', quantity: 2 }]);
  });

  it.each([
    ['nothing saved', undefined],
    ['not JSON', '{'],
    ['not a list', '{"productId":"x","quantity":1}'],
  ])('answers [] for %s', (_name, raw) => {
    expect(loadBasket(memoryStorage(raw))).toEqual([]);
  });

  it('drops lines that are not whole quantities from 1 to 10', () => {
    const raw = JSON.stringify([
      { productId: 'a', quantity: 1 },
      { productId: 'b', quantity: 0 },
      { productId: 'c', quantity: 11 },
      { productId: 'd', quantity: 1.5 },
      { productId: 'e', quantity: '2' },
      { productId: 5, quantity: 1 },
    ]);
    expect(loadBasket(memoryStorage(raw))).toEqual([{ productId: 'a', quantity: 1 }]);
  });
});
