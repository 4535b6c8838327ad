// The local Stripe emulator: `startEmulator(options)` starts it in-process over HTTPS with
// the development CA. The contract is docs/decisions/001-layout-modes-and-contracts.md.
import { randomBytes } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import type Stripe from 'stripe';
import { ensureDevCertificate } from '../../common/dev-certs';
import { createEmulatorActions, type EmulatorActions } from './state/actions';
import { createFaults, type EmulatorFaults } from './api/faults';
import { createRateLimiter } from './api/rate-limit';
import { expireDueCheckoutSessions } from './state/checkout-sessions';
import { buildBrowserScripts } from './pages/browser-scripts-compiler';
import type { EmulatorContext, PublicOrigins } from './context';
import { resolveOptions, STRIPE_ORIGINS, webhookEndpointSchema, type EmulatorOptions, type WebhookEndpointOptions } from './options';
import { createEmulatorApp } from './server';
import { EmulatorStore } from './store';
import { buildAccount } from './objects/account';
import { createWebhookEndpoint } from './state/webhook-endpoints';
import { createId } from './ids';
import { createWebhookDispatcher } from './webhooks/delivery';
import type { EmulatorEvent } from './objects/event';
import { CONNECT_JS_PATH, STRIPE_JS_PATH } from '../../common/stripe-js';

export type { CardEntry, CustomerPaymentResult, EmulatorActions } from './state/actions';
export type { EmulatorEvent } from './objects/event';
export type { EmulatorFaults, FaultRule } from './api/faults';
export { RATE_LIMIT_PROFILES } from './api/rate-limit';
export type { PublicOrigins } from './context';
export type { AccountOptions, EmulatorOptions, RestrictedKeyOptions, WebhookEndpointOptions } from './options';
export { signWebhookPayload } from './webhooks/signature';
export { createId } from './ids';

export interface Emulator {
  /** https://localhost:<port> (the API base and the dashboard). */
  url: string;
  port: number;
  /** PEM of the CA its certificate chains to: trust it with `new https.Agent({ ca })`. */
  ca: string;
  /** Where hosted page URLs point: `url`, or https://checkout.stripe.com with publicOrigins 'stripe'. */
  hostedPageOrigin: string;
  /** The browser-facing origins (all `url`, or Stripe's with publicOrigins 'stripe'). */
  publicOrigins: PublicOrigins;
  /** Where the Stripe.js stand-in is: `${publicOrigins.js}/endive/stripe.js`. */
  stripeJsUrl: string;
  /** Where the Connect.js stand-in is: `${publicOrigins.connect}/v1.0/connect.js`. */
  connectJsUrl: string;
  addWebhookEndpoint(endpoint: WebhookEndpointOptions): void;
  /**
   * What a customer and a dashboard user do, without a browser or HTTP: the same services as
   * the pages and buttons, so the same events (load and chaos tests drive payments this way).
   */
  actions: EmulatorActions;
  /** Read-only views of the state, for tests that compute what the merchant should end with. */
  state: EmulatorStateView;
  /** Simulated Stripe outages: matching API requests get a 500 `api_error`. */
  faults: EmulatorFaults;
  /** `/v1` requests answered 429 by the rate limiter (option `rateLimit`); 0 when it is off. */
  rateLimited(): number;
  close(): Promise<void>;
}

export interface EmulatorStateView {
  /** Every event so far, oldest first, from `offset` on (as `GET /v1/events/:id` shows it). */
  readEvents(offset?: number): EmulatorEvent[];
  findCheckoutSession(id: string): Stripe.Checkout.Session | undefined;
  findPaymentIntent(id: string): Stripe.PaymentIntent | undefined;
  findCharge(id: string): Stripe.Charge | undefined;
}

const SWEEP_INTERVAL_MS = 1_000;

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const resolved = resolveOptions(options);
  const logger = resolved.logger ?? pino({ name: 'stripe-emulator' });
  const certificate = await ensureDevCertificate(resolved.certDir ? { dir: resolved.certDir } : {});
  const now = resolved.clock ?? Date.now;
  const scripts = await buildBrowserScripts();
  const store = new EmulatorStore();
  const dispatcher = createWebhookDispatcher({
    store,
    logger,
    ca: certificate.ca,
    retryDelaysMs: resolved.webhookRetryDelaysMs,
    timeoutMs: resolved.webhookTimeoutMs,
    now,
  });
  // Configured endpoints are listed by `GET /v1/webhook_endpoints` like created ones.
  const addWebhookEndpoint = (endpoint: WebhookEndpointOptions) => {
    const checked = webhookEndpointSchema.safeParse(endpoint);
    if (!checked.success) {
      throw new Error(`Invalid webhook endpoint: ${checked.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
    }
    createWebhookEndpoint(
      { store, now },
      { url: checked.data.url, secret: checked.data.secret, enabledEvents: checked.data.enabledEvents, connect: checked.data.connect },
    );
  };
  resolved.webhookEndpoints.forEach(addWebhookEndpoint);
  const endpointUrls = () => [...store.webhookEndpoints.values()].map(({ endpoint }) => endpoint.url);
  const account = buildAccount({
    id: createId('acct', 16),
    created: Math.floor(now() / 1000),
    businessName: resolved.businessName,
    chargesEnabled: resolved.account.chargesEnabled,
    detailsSubmitted: resolved.account.detailsSubmitted,
  });

  let url = '';
  const context: EmulatorContext = {
    store,
    now,
    emit: (event) => {
      store.events.push(event);
      dispatcher.dispatch(event);
    },
    origins: { js: '', api: '', hooks: '', checkout: '', connect: '' },
    fingerprintKey: randomBytes(32),
    businessName: resolved.businessName,
    account,
  };
  const faults = createFaults();
  const rateLimiter = resolved.rateLimit ? createRateLimiter(resolved.rateLimit, now) : null;
  const app = createEmulatorApp({
    faults: faults.middleware,
    rateLimit: rateLimiter?.middleware ?? null,
    context,
    logger,
    auth: {
      secretKeys: resolved.secretKeys,
      restrictedKeys: new Map(resolved.restrictedKeys.map(({ key, permissions }) => [key, permissions])),
      accountId: account.id,
    },
    scripts,
    describe: () => ({ url, endpoints: endpointUrls() }),
  });
  // TLS 1.2 stays enabled: clients such as Stripe's own webhook sender do not speak 1.3 only.
  const server = https.createServer({ cert: certificate.cert, key: certificate.key, minVersion: 'TLSv1.2' }, app);
  await listen(server, resolved.port, resolved.host);
  const { port } = addressOf(server);
  url = `https://${formatHost(resolved.host)}:${port}`;
  context.origins =
    resolved.publicOrigins === 'stripe' ? { ...STRIPE_ORIGINS } : { js: url, api: url, hooks: url, checkout: url, connect: url };

  // Sessions also expire on every request; the timer covers an idle emulator.
  const sweep = setInterval(() => expireDueCheckoutSessions(context), SWEEP_INTERVAL_MS);
  sweep.unref();
  logger.info(
    { url, publicOrigins: context.origins, webhookEndpoints: endpointUrls(), rateLimit: resolved.rateLimit },
    'Stripe emulator listening',
  );

  return {
    url,
    port,
    ca: certificate.ca,
    hostedPageOrigin: context.origins.checkout,
    publicOrigins: { ...context.origins },
    stripeJsUrl: `${context.origins.js}${STRIPE_JS_PATH}`,
    connectJsUrl: `${context.origins.connect}${CONNECT_JS_PATH}`,
    addWebhookEndpoint,
    actions: createEmulatorActions(context),
    faults,
    rateLimited: () => rateLimiter?.limited ?? 0,
    state: {
      readEvents: (offset = 0) => store.events.slice(offset).map((event) => store.presentEvent(event)),
      findCheckoutSession: (id) => store.sessions.get(id),
      findPaymentIntent: (id) => store.paymentIntents.get(id),
      findCharge: (id) => store.charges.get(id),
    },
    close: async () => {
      clearInterval(sweep);
      dispatcher.close();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

function listen(server: https.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`Port ${port} on ${host} is in use: stop the other process, or set EMULATOR_PORT (0 picks a free port).`)
          : error,
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function addressOf(server: https.Server): AddressInfo {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('The emulator server has no TCP address.');
  return address;
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
