// Assembles the emulator's express app; opens no port (index.ts listens). Order:
// no x-powered-by -> qs query parsing (stripe-node's bracket notation) -> headers ->
// request log (no bodies) -> expiry sweep -> hosted page (its own tiny form parser) ->
// /v1 API (form bodies, Stripe errors) -> dashboard -> 404 -> one error handler last.
import express, { type ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { createApiRoute, sendUnknownRoute, toErrorResponse } from './api-route';
import type { AuthOptions } from './auth';
import { expireDueCheckoutSessions } from './checkout-sessions';
import type { EmulatorContext } from './context';
import { DASHBOARD_CSP, renderDashboard } from './dashboard';
import { invalidRequest } from './errors';
import { IdempotencyCache } from './idempotency';
import { requestLogMiddleware } from './request-log';
import { createCheckoutSessionRoutes } from './routes/checkout-sessions';
import { createEventRoutes } from './routes/events';
import { createHostedPageRoutes } from './routes/hosted-page';
import { createChargeRoutes, createPaymentIntentRoutes } from './routes/payment-intents';

export interface EmulatorAppDeps {
  context: EmulatorContext;
  logger: Logger;
  auth: AuthOptions;
  /** For the dashboard: the API URL and the endpoint URLs (never their secrets). */
  describe: () => { url: string; endpoints: readonly string[] };
}

export function createEmulatorApp(deps: EmulatorAppDeps): express.Express {
  const { context, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
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

  const apiRoute = createApiRoute({ auth: deps.auth, idempotency: new IdempotencyCache(context.now), logger });
  const api = express.Router();
  api.use(express.urlencoded({ extended: true, limit: '256kb', parameterLimit: 2000 }));
  api.use('/checkout/sessions', createCheckoutSessionRoutes(context, apiRoute));
  api.use('/payment_intents', createPaymentIntentRoutes(context, apiRoute));
  api.use('/charges', createChargeRoutes(context, apiRoute));
  api.use('/events', createEventRoutes(context, apiRoute));
  api.use(sendUnknownRoute);
  app.use('/v1', api);

  app.get('/', (_req, res) => {
    res.set('Content-Security-Policy', DASHBOARD_CSP).type('html').send(renderDashboard(context.store, deps.describe()));
  });

  app.use((_req, res) => {
    res.status(404).type('text').send('Not found. The dashboard is at /, the API under /v1.');
  });

  const handleError: ErrorRequestHandler = (error: unknown, req, res, _next) => {
    // Body parser failures: say what is wrong, never echo the body (it may hold a card number).
    const status = readStatus(error);
    const response =
      status !== undefined && status >= 400 && status < 500
        ? { status, body: JSON.stringify(invalidRequest('Invalid request body: send application/x-www-form-urlencoded parameters within the size limit.').toBody()) }
        : toErrorResponse(error, logger);
    if (req.path.startsWith('/v1')) res.status(response.status).type('application/json').send(response.body);
    else res.status(response.status).type('text').send(response.status < 500 ? 'Bad request.' : 'Internal error: see the emulator log.');
  };
  app.use(handleError);
  return app;
}

function readStatus(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number') return error.status;
  return undefined;
}
