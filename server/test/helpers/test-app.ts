// Starts the real app over real HTTPS on a free port, with a real SQLite file in a temp
// folder and log lines collected in memory. Stripe is either the emulator (passed in) or
// an address nothing listens on, for tests that must never reach Stripe.
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from '../../src/app';
import type { AppDeps } from '../../src/app';
import { createLogger } from '../../src/logger';
import { createStripeClient } from '../../src/payments/stripe-client';
import type { Stripe } from '../../src/payments/stripe-client';
import { STRIPE_ORIGINS } from '../../src/security/csp';
import { createTlsOptions } from '../../src/security/tls';
import { openDatabase } from '../../src/store/database';
import type { Database } from '../../src/store/database';
import { createCspReportStore } from '../../src/store/csp-report-store';
import type { CspReportStore } from '../../src/store/csp-report-store';
import { createOrderStore } from '../../src/store/order-store';
import type { OrderStore } from '../../src/store/order-store';
import { ensureDevCertificate } from '../../../scripts/dev-certs';
import { httpsRequest } from './https-request';
import type { TestResponse } from './https-request';

export const FIXTURE_CLIENT_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'client');
export const TEST_WEBHOOK_SECRET = 'whsec_test_secret_for_vitest_only';
/** Tests make many requests from one address; the rate-limit test sets its own small limits. */
const GENEROUS_RATE_LIMITS = { windowMs: 60_000, api: 10_000, checkout: 10_000, orders: 10_000, cspReports: 10_000 };

export interface TestApp {
  url: string;
  port: number;
  ca: string;
  db: Database;
  dbFile: string;
  store: OrderStore;
  cspReports: CspReportStore;
  stripe: Stripe;
  logLines: string[];
  webhookSecret: string;
  request(pathname: string, options?: { method?: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface TestAppOptions extends Partial<Omit<AppDeps, 'stripe' | 'store' | 'logger' | 'publicUrl'>> {
  /** The emulator to use as Stripe; without it Stripe is unreachable. */
  stripeApi?: { url: string; ca: string };
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sss-server-'));
  const dbFile = path.join(dir, 'app.sqlite');
  const dev = await ensureDevCertificate();
  const db = openDatabase(dbFile);
  const store = createOrderStore(db);
  const cspReports = createCspReportStore(db);
  const logLines: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void logLines.push(line) } });
  const { stripeApi, ...rest } = options;
  const stripe = stripeApi
    ? createStripeClient({ secretKey: 'sk_test_emulated', apiUrl: new URL(stripeApi.url), ca: stripeApi.ca })
    : createStripeClient({ secretKey: 'sk_test_unreachable', apiUrl: new URL('https://127.0.0.1:9'), ca: dev.ca });

  const server = https.createServer(createTlsOptions(dev));
  await new Promise<void>((resolve) => server.listen(0, resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `https://localhost:${port}`;
  const app = createApp({
    mode: 'emulated',
    publishableKey: 'pk_test_emulated',
    webhookSecret: TEST_WEBHOOK_SECRET,
    clientDistDir: FIXTURE_CLIENT_DIR,
    stripeOrigins: STRIPE_ORIGINS,
    hstsPreload: false,
    trustProxyHops: 0,
    rateLimits: GENEROUS_RATE_LIMITS,
    ...rest,
    publicUrl: url,
    stripe,
    store,
    cspReports,
    logger,
  });
  server.on('request', app);

  return {
    url,
    port,
    ca: dev.ca,
    db,
    dbFile,
    store,
    cspReports,
    stripe,
    logLines,
    webhookSecret: options.webhookSecret ?? TEST_WEBHOOK_SECRET,
    request: (pathname, requestOptions = {}) => httpsRequest(`${url}${pathname}`, { ...requestOptions, ca: dev.ca }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function countRows(db: Database, table: 'orders' | 'processed_events'): number {
  const row = db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get();
  return row?.n ?? 0;
}
