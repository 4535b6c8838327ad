// The only file that listens: the HTTPS app server, the HTTP→HTTPS redirect server and,
// in emulated mode, the local Stripe emulator in the same process.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import { createApp } from './app';
import { ConfigError, loadConfigFromProcess, resolvePublicUrl } from './config';
import type { Config } from './config';
import { createHttpsRedirectHandler } from './http-redirect';
import { createLogger } from './logger';
import type { Logger } from './logger';
import { CatalogError, loadCatalogFile } from './payments/catalog';
import { reconcileMissedEvents } from './payments/reconcile';
import { createStripeClient } from './payments/stripe-client';
import { STRIPE_ORIGINS, emulatorOrigins } from './security/csp';
import { DEFAULT_RATE_LIMITS } from './security/rate-limit';
import { defaultServerTimeouts, serverTimeoutOptions } from './security/server-timeouts';
import { createTlsOptions, loadTlsCredentials, watchCertificateFiles } from './security/tls';
import { openDatabase } from './store/database';
import { createCspReportStore } from './store/csp-report-store';
import { createOrderStore } from './store/order-store';
import { createDatabaseRateLimitStore } from './store/rate-limit-store';
import { createReconcileCursor } from './store/reconcile-cursor';
import { ensureDevCertificate } from '../../common/dev-certs';
import { STRIPE_WEBHOOK_PATH } from './routes/webhooks';

const SHUTDOWN_TIMEOUT_MS = 10_000;

function listen(server: http.Server | https.Server, port: number, variable: 'PORT' | 'HTTP_PORT'): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`Port ${port} is in use: stop the other process, or set ${variable} to a free port.`)
          : error,
      );
    };
    server.once('error', onError);
    server.listen(port, () => {
      server.off('error', onError);
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('The server has no TCP address.'));
      else resolve(address.port);
    });
  });
}

interface StripeSetup {
  stripe: ReturnType<typeof createStripeClient>;
  webhookSecret: string;
  stripeOrigins: typeof STRIPE_ORIGINS;
  /** The emulator's Stripe.js stand-in when the CSP names the emulator's origin; else null. */
  stripeJsUrl: string | null;
  emulator: { url: string; close(): Promise<void> } | null;
}

async function setUpStripe(config: Config, appPort: number, logger: Logger): Promise<StripeSetup> {
  if (config.emulator) {
    const { startEmulator } = await import('../../emulator/src/index');
    // A fresh secret per start (or a fixed one from EMULATOR_WEBHOOK_SECRET, for tests
    // that replay deliveries): the emulator signs with it, we verify with it.
    const webhookSecret = config.emulator.webhookSecret ?? `whsec_${randomBytes(32).toString('base64url')}`;
    const emulator = await startEmulator({
      port: config.emulator.port,
      publicOrigins: config.emulator.origins,
      webhookEndpoints: [{ url: `https://localhost:${appPort}${STRIPE_WEBHOOK_PATH}`, secret: webhookSecret }],
      logger: logger.child({ component: 'emulator' }),
    });
    const stripe = createStripeClient({ secretKey: config.stripe.secretKey, apiUrl: new URL(emulator.url), ca: emulator.ca });
    const local = config.emulator.origins === 'local';
    const stripeOrigins = local ? emulatorOrigins(new URL(emulator.url).origin) : STRIPE_ORIGINS;
    return { stripe, webhookSecret, stripeOrigins, stripeJsUrl: local ? emulator.stripeJsUrl : null, emulator };
  }
  if (!config.stripe.webhookSecret) throw new Error('STRIPE_WEBHOOK_SECRET is required outside emulated mode.');
  // A separately started emulator uses the development CA; trust it next to the public roots.
  const ca = config.stripe.apiUrl ? [...rootCertificates, (await ensureDevCertificate()).ca] : null;
  const stripe = createStripeClient({ secretKey: config.stripe.secretKey, apiUrl: config.stripe.apiUrl, ca });
  return { stripe, webhookSecret: config.stripe.webhookSecret, stripeOrigins: STRIPE_ORIGINS, stripeJsUrl: null, emulator: null };
}

function printBanner(lines: {
  publicUrl: string;
  httpPort: number;
  mode: Config['mode'];
  emulatorUrl: string | null;
  caPath: string | null;
  database: string;
  securityHeaders: Config['securityHeaders'];
}) {
  const banner = [
    '',
    `  Stripe Secure Starter is running in ${lines.mode} mode`,
    `  Shop:          ${lines.publicUrl}`,
    `  HTTP redirect: http://localhost:${lines.httpPort} → ${lines.publicUrl}`,
    lines.emulatorUrl
      ? `  Emulator:      ${lines.emulatorUrl} (hosted Checkout pages and a dashboard of events; test cards are listed in the README)`
      : undefined,
    `  Database:      ${lines.database}`,
    lines.securityHeaders === 'development'
      ? '  Headers:       development: HSTS max-age=0, so this host name keeps no HSTS (SECURITY_HEADERS=production sends the two-year policy)'
      : '  Headers:       production: HSTS for two years, subdomains included',
    lines.caPath
      ? `  Certificate:   issued by the development CA ${lines.caPath}\n` +
        `                 trust it once: import it as an authority in your browser, or for Node clients set NODE_EXTRA_CA_CERTS=${lines.caPath} (see README, "Trusting the development CA")`
      : undefined,
    '  Stop with Ctrl+C (SIGINT) or SIGTERM.',
    '',
  ];
  console.log(banner.filter((line) => line !== undefined).join('\n'));
}

async function main(): Promise<void> {
  const config = loadConfigFromProcess();
  const logger = createLogger({ level: config.logLevel });
  // Before anything listens: a catalog Stripe would refuse (or a missing image) stops the start.
  const { catalog, warnings: catalogWarnings } = loadCatalogFile(config.catalog.file, { publicDir: config.catalog.publicDir });
  for (const warning of catalogWarnings) logger.warn({ catalogFile: config.catalog.file }, warning);
  const credentials = await loadTlsCredentials(config.tls);
  const db = await openDatabase(config.database);
  const store = createOrderStore(db);
  const cspReports = createCspReportStore(db);

  // Listen first so PORT=0 works: the app needs its own URL (webhook endpoint, PUBLIC_URL default).
  const timeouts = serverTimeoutOptions(defaultServerTimeouts({ behindProxy: config.trustProxyHops > 0 }));
  const server = https.createServer({ ...createTlsOptions(credentials), ...timeouts });
  const port = await listen(server, config.port, 'PORT');
  const publicUrl = resolvePublicUrl(config, port);
  const { stripe, webhookSecret, stripeOrigins, stripeJsUrl, emulator } = await setUpStripe(config, port, logger);

  const app = createApp({
    mode: config.mode,
    publicUrl,
    publishableKey: config.stripe.publishableKey,
    stripeJsUrl,
    webhookSecret,
    webhookSources: config.webhookSources,
    clientDistDir: config.clientDistDir,
    stripeOrigins,
    securityHeaders: config.securityHeaders,
    hstsPreload: config.hstsPreload,
    trustProxyHops: config.trustProxyHops,
    rateLimits: { ...DEFAULT_RATE_LIMITS, checkout: config.checkoutRateLimit },
    stripe,
    catalog,
    store,
    cspReports,
    logger,
    rateLimitStore: config.rateLimitStore === 'database' ? (name) => createDatabaseRateLimitStore(db, name) : undefined,
    checkHealth: () => db.ping(),
  });
  server.on('request', app);

  const redirectServer = http.createServer(timeouts, createHttpsRedirectHandler(publicUrl));
  const httpPort = await listen(redirectServer, config.httpPort, 'HTTP_PORT');
  const stopWatching = config.tls ? watchCertificateFiles(server, config.tls, logger) : () => {};

  printBanner({
    publicUrl,
    httpPort,
    mode: config.mode,
    emulatorUrl: emulator?.url ?? null,
    caPath: credentials.caPath,
    database: db.description,
    securityHeaders: config.securityHeaders,
  });
  logger.info(
    {
      mode: config.mode,
      port,
      httpPort,
      database: db.engine,
      rateLimitStore: config.rateLimitStore,
      securityHeaders: config.securityHeaders,
    },
    'listening',
  );

  // Catch up on events missed while we were down, in the background: readiness does not
  // wait for it, and webhooks arriving meanwhile are safe (same idempotent path).
  const stopReconciling = new AbortController();
  const reconciled = reconcileMissedEvents(
    { stripe, store, logger, mode: config.mode, cursor: createReconcileCursor(db) },
    { signal: stopReconciling.signal },
  )
    .then((summary) => logger.info({ reconcile: summary }, 'reconciled missed Stripe events'))
    .catch((error: unknown) => logger.error({ err: error }, 'reconciling missed Stripe events failed; run `npm run reconcile` later'));

  let stopping = false;
  // close() stops new connections, but Node goes on serving further requests on a
  // keep-alive connection that was busy at that moment (and answers them keep-alive), so a
  // busy client held the shutdown open until the force-close cut its request mid-flight.
  // Once stopping, every answer not yet started says Connection: close, and Node closes
  // the connection after it (server/test/shutdown-under-load.test.ts).
  const unanswered = new Set<http.ServerResponse>();
  const closeAfterAnswer = (res: http.ServerResponse) => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
  };
  for (const listening of [server, redirectServer]) {
    listening.prependListener('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
      if (stopping) return closeAfterAnswer(res);
      unanswered.add(res);
      res.once('close', () => unanswered.delete(res));
    });
  }
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    unanswered.forEach(closeAfterAnswer);
    logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
    stopWatching();
    const force = setTimeout(() => {
      logger.warn('in-flight requests did not finish in time; closing their connections');
      server.closeAllConnections();
    }, SHUTDOWN_TIMEOUT_MS);
    force.unref();
    const closed = Promise.all([
      new Promise<void>((resolve) => server.close(() => resolve())),
      new Promise<void>((resolve) => redirectServer.close(() => resolve())),
    ]);
    // Keep-alive connections with no request in flight would hold close() open.
    server.closeIdleConnections();
    redirectServer.closeIdleConnections();
    stopReconciling.abort();
    void closed
      .then(() => reconciled)
      .then(() => emulator?.close())
      .then(() => db.close())
      .then(() => {
        logger.info('stopped');
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'error while shutting down');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  // Startup errors are written for people: the message says what to fix.
  const message = error instanceof Error ? error.message : String(error);
  console.error(`\n${error instanceof ConfigError || error instanceof CatalogError ? '' : 'Startup failed: '}${message}\n`);
  process.exit(1);
});
