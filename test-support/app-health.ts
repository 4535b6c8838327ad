// Knowing when an app process serves: a free port to give it, and a wait for GET /healthz to
// answer 200 over HTTPS (the app launcher; the load benchmark probes with the same request).
import https from 'node:https';
import net from 'node:net';

const HEALTH_TIMEOUT_MS = 60_000;
const HEALTH_INTERVAL_MS = 100;

export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, 'localhost', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('Could not find a free port'))));
    });
  });
}

export interface WaitForHealthyOptions {
  /** The CA the app's certificate chains to. */
  ca: string;
  /** True once the process is gone: the wait fails at once instead of timing out. */
  hasExited: () => boolean;
  /** The app's last output, for the error message. */
  output: () => string;
  /** Between two probes; default 100 ms. */
  intervalMs?: number;
}

/** Resolves once `url` answers 200; fails if the process exits first, or after 60 s, with the app's output in the message. */
export async function waitForHealthy(url: string, options: WaitForHealthyOptions): Promise<void> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (options.hasExited()) throw new Error(`The app exited before it was healthy. Its output:\n${options.output()}`);
    if ((await probeStatus(url, options.ca)) === 200) return;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? HEALTH_INTERVAL_MS));
  }
  throw new Error(`The app did not answer ${url} with 200 within ${HEALTH_TIMEOUT_MS / 1000} s. Its output:\n${options.output()}`);
}

/** The status of one GET on a connection of its own (nothing kept open to an app about to be killed); undefined when none came. */
export function probeStatus(url: string, ca: string, timeoutMs = 2_000): Promise<number | undefined> {
  return new Promise((resolve) => {
    const request = https.get(url, { ca, timeout: timeoutMs, agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(undefined));
  });
}
