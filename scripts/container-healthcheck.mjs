// The container image's HEALTHCHECK (Dockerfile): GET /healthz on this container's own port;
// healthy when it answers 200 (the app serves and its database answers), exit 1 otherwise.
// Plain JavaScript on node's own clients: the runtime image has no curl, wget or tsx.
//
// It asks the server it runs next to, over loopback, whether it serves; it does not
// authenticate that server. So the certificate is not verified: it names PUBLIC_URL's host,
// not localhost, and may come from a CA this image does not hold (a mounted certificate).
import http from 'node:http';
import https from 'node:https';

const TIMEOUT_MS = 4_000;

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) {
  console.error('healthcheck: PORT is not set to the port the app listens on (the image sets 4242).');
  process.exit(1);
}
// TLS_MODE=proxy: the app speaks plain HTTP behind a TLS-terminating proxy, and /healthz answers there.
const client = process.env.TLS_MODE === 'proxy' ? http : https;

const request = client.get(
  { host: 'localhost', port, path: '/healthz', rejectUnauthorized: false, agent: false, timeout: TIMEOUT_MS },
  (response) => {
    response.resume();
    if (response.statusCode !== 200) console.error(`healthcheck: /healthz answered ${response.statusCode}`);
    process.exit(response.statusCode === 200 ? 0 : 1);
  },
);
request.on('timeout', () => request.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
request.on('error', (error) => {
  console.error(`healthcheck: ${error.message}`);
  process.exit(1);
});
