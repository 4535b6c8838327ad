// What a run against Stripe's test mode needs beyond the emulated run: the app on the port
// `stripe listen` forwards to, and a Stripe client for the harness's own calls that waits out
// Stripe's rate limits rather than failing the test.
import { createStripeClient, type RateLimitRetryOptions, type Stripe } from '../server/src/payments/stripe-client';

/** Where `stripe listen --forward-to https://localhost:<port>/webhooks/stripe` is pointed unless E2E_APP_PORT says otherwise. */
export const DEFAULT_TEST_MODE_APP_PORT = 4242;

/** The app's HTTPS port in the stripe-test-mode project: E2E_APP_PORT, default 4242. */
export function readTestModeAppPort(env: Record<string, string | undefined>): number {
  const value = env.E2E_APP_PORT;
  if (value === undefined || value === '') return DEFAULT_TEST_MODE_APP_PORT;
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw new Error(
      `E2E_APP_PORT must be a TCP port from 1 to 65535 (the one \`stripe listen --forward-to https://localhost:<port>/webhooks/stripe\` forwards to), got '${value}'.`,
    );
  }
  return port;
}

/**
 * The app's client gives up after about 3.5 s of 429s, to answer a webhook in time. A test has
 * minutes, and Stripe's sandbox allows 25 requests a second across the account
 * (https://docs.stripe.com/rate-limits), shared with the app under test and with any other run
 * on the same account: wait longer (1 s doubling to 16 s, about a minute in all) before failing.
 */
export const HARNESS_RATE_LIMIT_RETRY: RateLimitRetryOptions = { retries: 6, initialDelayMs: 1_000, maxDelayMs: 16_000 };

export interface HarnessStripeClientOptions {
  secretKey: string;
  /** The emulator's API origin; null for api.stripe.com. */
  apiUrl: URL | null;
  /** PEM of the CA the emulator's certificate chains to. */
  ca: string | null;
  rateLimitRetry?: RateLimitRetryOptions;
}

/** The app's own Stripe client (pinned API version, 429 retries), with the harness's patience. */
export function createHarnessStripeClient(options: HarnessStripeClientOptions): Stripe {
  return createStripeClient({
    secretKey: options.secretKey,
    apiUrl: options.apiUrl,
    ca: options.ca,
    rateLimitRetry: options.rateLimitRetry ?? HARNESS_RATE_LIMIT_RETRY,
  });
}
