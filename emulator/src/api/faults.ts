// Stripe outages on demand: API requests matching a rule are answered with Stripe's 500
// `api_error` instead of being served, so tests can prove what the app does when Stripe fails
// part-way (reconciliation leaves the event for the next run; the return page answers with
// what it has). Rules match the method and the path (query strings are not matched).
import type { RequestHandler } from 'express';
import { StripeError } from './errors';

export interface FaultRule {
  method: 'GET' | 'POST';
  /** Matched against the path, e.g. /^\/v1\/payment_intents\/pi_123$/. */
  path: RegExp;
  /** How many matching requests fail; default every one until `clear()`. */
  times?: number;
}

export interface EmulatorFaults {
  fail(rule: FaultRule): void;
  clear(): void;
  /** Requests answered with a fault so far. */
  readonly injected: number;
}

export function createFaults(): EmulatorFaults & { middleware: RequestHandler } {
  let rules: { rule: FaultRule; left: number }[] = [];
  let injected = 0;
  return {
    fail(rule) {
      rules.push({ rule, left: rule.times ?? Number.POSITIVE_INFINITY });
    },
    clear() {
      rules = [];
    },
    get injected() {
      return injected;
    },
    middleware(req, _res, next) {
      const match = rules.find(
        ({ rule, left }) => left > 0 && rule.method === req.method && rule.path.test(req.originalUrl.split('?')[0] ?? ''),
      );
      if (!match) return next();
      match.left -= 1;
      injected += 1;
      // Answered by the app's error handler, as any other Stripe error on /v1.
      next(new StripeError(500, 'api_error', 'The emulator was told to fail this request (a simulated Stripe outage).'));
    },
  };
}
