// Slow clients (slowloris): a TLS handshake never finished, headers or a webhook body
// trickled a few bytes at a time, an idle keep-alive connection. Each is closed at its
// limit (short limits here; main.ts uses defaultServerTimeouts).
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultServerTimeouts } from '../src/security/server-timeouts';
import type { ServerTimeouts } from '../src/security/server-timeouts';
import { startTestApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

const LIMITS: ServerTimeouts = { handshakeMs: 800, headersMs: 800, requestMs: 1500, keepAliveMs: 800 };
/** Node checks deadlines on an interval and the machine may be busy: allow this much late. */
const SLACK_MS = 1500;
/** Give up waiting (the test fails) well before any of Node's own defaults would close it. */
const GIVE_UP_MS = 6000;

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ serverTimeouts: LIMITS });
});
afterAll(async () => {
  await app.close();
});

interface Closed {
  afterMs: number;
  received: string;
}

/** Resolves when the server closes the socket, with what it sent; trickles `chunks` meanwhile. */
function watchClose(socket: net.Socket, trickle?: { chunks: () => string; everyMs: number }): Promise<Closed> {
  const started = Date.now();
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  return new Promise((resolve, reject) => {
    const timer = trickle
      ? setInterval(() => {
          if (!socket.destroyed && socket.writable) socket.write(trickle.chunks());
        }, trickle.everyMs)
      : undefined;
    const giveUp = setTimeout(() => {
      clearInterval(timer);
      socket.destroy();
      reject(new Error(`still open after ${GIVE_UP_MS} ms (received ${JSON.stringify(received)})`));
    }, GIVE_UP_MS);
    socket.once('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ afterMs: Date.now() - started, received });
    });
    socket.on('error', () => {}); // a reset is a close too
  });
}

function connectTls(): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port: app.port, servername: 'localhost', ca: app.ca }, () => resolve(socket));
    socket.once('error', reject);
  });
}

describe('connection time limits', () => {
  it('closes a connection that never starts its TLS handshake', async () => {
    const socket = net.connect({ host: '127.0.0.1', port: app.port });
    await new Promise((resolve) => socket.once('connect', resolve));
    const closed = await watchClose(socket);
    expect(closed.afterMs).toBeGreaterThanOrEqual(LIMITS.handshakeMs - 100);
    expect(closed.afterMs).toBeLessThan(LIMITS.handshakeMs + SLACK_MS);
  });

  it('closes a connection whose headers are trickled, one header line at a time', async () => {
    const socket = await connectTls();
    socket.write('POST /webhooks/stripe HTTP/1.1\r\nHost: localhost\r\n');
    let n = 0;
    const closed = await watchClose(socket, { chunks: () => `X-Slow-${n++}: 1\r\n`, everyMs: 100 });
    expect(closed.afterMs).toBeGreaterThanOrEqual(LIMITS.headersMs - 100);
    expect(closed.afterMs).toBeLessThan(LIMITS.headersMs + SLACK_MS);
    expect(closed.received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes a webhook delivery whose body is trickled, and never processes it', async () => {
    const before = app.logLines.length;
    const socket = await connectTls();
    const body = JSON.stringify({ id: 'evt_slow', object: 'event', type: 'checkout.session.completed', data: { object: {} } }).padEnd(
      4096,
      ' ',
    );
    socket.write(
      `POST /webhooks/stripe HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nStripe-Signature: t=1,v1=00\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    let offset = 0;
    // A few bytes every 100 ms: the socket is never idle, but the body would take 80 s.
    const closed = await watchClose(socket, { chunks: () => body.slice(offset, (offset += 5)), everyMs: 100 });
    expect(closed.afterMs).toBeGreaterThanOrEqual(LIMITS.requestMs - 200);
    expect(closed.afterMs).toBeLessThan(LIMITS.requestMs + SLACK_MS);
    expect(closed.received).toMatch(/^HTTP\/1\.1 408 /);
    expect(app.logLines.slice(before).join('')).not.toContain('webhook event');
  });

  it('closes an idle keep-alive connection after its limit, and serves the request before it', async () => {
    const socket = await connectTls();
    socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const closed = await watchClose(socket);
    expect(closed.received).toMatch(/^HTTP\/1\.1 200 /);
    expect(closed.received).toMatch(/keep-alive/i);
    expect(closed.afterMs).toBeGreaterThanOrEqual(LIMITS.keepAliveMs - 100);
    expect(closed.afterMs).toBeLessThan(LIMITS.keepAliveMs + SLACK_MS);
  });
});

describe('defaultServerTimeouts', () => {
  it("bounds every phase far below Node's defaults, and keeps idle connections longer than a load balancer does only behind one", () => {
    const direct = defaultServerTimeouts({ behindProxy: false });
    const proxied = defaultServerTimeouts({ behindProxy: true });
    expect(direct).toEqual({ handshakeMs: 10_000, headersMs: 10_000, requestMs: 20_000, keepAliveMs: 5_000 });
    expect(proxied).toEqual({ ...direct, keepAliveMs: 65_000 });
  });
});
