// POST /webhooks/stripe. Mounted before any JSON parser: the signature covers the exact
// bytes Stripe sent (https://docs.stripe.com/webhooks#verify-official-libraries).
import express from 'express';
import type { RequestHandler, Router } from 'express';
import type { Logger } from 'pino';
import type { Mode } from '../config';
import type { Stripe } from '../payments/stripe-client';
import { noteRequestLog } from '../logger';
import { handleStripeEvent, matchedNoOrder, readUnverifiedEvent, verifyStripeEvent } from '../payments/webhook-events';
import { controlOn } from '../lab/controls';
import type { LabControls } from '../lab/controls';
import { createWebhookSourceList, webhookSourceMiddleware } from '../security/webhook-sources';
import type { WebhookSources } from '../security/webhook-sources';
import type { OrderStore } from '../store/order-store';

/** Where Stripe delivers events: the URL of the webhook endpoint is PUBLIC_URL + this path. */
export const STRIPE_WEBHOOK_PATH = '/webhooks/stripe';

export interface WebhookDeps {
  stripe: Stripe;
  store: OrderStore;
  logger: Logger;
  /** The mode of our keys: events of the other mode are refused. */
  mode: Mode;
  /** Every secret a delivery may be signed with (two while the endpoint's secret is rolled). */
  webhookSecrets: readonly string[];
  /** STRIPE_WEBHOOK_IPS: the addresses deliveries may come from; null/absent = any (the signature decides). */
  webhookSources?: WebhookSources | null;
  /** Lab mode's switches (`webhook-signature`, `webhook-dedupe`); absent everywhere else. */
  lab?: LabControls | null;
}

export function createWebhookRouter(deps: WebhookDeps): Router {
  const router = express.Router();
  // The source check, when on, runs before the body parser: a refused sender's body is never read.
  const sourceCheck: RequestHandler[] = deps.webhookSources ? [webhookSourceMiddleware(createWebhookSourceList(deps.webhookSources))] : [];
  // Any content type: a missing or odd one must still end in a signature check (400).
  router.post('/', ...sourceCheck, express.raw({ type: () => true, limit: '512kb' }), async (req, res) => {
    const body: unknown = req.body;
    const raw = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
    const event = controlOn(deps.lab, 'webhook-signature')
      ? verifyStripeEvent(deps.stripe, raw, req.get('stripe-signature'), deps.webhookSecrets)
      : readUnverifiedEvent(raw);
    const handled = await handleStripeEvent(deps, event);
    // The request's one log line: which event, what it did, to which order.
    noteRequestLog(res, deps.logger, {
      msg: 'webhook event',
      level: matchedNoOrder(handled) ? 'warn' : 'info',
      fields: {
        eventId: event.id,
        type: event.type,
        ...handled,
        ...(matchedNoOrder(handled) ? { problem: 'matches no order of ours' } : {}),
      },
    });
    res.json({ received: true });
  });
  return router;
}
