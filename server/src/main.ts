// The only file that listens: the app server (HTTPS with TLS_MODE=app, plain HTTP behind a
// TLS-terminating proxy with TLS_MODE=proxy), the HTTP→HTTPS redirect server (app mode) and,
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
import { createTlsOptions, createWeakTlsOptions, loadTlsCredentials, watchCertificateFiles } from './security/tls';
import { LabControls } from './lab/controls';
import { openDatabase } from './store/database';
import { createCspReportStore } from './store/csp-report-store';
import { createOrderStore } from './store/order-store';
import { createSellerStore } from './store/seller-store';
import { createDatabaseRateLimitStore } from './store/rate-limit-store';
import { createReconcileCursor } from './store/reconcile-cursor';
import { ensureDevCertificate } from '../../common/dev-certs';
import { CONNECT_JS_PATH, STRIPE_JS_PATH } from '../../common/stripe-js';
import { STRIPE_WEBHOOK_PATH } from './routes/webhooks';
import { commonHeaders } from './security/headers';
import { createStartingListener } from './starting-listener';

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
  webhookSecrets: string[];
  stripeOrigins: typeof STRIPE_ORIGINS;
  /** The emulator's Stripe.js and Connect.js stand-ins when the CSP names the emulator's origin; else null. */
  stripeJsUrl: string | null;
  connectJsUrl: string | null;
  emulator: { url: string; close(): Promise<void> } | null;
}

/** `webhookUrl`: where the in-process emulator delivers (our own address; behind a proxy, PUBLIC_URL's). */
async function setUpStripe(config: Config, webhookUrl: string, logger: Logger): Promise<StripeSetup> {
  if (config.emulator) {
    const { startEmulator } = await import('../../emulator/src/index');
    // A fresh secret per start (or a fixed one from EMULATOR_WEBHOOK_SECRET, for tests
    // that replay deliveries): the emulator signs with it, we verify with it.
    const webhookSecret = config.emulator.webhookSecret ?? `whsec_${randomBytes(32).toString('base64url')}`;
    const emulator = await startEmulator({
      port: config.emulator.port,
      publicOrigins: config.emulator.origins,
      webhookEndpoints: [{ url: webhookUrl, secret: webhookSecret }],
      logger: logger.child({ component: 'emulator' }),
    });
    const stripe = createStripeClient({ secretKey: config.stripe.secretKey, apiUrl: new URL(emulator.url), ca: emulator.ca });
    const local = config.emulator.origins === 'local';
    const stripeOrigins = local ? emulatorOrigins(new URL(emulator.url).origin) : STRIPE_ORIGINS;
    return {
      stripe,
      webhookSecrets: [webhookSecret],
      stripeOrigins,
      stripeJsUrl: local ? emulator.stripeJsUrl : null,
      connectJsUrl: local ? emulator.connectJsUrl : null,
      emulator,
    };
  }
  if (!config.stripe.webhookSecrets) throw new Error('STRIPE_WEBHOOK_SECRET is required outside emulated mode.');
  const { apiUrl } = config.stripe;
  if (!apiUrl) {
    const stripe = createStripeClient({ secretKey: config.stripe.secretKey, apiUrl: null, ca: null });
    return {
      stripe,
      webhookSecrets: config.stripe.webhookSecrets,
      stripeOrigins: STRIPE_ORIGINS,
      stripeJsUrl: null,
      connectJsUrl: null,
      emulator: null,
    };
  }
  // A separately started emulator (test keys only: config.ts refuses STRIPE_API_URL with live
  // keys) uses the development CA; trust it next to the public roots. The payment intents and
  // sessions (and connected accounts) it creates exist only there, so the real js.stripe.com and
  // connect-js.stripe.com could not show them: the browser loads the emulator's Stripe.js and
  // Connect.js stand-ins from the same origin, and the CSP names that
  // origin in place of Stripe's, as emulated mode does with EMULATOR_ORIGINS=local.
  const ca = [...rootCertificates, (await ensureDevCertificate()).ca];
  const stripe = createStripeClient({ secretKey: config.stripe.secretKey, apiUrl, ca });
  return {
    stripe,
    webhookSecrets: config.stripe.webhookSecrets,
    stripeOrigins: emulatorOrigins(apiUrl.origin),
    stripeJsUrl: new URL(STRIPE_JS_PATH, apiUrl.origin).href,
    connectJsUrl: new URL(CONNECT_JS_PATH, apiUrl.origin).href,
    emulator: null,
  };
}

function printBanner(lines: {
  publicUrl: string;
  /** App mode's redirect server; null behind a proxy, with `port` the plain-HTTP port. */
  httpPort: number | null;
  port: number;
  mode: Config['mode'];
  lab: boolean;
  emulatorUrl: string | null;
  caPath: string | null;
  database: string;
  securityHeaders: Config['securityHeaders'];
}) {
  const banner = [
    '',
    `  Stripe Secure Starter is running in ${lines.mode} mode${lines.lab ? ', as the security lab' : ''}`,
    lines.lab ? `  Lab panel:     ${lines.publicUrl}/lab (switch controls off; \`npm run attack -- <name>\` attacks)` : undefined,
    `  Shop:          ${lines.publicUrl}`,
    lines.httpPort === null
      ? `  TLS:           by the proxy in front (TLS_MODE=proxy); this process serves plain HTTP on port ${lines.port}`
      : `  HTTP redirect: http://localhost:${lines.httpPort} → ${lines.publicUrl}`,
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
  // The workshop lab's switches exist only in lab mode (config.ts allows it only emulated, on
  // loopback, outside production); every other mode passes none, so every control stays on.
  const lab = config.lab ? new LabControls() : null;
  const logger = createLogger({ level: config.logLevel, lab });
  // Before anything listens: a catalog Stripe would refuse (or a missing image) stops the start.
  const { catalog, warnings: catalogWarnings } = loadCatalogFile(config.catalog.file, { publicDir: config.catalog.publicDir });
  for (const warning of catalogWarnings) logger.warn({ catalogFile: config.catalog.file }, warning);
  // Behind a proxy (TLS_MODE=proxy) the proxy holds the certificate; this process has none.
  const credentials = config.tlsMode === 'app' ? await loadTlsCredentials(config.tls) : null;
  const db = await openDatabase(config.database);
  const store = createOrderStore(db);
  const cspReports = createCspReportStore(db, { lab });
  const sellerStore = createSellerStore(db);

  // Listen first so PORT=0 works: the app needs its own URL (webhook endpoint, PUBLIC_URL default).
  const timeouts = serverTimeoutOptions(defaultServerTimeouts({ behindProxy: config.trustProxyHops > 0 }));
  // Until the app is assembled below, a request gets a 503 instead of no answer (starting-listener.ts).
  const starting = createStartingListener(commonHeaders({ profile: config.securityHeaders, hstsPreload: config.hstsPreload }));
  const server = credentials
    ? https.createServer({ ...createTlsOptions(credentials), ...timeouts }, starting.listener)
    : http.createServer(timeouts, starting.listener);
  const port = await listen(server, config.port, 'PORT');
  if (lab && credentials && server instanceof https.Server) {
    // The lab's `tls-policy`: new handshakes get the weak or the normal settings (setSecureContext).
    lab.onChange(() => server.setSecureContext(lab.isOn('tls-policy') ? createTlsOptions(credentials) : createWeakTlsOptions(credentials)));
  }
  const publicUrl = resolvePublicUrl(config, port);
  const webhookUrl = `${config.tlsMode === 'proxy' ? publicUrl : `https://localhost:${port}`}${STRIPE_WEBHOOK_PATH}`;
  const { stripe, webhookSecrets, stripeOrigins, stripeJsUrl, connectJsUrl, emulator } = await setUpStripe(config, webhookUrl, logger);

  const app = createApp({
    mode: config.mode,
    publicUrl,
    publishableKey: config.stripe.publishableKey,
    stripeJsUrl,
    connectJsUrl,
    webhookSecrets,
    webhookSources: config.webhookSources,
    clientDistDir: config.clientDistDir,
    stripeOrigins,
    securityHeaders: config.securityHeaders,
    hstsPreload: config.hstsPreload,
    trustProxyHops: config.trustProxyHops,
    tlsMode: config.tlsMode,
    rateLimits: { ...DEFAULT_RATE_LIMITS, checkout: config.checkoutRateLimit },
    stripe,
    catalog,
    store,
    cspReports,
    sellers: { store: sellerStore, timeouts: config.sellers },
    platformFeeBps: config.platformFeeBps,
    logger,
    rateLimitStore: config.rateLimitStore === 'database' ? (name) => createDatabaseRateLimitStore(db, name) : undefined,
    checkHealth: () => db.ping(),
    lab,
  });
  starting.serve(app);

  // App mode answers http:// itself with a redirect; behind a proxy, the proxy does.
  const redirectServer = config.httpPort === null ? null : http.createServer(timeouts, createHttpsRedirectHandler(publicUrl));
  const httpPort = redirectServer && config.httpPort !== null ? await listen(redirectServer, config.httpPort, 'HTTP_PORT') : null;
  const stopWatching = config.tls && server instanceof https.Server ? watchCertificateFiles(server, config.tls, logger) : () => {};

  printBanner({
    publicUrl,
    httpPort,
    port,
    mode: config.mode,
    lab: config.lab,
    emulatorUrl: emulator?.url ?? null,
    caPath: credentials?.caPath ?? null,
    database: db.description,
    securityHeaders: config.securityHeaders,
  });
  logger.info(
    {
      mode: config.mode,
      lab: config.lab,
      tlsMode: config.tlsMode,
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
  const servers = redirectServer ? [server, redirectServer] : [server];
  for (const listening of servers) {
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
    const closed = Promise.all(servers.map((listening) => new Promise<void>((resolve) => listening.close(() => resolve()))));
    // Keep-alive connections with no request in flight would hold close() open.
    for (const listening of servers) listening.closeIdleConnections();
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
