// createApp(deps): assembles the request listener: the static responders in front, then the
// Express app with its middleware and routes. Opens no port (main.ts does), so tests drive the
// same listener over their own HTTPS server.
import type { RequestListener } from 'node:http';
import express from 'express';
import type { Logger } from 'pino';
import type { Mode, TlsMode } from './config';
import { errorMiddleware, notFoundMiddleware } from './errors';
import type { Catalog } from './payments/catalog';
import type { Stripe } from './payments/stripe-client';
import { createApiRouter } from './routes/api';
import { createCspReportRouter } from './routes/csp-reports';
import { HEALTH_PATH, createHealthRouter } from './routes/health';
import { createBuiltAssetResponder } from './routes/built-assets';
import { createPageResponder, loadPageTemplates } from './routes/pages';
import { createWebhookResponder } from './routes/webhooks';
import { CSP_REPORT_PATH } from './security/csp';
import { createForwardedHttpsCheck } from './security/forwarded-https';
import type { StripeOrigins } from './security/csp';
import { createRequestListener } from './request-listener';
import { commonHeaders, createSecurityHeadersMiddleware } from './security/headers';
import type { SecurityHeadersOptions, SecurityHeadersProfile } from './security/headers';
import { DEFAULT_RATE_LIMITS, createRateLimiters } from './security/rate-limit';
import type { RateLimitOptions, RateLimitStoreFactory } from './security/rate-limit';
import type { WebhookSources } from './security/webhook-sources';
import type { OrderStore } from './store/order-store';
import type { LabControls } from './lab/controls';
import { createLabRouter } from './routes/lab';
import { LAB_API_PATH } from '../../common/lab';
import type { CspReportStore } from './store/csp-report-store';
import type { SellerStore } from './store/seller-store';
import { DEFAULT_PLATFORM_FEE_BPS, type SellerTimeouts } from './config';
import { createSellerApiRouter, createSellerPagesRouter } from './routes/seller';
import type { PagesOptions } from './routes/pages';
import { BRAND } from '../../common/brand';

export interface AppDeps {
  mode: Mode;
  publicUrl: string;
  publishableKey: string;
  /** The Stripe.js stand-in's URL in emulated mode with local origins; null/absent = js.stripe.com. */
  stripeJsUrl?: string | null;
  /** The Connect.js stand-in's URL, likewise; null/absent = connect-js.stripe.com. */
  connectJsUrl?: string | null;
  /** The whsec_… secrets a delivery may be signed with (two while the endpoint's secret is rolled). */
  webhookSecrets: readonly string[];
  /** STRIPE_WEBHOOK_IPS: where webhooks may come from; null/absent = anywhere (signature only). */
  webhookSources?: WebhookSources | null;
  clientDistDir: string;
  /** The origins the CSP names for Stripe (the emulator's in emulated mode with local origins). */
  stripeOrigins: StripeOrigins;
  /** Production (two-year HSTS) or development (max-age=0, loopback only) headers; config.ts decides. */
  securityHeaders: SecurityHeadersProfile;
  hstsPreload: boolean;
  trustProxyHops: number;
  /** proxy: behind a TLS-terminating proxy, whose forwarded protocol must be https (absent = app). */
  tlsMode?: TlsMode;
  stripe: Stripe;
  /** What the shop sells, validated at startup (payments/catalog.ts); carts are priced from it. */
  catalog: Catalog;
  store: OrderStore;
  cspReports: CspReportStore;
  /** The seller area: sellers, passkeys and sessions, and how long a session and a link last. */
  sellers: { store: SellerStore; timeouts: SellerTimeouts; clock?: () => number };
  logger: Logger;
  /** The platform's fee on a seller's products, in basis points (PLATFORM_FEE_BPS); default DEFAULT_PLATFORM_FEE_BPS. */
  platformFeeBps?: number;
  rateLimits?: RateLimitOptions;
  /** Shared rate-limit counters (RATE_LIMIT_STORE=database); absent = this process's memory. */
  rateLimitStore?: RateLimitStoreFactory;
  /** Readiness probe for /healthz (e.g. the database answers). */
  checkHealth?: () => Promise<boolean>;
  /**
   * The workshop lab's switches: main.ts creates them in lab mode only (config.ts). Absent, every
   * control is on, and the lab panel and its API are not served (a 404 like any unknown path).
   */
  lab?: LabControls | null;
}

export function createApp(deps: AppDeps): RequestListener {
  const security: SecurityHeadersOptions = { profile: deps.securityHeaders, hstsPreload: deps.hstsPreload };
  const pages: PagesOptions = {
    templates: loadPageTemplates(deps.clientDistDir),
    stripeOrigins: deps.stripeOrigins,
    publicUrl: deps.publicUrl,
    security,
    lab: deps.lab,
  };
  // In front of the router: pages and built files, everything they send prepared at startup,
  // and webhook deliveries, with the headers and the request line the app gives every response
  // (request-listener.ts). Pages and files take GET and HEAD for their own paths only, webhooks
  // POST (and OPTIONS) on theirs; the app answers everything else, including every other method
  // on those paths (a JSON 404).
  // Behind a proxy, first of all: a request the client sent the proxy over plain http is
  // redirected to PUBLIC_URL before anything is served (security/forwarded-https.ts).
  const forwardedHttps =
    deps.tlsMode === 'proxy' ? [createForwardedHttpsCheck({ publicUrl: deps.publicUrl, trustProxyHops: deps.trustProxyHops })] : [];
  return createRequestListener({
    handlers: [
      ...forwardedHttps,
      createPageResponder(pages),
      createBuiltAssetResponder(deps.clientDistDir, security),
      createWebhookResponder({ ...deps, security }),
    ],
    app: createExpressApp(deps, security, pages),
    logger: deps.logger,
    commonHeaders: commonHeaders(security),
  });
}

function createExpressApp(deps: AppDeps, security: SecurityHeadersOptions, pages: PagesOptions): express.Express {
  const limiters = createRateLimiters(deps.rateLimits ?? DEFAULT_RATE_LIMITS, deps.rateLimitStore);
  const sellers = { ...deps.sellers, publicUrl: deps.publicUrl, rpName: BRAND.shopName, limiters, stripe: deps.stripe };
  const app = express();

  // The order is part of the security design; change it only with a reason:
  // 1. trust proxy first: rate limits and logs key on req.ip, which depends on it.
  // 2. no X-Powered-By: do not advertise the framework.
  // 3. the security headers before any route, so every response (errors and 404s too) has
  //    them. (Its one log line per request is opened by the request listener in front, for
  //    this app's requests as for the ones answered there: request-listener.ts.)
  // 4. (Webhooks never reach this app: createApp answers them in front, with their raw body,
  //    before any JSON parser, since Stripe's signature covers the exact bytes. Not
  //    rate-limited: a refused delivery is only retried later, and verification is cheap.
  //    With STRIPE_WEBHOOK_IPS, the sender's address, as req.ip would be under trust proxy
  //    (security/client-address.ts), is checked before the body is read.)
  // 5. the JSON parser with a 10 kB limit for everything else.
  // 6. rate limits (per route group, inside the routers), then the routes. Pages and built
  //    files never reach this app (createApp), and were never rate-limited: they are
  //    answered from memory, cheaper than counting them would be. The exception: pages only
  //    a signed-in seller may load come here, for the session check (routes/seller.ts).
  // 7. 404, then one error handler last.
  app.set('trust proxy', deps.trustProxyHops > 0 ? deps.trustProxyHops : false);
  app.disable('x-powered-by');
  app.use(createSecurityHeadersMiddleware(security));
  app.use(express.json({ limit: '10kb', strict: true, type: 'application/json' }));
  app.use(CSP_REPORT_PATH, limiters.cspReports, createCspReportRouter(deps.logger, deps.cspReports));
  app.use('/api/seller', limiters.api, createSellerApiRouter(sellers));
  const connect = { stripe: deps.stripe, sellers: deps.sellers.store, platformFeeBps: deps.platformFeeBps ?? DEFAULT_PLATFORM_FEE_BPS };
  app.use(
    '/api',
    createApiRouter({ ...deps, stripeJsUrl: deps.stripeJsUrl ?? null, connectJsUrl: deps.connectJsUrl ?? null, limiters, connect }),
  );
  app.use(HEALTH_PATH, createHealthRouter(deps.checkHealth ?? (() => Promise.resolve(true))));
  if (deps.lab) app.use(LAB_API_PATH, createLabRouter(deps.lab, deps.publicUrl));
  app.use(createSellerPagesRouter(sellers, pages));
  app.use(notFoundMiddleware());
  app.use(errorMiddleware(deps.logger));
  return app;
}
