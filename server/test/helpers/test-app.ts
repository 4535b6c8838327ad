// Starts the real app over real HTTPS on a free port, with a real database (a fresh SQLite
// file by default, or the test database passed in) and log lines collected in memory. Stripe
// is either the emulator (passed in) or an address nothing listens on, for tests that must
// never reach Stripe. In either TLS mode: the app's own HTTPS (app), or plain HTTP behind a
// TLS-terminating proxy on loopback (proxy), wired the way main.ts wires it.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/app';
import type { AppDeps } from '../../src/app';
import type { TlsMode } from '../../src/config';
import { createLogger } from '../../src/logger';
import { createStripeClient } from '../../src/payments/stripe-client';
import type { RateLimitRetryOptions, Stripe } from '../../src/payments/stripe-client';
import { STRIPE_ORIGINS } from '../../src/security/csp';
import { defaultServerTimeouts, serverTimeoutOptions } from '../../src/security/server-timeouts';
import type { ServerTimeouts } from '../../src/security/server-timeouts';
import { createTlsOptions } from '../../src/security/tls';
import type { AppDatabase } from '../../src/store/database';
import { createCspReportStore } from '../../src/store/csp-report-store';
import type { CspReportStore } from '../../src/store/csp-report-store';
import { createOrderStore } from '../../src/store/order-store';
import { createSellerStore } from '../../src/store/seller-store';
import type { SellerStore } from '../../src/store/seller-store';
import { DEFAULT_SELLER_TIMEOUTS } from '../../src/config';
import { createSessionManager } from '../../src/sellers/sessions';
import { SESSION_COOKIE_NAME } from '../../src/security/session-cookie';
import { PAGE_MANIFEST, type PageEntry } from '../../../common/pages';
import type { OrderStore } from '../../src/store/order-store';
import { ensureDevCertificate } from '../../../common/dev-certs';
import type { Catalog } from '../../../common/catalog';
import { itemAt, loadActiveCatalog } from '../../../test-support/catalog';
import { createTestDatabase } from './databases';
import { fixtureClientDir } from '../../../test-support/fixture-client';
import type { TestDatabase } from './databases';
import { startTestEmulator } from './emulator';
import type { Emulator } from './emulator';
import { httpsRequest } from './https-request';
import type { TestResponse } from './https-request';
import { startTlsProxy } from './tls-proxy';

/** The fixture build made from the page list (fixture-client.ts). */
export const FIXTURE_CLIENT_DIR = fixtureClientDir();
export const TEST_WEBHOOK_SECRET = 'whsec_test_secret_for_vitest_only';
/** Suites that must hold in both TLS modes run once per mode: `describe.each(TLS_MODES)`. */
export const TLS_MODES: readonly TlsMode[] = ['app', 'proxy'];
/** Tests make many requests from one address; the rate-limit test sets its own small limits. */
const GENEROUS_RATE_LIMITS = {
  windowMs: 60_000,
  api: 10_000,
  checkout: 10_000,
  orders: 10_000,
  cspReports: 10_000,
  sellerAuth: 10_000,
  accountSessions: 10_000,
};

export interface TestApp {
  /** What clients use: the app's HTTPS origin, or the TLS proxy's in proxy mode (the app's PUBLIC_URL either way). */
  url: string;
  port: number;
  tlsMode: TlsMode;
  /** Where the app itself listens: `url` in app mode; http://127.0.0.1:<port> behind the proxy. */
  appUrl: string;
  ca: string;
  db: AppDatabase;
  /** The SQLite file, or null on PostgreSQL. */
  dbFile: string | null;
  store: OrderStore;
  cspReports: CspReportStore;
  sellerStore: SellerStore;
  stripe: Stripe;
  /** The catalog the app sells: the option, or the active catalog (CATALOG_FILE or config/catalog.json). */
  catalog: Catalog;
  logLines: string[];
  webhookSecret: string;
  request(pathname: string, options?: RequestOptions): Promise<TestResponse>;
  /**
   * A request for a page as its visitor would make it: with a signed-in seller's session cookie
   * for the pages the page list marks `access: 'seller'`, as request() otherwise.
   */
  requestPage(pathname: string, options?: RequestOptions): Promise<TestResponse>;
  /** The Cookie header of one signed-in seller of this app (made once, on first use). */
  sellerSessionHeaders(): Promise<Record<string, string>>;
  /** A request straight to appUrl, past the proxy (in app mode the same as request). */
  requestApp(pathname: string, options?: RequestOptions): Promise<TestResponse>;
  close(): Promise<void>;
}

type RequestOptions = { method?: string; headers?: Record<string, string>; body?: string | Buffer };

export interface TestAppOptions extends Partial<Omit<AppDeps, 'stripe' | 'store' | 'logger' | 'publicUrl'>> {
  /** The emulator to use as Stripe; without it Stripe is unreachable. */
  stripeApi?: { url: string; ca: string };
  /** The database to use (dropped on close); default a fresh SQLite file. */
  database?: TestDatabase;
  /** Connection time limits; default the ones main.ts uses for the mode. */
  serverTimeouts?: ServerTimeouts;
  /** Default app; proxy puts a TLS-terminating proxy in front (and TRUST_PROXY defaults to 1). */
  tlsMode?: TlsMode;
  /** The signing secrets the app accepts; default [TEST_WEBHOOK_SECRET]. Tests sign with the first. */
  webhookSecrets?: string[];
  /** How the Stripe client retries a 429; default the app's own (stripe-client.ts). */
  rateLimitRetry?: RateLimitRetryOptions;
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const { stripeApi, database, serverTimeouts, tlsMode = 'app', rateLimitRetry, ...rest } = options;
  const behindProxy = tlsMode === 'proxy';
  const trustProxyHops = options.trustProxyHops ?? (behindProxy ? 1 : 0);
  const catalog = options.catalog ?? loadActiveCatalog();
  const testDatabase = database ?? (await createTestDatabase('sqlite'));
  const db = testDatabase.database;
  const dev = await ensureDevCertificate();
  const store = createOrderStore(db);
  const cspReports = createCspReportStore(db);
  const sellerStore = createSellerStore(db);
  const logLines: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void logLines.push(line) } });
  const stripe = stripeApi
    ? createStripeClient({ secretKey: 'sk_test_emulated', apiUrl: new URL(stripeApi.url), ca: stripeApi.ca, rateLimitRetry })
    : createStripeClient({ secretKey: 'sk_test_unreachable', apiUrl: new URL('https://127.0.0.1:9'), ca: dev.ca });

  const timeouts = serverTimeoutOptions(serverTimeouts ?? defaultServerTimeouts({ behindProxy }));
  const server = behindProxy ? http.createServer(timeouts) : https.createServer({ ...createTlsOptions(dev), ...timeouts });
  await new Promise<void>((resolve) => (behindProxy ? server.listen(0, '127.0.0.1', resolve) : server.listen(0, resolve)));
  const appPort = (server.address() as AddressInfo).port;
  const proxy = behindProxy ? await startTlsProxy(appPort) : null;
  const port = proxy?.port ?? appPort;
  const url = proxy?.url ?? `https://localhost:${appPort}`;
  const appUrl = proxy ? `http://127.0.0.1:${appPort}` : url;
  const webhookSecrets = options.webhookSecrets ?? [TEST_WEBHOOK_SECRET];
  const app = createApp({
    mode: 'emulated',
    publishableKey: 'pk_test_emulated',
    webhookSecrets,
    clientDistDir: FIXTURE_CLIENT_DIR,
    stripeOrigins: STRIPE_ORIGINS,
    // What production sends (the headers tests and the doc test grade it); development's HSTS has its own test.
    securityHeaders: 'production',
    hstsPreload: false,
    rateLimits: GENEROUS_RATE_LIMITS,
    ...rest,
    trustProxyHops,
    tlsMode: behindProxy ? 'proxy' : 'app',
    catalog,
    publicUrl: url,
    stripe,
    store,
    cspReports,
    // A test may bring its own clock or timeouts; the store is always this app's database.
    sellers: { timeouts: DEFAULT_SELLER_TIMEOUTS, ...options.sellers, store: sellerStore },
    logger,
  });
  server.on('request', app);

  let session: Promise<Record<string, string>> | undefined;
  const sellerCookie = () =>
    (session ??= (async () => {
      // Letters only: a timestamp in the address can pass the Luhn check, and the store refuses it as a card number.
      const seller = await sellerStore.createSeller('pages@example.com');
      const timeouts = { ...DEFAULT_SELLER_TIMEOUTS, ...options.sellers?.timeouts };
      const id = await createSessionManager(sellerStore, timeouts, options.sellers?.clock).start(seller.id);
      return { Cookie: `${SESSION_COOKIE_NAME}=${id}` };
    })());

  return {
    url,
    port,
    tlsMode,
    appUrl,
    ca: dev.ca,
    db,
    dbFile: testDatabase.file,
    store,
    cspReports,
    sellerStore,
    stripe,
    catalog,
    logLines,
    webhookSecret: webhookSecrets[0] ?? TEST_WEBHOOK_SECRET,
    request: (pathname, requestOptions = {}) => httpsRequest(`${url}${pathname}`, { ...requestOptions, ca: dev.ca }),
    async requestPage(pathname, requestOptions = {}) {
      const headers = isSellerPage(pathname) ? { ...requestOptions.headers, ...(await sellerCookie()) } : requestOptions.headers;
      return httpsRequest(`${url}${pathname}`, { ...requestOptions, headers, ca: dev.ca });
    },
    sellerSessionHeaders: sellerCookie,
    requestApp: (pathname, requestOptions = {}) => httpsRequest(`${appUrl}${pathname}`, { ...requestOptions, ca: dev.ca }),
    async close() {
      await proxy?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await testDatabase.drop();
    },
  };
}

/** Whether a path (any case, one trailing slash, any query) is a page only a signed-in seller gets. */
export function isSellerPage(pathname: string): boolean {
  const path = (pathname.split('?')[0] ?? '').toLowerCase().replace(/(.)\/$/, '$1');
  return PAGE_MANIFEST.some((entry: PageEntry) => entry.access === 'seller' && entry.route === path);
}

export async function countRows(database: AppDatabase, table: 'orders' | 'processed_events' | 'order_transitions'): Promise<number> {
  const row = await database.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** An emulator and an app that uses it as Stripe (no webhook endpoint: tests add one or deliver events themselves). */
export async function startEmulatedApp(
  options: Omit<TestAppOptions, 'stripeApi'> = {},
): Promise<{ emulator: Emulator; app: TestApp; stop(): Promise<void> }> {
  const emulator = await startTestEmulator();
  const app = await startTestApp({ ...options, stripeApi: emulator });
  return {
    emulator,
    app,
    async stop() {
      await app.close();
      await emulator.close();
    },
  };
}

/**
 * Starts a Payment Element payment the way the page does (POST /api/payment-intents) and
 * finds the pending order it wrote. Fails unless the answer is 201.
 */
export async function startPaymentIntent(app: TestApp, items: unknown = [itemAt(app.catalog, 0)]) {
  const res = await app.request('/api/payment-intents', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ items }),
  });
  if (res.status !== 201) throw new Error(`POST /api/payment-intents answered ${res.status}: ${res.text}`);
  const { clientSecret } = res.json() as { clientSecret: string };
  const paymentIntentId = clientSecret.split('_secret_')[0] ?? '';
  const orderId = (await app.store.findOrderByPaymentIntent(paymentIntentId))?.id ?? '';
  return { res, clientSecret, paymentIntentId, orderId };
}
