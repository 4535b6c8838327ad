// Per-client rate limits (express-rate-limit). Client = IP, which behind a proxy is only
// right when TRUST_PROXY names the hops. Counters live in this process's memory by default;
// several instances behind a load balancer must share them (RATE_LIMIT_STORE=database,
// store/rate-limit-store.ts), or each instance would allow the whole limit again.
// Answers 429 in our error shape with the standard RateLimit headers
// (https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/).
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Store } from 'express-rate-limit';
import { AppError } from '../errors';

export interface RateLimitOptions {
  windowMs: number;
  /** Requests per window per client for each limited route group. */
  api: number;
  checkout: number;
  orders: number;
  cspReports: number;
  /** Seller passkey ceremonies (enrol and sign-in, options and answers together): guessing and spraying stay slow. */
  sellerAuth: number;
  /** Account Sessions for a signed-in seller's components: each is a Stripe API call. */
  accountSessions: number;
}

export const DEFAULT_RATE_LIMITS: RateLimitOptions = {
  windowMs: 60_000,
  api: 300,
  checkout: 10,
  orders: 120,
  cspReports: 30,
  sellerAuth: 10,
  accountSessions: 30,
};

/**
 * The client a limit counts: the key express-rate-limit's default keyGenerator gives, req.ip
 * (so TRUST_PROXY decides which hop it is) with an IPv6 address cut to its /56, as one
 * subscriber holds many addresses. The CSP report quota counts per the same client.
 */
export function rateLimitClientKey(req: Request): string {
  return ipKeyGenerator(req.ip ?? '');
}

/** Makes the counter store of one limiter (`name` keeps the groups' counters apart); absent = memory. */
export type RateLimitStoreFactory = (name: string) => Store;

function createLimiter(windowMs: number, limit: number, store: Store | undefined): RequestHandler {
  return rateLimit({
    windowMs,
    limit,
    ...(store ? { store } : {}),
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next) => next(new AppError(429, 'rate_limited', 'Too many requests. Please wait a minute and try again.')),
  });
}

export function createRateLimiters(options: RateLimitOptions, createStore?: RateLimitStoreFactory) {
  const limiter = (name: 'api' | 'checkout' | 'orders' | 'cspReports' | 'sellerAuth' | 'accountSessions') =>
    createLimiter(options.windowMs, options[name], createStore?.(name));
  return {
    api: limiter('api'),
    checkout: limiter('checkout'),
    orders: limiter('orders'),
    cspReports: limiter('cspReports'),
    sellerAuth: limiter('sellerAuth'),
    accountSessions: limiter('accountSessions'),
  };
}
export type RateLimiters = ReturnType<typeof createRateLimiters>;
