// The catalog's validation: every mistake a team can make in config/catalog.json is refused
// with a sentence naming the product, the field and the fix; a valid catalog comes back clean.
import { describe, expect, it } from 'vitest';
import { MAX_PRODUCTS, checkCatalog } from '../catalog';

const product = (overrides: Record<string, unknown> = {}) => ({
  id: 'linen-apron',
  name: 'Linen apron',
  description: 'Stonewashed linen.',
  unitAmount: 3450,
  image: '/images/placeholder.svg',
  ...overrides,
});

function problemsOf(data: unknown, imageExists?: (path: string) => boolean): string[] {
  const result = checkCatalog(data, imageExists ? { imageExists } : {});
  return result.ok ? [] : result.problems;
}

describe('checkCatalog', () => {
  it('accepts a valid catalog and returns exactly its fields', () => {
    const result = checkCatalog(
      { currency: 'eur', products: [product(), product({ id: 'beeswax-candle', unitAmount: 1295 })] },
      { imageExists: () => true },
    );
    expect(result).toEqual({
      ok: true,
      catalog: { currency: 'eur', products: [product(), product({ id: 'beeswax-candle', unitAmount: 1295 })] },
      warnings: [],
    });
  });

  it.each([
    [
      'duplicate ids',
      { currency: 'usd', products: [product(), product()] },
      [
        'products[1] "linen-apron": the id "linen-apron" is already used by products[0]: ids must be unique (the basket and the orders refer to products by id)',
      ],
    ],
    [
      'mixed currencies',
      { currency: 'usd', products: [product({ currency: 'eur' })] },
      [
        'products[0] "linen-apron": mixed currencies: this product says "eur" but the catalog is "usd". One payment is in one currency: remove "currency" here and write unitAmount in usd',
      ],
    ],
    [
      "a per-product currency equal to the catalog's",
      { currency: 'usd', products: [product({ currency: 'usd' })] },
      ['products[0] "linen-apron": remove "currency": the catalog\'s one currency ("usd", at the top) applies to every product'],
    ],
    [
      "an amount below Stripe's minimum (USD)",
      { currency: 'usd', products: [product({ unitAmount: 49 })] },
      [
        'products[0] "linen-apron": unitAmount 49 ($0.49) is below Stripe\'s minimum charge of 50 ($0.50) for usd: raise it to at least 50 (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts)',
      ],
    ],
    [
      "an amount below Stripe's minimum (JPY, zero-decimal)",
      { currency: 'jpy', products: [product({ unitAmount: 49 })] },
      [
        'products[0] "linen-apron": unitAmount 49 (¥49) is below Stripe\'s minimum charge of 50 (¥50) for jpy: raise it to at least 50 (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts)',
      ],
    ],
    [
      "an amount below Stripe's minimum (GBP)",
      { currency: 'gbp', products: [product({ unitAmount: 29 })] },
      [
        'products[0] "linen-apron": unitAmount 29 (£0.29) is below Stripe\'s minimum charge of 30 (£0.30) for gbp: raise it to at least 30 (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts)',
      ],
    ],
    [
      'an uppercase currency',
      { currency: 'EUR', products: [product()] },
      ['currency "EUR" must be lowercase, as Stripe takes it: write "eur"'],
    ],
    [
      'an unknown currency',
      { currency: 'abc', products: [product()] },
      ['currency "abc" is not an ISO 4217 currency code: write the three-letter code in lowercase, e.g. "usd", "eur" or "jpy"'],
    ],
    [
      'a three-decimal currency',
      { currency: 'kwd', products: [product()] },
      [
        'currency "kwd" is one of Stripe\'s three-decimal currencies (bhd, jod, kwd, omr, tnd), which this shop does not support (Stripe needs their amounts rounded to tens: https://docs.stripe.com/currencies#three-decimal). Choose another currency',
      ],
    ],
    [
      'a missing currency',
      { products: [product()] },
      ['currency is missing: set one ISO 4217 code for the whole catalog, in lowercase as Stripe takes it, e.g. "usd", "eur" or "jpy"'],
    ],
    ['no products', { currency: 'usd', products: [] }, ['products is empty: list at least one product']],
    [
      'too many products',
      { currency: 'usd', products: Array.from({ length: MAX_PRODUCTS + 1 }, (_, i) => product({ id: `p${i}` })) },
      [
        `products lists more than ${MAX_PRODUCTS} products: the API accepts a basket of at most one line per product, and a basket of every product must fit its 10 kB body limit`,
      ],
    ],
    [
      'an id that is not a slug',
      { currency: 'usd', products: [product({ id: 'Linen Apron' })] },
      ['products[0] "Linen Apron": id must be a slug: lowercase letters, digits and single hyphens, e.g. "enamel-mug"'],
    ],
    [
      'a price in dollars',
      { currency: 'usd', products: [product({ unitAmount: 34.5 })] },
      ['products[0] "linen-apron": unitAmount must be a whole number of the minor unit (cents, not dollars: 1800 for $18.00)'],
    ],
    [
      'a price as a string',
      { currency: 'usd', products: [product({ unitAmount: '3450' })] },
      [
        'products[0] "linen-apron": unitAmount must be a number: the price in the currency\'s minor unit, e.g. 1800 for $18.00 or 1800 for ¥1,800',
      ],
    ],
    [
      'a zero price',
      { currency: 'usd', products: [product({ unitAmount: 0 })] },
      ['products[0] "linen-apron": unitAmount must be more than 0'],
    ],
    ['an empty name', { currency: 'usd', products: [product({ name: '  ' })] }, ['products[0] "linen-apron": name must not be empty']],
    [
      'a remote image',
      { currency: 'usd', products: [product({ image: 'https://cdn.example/apron.png' })] },
      [
        'products[0] "linen-apron": image must be a path under /images/ ending in .svg, .png, .jpg, .webp, .avif or .gif, e.g. "/images/enamel-mug.svg" (files live in client/public/images)',
      ],
    ],
    [
      'an image path that climbs out',
      { currency: 'usd', products: [product({ image: '/images/../index.html' })] },
      [
        'products[0] "linen-apron": image must be a path under /images/ ending in .svg, .png, .jpg, .webp, .avif or .gif, e.g. "/images/enamel-mug.svg" (files live in client/public/images)',
      ],
    ],
    [
      'an unknown product field',
      { currency: 'usd', products: [product({ price: 3450 })] },
      ['products[0] "linen-apron": unknown field(s) "price": a product has id, name, description, unitAmount, image and optionally seller'],
    ],
    [
      'an unknown top-level field',
      { currency: 'usd', products: [product()], tax: 0 },
      ['unknown field(s) "tax" at the top: a catalog has "currency" and "products"'],
    ],
    ['a list instead of an object', [product()], ['the catalog must be an object { "currency": "usd", "products": [...] }']],
  ])('refuses %s with a fix-it message', (_name, data, problems) => {
    expect(problemsOf(data, () => true)).toEqual(problems);
  });

  it("takes a product's seller as a lower-cased e-mail address, and refuses anything else", () => {
    const result = checkCatalog({ currency: 'usd', products: [product({ seller: 'Maker@Example.com' }), product({ id: 'mug' })] });
    expect(result.ok && result.catalog.products.map((entry) => entry.seller)).toEqual(['maker@example.com', undefined]);
    expect(problemsOf({ currency: 'usd', products: [product({ seller: 'acct_123' })] })).toEqual([
      'products[0] "linen-apron": seller must be the e-mail address of a seller added with npm run seller -- add, e.g. "maker@example.com"',
    ]);
  });

  it('refuses an image that is not there, naming where to put it', () => {
    expect(
      problemsOf({ currency: 'usd', products: [product({ image: '/images/apron.webp' })] }, (path) => path !== '/images/apron.webp'),
    ).toEqual([
      'products[0] "linen-apron": image "/images/apron.webp" does not exist: put the file at client/public/images/apron.webp or fix the path',
    ]);
  });

  it('lists every problem at once', () => {
    expect(problemsOf({ currency: 'usd', products: [product({ unitAmount: 10 }), product({ unitAmount: 20 })] }, () => true)).toHaveLength(
      3,
    );
  });

  it("accepts a currency whose minimum it does not know, with a warning to check Stripe's table", () => {
    const result = checkCatalog({ currency: 'clp', products: [product({ unitAmount: 500 })] }, { imageExists: () => true });
    expect(result).toMatchObject({ ok: true, catalog: { currency: 'clp' } });
    expect(result.ok && result.warnings).toEqual([
      'The catalog\'s currency "clp" has no minimum charge listed here: Stripe refuses a payment below the equivalent of your settlement currency\'s minimum (e.g. $0.50), so check the cheapest product against https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts',
    ]);
  });
});
