// TLS_MODE=proxy: a proxy in front terminates TLS and forwards plain HTTP, saying in
// X-Forwarded-Proto how the client reached it. A request the client made over plain http gets
// what app mode's redirect server answers (http-redirect.ts): 308 to the same path on
// PUBLIC_URL, never on an origin taken from the Host header. `/healthz` is answered as is: the
// platform's health checker calls the app directly, over plain HTTP, with no forwarded headers.
//
// Works on raw node:http req/res, so main.ts runs it first in the server's request listener,
// before any router or fast path; it returns true when it has answered.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { createHttpsRedirectHandler } from '../http-redirect';
import { HEALTH_PATH } from '../routes/health';

export type ForwardedHttpsCheck = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * The protocol the client used, as recorded by the outermost of `trustProxyHops` proxies: the
 * same hop Express's `trust proxy` (a hop count) takes the client address from
 * (https://expressjs.com/en/guide/behind-proxies.html). Each proxy appends to
 * X-Forwarded-Proto as it does to X-Forwarded-For, so that entry is the hops-th from the right;
 * entries further left came from the client or an untrusted hop and are ignored. (Express's own
 * `req.protocol` reads the leftmost entry, which a client can write.) With fewer entries than
 * hops, the inner proxies passed the outer one's value on: the leftmost is the outermost's.
 */
export function forwardedProtocol(req: IncomingMessage, trustProxyHops: number): string {
  const own = (req.socket as Partial<TLSSocket>).encrypted === true ? 'https' : 'http';
  // Node joins a repeated X-Forwarded-Proto into one list with commas, as RFC 9110 section 5.3 reads it.
  const header = req.headers['x-forwarded-proto'];
  if (trustProxyHops < 1 || header === undefined) return own;
  const entries = [header]
    .flat()
    .join(',')
    .split(',')
    .map((entry) => entry.trim().toLowerCase());
  return entries[Math.max(0, entries.length - trustProxyHops)] || own;
}

function pathnameOf(url: string | undefined): string {
  return (url ?? '').split('?', 1)[0] ?? '';
}

/** Built once at startup (TLS_MODE=proxy): answers a non-https request with the redirect and returns true. */
export function createForwardedHttpsCheck(options: { publicUrl: string; trustProxyHops: number }): ForwardedHttpsCheck {
  // config.ts refuses these; a wrong caller must not get a check that believes anyone.
  if (!(options.trustProxyHops >= 1)) throw new Error('The forwarded-https check needs TRUST_PROXY of at least 1.');
  if (new URL(options.publicUrl).protocol !== 'https:') throw new Error(`PUBLIC_URL must be https:// behind a proxy: ${options.publicUrl}`);
  const redirect = createHttpsRedirectHandler(options.publicUrl);
  return (req, res) => {
    if (pathnameOf(req.url) === HEALTH_PATH || forwardedProtocol(req, options.trustProxyHops) === 'https') return false;
    redirect(req, res);
    return true;
  };
}
