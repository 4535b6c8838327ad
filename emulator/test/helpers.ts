// Test fixtures: a real emulator over HTTPS on a free port, the real stripe SDK trusting the
// development CA, a real HTTPS webhook endpoint, and a plain HTTPS form post for the page.
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import Stripe from 'stripe';
import { ensureDevCertificate } from '../../common/dev-certs';
import { startEmulator, type Emulator, type EmulatorOptions } from '../src/index';

export const TEST_KEY = 'sk_test_emulatorTests123';
export const PAN_SUCCEEDS = '4242 4242 4242 4242';
export const PAN_GENERIC_DECLINE = '4000 0000 0000 0002';
export const PAN_INSUFFICIENT_FUNDS = '4000 0000 0000 9995';

export interface TestEmulator {
  emulator: Emulator;
  stripe: Stripe;
  /** Every log line the emulator wrote. */
  logs: string[];
  close(): Promise<void>;
}

export async function startTestEmulator(options: EmulatorOptions = {}): Promise<TestEmulator> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString('utf8'));
      callback();
    },
  });
  const emulator = await startEmulator({ port: 0, webhookRetryDelaysMs: [5, 5, 5], webhookTimeoutMs: 500, logger: pino(sink), ...options });
  const stripe = createStripeClient(emulator, TEST_KEY);
  return { emulator, stripe, logs, close: () => emulator.close() };
}

export function createStripeClient(emulator: Emulator, key: string): Stripe {
  return new Stripe(key, {
    host: 'localhost',
    port: emulator.port,
    protocol: 'https',
    httpAgent: new https.Agent({ ca: emulator.ca }),
    maxNetworkRetries: 0,
  });
}

export function createTestSession(stripe: Stripe, overrides: Partial<Stripe.Checkout.SessionCreateParams> = {}) {
  return stripe.checkout.sessions.create({
    mode: 'payment',
    ui_mode: 'hosted_page',
    line_items: [{ price_data: { currency: 'usd', unit_amount: 2500, product_data: { name: 'Workshop T-shirt' } }, quantity: 2 }],
    success_url: 'https://localhost:3000/success?session_id={CHECKOUT_SESSION_ID}',
    cancel_url: 'https://localhost:3000/cancel',
    client_reference_id: 'order_123',
    metadata: { order_id: 'order_123' },
    ...overrides,
  });
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A plain HTTPS request (what a browser without JavaScript does), trusting the dev CA. */
export function request(
  url: string,
  init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {},
): Promise<HttpResult> {
  return ensureDevCertificate().then(
    ({ ca }) =>
      new Promise<HttpResult>((resolve, reject) => {
        const body = init.form ? new URLSearchParams(init.form).toString() : undefined;
        const req = https.request(url, {
          method: init.method ?? (body ? 'POST' : 'GET'),
          ca,
          headers: {
            ...(body ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) } : {}),
            ...init.headers,
          },
        });
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        });
        req.on('error', reject);
        req.end(body);
      }),
  );
}

/** Fills and submits the hosted page's form, the way the browser sends it. */
export function payOnHostedPage(
  session: Stripe.Checkout.Session,
  fields: Partial<Record<'email' | 'cardNumber' | 'cardExpiry' | 'cardCvc' | 'billingName' | 'billingPostalCode', string>> = {},
) {
  if (!session.url) throw new Error('session has no url');
  return request(session.url, {
    form: {
      email: 'buyer@example.com',
      cardNumber: PAN_SUCCEEDS,
      cardExpiry: '12 / 34',
      cardCvc: '123',
      billingName: 'Ada Lovelace',
      billingPostalCode: '94107',
      ...fields,
    },
  });
}

export interface ReceivedWebhook {
  body: string;
  signature: string;
  /** The TLS version the delivery used. */
  protocol: string | null;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Attempts so far, failures included. */
  attempts: number;
  /** TLS connections the emulator opened to it. */
  connections: number;
  close(): Promise<void>;
}

/**
 * A real HTTPS webhook endpoint. `answer(attemptNumber)` picks the status for each request
 * (`'hang'` never answers, to exercise the emulator's timeout); `holdMs` delays every answer.
 */
export async function startWebhookReceiver(
  answer: (attempt: number) => number | 'hang' = () => 200,
  options: { holdMs?: number } = {},
): Promise<WebhookReceiver> {
  const { cert, key } = await ensureDevCertificate();
  const receiver: WebhookReceiver = { url: '', received: [], attempts: 0, connections: 0, close: () => Promise.resolve() };
  const server = https.createServer({ cert, key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      receiver.attempts += 1;
      const status = answer(receiver.attempts);
      if (status === 'hang') return;
      if (status >= 200 && status < 300) {
        const protocol = 'getProtocol' in req.socket ? (req.socket as TLSSocket).getProtocol() : null;
        receiver.received.push({
          body: Buffer.concat(chunks).toString('utf8'),
          signature: String(req.headers['stripe-signature']),
          protocol,
        });
      }
      const respond = () => res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
      if (options.holdMs) setTimeout(respond, options.holdMs);
      else respond();
    });
  });
  server.on('secureConnection', () => (receiver.connections += 1));
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('webhook receiver has no port');
  receiver.url = `https://localhost:${address.port}/webhooks/stripe`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

/** Polls until `check` passes (webhooks arrive on timers, after the API has answered). */
export async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('waitFor: condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The page's text with the HTML escapes this emulator emits undone, for message checks. */
export function decodeHtml(body: string): string {
  return body.replaceAll('&#39;', "'").replaceAll('&quot;', '"').replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

export const PK_TEST = 'pk_test_emulatorTests123';
export const PAN_3DS_REQUIRED = '4000 0025 0000 3155';
export const PAN_3DS_ALWAYS = '4000 0027 6000 3184';
export const PAN_DISPUTED = '4000 0000 0000 0259';

export function createPaymentIntent(stripe: Stripe, overrides: Partial<Stripe.PaymentIntentCreateParams> = {}) {
  return stripe.paymentIntents.create({
    amount: 1999,
    currency: 'usd',
    automatic_payment_methods: { enabled: true },
    metadata: { order_id: 'order_pe_1' },
    ...overrides,
  });
}

/** What the Payment Element frame posts: the card with the publishable key and the client secret. */
export function confirmFromBrowser(
  emulator: Emulator,
  intent: { id: string; client_secret: string | null },
  pan: string,
  overrides: Record<string, string> = {},
): Promise<HttpResult & { json: Record<string, unknown> }> {
  return request(`${emulator.url}/v1/payment_intents/${intent.id}/confirm`, {
    headers: { origin: 'https://js.stripe.com' },
    form: {
      key: PK_TEST,
      client_secret: intent.client_secret ?? '',
      'payment_method_data[type]': 'card',
      'payment_method_data[card][number]': pan.replace(/\s/g, ''),
      'payment_method_data[card][exp_month]': '12',
      'payment_method_data[card][exp_year]': '2034',
      'payment_method_data[card][cvc]': '123',
      return_url: 'https://localhost:3000/payment/return',
      ...overrides,
    },
  }).then((result) => ({ ...result, json: parseJsonObject(result.body) }));
}

export function parseJsonObject(body: string): Record<string, unknown> {
  const value: unknown = JSON.parse(body);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`not a JSON object: ${body.slice(0, 200)}`);
  return Object.fromEntries(Object.entries(value));
}

/** A dashboard button press: a same-origin form POST, as the browser sends it. */
export function pressDashboardButton(
  emulator: Emulator,
  path: string,
  form: Record<string, string> = {},
  origin: string | null = emulator.url,
) {
  return request(`${emulator.url}${path}`, { method: 'POST', form, headers: origin === null ? {} : { origin } });
}

/** The URL a meta-refresh "continue" page moves on to. */
export function readContinueUrl(body: string): string {
  const match = /<meta http-equiv="refresh" content="0;url=([^"]+)">/.exec(body);
  if (!match?.[1]) throw new Error(`not a continue page: ${body.slice(0, 300)}`);
  return decodeHtml(match[1]);
}

/** The `src` of the iframe whose name starts with `name` (the frames are server-rendered). */
export function readFrameSrc(body: string, name: string): string {
  const match = new RegExp(`<iframe[^>]* name="${name}[^"]*"[^>]* src="([^"]+)"`).exec(body);
  if (!match?.[1]) throw new Error(`no iframe named ${name}…: ${body.slice(0, 300)}`);
  return decodeHtml(match[1]);
}

/**
 * Walks a page's 3-D Secure challenge down its three frames, as a browser loads them:
 * `__privateStripeFrame…` (js origin) > `__stripeJSChallengeFrame` > `acsFrame` (hooks origin).
 */
export async function readChallengeFrames(body: string) {
  const outerUrl = readFrameSrc(body, '__privateStripeFrame');
  const outer = await request(outerUrl);
  const middleUrl = readFrameSrc(outer.body, '__stripeJSChallengeFrame');
  const middle = await request(middleUrl);
  const acsUrl = readFrameSrc(middle.body, 'acsFrame');
  return { outerUrl, outer, middleUrl, middle, acsUrl, acs: await request(acsUrl) };
}
