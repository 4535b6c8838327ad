// A TLS-terminating reverse proxy on loopback, standing in for a platform's load balancer in
// front of TLS_MODE=proxy: HTTPS with the development certificate and the app's own TLS policy
// towards clients, plain HTTP to the app, X-Forwarded-Proto set to https and the client's
// address appended to X-Forwarded-For (as nginx's $proxy_add_x_forwarded_for does).
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createTlsOptions } from '../../src/security/tls';
import { ensureDevCertificate } from '../../../common/dev-certs';

// RFC 9110 section 7.6.1: these describe one connection and are not forwarded.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

function withoutHopByHop(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

export interface TlsProxy {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Listens on a free loopback port and forwards every request to http://127.0.0.1:<upstreamPort>. */
export async function startTlsProxy(upstreamPort: number): Promise<TlsProxy> {
  const dev = await ensureDevCertificate();
  const agent = new http.Agent({ keepAlive: true });
  const server = https.createServer(createTlsOptions(dev), (req, res) => {
    const forwardedFor = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');
    const headers = { ...withoutHopByHop(req.headers), 'x-forwarded-for': forwardedFor, 'x-forwarded-proto': 'https' };
    const upstream = http.request(
      { host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, withoutHopByHop(answer.headers));
        answer.pipe(res);
      },
    );
    // The app may answer (and close) before reading a body, as its redirects do: then only the rest of the upload fails.
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://localhost:${port}`,
    port,
    async close() {
      server.closeAllConnections();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
