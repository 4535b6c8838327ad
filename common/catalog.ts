// The shop's catalog as data (config/catalog.json by default): what may be bought, at which
// price, in which one currency. The server prices every cart from it and the browser only
// ever sends product ids (https://docs.stripe.com/payments/checkout/how-checkout-works).
// Validation lives here, pure, so the server's loader, the tests and the fixtures share it;
// every problem is a sentence that says which product, which field and what to write instead.
import { MAX_PRODUCT_ID_LENGTH } from './api-contract';
import { z } from 'zod';
import { MAXIMUM_CHARGE_AMOUNT, MINIMUM_CHARGE_AMOUNTS, THREE_DECIMAL_CURRENCIES, formatAmount } from './currency';

export interface Product {
  /** A slug: lowercase letters, digits and single hyphens (it travels in URLs, HTML and Stripe metadata). */
  id: string;
  name: string;
  description: string;
  /** The price of one, in the catalog currency's minor unit (cents; yen for JPY), as Stripe's `unit_amount`. */
  unitAmount: number;
  /** A same-origin path under /images/, served from client/public/images (so `img-src 'self'` suffices). */
  image: string;
  /** The seller's e-mail address (a seller added with `npm run seller -- add`): paid as a destination charge; absent = the shop's own. */
  seller?: string;
}

export interface Catalog {
  /** One lowercase ISO 4217 code for every product: one payment is in one currency. */
  currency: string;
  products: readonly Product[];
}

/**
 * At most this many products. A basket of every product at the longest id must fit the API's
 * 10 kB JSON body limit (about 95 bytes a line), and the API accepts at most one line per product.
 */
export const MAX_PRODUCTS = 100;
/** The API contract's limit, re-exported for the catalog's own checks. */
export { MAX_PRODUCT_ID_LENGTH };

const PRODUCT_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const IMAGE_PATH = /^\/images\/(?:[A-Za-z0-9_-]+\/)*[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.(?:svg|png|jpe?g|webp|avif|gif)$/;

const ProductSchema = z.strictObject(
  {
    id: z
      .string({ error: 'id must be a string such as "enamel-mug"' })
      .max(MAX_PRODUCT_ID_LENGTH, `id must be at most ${MAX_PRODUCT_ID_LENGTH} characters`)
      .regex(PRODUCT_ID, 'id must be a slug: lowercase letters, digits and single hyphens, e.g. "enamel-mug"'),
    name: z
      .string({ error: 'name must be a string' })
      .trim()
      .min(1, 'name must not be empty')
      .max(100, 'name must be at most 100 characters'),
    description: z
      .string({ error: 'description must be a string' })
      .trim()
      .min(1, 'description must not be empty')
      .max(500, 'description must be at most 500 characters'),
    unitAmount: z
      .number({ error: "unitAmount must be a number: the price in the currency's minor unit, e.g. 1800 for $18.00 or 1800 for ¥1,800" })
      .int('unitAmount must be a whole number of the minor unit (cents, not dollars: 1800 for $18.00)')
      .positive('unitAmount must be more than 0')
      .max(MAXIMUM_CHARGE_AMOUNT, `unitAmount must be at most ${MAXIMUM_CHARGE_AMOUNT} (Stripe's largest amount)`),
    image: z
      .string({ error: 'image must be a string such as "/images/enamel-mug.svg"' })
      .regex(
        IMAGE_PATH,
        'image must be a path under /images/ ending in .svg, .png, .jpg, .webp, .avif or .gif, e.g. "/images/enamel-mug.svg" (files live in client/public/images)',
      ),
    seller: z
      .email({ error: 'seller must be the e-mail address of a seller added with npm run seller -- add, e.g. "maker@example.com"' })
      .max(254)
      .transform((value) => value.toLowerCase())
      .optional(),
    // Named only to explain the one-currency rule below instead of "unrecognized key".
    currency: z.unknown().optional(),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field(s) ${issue.keys.map((key) => `"${key}"`).join(', ')}: a product has id, name, description, unitAmount, image and optionally seller`
        : 'each product must be an object with id, name, description, unitAmount and image',
  },
);

const CURRENCY_CODES = new Set(Intl.supportedValuesOf('currency').map((code) => code.toLowerCase()));

const CatalogSchema = z.strictObject(
  {
    currency: z.string({
      error:
        'currency is missing: set one ISO 4217 code for the whole catalog, in lowercase as Stripe takes it, e.g. "usd", "eur" or "jpy"',
    }),
    products: z
      .array(ProductSchema, { error: 'products must be a list of products' })
      .min(1, 'products is empty: list at least one product')
      .max(
        MAX_PRODUCTS,
        `products lists more than ${MAX_PRODUCTS} products: the API accepts a basket of at most one line per product, and a basket of every product must fit its 10 kB body limit`,
      ),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field(s) ${issue.keys.map((key) => `"${key}"`).join(', ')} at the top: a catalog has "currency" and "products"`
        : 'the catalog must be an object { "currency": "usd", "products": [...] }',
  },
);

export interface CatalogCheckOptions {
  /** Whether an image path (e.g. /images/mug.svg) names an existing file; absent = not checked. */
  imageExists?: (imagePath: string) => boolean;
}

export type CatalogCheck = { ok: true; catalog: Catalog; warnings: string[] } | { ok: false; problems: string[] };

/**
 * Validates parsed catalog JSON. Returns every problem at once (a team fixes the file in one
 * go), each one naming the product by position and id, the field and the fix.
 */
export function checkCatalog(data: unknown, options: CatalogCheckOptions = {}): CatalogCheck {
  const parsed = CatalogSchema.safeParse(data);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((issue) => describeIssue(data, issue)) };

  const problems: string[] = [];
  const warnings: string[] = [];
  const { currency, products } = parsed.data;
  const currencyProblem = checkCurrency(currency);
  if (currencyProblem) problems.push(currencyProblem);

  const seen = new Map<string, number>();
  products.forEach((product, index) => {
    const where = `products[${index}] "${product.id}"`;
    const first = seen.get(product.id);
    if (first !== undefined)
      problems.push(
        `${where}: the id "${product.id}" is already used by products[${first}]: ids must be unique (the basket and the orders refer to products by id)`,
      );
    else seen.set(product.id, index);
    if (product.currency !== undefined) {
      problems.push(
        product.currency === currency
          ? `${where}: remove "currency": the catalog's one currency ("${currency}", at the top) applies to every product`
          : `${where}: mixed currencies: this product says ${JSON.stringify(product.currency)} but the catalog is "${currency}". One payment is in one currency: remove "currency" here and write unitAmount in ${currency}`,
      );
    }
    if (options.imageExists && !options.imageExists(product.image)) {
      problems.push(`${where}: image "${product.image}" does not exist: put the file at client/public${product.image} or fix the path`);
    }
  });

  if (!currencyProblem) {
    const minimum = MINIMUM_CHARGE_AMOUNTS[currency];
    for (const [index, product] of products.entries()) {
      // A basket of one is the smallest payment, and Stripe refuses one below its minimum.
      if (minimum !== undefined && product.unitAmount < minimum) {
        problems.push(
          `products[${index}] "${product.id}": unitAmount ${product.unitAmount} (${formatAmount(product.unitAmount, currency, 'en-US')}) is below Stripe's minimum charge of ${minimum} (${formatAmount(minimum, currency, 'en-US')}) for ${currency}: ` +
            `raise it to at least ${minimum} (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts)`,
        );
      }
    }
    if (minimum === undefined) {
      warnings.push(
        `The catalog's currency "${currency}" has no minimum charge listed here: Stripe refuses a payment below the equivalent of your settlement currency's minimum (e.g. $0.50), so check the cheapest product against https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts`,
      );
    }
  }

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    catalog: {
      currency,
      products: products.map(({ id, name, description, unitAmount, image, seller }) => ({
        id,
        name,
        description,
        unitAmount,
        image,
        ...(seller === undefined ? {} : { seller }),
      })),
    },
    warnings,
  };
}

function checkCurrency(currency: string): string | undefined {
  const example = 'e.g. "usd", "eur" or "jpy"';
  if (currency !== currency.toLowerCase() && CURRENCY_CODES.has(currency.toLowerCase())) {
    return `currency "${currency}" must be lowercase, as Stripe takes it: write "${currency.toLowerCase()}"`;
  }
  if (!/^[a-z]{3}$/.test(currency) || !CURRENCY_CODES.has(currency)) {
    return `currency "${currency}" is not an ISO 4217 currency code: write the three-letter code in lowercase, ${example}`;
  }
  if (THREE_DECIMAL_CURRENCIES.has(currency)) {
    return `currency "${currency}" is one of Stripe's three-decimal currencies (${[...THREE_DECIMAL_CURRENCIES].join(', ')}), which this shop does not support (Stripe needs their amounts rounded to tens: https://docs.stripe.com/currencies#three-decimal). Choose another currency`;
  }
  return undefined;
}

/** "products[1] "canvas-tote": unitAmount must be …" from a zod issue. */
function describeIssue(data: unknown, issue: z.core.$ZodIssue): string {
  const [top, index, field] = issue.path;
  if (top === 'products' && typeof index === 'number') {
    const products = isRecord(data) && Array.isArray(data['products']) ? data['products'] : [];
    const product: unknown = products[index];
    const id = isRecord(product) && typeof product['id'] === 'string' ? ` "${product['id']}"` : '';
    return `products[${index}]${id}: ${issue.message}${field === undefined || issue.message.startsWith(String(field)) ? '' : ` (field "${String(field)}")`}`;
  }
  return issue.message;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
