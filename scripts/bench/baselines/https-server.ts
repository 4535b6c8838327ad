// The bare `node:https` server every baseline runs on: the app's certificate and TLS settings
// and its server timeouts, and GET /healthz answering 200 (for the startup figure and the
// launcher's wait). Nothing else: no Express, no middleware, no logging, no rate limit. A
// baseline passes the one route it serves.
//
// Runs as its own process (scripts/bench/baseline-process.ts bundles it and starts it on plain
// Node), configured by environment variables: BASELINE_PORT, BASELINE_TLS (the options
// createTlsOptions in server/src/security/tls.ts makes for the app's certificate, as JSON: the
// bench computes them, so this bundle does not carry tls.ts's certificate tooling and its
// startup and memory stay bare Node's), and what the route needs.
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { defaultServerTimeouts, serverTimeoutOptions } from '../../../server/src/security/server-timeouts';
import type { createTlsOptions } from '../../../server/src/security/tls';

export type BaselineHandler = (req: IncomingMessage, res: ServerResponse) => void;

export function requireVariable(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: start the baseline through scripts/bench/baseline-process.ts.`);
  return value;
}

/** Serves `route` (method and path) with `handler`, /healthz with 200, anything else with 404. */
export function serveBaseline(route: { method: string; path: string }, handler: BaselineHandler): void {
  const timeouts = serverTimeoutOptions(defaultServerTimeouts({ behindProxy: false }));
  const tls = JSON.parse(requireVariable('BASELINE_TLS')) as ReturnType<typeof createTlsOptions>;
  const server = https.createServer({ ...tls, ...timeouts }, (req, res) => {
    if (req.method === route.method && req.url === route.path) return handler(req, res);
    res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'text/plain' });
    res.end(req.url === '/healthz' ? 'ok' : 'not found');
  });
  server.listen(Number(requireVariable('BASELINE_PORT')), 'localhost');
  process.once('SIGTERM', () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
