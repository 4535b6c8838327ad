// Stripe's API rate limits, on demand (off by default): with a profile on, `/v1` requests over
// the limit are answered 429 as Stripe answers them, so the app's retries and its webhook
// handling under a limit are exercised locally. The limits are Stripe's documented defaults
// (https://docs.stripe.com/rate-limits): a global limit per account of 100 operations a second
// in live mode and 25 in a sandbox (test mode), and 25 a second per API endpoint (each named
// operation: `GET /v1/payment_intents/{id}` is one endpoint whatever the id). Each limit is a
// token bucket that holds a second's worth and refills continuously, on the emulator's clock.
// Stripe marks only lock timeouts retryable (Stripe-Should-Retry), not rate limits, so no
// such header is sent: a client must back off on a 429 by itself.
import type { RequestHandler } from 'express';
import { StripeError } from './errors';

export const RATE_LIMIT_PROFILES = {
  live: { globalPerSecond: 100, endpointPerSecond: 25 },
  test: { globalPerSecond: 25, endpointPerSecond: 25 },
} as const;

export type RateLimitProfile = keyof typeof RATE_LIMIT_PROFILES;

export interface RateLimiter {
  middleware: RequestHandler;
  /** Requests answered 429 so far. */
  readonly limited: number;
}

/**
 * The endpoint a request counts against: the method and the path with object ids as `{id}`.
 * An id is a prefix and random characters (`pi_3Abc…`, `cs_test_a1…`), with a digit or a
 * capital somewhere; a resource name (`payment_intents`) has neither.
 */
export function endpointOf(method: string, path: string): string {
  return `${method} ${path.replace(/\/[a-z]+_(?=[a-z_]*[A-Z0-9])[A-Za-z0-9_]+(?=\/|$)/g, '/{id}')}`;
}

function createBucket(perSecond: number, now: () => number) {
  let tokens = perSecond;
  let at = now();
  return {
    take(): boolean {
      const time = now();
      tokens = Math.min(perSecond, tokens + ((time - at) / 1000) * perSecond);
      at = time;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
    give(): void {
      tokens = Math.min(perSecond, tokens + 1);
    },
  };
}

export function createRateLimiter(profile: RateLimitProfile, now: () => number): RateLimiter {
  const limits = RATE_LIMIT_PROFILES[profile];
  const global = createBucket(limits.globalPerSecond, now);
  const endpoints = new Map<string, ReturnType<typeof createBucket>>();
  let limited = 0;
  return {
    get limited() {
      return limited;
    },
    middleware(req, _res, next) {
      // A CORS preflight is the browser's, not an API operation.
      if (req.method === 'OPTIONS') return next();
      const endpoint = endpointOf(req.method, req.originalUrl.split('?', 1)[0] ?? '');
      let bucket = endpoints.get(endpoint);
      if (!bucket) endpoints.set(endpoint, (bucket = createBucket(limits.endpointPerSecond, now)));
      if (global.take()) {
        if (bucket.take()) return next();
        global.give(); // refused: it used none of the global allowance
      }
      limited += 1;
      // Answered by the app's error handler, as any other Stripe error on /v1.
      next(
        new StripeError(
          429,
          'invalid_request_error',
          'Request rate limit exceeded. Learn more about rate limits here https://docs.stripe.com/rate-limits.',
          { code: 'rate_limit' },
        ),
      );
    },
  };
}
