// The client's address, as Express's `req.ip` computes it under the app's `trust proxy` setting
// (app.ts: TRUST_PROXY as a hop count, or false): proxy-addr, the library Express itself calls,
// walks X-Forwarded-For from the right and believes only that many hops
// (https://expressjs.com/en/guide/behind-proxies.html). For answers given in front of the
// Express app (routes/webhooks.ts), which must see the client Express would have seen.
import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

/** Built once at startup: the client address of a request with `hops` trusted proxies in front (0: the socket's peer). */
export function createClientAddress(hops: number): (req: IncomingMessage) => string {
  // What Express compiles a numeric `trust proxy` into (express/lib/utils.js compileTrust); with
  // 0 (the app sets false) no hop is trusted, as proxy-addr's compile([]) would have it.
  const trust = (_address: string, hop: number) => hop < hops;
  return (req) => proxyAddr(req, trust);
}
