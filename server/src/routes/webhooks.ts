// POST /webhooks/stripe. Mounted before any JSON parser: the signature covers the exact
// bytes Stripe sent (https://docs.stripe.com/webhooks#verify-official-libraries).
import express from 'express';
import type { Router } from 'express';
import type { Logger } from 'pino';
import type { Mode } from '../config';
import type { Stripe } from '../payments/stripe-client';
import { handleStripeEvent, verifyStripeEvent } from '../payments/webhook-events';
import type { OrderStore } from '../store/order-store';

export interface WebhookDeps {
  stripe: Stripe;
  store: OrderStore;
  logger: Logger;
  /** The mode of our keys: events of the other mode are refused. */
  mode: Mode;
  webhookSecret: string;
}

export function createWebhookRouter(deps: WebhookDeps): Router {
  const router = express.Router();
  // Any content type: a missing or odd one must still end in a signature check (400).
  router.post('/stripe', express.raw({ type: () => true, limit: '512kb' }), async (req, res) => {
    const body: unknown = req.body;
    const raw = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
    const event = verifyStripeEvent(deps.stripe, raw, req.get('stripe-signature'), deps.webhookSecret);
    const result = await handleStripeEvent(deps, event);
    deps.logger.info({ eventId: event.id, type: event.type, result }, 'webhook event');
    res.json({ received: true });
  });
  return router;
}
