// Time limits on every connection to the HTTPS server and the HTTP redirect server, so a
// client that sends slowly (slowloris: a header line or a few body bytes every second)
// cannot hold a socket for long. Node's defaults are generous: 120 s for a TLS handshake,
// 60 s for the headers and 300 s for the whole request, checked only every 30 s.
// https://nodejs.org/api/http.html#serverrequesttimeout
import type { ServerOptions as HttpServerOptions } from 'node:http';
import type { ServerOptions as HttpsServerOptions } from 'node:https';

export interface ServerTimeouts {
  /** From TCP connect to a finished TLS handshake (HTTPS only). */
  handshakeMs: number;
  /** From the first byte of a request to the end of its headers. */
  headersMs: number;
  /** From the first byte of a request to the end of its body (not the time to answer it). */
  requestMs: number;
  /** How long an idle keep-alive connection stays open between requests. */
  keepAliveMs: number;
}

/**
 * - handshake 10 s: a TLS handshake is a few round trips; a client that cannot finish one in
 *   10 s is not going to pay.
 * - headers 10 s: our headers fit in one packet (Node caps them at 16 kB).
 * - request 20 s: the largest body we accept is a 512 kB webhook (Stripe sends a few kB),
 *   which 20 s carries at 200 kbit/s; it does not count the answer (Stripe API calls).
 * - keep-alive 5 s when clients reach us directly (Node's default: enough for a page's
 *   assets, short enough that idle connections do not pile up), 65 s behind a proxy
 *   (TRUST_PROXY): longer than the 60 s idle timeout of common load balancers (AWS ALB,
 *   nginx's upstream keepalive_timeout), so the proxy closes an idle connection first and
 *   never sends a request on one we are closing (an intermittent 502).
 */
export function defaultServerTimeouts(options: { behindProxy: boolean }): ServerTimeouts {
  return { handshakeMs: 10_000, headersMs: 10_000, requestMs: 20_000, keepAliveMs: options.behindProxy ? 65_000 : 5_000 };
}

/** Options for `https.createServer` / `http.createServer` that apply the limits. */
export function serverTimeoutOptions(timeouts: ServerTimeouts): HttpServerOptions & Pick<HttpsServerOptions, 'handshakeTimeout'> {
  return {
    handshakeTimeout: timeouts.handshakeMs,
    headersTimeout: timeouts.headersMs,
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    // Node checks the header and request deadlines on this interval (30 s by default, which
    // would let a 20 s limit run to 50 s): check four times per shortest limit.
    connectionsCheckingInterval: Math.max(100, Math.floor(Math.min(timeouts.headersMs, timeouts.requestMs) / 4)),
  };
}
