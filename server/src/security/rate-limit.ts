// Per-client rate limits (express-rate-limit, in memory: one process). Client = IP,
// which behind a proxy is only right when TRUST_PROXY names the hops.
// Answers 429 in our error shape with the standard RateLimit headers
// (https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/).
import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { AppError } from '../errors';

export interface RateLimitOptions {
  windowMs: number;
  /** Requests per window per client for each limited route group. */
  api: number;
  checkout: number;
  orders: number;
  cspReports: number;
}

export const DEFAULT_RATE_LIMITS: RateLimitOptions = {
  windowMs: 60_000,
  api: 300,
  checkout: 10,
  orders: 120,
  cspReports: 30,
};

function createLimiter(windowMs: number, limit: number): RequestHandler {
  return rateLimit({
    windowMs,
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next) => next(new AppError(429, 'rate_limited', 'Too many requests. Please wait a minute and try again.')),
  });
}

export function createRateLimiters(options: RateLimitOptions) {
  return {
    api: createLimiter(options.windowMs, options.api),
    checkout: createLimiter(options.windowMs, options.checkout),
    orders: createLimiter(options.windowMs, options.orders),
    cspReports: createLimiter(options.windowMs, options.cspReports),
  };
}
export type RateLimiters = ReturnType<typeof createRateLimiters>;
