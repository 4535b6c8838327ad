// The HTTPS server listens before the app behind it is assembled: PORT=0 must be resolved
// first, because the app needs its own URL (the webhook endpoint, PUBLIC_URL's default). A
// request that arrived in between found no 'request' listener, was never answered, and its
// client hung until it gave up: a health probe, a load balancer, a shopper during a restart.
// It now gets the answer /healthz gives while the app cannot serve, 503 with Retry-After, on a
// connection that is then closed; from `serve` on, every request goes to the app.
import type { RequestListener } from 'node:http';
import type { ApiErrorBody } from '../../common/api-contract';
import { sendJson } from './request-listener';
import type { FlatHeaders } from './security/headers';

/** Seconds a client should wait before asking again: a start takes about one. */
export const STARTING_RETRY_AFTER_SECONDS = 1;

export const STARTING_ERROR: ApiErrorBody['error'] = {
  code: 'starting',
  message: 'The shop is starting. Please try again in a moment.',
};

export interface StartingListener {
  /** The server's one 'request' listener, attached before it listens. */
  listener: RequestListener;
  /** From now on every request goes to `app`. */
  serve(app: RequestListener): void;
}

/** `commonHeaders`: the headers every response carries (security/headers.ts). */
export function createStartingListener(commonHeaders: FlatHeaders): StartingListener {
  const headers = [
    ...commonHeaders,
    'Retry-After',
    String(STARTING_RETRY_AFTER_SECONDS),
    'Cache-Control',
    'no-store',
    'Connection',
    'close',
  ];
  // A request body is left unread: the connection closes after this answer.
  let current: RequestListener = (_req, res) => sendJson(res, 503, headers, { error: STARTING_ERROR });
  return {
    listener: (req, res) => current(req, res),
    serve(app) {
      current = app;
    },
  };
}
