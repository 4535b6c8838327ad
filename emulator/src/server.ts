// Assembles the emulator's express app; opens no port (index.ts listens). Order:
// no x-powered-by -> qs query parsing (stripe-node's bracket notation) -> headers ->
// request log (no bodies, no query strings) -> expiry sweep -> browser pages (hosted and
// embedded Checkout, Stripe.js stand-in and its frames, 3-D Secure; each its own tiny form
// parser) -> /v1 API (faults, rate limits when on, form bodies, Stripe errors, CORS for Stripe.js calls) -> dashboard and
// its same-origin actions -> 404 -> one error handler last.
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { createApiRoute, sendUnknownRoute, toErrorResponse } from './api/api-route';
import type { AuthOptions } from './api/auth';
import { expireDueCheckoutSessions } from './state/checkout-sessions';
import type { EmulatorContext } from './context';
import type { BrowserScripts } from './pages/browser-scripts';
import { invalidRequest, StripeError } from './api/errors';
import { IdempotencyCache } from './api/idempotency';
import { requestLogMiddleware } from './request-log';
import { createBalanceTransactionRoutes } from './api/routes/balance-transactions';
import { createCheckoutSessionRoutes } from './api/routes/checkout-sessions';
import { createEventRoutes } from './api/routes/events';
import { createHostedPageRoutes } from './pages/routes/hosted-page';
import { createDashboardRoutes } from './pages/routes/dashboard';
import { createChargeRoutes } from './api/routes/charges';
import { createPaymentIntentRoutes } from './api/routes/payment-intents';
import { createDisputeRoutes } from './api/routes/disputes';
import { createRefundRoutes } from './api/routes/refunds';
import { createStripeJsRoutes } from './pages/routes/stripe-js';
import { createConnectJsRoutes } from './pages/routes/connect-js';
import { createReceiptRoutes } from './pages/routes/receipt';
import { createThreeDSecureRoutes } from './pages/routes/three-d-secure';
import { createWebhookEndpointRoutes } from './api/routes/webhook-endpoints';
import { createAccountRoutes } from './api/routes/account';
import { createAccountsRoutes } from './api/routes/accounts';
import { createAccountSessionRoutes } from './api/routes/account-sessions';
import { createApplicationFeeRoutes, createTransferRoutes } from './api/routes/transfers';

export interface EmulatorAppDeps {
  context: EmulatorContext;
  logger: Logger;
  auth: AuthOptions;
  /** The compiled Stripe.js stand-in and frame scripts. */
  scripts: BrowserScripts;
  /** For the dashboard: the API URL and the endpoint URLs (never their secrets). */
  describe: () => { url: string; endpoints: readonly string[] };
  /** Simulated outages (faults.ts), checked before any API route. */
  faults: RequestHandler;
  /** Stripe's rate limits (rate-limit.ts), after the faults; null when off. */
  rateLimit: RequestHandler | null;
}

export function createEmulatorApp(deps: EmulatorAppDeps): express.Express {
  const { context, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  // Every answer is Cache-Control: no-store, so no client revalidates: an ETag (a SHA-1 of each
  // body, Express's default) would only cost a hash per response.
  app.disable('etag');
  app.set('query parser', 'extended');

  app.use((_req, res, next) => {
    res.set({
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Resource-Policy': 'same-origin',
    });
    next();
  });
  app.use(requestLogMiddleware(logger));
  app.use((_req, _res, next) => {
    expireDueCheckoutSessions(context);
    next();
  });

  app.use(createHostedPageRoutes(context));
  app.use(createStripeJsRoutes(context, deps.scripts));
  app.use(createConnectJsRoutes(context, deps.scripts));
  app.use(createThreeDSecureRoutes(context));
  app.use(createReceiptRoutes(context));

  const idempotency = new IdempotencyCache(context.now);
  // Each resource's routes carry its name in Stripe's restricted-key permissions (`rak_<name>_read|write`).
  const apiRoute = (resource: string) => createApiRoute({ auth: deps.auth, idempotency, logger, resource });
  const api = express.Router();
  api.use(express.urlencoded({ extended: true, limit: '256kb', parameterLimit: 2000 }));
  // Preflight for Stripe.js-style calls that add a header; the simple ones need none.
  api.options(/.*/, (_req, res) => {
    res
      .set({
        'Access-Control-Allow-Origin': '*',
        'Access-Control-Allow-Methods': 'GET, POST',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, Stripe-Version',
        'Access-Control-Max-Age': '600',
      })
      .status(204)
      .end();
  });
  api.use('/checkout/sessions', createCheckoutSessionRoutes(context, apiRoute('checkout_session')));
  api.use('/payment_intents', createPaymentIntentRoutes(context, apiRoute('payment_intent')));
  api.use('/charges', createChargeRoutes(context, apiRoute('charge')));
  api.use('/refunds', createRefundRoutes(context, apiRoute('refund')));
  api.use('/disputes', createDisputeRoutes(context, apiRoute('dispute')));
  api.use('/balance_transactions', createBalanceTransactionRoutes(context, apiRoute('balance')));
  api.use('/events', createEventRoutes(context, apiRoute('event')));
  api.use('/webhook_endpoints', createWebhookEndpointRoutes(context, apiRoute('webhook')));
  // Stripe names reading one's own account `rak_accounts_kyc_basic_read` in its 403 answers.
  api.use('/account', createAccountRoutes(context, apiRoute('accounts_kyc_basic')));
  // Connect: the platform's connected accounts, their Account Sessions, and what destination charges move.
  api.use('/accounts', createAccountsRoutes(context, apiRoute('account')));
  api.use('/account_sessions', createAccountSessionRoutes(context, apiRoute('account_session')));
  api.use('/transfers', createTransferRoutes(context, apiRoute('transfer')));
  api.use('/application_fees', createApplicationFeeRoutes(context, apiRoute('application_fee')));
  api.use(sendUnknownRoute);
  app.use('/v1', deps.faults, ...(deps.rateLimit ? [deps.rateLimit] : []), api);

  app.use(createDashboardRoutes(context, deps.describe));

  app.use((_req, res) => {
    res.status(404).type('text').send('Not found. The dashboard is at /, the API under /v1.');
  });

  const handleError: ErrorRequestHandler = (error: unknown, req, res, _next) => {
    // Body parser failures: say what is wrong, never echo the body (it may hold a card number).
    const status = error instanceof StripeError ? undefined : readStatus(error);
    const response =
      status !== undefined && status >= 400 && status < 500
        ? {
            status,
            body: JSON.stringify(
              invalidRequest('Invalid request body: send application/x-www-form-urlencoded parameters within the size limit.').toBody(),
            ),
          }
        : toErrorResponse(error, logger);
    if (req.path.startsWith('/v1')) res.status(response.status).type('application/json').send(response.body);
    else
      res
        .status(response.status)
        .type('text')
        .send(response.status < 500 ? 'Bad request.' : 'Internal error: see the emulator log.');
  };
  app.use(handleError);
  return app;
}

function readStatus(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number') return error.status;
  return undefined;
}
