// One log line per request: method, path, status, time. Never the query string or the body,
// where a card number could be (the hosted page's POST carries one).
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

export function requestLogMiddleware(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      logger.info(
        {
          method: req.method,
          path: req.originalUrl.split('?', 1)[0],
          status: res.statusCode,
          ms: Number((process.hrtime.bigint() - started) / 1_000_000n),
          requestId: res.get('Request-Id'),
        },
        'request',
      );
    });
    next();
  };
}
