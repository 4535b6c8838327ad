// The JSON API: parse with strict schemas, call payments/ or the store, map to HTTP.
import express from 'express';
import type { Request, Router } from 'express';
import { z } from 'zod';
import { AppError } from '../errors';
import type { Mode } from '../config';
import type { Logger } from 'pino';
import type { Stripe } from '../payments/stripe-client';
import { MAX_PRODUCT_ID_LENGTH } from '../../../common/catalog';
import type { Catalog } from '../payments/catalog';
import { createCheckoutSession } from '../payments/checkout';
import { fulfilCheckoutSession, fulfilPaymentIntent } from '../payments/fulfilment';
import { createPaymentIntent } from '../payments/payment-intents';
import type { Order, OrderStore } from '../store/order-store';
import type { RateLimiters } from '../security/rate-limit';
import { originCheckMiddleware } from '../security/origin-check';

export const MAX_QUANTITY = 10;

/**
 * The request bodies, for a given catalog: at most one line per product, so the longest valid
 * basket is the catalog itself (common/catalog.ts keeps that within the JSON body limit).
 */
export function createRequestSchemas(catalog: Catalog) {
  const items = z
    .array(
      z.strictObject({
        productId: z.string().min(1).max(MAX_PRODUCT_ID_LENGTH),
        quantity: z.number().int().min(1, `quantity must be between 1 and ${MAX_QUANTITY}`).max(MAX_QUANTITY, `quantity must be between 1 and ${MAX_QUANTITY}`),
      }),
    )
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
      uiMode: z.enum(['hosted_page', 'embedded_page'], { error: 'uiMode must be hosted_page or embedded_page' }).optional(),
    }),
    paymentIntent: z.strictObject({ items }),
  };
}

const SESSION_ID = /^cs_(test|live)_[A-Za-z0-9]{1,200}$/;
const PAYMENT_INTENT_ID = /^pi_[A-Za-z0-9]{1,200}$/;

export interface ApiDeps {
  mode: Mode;
  publishableKey: string;
  /** Where the client loads Stripe.js from; null = @stripe/stripe-js's default (js.stripe.com). */
  stripeJsUrl: string | null;
  publicUrl: string;
  stripe: Stripe;
  store: OrderStore;
  catalog: Catalog;
  logger: Logger;
  limiters: RateLimiters;
}

function parseBody<T>(schema: z.ZodType<T>, req: Request): T {
  if (!req.is('application/json')) {
    throw new AppError(415, 'unsupported_media_type', 'Send the body as JSON with Content-Type: application/json.');
  }
  const result = schema.safeParse(req.body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new AppError(400, 'invalid_request', `${where}${issue?.message ?? 'invalid request'}`);
  }
  return result.data;
}

/** The order as the browser may see it: status, total and card display fields only. */
function toPublicOrder(order: Order) {
  return { status: order.status, amount: order.amount, currency: order.currency, card: order.card };
}

export function createApiRouter(deps: ApiDeps): Router {
  const router = express.Router();
  const schemas = createRequestSchemas(deps.catalog);
  router.use(deps.limiters.api);
  // API answers are per customer and may carry card display details: never cache them.
  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  router.get('/config', (_req, res) => {
    // Nothing secret: the publishable key is public by design, and the Stripe.js address is
    // only set in emulated mode with local origins (the emulator's stand-in).
    res.json({ publishableKey: deps.publishableKey, mode: deps.mode, stripeJsUrl: deps.stripeJsUrl });
  });

  router.get('/products', (_req, res) => {
    res.json({ currency: deps.catalog.currency, products: deps.catalog.products });
  });

  router.post('/checkout-sessions', originCheckMiddleware(deps.publicUrl), deps.limiters.checkout, async (req, res) => {
    const { items, uiMode } = parseBody(schemas.checkout, req);
    const started = await createCheckoutSession({ stripe: deps.stripe, store: deps.store, catalog: deps.catalog, publicUrl: deps.publicUrl }, items, uiMode);
    res.status(201).json(started.uiMode === 'embedded_page' ? { clientSecret: started.clientSecret } : { url: started.url });
  });

  router.post('/payment-intents', originCheckMiddleware(deps.publicUrl), deps.limiters.checkout, async (req, res) => {
    const { items } = parseBody(schemas.paymentIntent, req);
    const { clientSecret } = await createPaymentIntent({ stripe: deps.stripe, store: deps.store, catalog: deps.catalog }, items);
    res.status(201).json({ clientSecret });
  });

  // The Payment Element's return page: Stripe.js appends ?payment_intent=pi_… to return_url.
  // The URL's redirect_status proves nothing; the order says what happened.
  router.get('/orders/by-payment-intent/:paymentIntentId', deps.limiters.orders, async (req, res) => {
    const param = req.params['paymentIntentId'];
    const paymentIntentId = typeof param === 'string' ? param : '';
    if (!PAYMENT_INTENT_ID.test(paymentIntentId)) throw new AppError(400, 'invalid_payment_intent_id', 'That is not a PaymentIntent id.');
    let order = await deps.store.findOrderByPaymentIntent(paymentIntentId);
    if (!order) throw new AppError(404, 'order_not_found', 'No order belongs to that payment.');
    if (order.status === 'pending' || order.status === 'failed') {
      // The webhook may not have arrived yet, or the customer retried after a decline: ask Stripe.
      try {
        order = (await fulfilPaymentIntent(deps, paymentIntentId)) ?? order;
      } catch (error) {
        deps.logger.warn({ err: error, paymentIntentId }, 'could not refresh the order from Stripe; answering with what we have');
      }
    }
    res.json(toPublicOrder(order));
  });

  router.get('/orders/:checkoutSessionId', deps.limiters.orders, async (req, res) => {
    const param = req.params['checkoutSessionId'];
    const sessionId = typeof param === 'string' ? param : '';
    if (!SESSION_ID.test(sessionId)) throw new AppError(400, 'invalid_session_id', 'That is not a Checkout Session id.');
    let order = await deps.store.findOrderByCheckoutSession(sessionId);
    if (!order) throw new AppError(404, 'order_not_found', 'No order belongs to that checkout session.');
    if (order.status === 'pending' || order.status === 'failed') {
      // The webhook may not have arrived yet (or a declined customer retried on the same
      // session): ask Stripe (same idempotent fulfilment).
      try {
        order = (await fulfilCheckoutSession(deps, sessionId)) ?? order;
      } catch (error) {
        deps.logger.warn({ err: error, sessionId }, 'could not refresh the order from Stripe; answering with what we have');
      }
    }
    res.json(toPublicOrder(order));
  });

  return router;
}
