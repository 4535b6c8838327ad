// The path of a request's target, as Express's router sees it (parseurl's pathname): up to the
// query or a fragment, still percent-encoded. The static responders in front of the router
// (routes/pages.ts, routes/built-assets.ts) match it against their own lists, and the request
// log records it (the whole path, not what is left of it inside a router).
import { parse } from 'node:url';

/** The target's path; undefined for a target with none (`*`) or one that does not parse. */
export function requestPathname(target: string): string | undefined {
  if (target.startsWith('/')) {
    const end = target.search(/[?#]/);
    return end === -1 ? target : target.slice(0, end);
  }
  // The absolute form (`https://host/path`), which a server must accept (RFC 9112 §3.2.2), read
  // as parseurl reads it: with Node's legacy url.parse, which keeps `.` and `..` segments (the
  // WHATWG URL parser would resolve them, and answer for a path the router never matched).
  if (!ABSOLUTE_FORM.test(target)) return undefined;
  return parse(target).pathname ?? undefined;
}

const ABSOLUTE_FORM = /^[a-z][a-z0-9+.-]*:\/\//i;

/** The path percent-decoded once; undefined when it does not decode. */
export function decodedPathname(pathname: string): string | undefined {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
}
