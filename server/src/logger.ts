// Structured JSON logs (pino) that never carry secrets or card numbers.
//
// Two layers: pino's path redaction for the fields we know are sensitive (auth headers,
// Stripe signatures, cookies, keys), and a last pass over every finished line that masks
// PAN-like digit runs and Stripe key patterns wherever they appear, including messages
// and error stacks. Timestamps are ISO strings so that no 13-digit epoch looks like a PAN.
import type { RequestHandler } from 'express';
import pino from 'pino';
import type { DestinationStream, Logger } from 'pino';
import { requestPathname } from './request-path';
import { maskPans } from './store/pan-guard';

export type { Logger } from 'pino';

export const REDACTED = '[redacted]';

export const REDACT_PATHS = [
  'authorization',
  'cookie',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  'headers["stripe-signature"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["stripe-signature"]',
  'res.headers["set-cookie"]',
  '*.authorization',
  '*.cookie',
  '*["stripe-signature"]',
  'secretKey',
  'webhookSecret',
  'webhookSecrets',
  '*.secretKey',
  '*.webhookSecret',
  '*.webhookSecrets',
  '*.apiKey',
  '*.password',
];

const SECRET_PATTERNS = /\b(?:sk|rk)_(?:test|live)_[A-Za-z0-9]+|\bwhsec_[A-Za-z0-9+/=_-]+/g;

/**
 * Masks Stripe secrets and card numbers in one serialised log line. The PAN detector decodes
 * JSON escapes, percent-escapes and Unicode digit forms first, so a number in a URL's path or
 * query string, or typed with tabs or full-width digits, is masked like a plain one (all but
 * its last four digits become `*`, and the line stays valid JSON).
 */
export function scrubLogLine(line: string): string {
  return maskPans(line.replace(SECRET_PATTERNS, REDACTED));
}

function createScrubbingStream(destination: DestinationStream): DestinationStream {
  return {
    write(line: string) {
      destination.write(scrubLogLine(line));
    },
  };
}

export interface LoggerOptions {
  level: string;
  /** Where lines go; stdout by default. Tests pass a collector. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? pino.destination({ dest: 1, sync: true });
  return pino(
    {
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      timestamp: pino.stdTimeFunctions.isoTime,
      base: { pid: process.pid },
    },
    createScrubbingStream(destination),
  );
}

/** The one line per request: method, path (no query string), status and duration. */
export function logRequest(logger: Logger, method: string | undefined, path: string | undefined, status: number, started: bigint): void {
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  logger.info({ method, path, status, ms: Math.round(ms) }, 'request');
}

/** The request line for what the Express app answers (request-listener.ts writes it for the rest). */
export function requestLogMiddleware(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    // originalUrl: a router strips its mount path from req.url and req.path (`/api/products` would be logged as `/products`).
    res.on('finish', () => logRequest(logger, req.method, requestPathname(req.originalUrl), res.statusCode, started));
    next();
  };
}
