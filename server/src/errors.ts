// One error type and one error middleware: every failure becomes
// `{ "error": { "code", "message" } }`, with the cause logged but never echoed.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { ApiErrorBody, ApiErrorCode } from '../../common/api-contract';
import { noteRequestLog } from './logger';
import type { RequestLogNote } from './logger';

export class AppError extends Error {
  constructor(
    readonly status: number,
    /** One of the contract's codes: the client picks what to show by it. */
    readonly code: ApiErrorCode,
    readonly publicMessage: string,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(publicMessage, options);
    this.name = 'AppError';
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }

  /** Sent as `Retry-After` (RFC 9110 §10.2.3): when trying again may succeed (a 503). */
  readonly retryAfterSeconds: number | undefined;
}

/** What a 500 says: never the cause. */
export const INTERNAL_ERROR: ApiErrorBody['error'] = {
  code: 'internal_error',
  message: 'Something went wrong on our side. Please try again.',
};

export function notFoundMiddleware(): RequestHandler {
  return (_req, _res, next) => next(new AppError(404, 'not_found', 'There is nothing at this address.'));
}

/**
 * Body-parser errors carry a `type` and a 4xx `status`; map them to clear messages. Other
 * client errors from Express and its parsers (an undecodable %-escape in a path parameter,
 * a body that fails to inflate) carry only a 4xx `status`: still the client's fault, so
 * answer it as such, never as a 500 (found by server/test/fuzz.test.ts).
 */
function fromParserError(err: unknown): AppError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  switch ('type' in err ? err.type : undefined) {
    case 'entity.too.large':
      return new AppError(413, 'body_too_large', 'The request body is too large.');
    case 'entity.parse.failed':
      return new AppError(400, 'invalid_json', 'The request body is not valid JSON.');
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new AppError(415, 'unsupported_encoding', 'Send the body as UTF-8 JSON.');
  }
  const status = 'status' in err && typeof err.status === 'number' ? err.status : 500;
  return status >= 400 && status < 500 ? new AppError(status, 'bad_request', 'The request could not be read.') : undefined;
}

/** How a failure is answered and logged, by the error middleware and by the answers given in front of the app alike. */
export interface ErrorAnswer {
  status: number;
  body: ApiErrorBody;
  /** Sent as `Retry-After`. */
  retryAfterSeconds: number | undefined;
  /** For the request's one log line: the cause of a 5xx (logged, never sent), the code of a refusal. */
  note: RequestLogNote;
}

export function errorAnswer(err: unknown): ErrorAnswer {
  const known = err instanceof AppError ? err : fromParserError(err);
  const status = known?.status ?? 500;
  const note: RequestLogNote =
    status >= 500
      ? { level: 'error', msg: 'request failed', fields: { err, code: known?.code } }
      : { msg: 'request refused', fields: { code: known?.code } };
  const error: ApiErrorBody['error'] =
    known && status < 500
      ? { code: known.code, message: known.publicMessage }
      : { code: known?.code ?? INTERNAL_ERROR.code, message: known?.publicMessage ?? INTERNAL_ERROR.message };
  return { status, body: { error }, retryAfterSeconds: known?.retryAfterSeconds, note };
}

export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    const answer = errorAnswer(err);
    // Part of the request's one log line (method, full path, status come with it).
    noteRequestLog(res, logger, answer.note);
    if (res.headersSent) {
      res.end();
      return;
    }
    if (answer.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(answer.retryAfterSeconds));
    res.status(answer.status).json(answer.body);
  };
}
