// The HTTPS server's request listener: a short list of handlers, each `(req, res) => handled`,
// tried in order before the Express app. The first that answers ends the request; the app
// answers what none of them did. Pages and built files answer here (routes/pages.ts,
// routes/built-assets.ts) because for them Express's router, `res.send` and its middleware
// chain cost several times the work itself: everything they send is prepared at startup, with
// its headers from the same module the app's come from (security/headers.ts). Webhook
// deliveries answer here too (routes/webhooks.ts): for them Express's router, body parser and
// `res.json` were a quarter of the CPU of taking an event in. A check that must run before
// anything is served goes first in the list.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { INTERNAL_ERROR } from './errors';
import { openRequestLog } from './logger';
import type { Logger } from './logger';
import { requestPathname } from './request-path';
import type { FlatHeaders } from './security/headers';

/**
 * Answers the request and returns true, or leaves it untouched and returns false. It may answer
 * later (after reading the body); what it notes for the log line (logger.ts noteRequestLog) goes
 * into the request's one line.
 */
export type RawHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface RequestListenerOptions {
  /** Tried in order; the first that returns true has answered. */
  handlers: readonly RawHandler[];
  /** Answers everything else (the Express app, which writes its own request line). */
  app: RequestListener;
  logger: Logger;
  /** The headers every response carries (security/headers.ts), for the 500 a throwing handler gets. */
  commonHeaders: FlatHeaders;
}

export function createRequestListener({ handlers, app, logger, commonHeaders }: RequestListenerOptions): RequestListener {
  // A handler that throws must not take the process down (the listener runs outside Express's
  // error handling): the request gets the app's generic 500, and the cause goes to the log.
  const fail = (req: IncomingMessage, res: ServerResponse, error: unknown) => {
    logger.error({ err: error, method: req.method, path: requestPathname(req.url ?? '') }, 'request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendJson(res, 500, commonHeaders, { error: INTERNAL_ERROR });
  };
  return (req, res) => {
    const writeLine = openRequestLog(logger, req, res);
    for (const handler of handlers) {
      let handled: boolean;
      try {
        handled = handler(req, res);
      } catch (error) {
        fail(req, res, error);
        handled = true;
      }
      if (!handled) continue;
      // The same request line as the app's (logger.ts). Most handlers have answered by now, so
      // the line is written at once rather than from a 'close' listener on every response; one
      // still reading the body gets it when the connection is done with the response.
      if (res.writableEnded) writeLine(false);
      else res.once('close', () => writeLine(true));
      return;
    }
    // The app's requests get the same line, written when the response closes, so one whose
    // client went away is logged too (`aborted`); the app's routes add to it (noteRequestLog).
    res.once('close', () => writeLine(true));
    app(req, res);
  };
}

/** A JSON answer as the app's `res.json` sends it (but for the ETag): these headers, the JSON type and the length. */
export function sendJson(res: ServerResponse, status: number, headers: FlatHeaders, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, [...headers, 'Content-Type', 'application/json; charset=utf-8', 'Content-Length', String(Buffer.byteLength(body))]);
  res.end(body);
}
