// The JSON API: parse with strict schemas, call payments/ or the store, map to HTTP.
import express from 'express';
import type { RequestHandler, Router } from 'express';
import { z } from 'zod';
import { AppError } from '../errors';
import { parseJsonBody } from './json-body';
import type { Mode } from '../config';
import type { Logger } from 'pino';
import type { Stripe } from '../payments/stripe-client';
import type { Catalog } from '../payments/catalog';
import type { CartItem } from '../payments/cart';
import { controlOn } from '../lab/controls';
import type { LabControls } from '../lab/controls';
import { createCheckoutSession } from '../payments/checkout';
import { findOrderByStripeId, fulfilPayment } from '../payments/fulfilment';
import type { PaymentSourceKind } from '../payments/fulfilment';
import { createPaymentIntent } from '../payments/payment-intents';
import type { DestinationDeps } from '../payments/destination-charges';
import type { Order, OrderStore } from '../store/order-store';
import type { RateLimiters } from '../security/rate-limit';
import { originCheckMiddleware } from '../security/origin-check';
import {
  CHECKOUT_UI_MODES,
  MAX_PRODUCT_ID_LENGTH,
  MAX_QUANTITY,
  isCheckoutSessionId,
  isPaymentIntentId,
  type CheckoutSessionRequest,
  type CheckoutSessionResponse,
  type PaymentIntentRequest,
  type ApiErrorCode,
  type PublicOrder,
  type ShopConfig,
} from '../../../common/api-contract';

/**
 * The request bodies, for a given catalog: at most one line per product, so the longest valid
 * basket is the catalog itself (common/catalog.ts keeps that within the JSON body limit).
 */
export function createRequestSchemas(catalog: Catalog, options: { browserPrices?: boolean } = {}) {
  const line = {
    productId: z.string().min(1).max(MAX_PRODUCT_ID_LENGTH),
    quantity: z
      .number()
      .int()
      .min(1, `quantity must be between 1 and ${MAX_QUANTITY}`)
      .max(MAX_QUANTITY, `quantity must be between 1 and ${MAX_QUANTITY}`),
  };
  // browserPrices: the lab's `server-prices` control off only. The naive shop's line also takes
  // the browser's price (`unitAmount`), and believes it; ours has no such field (strict: refused).
  const itemSchema: z.ZodType<CartItem> = options.browserPrices
    ? z
        .strictObject({ ...line, unitAmount: z.number().int().min(0).optional() })
        .transform(({ unitAmount, ...item }) => (unitAmount === undefined ? item : { ...item, browserUnitAmount: unitAmount }))
    : z.strictObject(line);
  const items = z
    .array(itemSchema)
    .min(1, 'items must hold at least one product')
    .max(catalog.products.length, `items may hold at most ${catalog.products.length} lines`);
  return {
    /**
     * One resource for both Checkout integrations, as in Stripe's own API: `uiMode` picks a
     * hosted page (answer `{ url }`, the browser navigates there) or the embedded form (answer
     * `{ clientSecret }`, Stripe.js mounts it). Default hosted, so existing clients keep working.
     */
    checkout: z.strictObject({
      items,
      uiMode: z.enum(CHECKOUT_UI_MODES, { error: `uiMode must be ${CHECKOUT_UI_MODES.join(' or ')}` }).optional(),
    }) satisfies z.ZodType<CheckoutSessionRequest, unknown>,
    paymentIntent: z.strictObject({ items }) satisfies z.ZodType<PaymentIntentRequest, unknown>,
  };
}

/** What differs between the return pages' lookups: which id, how it must look, what to say when it does not. */
interface OrderLookup {
  /** The contract's id check (common/api-contract.ts). */
  isValid: (id: string) => boolean;
  invalidCode: ApiErrorCode;
  invalidMessage: string;
  notFoundMessage: string;
}

const ORDER_LOOKUPS: Readonly<Record<PaymentSourceKind, OrderLookup>> = {
  checkout_session: {
    isValid: isCheckoutSessionId,
    invalidCode: 'invalid_session_id',
    invalidMessage: 'That is not a Checkout Session id.',
    notFoundMessage: 'No order belongs to that checkout session.',
  },
  payment_intent: {
    isValid: isPaymentIntentId,
    invalidCode: 'invalid_payment_intent_id',
    invalidMessage: 'That is not a PaymentIntent id.',
    notFoundMessage: 'No order belongs to that payment.',
  },
};

export interface ApiDeps {
  mode: Mode;
  publishableKey: string;
  /** Where the client loads Stripe.js from; null = @stripe/stripe-js's default (js.stripe.com). */
  stripeJsUrl: string | null;
  /** Where the client loads Connect.js from; null = @stripe/connect-js's default (connect-js.stripe.com). */
  connectJsUrl: string | null;
  publicUrl: string;
  stripe: Stripe;
  store: OrderStore;
  catalog: Catalog;
  logger: Logger;
  limiters: RateLimiters;
  /** Lab mode's switches (`server-prices`, `origin-check`); absent everywhere else. */
  lab?: LabControls | null;
  /** Destination charges for the products sellers sell. */
  connect?: DestinationDeps;
}

/** The order as the browser may see it: status, total and card display fields only. */
function toPublicOrder(order: Order): PublicOrder {
  return { status: order.status, amount: order.amount, currency: order.currency, card: order.card };
}

/** One return-page lookup: validate the id, find our order, and refresh it from Stripe while it is not settled. */
function orderLookupHandler(deps: ApiDeps, kind: PaymentSourceKind): RequestHandler {
  const lookup = ORDER_LOOKUPS[kind];
  return async (req, res) => {
    const param = req.params['id'];
    const id = typeof param === 'string' ? param : '';
    if (!lookup.isValid(id)) throw new AppError(400, lookup.invalidCode, lookup.invalidMessage);
    let order = await findOrderByStripeId(deps.store, kind, id);
    if (!order) throw new AppError(404, 'order_not_found', lookup.notFoundMessage);
    if (order.status === 'pending' || order.status === 'failed') {
      // The webhook may not have arrived yet, or a declined customer retried: ask Stripe (the
      // same idempotent fulfilment as the webhook's).
      try {
        order = (await fulfilPayment(deps, kind, id)) ?? order;
      } catch (error) {
        deps.logger.warn({ err: error, stripeObjectId: id }, 'could not refresh the order from Stripe; answering with what we have');
      }
    }
    res.json(toPublicOrder(order));
  };
}

export function createApiRouter(deps: ApiDeps): Router {
  const router = express.Router();
  const strictSchemas = createRequestSchemas(deps.catalog);
  const naiveSchemas = deps.lab ? createRequestSchemas(deps.catalog, { browserPrices: true }) : strictSchemas;
  const schemasNow = () => (controlOn(deps.lab, 'server-prices') ? strictSchemas : naiveSchemas);
  const originCheck = originCheckMiddleware(deps.publicUrl, deps.lab);
  router.use(deps.limiters.api);
  // API answers are per customer and may carry card display details: never cache them.
  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  router.get('/config', (_req, res) => {
    // Nothing secret: the publishable key is public by design, and the Stripe.js and Connect.js
    // addresses are only set against the emulator's own origin (its stand-ins).
    res.json({
      publishableKey: deps.publishableKey,
      mode: deps.mode,
      stripeJsUrl: deps.stripeJsUrl,
      connectJsUrl: deps.connectJsUrl,
    } satisfies ShopConfig);
  });

  router.get('/products', (_req, res) => {
    // Who sells a product (an e-mail address) is the server's business, not the page's.
    res.json({ currency: deps.catalog.currency, products: deps.catalog.products.map(({ seller: _seller, ...product }) => product) });
  });

  router.post('/checkout-sessions', originCheck, deps.limiters.checkout, async (req, res) => {
    const { items, uiMode } = parseJsonBody(schemasNow().checkout, req);
    const started = await createCheckoutSession(
      { stripe: deps.stripe, store: deps.store, catalog: deps.catalog, publicUrl: deps.publicUrl, connect: deps.connect },
      items,
      uiMode,
    );
    res
      .status(201)
      .json(
        (started.uiMode === 'embedded_page'
          ? { clientSecret: started.clientSecret }
          : { url: started.url }) satisfies CheckoutSessionResponse,
      );
  });

  router.post('/payment-intents', originCheck, deps.limiters.checkout, async (req, res) => {
    const { items } = parseJsonBody(schemasNow().paymentIntent, req);
    const { clientSecret } = await createPaymentIntent(
      { stripe: deps.stripe, store: deps.store, catalog: deps.catalog, connect: deps.connect },
      items,
    );
    res.status(201).json({ clientSecret });
  });

  // The return pages: Checkout's success_url / return_url carry ?session_id=cs_…, and Stripe.js
  // appends ?payment_intent=pi_… to the Payment Element's return_url. Nothing else in the URL
  // (redirect_status) proves anything; the order says what happened. The more specific path first.
  router.get('/orders/by-payment-intent/:id', deps.limiters.orders, orderLookupHandler(deps, 'payment_intent'));
  router.get('/orders/:id', deps.limiters.orders, orderLookupHandler(deps, 'checkout_session'));

  return router;
}
