// Starting the app as a process and knowing when it serves: a free port to give it, and a wait
// for GET /healthz to answer 200 over HTTPS (the e2e suite and the chaos harness).
import type { ChildProcess } from 'node:child_process';
import https from 'node:https';
import net from 'node:net';

const HEALTH_TIMEOUT_MS = 60_000;

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

/**
 * Resolves once `url` answers 200; fails at once if `child` exits first, or after 60 s,
 * with the app's last output (`output()`) in the message.
 */
export async function waitForHealthy(url: string, ca: string, child: ChildProcess, output: () => string | Promise<string>, intervalMs = 250): Promise<void> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`The app exited (${child.exitCode ?? child.signalCode}) before it was healthy. Its output:\n${await output()}`);
    }
    if ((await probeStatus(url, ca)) === 200) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`The app did not answer ${url} with 200 within ${HEALTH_TIMEOUT_MS / 1000} s. Its output:\n${await output()}`);
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
