// The seller session cookie, written and read here only. `__Host-` makes the browser refuse it
// unless it is Secure, has Path=/ and no Domain, so no sibling subdomain or plain-http page can
// set or overwrite it (https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#name-the-__host-prefix).
// HttpOnly: no script reads it. SameSite=Strict: no other site's page sends it (the origin
// check guards the state-changing requests too). Max-Age is the absolute session lifetime: the
// server ends the session then anyway, and the browser need not keep it longer.
import type { IncomingMessage } from 'node:http';

export const SESSION_COOKIE_NAME = '__Host-seller-session';

const ATTRIBUTES = 'Path=/; Secure; HttpOnly; SameSite=Strict';

/** The Set-Cookie value that hands the browser a session id. */
export function sessionCookie(id: string, maxAgeMs: number): string {
  return `${SESSION_COOKIE_NAME}=${id}; ${ATTRIBUTES}; Max-Age=${Math.floor(maxAgeMs / 1000)}`;
}

/** The Set-Cookie value that makes the browser forget it (sign-out, or a session that has ended). */
export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE_NAME}=; ${ATTRIBUTES}; Max-Age=0`;
}

/** The session id the request carries, or null. Only the first cookie of that name counts. */
export function readSessionCookie(req: IncomingMessage): string | null {
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const separator = pair.indexOf('=');
    if (separator > 0 && pair.slice(0, separator).trim() === SESSION_COOKIE_NAME) return pair.slice(separator + 1).trim();
  }
  return null;
}
