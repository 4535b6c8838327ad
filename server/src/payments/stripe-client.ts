// The one place a Stripe client is built. The API version is pinned so an SDK upgrade
// never silently changes the shapes we map (https://docs.stripe.com/api/versioning).
import { Agent } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSecureContext } from 'node:tls';
import Stripe from 'stripe';
import { AppError } from '../errors';

export type { Stripe };

export const STRIPE_API_VERSION = '2026-10-28.endive' as const;

export interface StripeClientOptions {
  secretKey: string;
  /** Another Stripe-compatible HTTPS server (the emulator); null for api.stripe.com. */
  apiUrl?: URL | null;
  /** CA certificates (PEM) to trust for `apiUrl`, e.g. the development CA. */
  ca?: string | string[] | null;
  /** How a 429 is retried; default RATE_LIMIT_RETRY (tests shorten it). */
  rateLimitRetry?: RateLimitRetryOptions;
}

export interface RateLimitRetryOptions {
  /** Retries after the first 429; the last answer, 429 or not, is what the SDK sees. */
  retries: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

/**
 * Stripe limits API requests per second (https://docs.stripe.com/rate-limits: 25 a second in a
 * sandbox, 100 in live mode) and answers 429 over it. stripe-node's `maxNetworkRetries` does
 * not retry those: it retries connection errors, 409s, 5xx and answers marked
 * `Stripe-Should-Retry: true`, which Stripe sends for lock timeouts but not for rate limits
 * (https://github.com/stripe/stripe-node/issues/1110). So a 429 is retried here, below the
 * SDK, with exponential backoff and jitter as Stripe advises
 * (https://docs.stripe.com/rate-limits#handling-limiting-gracefully): 0.5 s, then 0.5-1 s,
 * then 1-2 s, at most about 3.5 s in all, which keeps a webhook's answer well inside the time
 * Stripe waits for it. A POST is sent again with the same Idempotency-Key (the SDK sets one
 * on every POST), so a retry never does the work twice. Still limited after that, the call
 * fails with StripeRateLimitError: a webhook then answers 5xx and Stripe delivers it again later.
 */
export const RATE_LIMIT_RETRY: RateLimitRetryOptions = { retries: 3, initialDelayMs: 500, maxDelayMs: 4_000 };

/** The wait before retry number `retry` (0 first): doubling from the initial delay, capped, randomised down to half. */
export function rateLimitDelayMs(options: RateLimitRetryOptions, retry: number, random = Math.random): number {
  const ceiling = Math.min(options.initialDelayMs * 2 ** retry, options.maxDelayMs);
  return Math.max(options.initialDelayMs, ceiling * 0.5 * (1 + random()));
}

/** Stripe's HTTP client, sending a request again while Stripe answers 429 (see RATE_LIMIT_RETRY). */
export function retryRateLimited(inner: Stripe.HttpClient, options: RateLimitRetryOptions): Stripe.HttpClient {
  return {
    getClientName: () => inner.getClientName(),
    async makeRequest(...request: Parameters<Stripe.HttpClient['makeRequest']>) {
      for (let retry = 0; ; retry += 1) {
        const response = await inner.makeRequest(...request);
        if (response.getStatusCode() !== 429 || retry >= options.retries) return response;
        // The refused answer's body is not needed: release its connection before waiting.
        response.dispose?.();
        (response.getRawResponse() as { resume?: () => void } | undefined)?.resume?.();
        await sleep(rateLimitDelayMs(options, retry));
      }
    },
  };
}

/** Stripe refused the call for its rate limit, after our retries. */
export function isRateLimitError(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeRateLimitError;
}

/**
 * What a customer's request answers when the Stripe call that starts a payment failed: still
 * rate-limited after our retries is a 503 with `Retry-After` (Stripe will take it again in a
 * moment, so the browser may try again), anything else a 502 with `unavailable`. The pending
 * order stays as written: no Stripe object exists for it, and nothing will ever pay it.
 */
export function startFailure(error: unknown, unavailable: string): AppError {
  if (isRateLimitError(error))
    return new AppError(503, 'payment_provider_error', 'The payment provider is busy. Please try again in a few seconds.', {
      cause: error,
      retryAfterSeconds: START_RETRY_AFTER_SECONDS,
    });
  return new AppError(502, 'payment_provider_error', unavailable, { cause: error });
}

/** Stripe's limits are per second, and our own retries already waited about 3.5 s. */
export const START_RETRY_AFTER_SECONDS = 2;

/** Any failure of a Stripe API call (an answer or the connection), as opposed to a bug of ours. */
export function isStripeError(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeError;
}

export function createStripeClient(options: StripeClientOptions): Stripe {
  // One TLS context, built once: given `ca` instead, Node's agent would fold every CA
  // certificate (145 public roots plus ours) into the connection-pool key it rebuilds on
  // each request, and build a new context for each connection.
  const agent = options.apiUrl
    ? new Agent({ keepAlive: true, ...(options.ca ? { secureContext: createSecureContext({ ca: options.ca }) } : {}) })
    : undefined;
  const base = {
    apiVersion: STRIPE_API_VERSION,
    // Connection errors, 409s and 5xx: the SDK's own retries, with backoff and the same Idempotency-Key.
    maxNetworkRetries: 2,
    timeout: 20_000,
    httpClient: retryRateLimited(Stripe.createNodeHttpClient(agent), options.rateLimitRetry ?? RATE_LIMIT_RETRY),
  };
  if (!options.apiUrl) return new Stripe(options.secretKey, base);
  return new Stripe(options.secretKey, {
    ...base,
    host: options.apiUrl.hostname,
    port: options.apiUrl.port === '' ? 443 : Number(options.apiUrl.port),
    protocol: 'https',
  });
}
