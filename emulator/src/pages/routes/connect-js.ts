// The Connect.js stand-in and its embedded components, on the Connect origin
// (https://connect-js.stripe.com, or the emulator's own in local mode):
//   GET  /v1.0/connect.js                          what @stripe/connect-js 3 injects
//   GET  /v1.0/components/<name>?origin=…          one component's frame, embeddable by `origin` only
//   GET  /v1.0/components/frame.js                 the frames' script
//   POST /v1.0/api/session                         exchanges an Account Session's client secret
//   GET  /v1.0/api/accounts/:id                    the account (onboarding, management, banner)
//   POST /v1.0/api/accounts/:id/onboarding         the onboarding form
//   GET  /v1.0/api/accounts/:id/payments           its destination charges
//   POST /v1.0/api/accounts/:id/payments/:charge/refund
//   GET  /v1.0/api/accounts/:id/payouts
// The API takes the client secret as a bearer token, never in a URL, and serves only the
// account that secret opens (https://docs.stripe.com/connect/get-started-connect-embedded-components).
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { withOrigins, type BrowserScripts } from '../browser-scripts';
import type { EmulatorContext } from '../../context';
import { invalidRequest, StripeError } from '../../api/errors';
import { parseParams, positiveInteger } from '../../api/params';
import { authorizeAccountSession } from '../../state/account-sessions';
import { describeAccount, describePayouts, listPayments, onboard, refundPayment } from '../../state/connect-components';
import { PAGE_STYLE_SOURCE, renderDocument } from '../layout';
import { html } from '../html';
import { readEmbedderOrigin } from './stripe-js';
import { CONNECT_JS_PATH } from '../../../../common/stripe-js';

const FRAME_SCRIPT_PATH = '/v1.0/components/frame.js';

/** The components the stand-in renders, by their Connect.js tag names. */
export const CONNECT_COMPONENTS = ['account-onboarding', 'account-management', 'notification-banner', 'payments', 'payouts'] as const;

const onboardingSchema = z.strictObject({
  businessName: z.string().trim().min(1).max(100),
  email: z
    .string()
    .max(512)
    .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: 'Invalid email address' }),
  businessUrl: z
    .string()
    .max(500)
    .refine((value) => value === '' || (URL.canParse(value) && /^https?:$/.test(new URL(value).protocol)), { message: 'Invalid URL' }),
  productDescription: z.string().trim().min(1).max(500),
  // Stripe's test bank account (https://docs.stripe.com/connect/testing#account-numbers): kept as its last four digits only.
  routingNumber: z.string().regex(/^\d{9}$/, { message: 'A routing number has 9 digits' }),
  accountNumber: z.string().regex(/^\d{4,17}$/, { message: 'An account number has 4 to 17 digits' }),
  tosAccepted: z.literal(true, { message: 'The terms of service must be accepted' }),
});

const refundSchema = z.strictObject({ amount: positiveInteger.optional() });

export function createConnectJsRoutes(context: EmulatorContext, scripts: BrowserScripts): Router {
  const router = Router();

  router.get(CONNECT_JS_PATH, (_req, res) => {
    // Loaded by platform pages on other origins as a classic script: CORP must allow that.
    res.set('Cross-Origin-Resource-Policy', 'cross-origin');
    sendScript(res, withOrigins(scripts.connectJs, context.origins));
  });
  router.get(FRAME_SCRIPT_PATH, (_req, res) => sendScript(res, withOrigins(scripts.connectFrame, context.origins)));

  router.get('/v1.0/components/:name', (req, res) => {
    const name = CONNECT_COMPONENTS.find((candidate) => candidate === req.params.name);
    const origin = readEmbedderOrigin(req.query.origin);
    if (!name || !origin) {
      res.status(400).type('text').send('Bad request: a component frame needs a known component and ?origin=<the embedding page origin>.');
      return;
    }
    res.set('Content-Security-Policy', buildComponentFrameCsp(origin)).type('html').send(renderComponentFrame(name, origin));
  });

  const api = Router();
  api.use(express.json({ limit: '16kb' }));
  const handle = (run: (req: Request) => unknown) => (req: Request, res: Response) => {
    try {
      res.status(200).json(run(req));
    } catch (error) {
      const known =
        error instanceof StripeError ? error : new StripeError(500, 'api_error', 'An unexpected error occurred in the Stripe emulator.');
      res.status(known.status).json(known.toBody());
    }
  };
  const session = (req: Request) => authorizeAccountSession(context, readBearer(req), pathParam(req, 'id'));
  api.post(
    '/session',
    handle((req) => {
      const opened = authorizeAccountSession(context, readBearer(req));
      return { account: opened.account, expiresAt: opened.expiresAt, components: opened.components };
    }),
  );
  api.get(
    '/accounts/:id',
    handle((req) => describeAccount(context, session(req))),
  );
  api.post(
    '/accounts/:id/onboarding',
    handle((req) => {
      const opened = session(req);
      const details = parseParams(onboardingSchema, req.body);
      return onboard(context, opened, {
        businessName: details.businessName,
        email: details.email,
        businessUrl: details.businessUrl || null,
        productDescription: details.productDescription,
        bankLast4: details.accountNumber.slice(-4),
      });
    }),
  );
  api.get(
    '/accounts/:id/payments',
    handle((req) => ({ data: listPayments(context, session(req)) })),
  );
  api.post(
    '/accounts/:id/payments/:charge/refund',
    handle((req) => {
      const opened = session(req);
      const params = parseParams(refundSchema, req.body);
      const refund = refundPayment(context, opened, pathParam(req, 'charge'), params.amount);
      return { id: refund.id, amount: refund.amount, status: refund.status };
    }),
  );
  api.get(
    '/accounts/:id/payouts',
    handle((req) => describePayouts(context, session(req))),
  );
  // JSON body errors answered in the same shape; no stack, no body echoed.
  api.use((_error: unknown, _req: Request, res: Response, _next: () => void) => {
    res.status(400).json(invalidRequest('Invalid request body: send JSON within the size limit.').toBody());
  });
  router.use('/v1.0/api', api);
  return router;
}

/** `Authorization: Bearer accs_secret__…`; never a query parameter, so it never lands in a log or a history. */
function readBearer(req: Request): string | undefined {
  const match = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '');
  return match?.[1];
}

function pathParam(req: Request, name: string): string {
  const value: unknown = req.params[name];
  return typeof value === 'string' ? value : '';
}

function sendScript(res: Response, code: string): void {
  res.type('application/javascript; charset=utf-8').send(code);
}

export function buildComponentFrameCsp(embedderOrigin: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src ${PAGE_STYLE_SOURCE}`,
    "connect-src 'self'",
    "form-action 'none'",
    `frame-ancestors ${embedderOrigin}`,
    "base-uri 'none'",
  ].join('; ');
}

function renderComponentFrame(name: string, embedderOrigin: string): string {
  return renderDocument(
    `Connect ${name}`,
    html`<div id="connect-root" data-component="${name}" data-embedder-origin="${embedderOrigin}"><p class="note">Loading…</p></div>`,
    { framed: true, script: FRAME_SCRIPT_PATH },
  );
}
