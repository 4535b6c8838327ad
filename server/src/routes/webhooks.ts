// POST /webhooks/stripe, answered in front of the Express app (request-listener.ts): for an
// event that changes nothing, Express's router, body parser and `res.json` were about a
// quarter of the CPU of taking it in. Its answers are the app's: the same JSON bodies and
// statuses (errors.ts errorAnswer), the same headers (security/headers.ts), the same one log
// line (logger.ts); only the ETag of `res.json` is gone (an acknowledgement is never cached or
// revalidated). The body is read raw, before any parsing: the signature covers the exact bytes
// Stripe sent (https://docs.stripe.com/webhooks#verify-official-libraries).
import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import type { Logger } from 'pino';
import type { Mode } from '../config';
import { errorAnswer } from '../errors';
import { noteRequestLog } from '../logger';
import type { Stripe } from '../payments/stripe-client';
import { handleStripeEvent, matchedNoOrder, readUnverifiedEvent, verifyStripeEvent } from '../payments/webhook-events';
import { controlOn } from '../lab/controls';
import type { LabControls } from '../lab/controls';
import { sendJson } from '../request-listener';
import type { RawHandler } from '../request-listener';
import { requestPathname } from '../request-path';
import { createClientAddress } from '../security/client-address';
import { commonHeaders } from '../security/headers';
import type { SecurityHeadersOptions } from '../security/headers';
import { createWebhookSourceList, webhookSourceRefused } from '../security/webhook-sources';
import type { WebhookSources } from '../security/webhook-sources';
import type { OrderStore } from '../store/order-store';
import { STRIPE_WEBHOOK_PATH } from '../../../common/api-contract';

// Defined in common/ so a program that only names the endpoint (npm run doctor) does not load this handler and its packages.
export { STRIPE_WEBHOOK_PATH };

/** The largest body taken: Stripe's events are a few kB; a larger one is answered 413 unread past this. */
const WEBHOOK_BODY_LIMIT = '512kb';

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
  /** The headers every answer carries. */
  security: SecurityHeadersOptions;
  /** TRUST_PROXY: how many proxies' X-Forwarded-For entries to believe for the sender's address. */
  trustProxyHops: number;
}

// The spellings Express's router took for the route (mounted at the path, `post('/')`, not
// strict, not case-sensitive): with one trailing slash, or two (the mount leaves `/`, and the
// route allows one more), any query. Lower-casing folds only ASCII letters into ASCII here.
const WEBHOOK_TARGETS = new Set([STRIPE_WEBHOOK_PATH, `${STRIPE_WEBHOOK_PATH}/`, `${STRIPE_WEBHOOK_PATH}//`]);

function isWebhookTarget(req: IncomingMessage): boolean {
  return WEBHOOK_TARGETS.has(requestPathname(req.url ?? '')?.toLowerCase() ?? '');
}

/**
 * Answers POST (and OPTIONS, as Express's router did: the allowed method) on the webhook path
 * and returns true; leaves every other method to the app (its JSON 404).
 */
export function createWebhookResponder(deps: WebhookDeps): RawHandler {
  const headers = commonHeaders(deps.security);
  const sources = deps.webhookSources ? createWebhookSourceList(deps.webhookSources) : null;
  const clientAddress = createClientAddress(deps.trustProxyHops);
  // Express's own raw-body parser, on the plain request: the limit (413 without buffering past
  // it, the rest of the body read off and dropped), Content-Encoding, aborted bodies. Any content
  // type: a missing or odd one must still end in a signature check (400).
  const readBody = express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT });

  const refuse = (res: ServerResponse, error: unknown) => {
    const answer = errorAnswer(error);
    noteRequestLog(res, deps.logger, answer.note);
    if (res.headersSent) {
      res.end();
      return;
    }
    const retryAfter = answer.retryAfterSeconds === undefined ? [] : ['Retry-After', String(answer.retryAfterSeconds)];
    sendJson(res, answer.status, [...headers, ...retryAfter], answer.body);
  };

  const receive = async (req: IncomingMessage & { body?: unknown }, res: ServerResponse) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    // Node joins a repeated header of this name into one string, as Express's req.get read it.
    const signature = req.headers['stripe-signature'];
    const event = controlOn(deps.lab, 'webhook-signature')
      ? verifyStripeEvent(deps.stripe, raw, typeof signature === 'string' ? signature : undefined, deps.webhookSecrets)
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
    sendJson(res, 200, headers, { received: true });
  };

  return (req, res) => {
    if (!isWebhookTarget(req)) return false;
    if (req.method === 'OPTIONS') {
      res.writeHead(200, [...headers, 'Allow', 'POST', 'Content-Length', '4', 'Content-Type', 'text/plain']);
      res.end('POST');
      return true;
    }
    if (req.method !== 'POST') return false;
    // The source check, when on, comes first: a refused sender's body is never read, and the
    // connection is closed after the answer so it is not drained either.
    if (sources && !sources.check(clientAddress(req))) {
      res.setHeader('Connection', 'close');
      refuse(res, webhookSourceRefused());
      return true;
    }
    readBody(req as unknown as express.Request, res as unknown as express.Response, (error?: unknown) => {
      // A sender that went away mid-body has no one to answer: its line says `aborted`.
      if (error && req.socket.destroyed) return;
      if (error) refuse(res, error);
      else receive(req, res).catch((failure: unknown) => refuse(res, failure));
    });
    return true;
  };
}
